"""The committed docs/openapi.json is the API's schema, exactly; ``kam openapi --check`` says when not."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kam.core.management.commands.openapi import SCHEMA_PATH, current_schema


def test_the_committed_schema_is_the_apis_schema() -> None:
    committed = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

    assert committed == current_schema(), "docs/openapi.json is stale: run `kam openapi` and commit it"


def test_the_check_passes_on_the_committed_schema() -> None:
    out = StringIO()

    call_command("openapi", "--check", stdout=out)

    assert out.getvalue() == f"{SCHEMA_PATH} is up to date.\n"


def test_the_check_fails_with_a_message_when_the_file_differs(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text(json.dumps({**current_schema(), "paths": {}}), encoding="utf-8")
    err = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("openapi", "--check", "--output", str(stale), stderr=err)

    assert exit_info.value.code == 1
    assert err.getvalue() == f"{stale} is not the API's current schema: run `kam openapi` and commit the file.\n"


def test_the_command_writes_the_schema(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"

    call_command("openapi", "--output", str(target), stdout=StringIO())

    assert json.loads(target.read_text(encoding="utf-8")) == current_schema()
    assert target.read_text(encoding="utf-8").endswith("}\n")
