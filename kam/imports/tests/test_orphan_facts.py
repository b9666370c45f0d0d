"""Facts left by an import killed between its facts commit and its web commit are recovered."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from kam.imports.actions import do_import_file, do_recover_facts
from kam.imports.models import ImportRun
from kam.key_accounts.actions import do_create_accounts_from_codes
from kam_engine import FactsStore

pytestmark = pytest.mark.django_db

INVOICES = "invoice,line,account,date,net_revenue\nF1,1,ACME,2024-01-01,10\nF1,2,ACME,2024-01-02,20\n"


def _orphan(facts: FactsStore, tmp_path: Path) -> Path:
    """Import the file, then forget its web side: what a kill between the two commits leaves."""
    do_create_accounts_from_codes(["ACME"], acting_user=None)
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES, encoding="utf-8")
    assert do_import_file("invoices", path, acting_user=None).is_valid
    ImportRun.objects.all().delete()
    assert facts.row_counts()["invoice_lines"] == 2
    return path


def test_the_next_import_removes_orphan_facts_and_holds_exactly_the_file(facts: FactsStore, tmp_path: Path) -> None:
    path = _orphan(facts, tmp_path)

    outcome = do_import_file("invoices", path, acting_user=None)

    run = ImportRun.objects.get()
    assert outcome.created == 2
    assert (run.rows, run.created, run.unchanged) == (2, 2, 0)
    assert facts.import_ids() == {str(run.import_id)}
    assert facts.row_counts() == {"imports": 1, "invoice_lines": 2, "activities": 0, "deliveries": 0}


def test_recovery_keeps_the_facts_of_recorded_imports(facts: FactsStore, tmp_path: Path) -> None:
    _orphan(facts, tmp_path)
    kept = tmp_path / "more.csv"
    kept.write_text("invoice,line,account,date,net_revenue\nF2,1,ACME,2024-02-01,5\n", encoding="utf-8")
    do_import_file("invoices", kept, acting_user=None)

    removed = do_recover_facts()

    assert removed == {"invoice_lines": 0, "activities": 0, "deliveries": 0, "imports": 0}
    assert facts.row_counts()["invoice_lines"] == 1
    assert facts.import_ids() == {str(ImportRun.objects.get().import_id)}


def test_kam_init_recovers_orphan_facts(facts: FactsStore, tmp_path: Path) -> None:
    _orphan(facts, tmp_path)

    call_command("init", quiet=True)

    assert facts.row_counts() == {"imports": 0, "invoice_lines": 0, "activities": 0, "deliveries": 0}
