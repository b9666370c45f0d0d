"""Where the shared real-world data sets live (../shared/datasets beside the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATASETS = Path(os.environ.get("KAM_DATASETS_DIR", Path(__file__).resolve().parents[2] / "shared" / "datasets"))


def dataset(*parts: str) -> Path:
    """Return a data set path; skip (or fail in CI) when the shared folder is absent."""
    path = DATASETS.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI needs ../shared/datasets beside the checkout")
        pytest.skip(f"{path} is missing (set KAM_DATASETS_DIR to the shared datasets folder)")
    return path
