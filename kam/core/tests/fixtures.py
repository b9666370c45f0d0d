"""Shared fixtures: an isolated data folder per test and the cast of personas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

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


@pytest.fixture(scope="session")
def _empty_static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("static")


@pytest.fixture(autouse=True)
def _plain_static_files(_empty_static_root: Path) -> Iterator[None]:
    """Serve static files without a manifest: tests run without ``collectstatic``.

    WhiteNoise's manifest storage needs the collected files and their manifest; its
    middleware also warns (an error under our warning filter) when ``STATIC_ROOT`` is missing.
    """
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, STATIC_ROOT=_empty_static_root):
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language, whatever language an earlier request activated."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
