"""Architecture rules that a reader cannot see at a glance, enforced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCKED_IMPORT = """
import importlib, pkgutil, sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"django", "kam"}:
            raise ImportError(f"kam_engine must not import {name}")
        return None

sys.meta_path.insert(0, Block())
import kam_engine
names = [m.name for m in pkgutil.walk_packages(kam_engine.__path__, "kam_engine.") if ".tests" not in m.name]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_the_engine_never_imports_django_or_the_web_app() -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 8


def test_there_is_no_utils_dumping_ground() -> None:
    offenders = [path.relative_to(ROOT) for path in ROOT.glob("kam*/**/utils.py")]

    assert offenders == []
