"""An import writes both stores or neither, even when the web side fails after the facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kam.imports import actions
from kam.imports.actions import do_import_file
from kam.imports.models import ImportRun
from kam.key_accounts.models import Account
from kam_engine import FactsStore

pytestmark = pytest.mark.django_db


class WebSideError(Exception):
    pass


def test_facts_are_removed_again_when_the_web_transaction_fails(
    tmp_path: Path, facts: FactsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text("invoice,line,account,date,net_revenue\nF1,1,NEW,2024-01-01,10\n", encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("[options]\ncreate_accounts = true\n", encoding="utf-8")

    def fail_after_the_facts(run: ImportRun, acting_user: Any) -> None:
        # By now the facts are committed in DuckDB and the account is created in the web transaction.
        assert facts.row_counts()["invoice_lines"] == 1
        raise WebSideError

    monkeypatch.setattr(actions, "_audit_run", fail_after_the_facts)

    with pytest.raises(WebSideError):
        do_import_file("invoices", path, mapping_path=mapping, acting_user=None)

    assert facts.row_counts() == {"imports": 0, "invoice_lines": 0, "activities": 0, "deliveries": 0}
    assert Account.objects.count() == 0
    assert ImportRun.objects.count() == 0
