"""The selection reads the retention analysis: CLV and P(alive) per account, CLV as the lifetime value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST
from kam.selection.queries import selection_figures
from kam.selection.templatetags.selection_labels import criterion_label
from kam_engine.scoring import score_accounts
from kam_engine.selection_policy import parse_selection_policy

pytestmark = pytest.mark.django_db


def test_the_figures_carry_clv_and_probability_alive_and_a_clv_policy_scores_by_them(
    analyses: dict[dt.date, PortfolioAnalysis],
) -> None:
    latest = analyses[LATEST]
    for code, clv, alive in [("ACME", "9000.00", 0.8), ("COBALT", "15000.00", 0.6), ("BOREAL", "3000.00", 0.3)]:
        AccountAnalysis.objects.filter(portfolio=latest, account__code=code).update(
            clv=Decimal(clv), probability_alive=alive
        )
    policy = parse_selection_policy(
        {"criteria": [{"key": "clv", "weight": 100}, {"key": "share_of_wallet", "weight": 100}]}
    )

    figures = selection_figures(latest, policy, {})

    assert figures["account"].to_pylist() == ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA"]
    assert figures["clv"].to_pylist() == [9000.0, None, 3000.0, 15000.0, None]
    assert figures["lifetime_value"].to_pylist() == [9000.0, None, 3000.0, 15000.0, None]
    assert figures["probability_alive"].to_pylist() == [0.8, None, 0.3, 0.6, None]
    scores = [
        row["score"] for row in score_accounts(figures, policy).contributions.to_pylist() if row["criterion"] == "clv"
    ]
    assert scores == [5.0, 0.0, 0.0, 10.0, 0.0]


def test_the_new_criteria_have_labels() -> None:
    assert criterion_label("clv") == "Customer lifetime value (12 months)"
    assert criterion_label("probability_alive") == "Probability still buying"
