"""Text too wide for its column, or holding a NUL character, is named by row on every database."""

from __future__ import annotations

from pathlib import Path

import pytest

from kam.imports.models import ImportRun
from kam.imports.tests.test_import_command import run_import, write
from kam.key_accounts.models import Account

pytestmark = pytest.mark.django_db


def test_a_name_longer_than_its_column_and_a_nul_character_are_named_by_row(tmp_path: Path) -> None:
    long_name = "N" * 201
    bad = write(tmp_path, "accounts.csv", f"code,name\nA1,{long_name}\nA2,Acme\x00Iberia\nA3,Fine\n")

    status, out, err = run_import("accounts", str(bad))

    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "accounts.csv:2:name: the value has 201 characters; at most 200 are allowed",
        "accounts.csv:3:name: 'Acme\\\\0Iberia' contains a NUL character, which cannot be stored",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    assert Account.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_an_account_code_of_a_fact_longer_than_account_codes_is_named(tmp_path: Path) -> None:
    code = "C" * 65
    bad = write(tmp_path, "sales.csv", f"invoice,line,account,date,net_revenue\nF1,1,{code},2026-01-05,10\n")

    status, _out, err = run_import("invoices", str(bad))

    assert status == 1
    assert "sales.csv:2:account: the value has 65 characters; at most 64 are allowed" in err.splitlines()
    assert Account.objects.count() == 0
