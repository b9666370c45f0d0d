"""Incentive plans: checked as the engine applies them, drafted and approved by directors only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from kam.core.models import AuditRecord
from kam.incentives.actions import IncentiveError, do_approve_plan, do_save_plan
from kam.incentives.choices import IncentivePlanStatus
from kam.incentives.models import IncentivePlan
from kam.incentives.tests.conftest import PHASES, kpi, save_plan
from kam.users.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("_case", "changes", "message"),
    [
        (
            "weights_short_of_one",
            {"phases": {"growth": [kpi("revenue_growth", 0.5, 0.1), kpi("margin_pct", 0.4, 0.2)]}},
            "Growth: the weights add up to 90 %, not 100 %.",
        ),
        (
            "kpi_twice",
            {"phases": {"growth": [kpi("revenue_growth", 0.5, 0.1), kpi("revenue_growth", 0.5, 0.2)]}},
            "Growth, Revenue growth: the KPI appears twice in the phase.",
        ),
        (
            "unknown_kpi",
            {"phases": {"maintenance": [kpi("nps", 1.0, 50)]}},
            "Maintenance: nps is not a KPI of the catalogue.",
        ),
        (
            "unknown_phase",
            {"phases": {"harvest": [kpi("margin_pct", 1.0, 0.2)]}},
            "harvest is not an account phase.",
        ),
        (
            "threshold_above_target",
            {"phases": {"growth": [kpi("revenue_growth", 1.0, 0.1, threshold=1.2)]}},
            "Growth, Revenue growth: the threshold is 120 % of target: give a share between 0 % and 100 %.",
        ),
        (
            "threshold_payout_above_one",
            {"phases": {"growth": [kpi("revenue_growth", 1.0, 0.1, threshold_payout=1.5)]}},
            "Growth, Revenue growth: the payout at the threshold is 150 %: give a share between 0 % and 100 %.",
        ),
        (
            "cap_below_target",
            {"phases": {"cost_reduction": [kpi("cost_to_serve_pct", 1.0, 0.1, cap=0.9)]}},
            "Cost reduction, Cost to serve % of revenue: the cap is 90 % of target: "
            "it must be at or above target (100 %).",
        ),
        (
            "cap_payout_below_one",
            {"phases": {"growth": [kpi("otif_rate", 1.0, 0.95, cap_payout=0.5)]}},
            "Growth, On time in full: the payout at the cap is 50 %: "
            "it cannot pay less at the cap than at target (100 %).",
        ),
        (
            "negative_weight",
            {"phases": {"growth": [kpi("revenue_growth", 1.5, 0.1), kpi("margin_pct", -0.5, 0.2)]}},
            "Growth, Margin %: a weight cannot be negative.",
        ),
        (
            "weight_missing",
            {"phases": {"growth": [kpi("revenue_growth", "", 0.1)]}},  # type: ignore[arg-type]
            "Growth, Revenue growth: give the weight as a number.",
        ),
        ("no_kpis", {"phases": {"growth": []}}, "Give the KPIs of at least one phase."),
        ("damping_above_one", {"retention_damping": 1.5}, "Retention damping: give a share between 0 and 1."),
        ("negative_bonus", {"target_bonus": Decimal(-1)}, "Target bonus: it cannot be negative."),
        (
            "period_backwards",
            {"period_end": dt.date(2024, 12, 31)},
            "Valid until: the plan cannot end before it starts.",
        ),
    ],
)
def test_it_rejects_a_plan_naming_the_phase_and_kpi(
    _case: str, changes: dict[str, Any], message: str, director: User
) -> None:
    with pytest.raises(IncentiveError) as raised:
        save_plan(director, **changes)

    assert str(raised.value) == message
    assert IncentivePlan.objects.count() == 0


def test_a_saved_plan_stores_every_field_of_its_rows(director: User) -> None:
    plan = save_plan(director)

    assert plan.status == IncentivePlanStatus.DRAFT
    assert list(plan.phases) == ["growth", "cost_reduction"]
    assert plan.phases["cost_reduction"][0] == {
        "kpi": "cost_to_serve_pct",
        "weight": 0.6,
        "target": 0.15,
        "higher_is_better": False,
        "threshold": 0.8,
        "threshold_payout": 0.5,
        "cap": 1.5,
        "cap_payout": 2.0,
    }
    assert AuditRecord.objects.filter(action="incentive_plan.create", object_id=str(plan.pk)).count() == 1


@pytest.mark.parametrize("persona", ["administrator", "kam_alice", "team_tina", "viewer_victor"])
def test_only_directors_draft_plans(persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        save_plan(user)

    assert IncentivePlan.objects.count() == 0


@pytest.mark.parametrize("persona", ["administrator", "kam_alice"])
def test_only_directors_approve_plans(persona: str, director: User, request: pytest.FixtureRequest) -> None:
    plan = save_plan(director)

    with pytest.raises(PermissionDenied):
        do_approve_plan(plan, acting_user=request.getfixturevalue(persona))

    plan.refresh_from_db()
    assert plan.status == IncentivePlanStatus.DRAFT


def test_approving_a_plan_retires_the_one_in_force(director: User) -> None:
    first = do_approve_plan(save_plan(director, name="2025"), acting_user=director)
    second = save_plan(director, name="2026")

    do_approve_plan(second, acting_user=director)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (IncentivePlanStatus.RETIRED, IncentivePlanStatus.APPROVED)
    assert second.approved_by == director
    assert IncentivePlan.objects.filter(status=IncentivePlanStatus.APPROVED).count() == 1
    assert list(AuditRecord.objects.filter(action="incentive_plan.retire").values_list("object_id", flat=True)) == [
        str(first.pk)
    ]


def test_an_approved_plan_is_neither_approved_again_nor_changed(director: User) -> None:
    plan = do_approve_plan(save_plan(director), acting_user=director)

    with pytest.raises(IncentiveError) as approving:
        do_approve_plan(plan, acting_user=director)
    with pytest.raises(IncentiveError) as changing:
        do_save_plan(
            plan,
            name="Changed",
            period_start=plan.period_start,
            period_end=plan.period_end,
            target_bonus=plan.target_bonus,
            retention_damping=0,
            phases=PHASES,
            acting_user=director,
        )

    assert str(approving.value) == "The plan “KAM bonus 2025” is approved: only a draft can be approved."
    assert str(changing.value) == "The plan “KAM bonus 2025” is approved: only a draft can be changed."
    plan.refresh_from_db()
    assert plan.name == "KAM bonus 2025"


def test_changing_a_draft_audits_what_changed(director: User) -> None:
    plan = save_plan(director)

    do_save_plan(
        plan,
        name="KAM bonus 2025 (v2)",
        period_start=plan.period_start,
        period_end=plan.period_end,
        target_bonus=Decimal(12_000),
        retention_damping=0.5,
        phases=PHASES,
        acting_user=director,
    )

    record = AuditRecord.objects.get(action="incentive_plan.update")
    assert record.changes == {
        "name": ["KAM bonus 2025", "KAM bonus 2025 (v2)"],
        "target_bonus": ["10000.00", "12000.00"],
    }
