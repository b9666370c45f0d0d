"""Payouts end to end: stored analyses → actuals by phase → the engine → explained components."""

from __future__ import annotations

import datetime as dt

import pytest

from kam.incentives.models import IncentivePlan
from kam.incentives.payouts import compute_period_payouts
from kam.kpis.models import PortfolioAnalysis

pytestmark = pytest.mark.django_db

Q4 = (dt.date(2025, 10, 1), dt.date(2025, 12, 31))


def test_every_kam_is_paid_on_each_key_account_by_its_phase(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    kams = compute_period_payouts(incentive_plan, *Q4)

    assert [(kam.username, kam.total) for kam in kams] == [("alice", 14_200.0), ("bob", 16_875.0)]
    assert [
        (account.code, account.phase, account.analysis_as_of, account.payout, account.maximum)
        for kam in kams
        for account in kam.accounts
    ] == [
        ("ACME", "growth", dt.date(2025, 12, 31), 11_200.0, 20_000.0),
        ("ACME-IB", "growth", dt.date(2025, 12, 31), 3_000.0, 20_000.0),
        ("COBALT", "growth", dt.date(2025, 12, 31), 13_500.0, 20_000.0),
        ("DELTA", "cost_reduction", dt.date(2025, 12, 31), 3_375.0, 20_000.0),
    ]


def test_every_component_is_explained(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    kams = compute_period_payouts(incentive_plan, *Q4)

    components = {
        (account.code, item.kpi): (item.reason, item.payout, item.explanation)
        for kam in kams
        for account in kam.accounts
        for item in account.components
    }
    assert components == {
        ("ACME", "revenue_growth"): (
            "paid",
            5_000.0,
            "Revenue growth 10.0 % against a target of 10.0 %: 100 % of target pays 1.00 × its 50 % share = 5,000.00.",
        ),
        ("ACME", "margin_pct"): (
            "paid",
            4_200.0,
            "Margin % 30.0 % against a target of 25.0 %: 120 % of target pays 1.40 × its 30 % share = 4,200.00.",
        ),
        ("ACME", "customer_profit"): (
            "paid",
            2_000.0,
            "Customer profit 120,000.00 against a target of 0.00: 100 % of target pays 1.00 × its 20 % share "
            "= 2,000.00.",
        ),
        ("ACME-IB", "revenue_growth"): (
            "no_actual",
            0.0,
            "Revenue growth: nothing measured by the period end, so it pays nothing.",
        ),
        ("ACME-IB", "margin_pct"): (
            "paid",
            3_000.0,
            "Margin % 25.0 % against a target of 25.0 %: 100 % of target pays 1.00 × its 30 % share = 3,000.00.",
        ),
        ("ACME-IB", "customer_profit"): (
            "zero_target_missed",
            0.0,
            "Customer profit -6,000.00 against a target of 0.00: the target is missed, so it pays nothing.",
        ),
        ("COBALT", "revenue_growth"): (
            "capped",
            10_000.0,
            "Revenue growth 25.0 % against a target of 10.0 %: 250 % of target reaches the cap and pays 2.00 × "
            "its 50 % share = 10,000.00.",
        ),
        ("COBALT", "margin_pct"): (
            "paid",
            1_500.0,
            "Margin % 20.0 % against a target of 25.0 %: 80 % of target pays 0.50 × its 30 % share = 1,500.00.",
        ),
        ("COBALT", "customer_profit"): (
            "paid",
            2_000.0,
            "Customer profit 51,000.00 against a target of 0.00: 100 % of target pays 1.00 × its 20 % share "
            "= 2,000.00.",
        ),
        ("DELTA", "cost_to_serve_pct"): (
            "below_threshold",
            0.0,
            "Cost to serve % of revenue 25.0 % against a target of 15.0 %: 60 % of target is below the threshold "
            "of 80 %, so it pays nothing.",
        ),
        ("DELTA", "margin_pct"): (
            "paid",
            3_375.0,
            "Margin % 15.0 % against a target of 16.0 %: 94 % of target pays 0.84 × its 40 % share = 3,375.00.",
        ),
    }


def test_the_actuals_are_those_of_the_latest_analysis_up_to_the_period_end(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    kams = compute_period_payouts(incentive_plan, dt.date(2025, 4, 1), dt.date(2025, 6, 30))

    acme = kams[0].accounts[0]
    assert (acme.code, acme.analysis_as_of) == ("ACME", dt.date(2024, 12, 31))
    # growth 13.6 % of a 10 % target: 1 + 0.36 / 0.5 = 1.72 × 50 % × 10,000; margin 28 % of 25 %: 1.24 × 30 %.
    assert [(item.kpi, item.payout) for item in acme.components] == [
        ("revenue_growth", 8_600.0),
        ("margin_pct", 3_720.0),
        ("customer_profit", 2_000.0),
    ]


def test_without_an_analysis_nothing_is_measured(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    kams = compute_period_payouts(incentive_plan, dt.date(2024, 1, 1), dt.date(2024, 3, 31))

    assert [kam.total for kam in kams] == [0.0, 0.0]
    acme = kams[0].accounts[0]
    assert acme.note == "No analysis on or before the period end."
    assert {item.reason for item in acme.components} == {"no_actual"}


def test_an_account_in_a_phase_the_plan_does_not_pay_is_listed_unpaid(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    from kam.key_accounts.actions import do_import_accounts

    do_import_accounts([{"code": "COBALT", "phase": "maintenance"}], ["code", "phase"], acting_user=None)

    kams = compute_period_payouts(incentive_plan, *Q4)

    cobalt = kams[1].accounts[0]
    assert (cobalt.code, cobalt.payout, cobalt.components) == ("COBALT", 0.0, ())
    assert cobalt.note == "Not paid: the plan has no KPIs for the phase Maintenance."
    assert kams[1].total == 3_375.0


def test_the_churn_risk_of_the_analysis_damps_the_payout(
    incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    # ACME's retention model says 40 % risk: damping 0.5 × 0.4 takes 20 % off its 11,200.
    paid_portfolio[dt.date(2025, 12, 31)].accounts.filter(account__code="ACME").update(churn_risk=0.4)

    acme = compute_period_payouts(incentive_plan, *Q4)[0].accounts[0]

    assert (acme.code, acme.churn_risk, acme.before_damping) == ("ACME", 0.4, 11_200.0)
    assert acme.damping_factor == pytest.approx(0.8)
    assert acme.payout == 8_960.0
