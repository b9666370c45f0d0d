"""Payouts by phase: hand-computed cases (threshold, target, cap, zero target, damping) and the cap property."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_engine.incentives import (
    IncentivePlan,
    IncentivePlanError,
    KpiComponent,
    PayoutCurve,
    achievement,
    compute_payout,
    payout_multiplier,
)

CURVE = PayoutCurve(threshold=0.8, threshold_payout=0.5, cap=1.5, cap_payout=2.0)
PLAN = IncentivePlan(
    phases={
        "growth": (
            KpiComponent("revenue_growth", 0.5, 0.10),
            KpiComponent("share_of_wallet_gain", 0.3, 0.05),
            KpiComponent("pipeline_coverage", 0.2, 3.0),
        ),
        "cost_reduction": (
            KpiComponent("cost_to_serve_pct", 0.6, 0.10, higher_is_better=False),
            KpiComponent("rush_order_share", 0.4, 0.0, higher_is_better=False),
        ),
    },
    target_bonus=10_000.0,
    retention_damping=0.5,
)


def test_the_curve_pays_nothing_below_threshold_half_at_it_all_at_target_and_double_at_the_cap() -> None:
    assert payout_multiplier(0.79, CURVE) == 0.0
    assert payout_multiplier(0.8, CURVE) == 0.5
    assert payout_multiplier(0.9, CURVE) == pytest.approx(0.75)
    assert payout_multiplier(1.0, CURVE) == 1.0
    assert payout_multiplier(1.25, CURVE) == pytest.approx(1.5)
    assert payout_multiplier(1.5, CURVE) == 2.0
    assert payout_multiplier(9.0, CURVE) == 2.0


def test_achievement_by_direction_and_for_a_zero_target() -> None:
    assert achievement(0.12, 0.10) == pytest.approx(1.2)
    assert achievement(0.08, 0.10, higher_is_better=False) == pytest.approx(1.25)
    assert achievement(0.0, 0.0, higher_is_better=False) == 1.0
    assert achievement(0.02, 0.0, higher_is_better=False) == 0.0
    assert achievement(-0.05, -0.05) == 1.0
    assert achievement(0.0, -0.05) == 2.0
    assert achievement(-0.2, 0.10) == 0.0


def test_a_growth_account_is_paid_component_by_component() -> None:
    # revenue growth 12 % of 10 % → 1.2 → 1 + 0.2/0.5 × 1 = 1.4; wallet gain 3.5 % of 5 % → 0.7 → 0;
    # pipeline 4.5× of 3× → 1.5 → capped at 2.
    payout = compute_payout(
        PLAN,
        account="A1",
        phase="growth",
        actuals={"revenue_growth": 0.12, "share_of_wallet_gain": 0.035, "pipeline_coverage": 4.5},
    )
    assert [
        (item.kpi, round(item.multiplier, 6), round(item.payout, 2), item.reason) for item in payout.components
    ] == [
        ("revenue_growth", 1.4, 7000.0, "paid"),
        ("share_of_wallet_gain", 0.0, 0.0, "below_threshold"),
        ("pipeline_coverage", 2.0, 4000.0, "capped"),
    ]
    assert payout.payout == pytest.approx(11_000.0)
    assert payout.maximum == 20_000.0
    assert payout.damping_factor == 1.0


def test_a_zero_target_is_met_or_missed_and_damping_follows_churn_risk() -> None:
    met = compute_payout(
        PLAN, account="A2", phase="cost_reduction", actuals={"cost_to_serve_pct": 0.10, "rush_order_share": 0.0}
    )
    assert [(item.achievement, item.payout, item.reason) for item in met.components] == [
        (1.0, 6000.0, "paid"),
        (1.0, 4000.0, "paid"),
    ]
    missed = compute_payout(
        PLAN,
        account="A2",
        phase="cost_reduction",
        actuals={"cost_to_serve_pct": 0.10, "rush_order_share": 0.01},
        churn_risk=0.4,
    )
    assert [(item.payout, item.reason) for item in missed.components] == [(6000.0, "paid"), (0.0, "zero_target_missed")]
    assert missed.before_damping == 6000.0
    assert missed.damping_factor == pytest.approx(0.8)
    assert missed.payout == pytest.approx(4800.0)


def test_a_kpi_without_a_value_pays_nothing_and_says_so() -> None:
    payout = compute_payout(PLAN, account="A3", phase="growth", actuals={"revenue_growth": 0.1})
    assert [(item.kpi, item.reason) for item in payout.components] == [
        ("revenue_growth", "paid"),
        ("share_of_wallet_gain", "no_actual"),
        ("pipeline_coverage", "no_actual"),
    ]
    assert payout.payout == 5000.0


def test_plans_that_cannot_work_are_refused_naming_the_phase() -> None:
    with pytest.raises(IncentivePlanError, match=r"phase growth: the weights add up to 0\.9, not 1"):
        IncentivePlan(phases={"growth": (KpiComponent("a", 0.5, 1.0), KpiComponent("b", 0.4, 1.0))}, target_bonus=1.0)
    with pytest.raises(IncentivePlanError, match="phase growth: a KPI appears twice"):
        IncentivePlan(phases={"growth": (KpiComponent("a", 0.5, 1.0), KpiComponent("a", 0.5, 1.0))}, target_bonus=1.0)
    with pytest.raises(IncentivePlanError, match=r"cap 0\.9"):
        PayoutCurve(cap=0.9)
    with pytest.raises(IncentivePlanError, match="phase maintenance: the plan has no KPIs"):
        compute_payout(PLAN, account="A", phase="maintenance", actuals={})


@settings(max_examples=300, deadline=None)
@given(
    actuals=st.lists(st.floats(min_value=-10, max_value=10, allow_nan=False), min_size=3, max_size=3),
    churn=st.floats(min_value=0, max_value=1),
)
def test_payouts_never_exceed_the_caps(actuals: list[float], churn: float) -> None:
    kpis = ("revenue_growth", "share_of_wallet_gain", "pipeline_coverage")
    payout = compute_payout(
        PLAN, account="A", phase="growth", actuals=dict(zip(kpis, actuals, strict=True)), churn_risk=churn
    )
    assert 0.0 <= payout.payout <= payout.maximum + 1e-9
    for item, component in zip(payout.components, PLAN.phases["growth"], strict=True):
        assert 0.0 <= item.payout <= component.weight * component.curve.cap_payout * PLAN.target_bonus + 1e-9
        assert not math.isnan(item.payout)
