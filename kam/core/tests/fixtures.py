"""Shared fixtures: an isolated data folder per test and the cast of personas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from kam_engine.facts import FactsStore


@pytest.fixture(autouse=True)
def _isolated_facts_store(tmp_path: Path) -> Iterator[FactsStore]:
    """Every test gets its own empty facts store."""
    store_path = tmp_path / "facts.duckdb"
    with override_settings(FACTS_URL=f"duckdb://{store_path}"):
        yield FactsStore(store_path)


@pytest.fixture
def facts(_isolated_facts_store: FactsStore) -> FactsStore:
    """The facts store of this test."""
    return _isolated_facts_store
