"""`kam analyze` on imported data: the summary, the stored snapshot, and history by date."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.core.models import AuditRecord
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
from kam_engine import FactsStore
from tests.test_northwind import MAPPINGS, import_northwind

pytestmark = pytest.mark.django_db

POLICY = MAPPINGS / "policy.toml"


def analyze(*arguments: str) -> dict[str, object]:
    out = StringIO()
    call_command("analyze", *arguments, "--json", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_northwind_analysis_reproduces_its_revenue_and_freight(facts: FactsStore) -> None:
    import_northwind()

    summary = analyze("--as-of", "1998-12-31", "--policy", str(POLICY))

    assert summary["accounts"] == 89
    assert summary["revenue"] == 1265793.04
    # Freight is the only activity; payment terms cost 30/365 × 8 % of revenue.
    assert summary["cost_to_serve"] == pytest.approx(64942.69 + 1265793.0395 * 30 / 365 * 0.08, abs=0.01)
    assert summary["profit"] == pytest.approx(1265793.0395 - summary["cost_to_serve"], abs=0.01)  # type: ignore[operator]
    abc = summary["abc"]
    assert isinstance(abc, dict)
    assert sum(abc.values()) == 89
    assert AccountAnalysis.objects.filter(as_of="1998-12-31").count() == 89


def test_one_account_prints_its_figures_and_cost_by_activity(facts: FactsStore) -> None:
    import_northwind()

    figures = analyze("--as-of", "1998-12-31", "--policy", str(POLICY), "--account", "ALFKI")

    assert figures["account"] == "ALFKI"
    assert figures["revenue"] == pytest.approx(4273.0, abs=0.01)
    assert figures["orders"] == 6
    costs = figures["costs_by_activity"]
    assert isinstance(costs, dict)
    assert list(costs) == ["freight"]


def test_rerunning_a_date_replaces_it_and_other_dates_stay(facts: FactsStore) -> None:
    import_northwind()

    analyze("--as-of", "1998-12-31", "--policy", str(POLICY))
    analyze("--as-of", "1998-12-31", "--policy", str(POLICY))
    analyze("--as-of", "1997-12-31", "--policy", str(POLICY))

    assert list(PortfolioAnalysis.objects.values_list("as_of", flat=True).order_by("as_of")) == [
        dt.date(1997, 12, 31),
        dt.date(1998, 12, 31),
    ]
    assert AuditRecord.objects.filter(action="portfolio_analysis.replace").count() == 1


def test_a_bad_policy_is_refused_naming_the_key(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[segmentation]\na = 0.99\nb = 0.9\n", encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("analyze", "--policy", str(policy))

    assert str(raised.value) == f"{policy}: segmentation needs 0 < a < b <= 1"
    assert PortfolioAnalysis.objects.count() == 0


def test_an_empty_facts_store_is_refused_with_a_hint_and_stores_nothing(facts: FactsStore) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("analyze", "--as-of", "2026-10-31")

    assert str(raised.value) == (
        "Nothing to analyse: no invoice lines on or before 2026-10-31. "
        "Import them first with `kam import invoices FILE`."
    )
    assert PortfolioAnalysis.objects.count() == 0


def test_a_malformed_date_is_a_usage_error_naming_the_option() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("analyze", "--as-of", "2026-13-01")

    assert str(raised.value) == "Error: argument --as-of: 2026-13-01 is not a date (use YYYY-MM-DD)"
