"""`kam demo` builds the demo company and imports it through the user's import path."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from kam.key_accounts.models import Account, AccountTeamMember
from kam.kpis.models import PortfolioAnalysis
from kam.scorecards.models import KpiSnapshot
from kam.users.models import User
from kam_engine import FactsStore

pytestmark = pytest.mark.django_db(transaction=True)


def run_demo() -> list[dict[str, object]]:
    out = StringIO()
    call_command("demo", size="small", seed=7, no_serve=True, json=True, stdout=out)
    result: list[dict[str, object]] = json.loads(out.getvalue())
    return result


def test_the_demo_imports_every_file_and_can_log_in(facts: FactsStore) -> None:
    outcomes = run_demo()

    assert [outcome["kind"] for outcome in outcomes] == [
        "users",
        "accounts",
        "products",
        "contacts",
        "invoices",
        "activities",
        "deliveries",
        "team",
        "cases",
    ]
    assert all(outcome["ok"] and outcome["created"] == outcome["rows"] for outcome in outcomes)
    assert Account.objects.count() == 150
    assert AccountTeamMember.objects.exists()
    director = User.objects.get(username="director")
    assert director.check_password("openkam-demo")
    counts = facts.row_counts()
    assert counts["invoice_lines"] == next(o["rows"] for o in outcomes if o["kind"] == "invoices")
    # The last day of data and the five month ends before it (the scorecards' history; the
    # last of them is also the quarter the demo's incentives are paid on).
    assert list(PortfolioAnalysis.objects.values_list("as_of", flat=True)) == [
        dt.date(2026, 10, 31),
        dt.date(2026, 9, 30),
        dt.date(2026, 8, 31),
        dt.date(2026, 7, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 5, 31),
    ]
    assert list(KpiSnapshot.objects.filter(scope="portfolio").values_list("as_of", flat=True).order_by("as_of")) == [
        dt.date(2026, 5, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 31),
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 31),
    ]
    analysis = PortfolioAnalysis.objects.latest("as_of")
    assert analysis.as_of == dt.date(2026, 10, 31)
    assert analysis.summary["accounts"] == analysis.accounts.count()


def test_running_the_demo_again_imports_nothing_new(facts: FactsStore) -> None:
    run_demo()
    counts = facts.row_counts()

    outcomes = run_demo()

    assert [outcome["created"] for outcome in outcomes] == [0] * 9
    assert [outcome["updated"] for outcome in outcomes] == [0] * 9
    assert {table: n for table, n in facts.row_counts().items() if table != "imports"} == {
        table: n for table, n in counts.items() if table != "imports"
    }
