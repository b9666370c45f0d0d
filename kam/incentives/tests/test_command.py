"""`kam incentives --period …`: each KAM's payout, explained; JSON for other tools."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kam.incentives.models import IncentivePlan
from kam.incentives.tests.conftest import save_plan
from kam.kpis.models import PortfolioAnalysis
from kam.users.models import User

pytestmark = pytest.mark.django_db


def run(*arguments: str) -> str:
    out = StringIO()
    call_command("incentives", *arguments, stdout=out)
    return out.getvalue()


def test_it_prints_the_payouts_as_json(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    document: dict[str, Any] = json.loads(run("--period", "2025-Q4", "--json"))

    assert document["plan"] == {"id": incentive_plan.pk, "name": "KAM bonus 2025", "status": "approved"}
    assert document["period"] == {"label": "2025-Q4", "start": "2025-10-01", "end": "2025-12-31"}
    assert document["total"] == 31_075.0
    assert [(kam["kam"], kam["name"], kam["total"]) for kam in document["kams"]] == [
        ("alice", "Alice Anders", 14_200.0),
        ("bob", "Bob Berg", 16_875.0),
    ]
    cobalt = document["kams"][1]["accounts"][0]
    assert {name: value for name, value in cobalt.items() if name != "components"} == {
        "code": "COBALT",
        "name": "Cobalt Retail",
        "phase": "growth",
        "analysis_as_of": "2025-12-31",
        "before_damping": 13_500.0,
        "churn_risk": 0.0,
        "damping_factor": 1.0,
        "payout": 13_500.0,
        "maximum": 20_000.0,
        "note": "",
    }
    assert cobalt["components"][0] == {
        "kpi": "revenue_growth",
        "weight": 0.5,
        "target": 0.1,
        "actual": 0.25,
        "achievement": 2.5,
        "multiplier": 2.0,
        "payout": 10_000.0,
        "reason": "capped",
        "explanation": "Revenue growth 25.0 % against a target of 10.0 %: 250 % of target reaches the cap and "
        "pays 2.00 × its 50 % share = 10,000.00.",
    }


def test_it_prints_each_kam_with_their_total(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    text = run("--period", "2025-Q4")

    assert text.splitlines()[0] == "Incentive payouts for 2025-Q4 under “KAM bonus 2025”"
    assert "Alice Anders: 14,200.00" in text
    assert "Bob Berg: 16,875.00" in text
    assert text.rstrip().splitlines()[-1] == "Total of every KAM: 31,075.00"


def test_it_uses_the_plan_named_by_number(director: User, paid_portfolio: dict[dt.date, PortfolioAnalysis]) -> None:
    draft = save_plan(director)

    document = json.loads(run("--period", "2025", "--plan", str(draft.pk), "--json"))

    assert (document["plan"]["status"], document["period"]["label"], document["total"]) == ("draft", "2025", 31_075.0)


@pytest.mark.parametrize("period", ["2025-Q5", "2025-13", "Q3-2025", "last quarter"])
def test_it_rejects_a_period_it_cannot_read(period: str, incentive_plan: IncentivePlan) -> None:
    with pytest.raises(CommandError) as raised:
        run("--period", period)

    assert str(raised.value) == (
        f"{period} is not a period: use a quarter (2026-Q3), a month (2026-09) or a year (2026)."
    )


def test_it_needs_an_approved_plan(director: User) -> None:
    save_plan(director)  # a draft only

    with pytest.raises(CommandError) as raised:
        run("--period", "2025-Q4")

    assert str(raised.value) == (
        "No incentive plan is approved: approve one on the incentive plans page, or name one with --plan."
    )


def test_it_names_a_plan_that_does_not_exist(db: None) -> None:
    with pytest.raises(CommandError) as raised:
        run("--period", "2025-09", "--plan", "99")

    assert str(raised.value) == "No incentive plan number 99."
