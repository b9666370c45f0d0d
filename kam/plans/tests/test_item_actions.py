"""Editing and deleting objectives, strategies, actions, competitors and reviews: values, audit, who may."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.plans import actions
from kam.plans.actions import (
    PlanError,
    do_add_action,
    do_add_competitor_position,
    do_add_review,
    do_add_strategy,
    do_close_plan,
    do_delete_action,
    do_delete_competitor_position,
    do_delete_objective,
    do_delete_review,
    do_delete_strategy,
    do_update_action,
    do_update_competitor_position,
    do_update_objective,
    do_update_review,
    do_update_strategy,
)
from kam.plans.choices import ObjectiveKpi
from kam.plans.models import (
    AccountPlan,
    CompetitorPosition,
    PlanAction,
    PlanObjective,
    PlanReview,
    PlanStrategy,
)
from kam.plans.tests.fixtures import make_plan
from kam.users.choices import Department
from kam.users.models import User

pytestmark = pytest.mark.django_db

REVIEW_DAY = dt.date(2026, 3, 15)


def _audit(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("id"))


@pytest.fixture
def items(acme_plan: AccountPlan, kam_alice: User) -> dict[str, Any]:
    """One item of each kind of ``acme_plan``, a competitor and a review added to it."""
    return {
        "objective": acme_plan.objectives.get(title="Grow revenue to 600k"),
        "strategy": acme_plan.strategies.get(),
        "action": acme_plan.actions.get(title="Quarterly business review"),
        "competitor": do_add_competitor_position(
            acme_plan,
            competitor="Würth",
            share_estimate=Decimal("30"),
            strengths="Fast delivery",
            acting_user=kam_alice,
        ),
        "review": do_add_review(acme_plan, date=REVIEW_DAY, participants="Alice, Tina", acting_user=kam_alice),
    }


def _edits(items: dict[str, Any], user: User) -> dict[str, Callable[[], Any]]:
    """One valid edit and one delete per kind, all by ``user``."""
    return {
        "objective.update": lambda: do_update_objective(
            items["objective"],
            title="Grow revenue to 700k",
            kpi=ObjectiveKpi.REVENUE,
            baseline=Decimal("400000"),
            target=Decimal("700000"),
            acting_user=user,
        ),
        "objective.delete": lambda: do_delete_objective(items["objective"], acting_user=user),
        "strategy.update": lambda: do_update_strategy(items["strategy"], text="Sole supplier", acting_user=user),
        "strategy.delete": lambda: do_delete_strategy(items["strategy"], acting_user=user),
        "action.update": lambda: do_update_action(
            items["action"],
            title="QBR",
            owner=items["action"].owner,
            due_date=dt.date(2031, 1, 1),
            department="",
            strategy=None,
            acting_user=user,
        ),
        "action.delete": lambda: do_delete_action(items["action"], acting_user=user),
        "competitor.update": lambda: do_update_competitor_position(
            items["competitor"], competitor="Würth AG", acting_user=user
        ),
        "competitor.delete": lambda: do_delete_competitor_position(items["competitor"], acting_user=user),
        "review.update": lambda: do_update_review(items["review"], date=REVIEW_DAY, notes="Short", acting_user=user),
        "review.delete": lambda: do_delete_review(items["review"], acting_user=user),
    }


EDITS = [
    "objective.update",
    "objective.delete",
    "strategy.update",
    "strategy.delete",
    "action.update",
    "action.delete",
    "competitor.update",
    "competitor.delete",
    "review.update",
    "review.delete",
]
MODELS: tuple[Any, ...] = (PlanObjective, PlanStrategy, PlanAction, CompetitorPosition, PlanReview)


def _state() -> list[list[dict[str, Any]]]:
    return [list(model.objects.order_by("id").values()) for model in MODELS]


def test_the_kam_edits_an_objective_and_the_audit_records_what_changed(items: dict[str, Any], kam_alice: User) -> None:
    objective = do_update_objective(
        items["objective"],
        title="  Grow revenue to 700k ",
        kpi=ObjectiveKpi.REVENUE,
        baseline=Decimal("400000"),
        target=Decimal("700000"),
        due_date=dt.date(2026, 12, 31),
        acting_user=kam_alice,
    )

    objective.refresh_from_db()
    assert (objective.title, objective.target, objective.baseline) == (
        "Grow revenue to 700k",
        Decimal("700000.00"),
        Decimal("400000.00"),
    )
    [record] = _audit("plan_objective.update")
    assert (record.actor, record.object_id) == (kam_alice, str(objective.pk))
    assert record.changes == {
        "title": ["Grow revenue to 600k", "Grow revenue to 700k"],
        "target": ["600000.00", "700000.00"],
    }


def test_an_edit_that_changes_nothing_leaves_no_audit_record(items: dict[str, Any], kam_alice: User) -> None:
    do_update_objective(
        items["objective"],
        title="Grow revenue to 600k",
        kpi=ObjectiveKpi.REVENUE,
        baseline=Decimal("400000"),
        target=Decimal("600000"),
        due_date=dt.date(2026, 12, 31),
        acting_user=kam_alice,
    )

    assert _audit("plan_objective.update") == []


def test_an_objective_edit_is_validated_like_an_added_one(items: dict[str, Any], kam_alice: User) -> None:
    with pytest.raises(PlanError, match=r"^Title: this is required\.$"):
        do_update_objective(
            items["objective"], title=" ", kpi="revenue", baseline=Decimal(1), target=Decimal(2), acting_user=kam_alice
        )
    with pytest.raises(PlanError, match=r"^Target: this is required\.$"):
        do_update_objective(
            items["objective"], title="x", kpi="revenue", baseline=Decimal(1), target=None, acting_user=kam_alice
        )
    items["objective"].refresh_from_db()
    assert items["objective"].title == "Grow revenue to 600k"


def test_deleting_an_objective_keeps_its_strategies_and_audits_its_values(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    objective = items["objective"]
    strategy = do_update_strategy(items["strategy"], text="Sole supplier", objective=objective, acting_user=kam_alice)
    pk = objective.pk

    do_delete_objective(objective, acting_user=kam_alice)

    assert not PlanObjective.objects.filter(pk=pk).exists()
    strategy.refresh_from_db()
    assert strategy.objective is None
    [record] = _audit("plan_objective.delete")
    assert (record.actor, record.object_id, record.object_repr) == (kam_alice, str(pk), "Grow revenue to 600k")
    assert record.changes == {
        "plan": [acme_plan.pk, None],
        "title": ["Grow revenue to 600k", None],
        "kpi": ["revenue", None],
        "baseline": ["400000.00", None],
        "target": ["600000.00", None],
        "due_date": ["2026-12-31", None],
        "manual_current": [None, None],
    }


def test_the_kam_edits_a_strategy_and_ties_it_to_an_objective_of_the_plan_only(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    objective = items["objective"]
    other = make_plan(acme_plan.account, kam_alice, "ACME 2027")
    foreign = actions.do_add_objective(
        other, title="Elsewhere", kpi="other", baseline=Decimal(0), target=Decimal(1), acting_user=kam_alice
    )

    strategy = do_update_strategy(items["strategy"], text=" Sole supplier ", objective=objective, acting_user=kam_alice)
    with pytest.raises(PlanError, match=r"^Objective: pick an objective of this plan\.$"):
        do_update_strategy(strategy, text="x", objective=foreign, acting_user=kam_alice)

    strategy.refresh_from_db()
    assert (strategy.text, strategy.objective) == ("Sole supplier", objective)
    [record] = _audit("plan_strategy.update")
    assert record.changes == {
        "text": ["Become the sole supplier of fasteners", "Sole supplier"],
        "objective": [None, objective.pk],
    }


def test_deleting_a_strategy_keeps_its_actions_and_audits_its_values(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    strategy = items["strategy"]
    pk = strategy.pk

    do_delete_strategy(strategy, acting_user=kam_alice)

    assert not PlanStrategy.objects.filter(pk=pk).exists()
    assert PlanAction.objects.get(title="Audit delivery routes").strategy is None
    [record] = _audit("plan_strategy.delete")
    assert record.changes == {
        "plan": [acme_plan.pk, None],
        "text": ["Become the sole supplier of fasteners", None],
        "objective": [None, None],
    }


def test_the_kam_edits_an_action_title_owner_and_due_date(
    items: dict[str, Any], kam_alice: User, team_tina: User
) -> None:
    action = do_update_action(
        items["action"],
        title="QBR with purchasing",
        owner=team_tina,
        due_date=dt.date(2031, 2, 3),
        department=items["action"].department,
        strategy=None,
        acting_user=kam_alice,
    )

    action.refresh_from_db()
    assert (action.title, action.owner, action.due_date) == ("QBR with purchasing", team_tina, dt.date(2031, 2, 3))
    [record] = _audit("plan_action.update")
    assert record.changes == {
        "title": ["Quarterly business review", "QBR with purchasing"],
        "owner": [kam_alice.pk, team_tina.pk],
        "due_date": [str(items["action"].due_date), "2031-02-03"],
    }


def test_the_kam_moves_an_action_to_another_department_and_strategy_and_back_to_the_owner_s(
    items: dict[str, Any], kam_alice: User
) -> None:
    action = items["action"]
    owner_department = kam_alice.department
    other = next(value for value in Department.values if value != owner_department)

    do_update_action(
        action,
        title=action.title,
        owner=kam_alice,
        due_date=action.due_date,
        department=other,
        strategy=items["strategy"],
        acting_user=kam_alice,
    )
    action.refresh_from_db()
    assert (action.department, action.strategy) == (other, items["strategy"])
    [record] = _audit("plan_action.update")
    assert record.changes == {"department": [owner_department, other], "strategy": [None, items["strategy"].pk]}

    do_update_action(
        action,
        title=action.title,
        owner=kam_alice,
        due_date=action.due_date,
        department="",
        strategy=None,
        acting_user=kam_alice,
    )
    action.refresh_from_db()
    assert (action.department, action.strategy) == (owner_department, None)


def test_an_action_edit_refuses_an_unknown_department_and_another_plan_s_strategy(
    items: dict[str, Any], kam_alice: User, director: User, accounts: dict[str, Account]
) -> None:
    action = items["action"]
    other_plan = make_plan(accounts["BOREAL"], director, title="Boreal 2026")
    foreign = do_add_strategy(other_plan, text="Win the tender", acting_user=director)
    keep = {"title": action.title, "owner": kam_alice, "due_date": action.due_date}

    with pytest.raises(PlanError, match=r"^Department: “nowhere” is not a department\.$"):
        do_update_action(action, **keep, department="nowhere", strategy=None, acting_user=kam_alice)
    with pytest.raises(PlanError, match=r"^Strategy: pick a strategy of this plan\.$"):
        do_update_action(action, **keep, department="", strategy=foreign, acting_user=kam_alice)
    with pytest.raises(PlanError, match=r"^Department: “nowhere” is not a department\.$"):
        do_add_action(action.plan, **keep, department="nowhere", acting_user=kam_alice)
    assert _audit("plan_action.update") == []


def test_an_action_edit_needs_an_owner_from_the_team_and_a_due_date(
    items: dict[str, Any], kam_alice: User, kam_bob: User
) -> None:
    action = items["action"]
    with pytest.raises(PlanError, match=r"^Owner: pick the account's KAM or a member of its team\.$"):
        do_update_action(
            action,
            title="QBR",
            owner=kam_bob,
            due_date=dt.date(2031, 1, 1),
            department="",
            strategy=None,
            acting_user=kam_alice,
        )
    with pytest.raises(PlanError, match=r"^Due date: this is required\.$"):
        do_update_action(
            action, title="QBR", owner=kam_alice, due_date=None, department="", strategy=None, acting_user=kam_alice
        )
    action.refresh_from_db()
    assert (action.title, action.owner) == ("Quarterly business review", kam_alice)


def test_deleting_an_action_audits_its_values(acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User) -> None:
    action = items["action"]
    pk = action.pk

    do_delete_action(action, acting_user=kam_alice)

    assert not PlanAction.objects.filter(pk=pk).exists()
    [record] = _audit("plan_action.delete")
    assert record.changes == {
        "plan": [acme_plan.pk, None],
        "title": ["Quarterly business review", None],
        "owner": [kam_alice.pk, None],
        "due_date": [str(action.due_date), None],
        "department": [kam_alice.department, None],
        "strategy": [None, None],
        "status": ["open", None],
    }


def test_the_kam_edits_a_competitor_and_its_share_stays_within_0_and_100(
    items: dict[str, Any], kam_alice: User
) -> None:
    position = do_update_competitor_position(
        items["competitor"],
        competitor="Würth AG",
        share_estimate=Decimal("35.5"),
        strengths="Fast delivery",
        notes=" Price war ",
        acting_user=kam_alice,
    )
    with pytest.raises(PlanError, match=r"^Estimated share %: must be between 0 and 100\.$"):
        do_update_competitor_position(
            position, competitor="Würth AG", share_estimate=Decimal(120), acting_user=kam_alice
        )

    position.refresh_from_db()
    assert (position.competitor, position.share_estimate, position.notes) == ("Würth AG", Decimal("35.50"), "Price war")
    [record] = _audit("competitor_position.update")
    assert record.changes == {
        "competitor": ["Würth", "Würth AG"],
        "share_estimate": ["30.00", "35.50"],
        "notes": ["", "Price war"],
    }


def test_deleting_a_competitor_audits_its_values(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    pk = items["competitor"].pk

    do_delete_competitor_position(items["competitor"], acting_user=kam_alice)

    assert not CompetitorPosition.objects.filter(pk=pk).exists()
    [record] = _audit("competitor_position.delete")
    assert record.changes == {
        "plan": [acme_plan.pk, None],
        "competitor": ["Würth", None],
        "share_estimate": ["30.00", None],
        "strengths": ["Fast delivery", None],
        "notes": ["", None],
    }


def test_the_kam_edits_a_review_which_keeps_needing_a_date(items: dict[str, Any], kam_alice: User) -> None:
    review = do_update_review(
        items["review"], date=dt.date(2026, 3, 16), participants="Alice", decisions="Go", acting_user=kam_alice
    )
    with pytest.raises(PlanError, match=r"^Date: this is required\.$"):
        do_update_review(review, date=None, acting_user=kam_alice)

    review.refresh_from_db()
    assert (review.date, review.participants, review.notes, review.decisions) == (
        dt.date(2026, 3, 16),
        "Alice",
        "",
        "Go",
    )
    [record] = _audit("plan_review.update")
    assert record.changes == {
        "date": ["2026-03-15", "2026-03-16"],
        "participants": ["Alice, Tina", "Alice"],
        "decisions": ["", "Go"],
    }


def test_deleting_a_review_audits_its_values(acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User) -> None:
    pk = items["review"].pk

    do_delete_review(items["review"], acting_user=kam_alice)

    assert not PlanReview.objects.filter(pk=pk).exists()
    [record] = _audit("plan_review.delete")
    assert record.changes == {
        "plan": [acme_plan.pk, None],
        "date": ["2026-03-15", None],
        "participants": ["Alice, Tina", None],
        "notes": ["", None],
        "decisions": ["", None],
    }


@pytest.mark.parametrize("persona", ["director", "kam_alice"])
@pytest.mark.parametrize("edit", EDITS)
def test_directors_and_the_owner_may_edit_and_delete_every_item(
    request: pytest.FixtureRequest, items: dict[str, Any], persona: str, edit: str
) -> None:
    before = _state()
    _edits(items, request.getfixturevalue(persona))[edit]()
    assert _state() != before


@pytest.mark.parametrize("persona", ["team_tina", "outsider_olga"])
@pytest.mark.parametrize("edit", EDITS)
def test_team_members_and_outsiders_may_not_edit_or_delete_items(
    request: pytest.FixtureRequest, items: dict[str, Any], persona: str, edit: str
) -> None:
    user: User = request.getfixturevalue(persona)
    before, audits = _state(), AuditRecord.objects.count()
    with pytest.raises(PermissionDenied):
        _edits(items, user)[edit]()
    assert (_state(), AuditRecord.objects.count()) == (before, audits)


@pytest.mark.parametrize("edit", EDITS)
def test_items_of_a_closed_plan_can_be_neither_edited_nor_deleted(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User, edit: str
) -> None:
    do_close_plan(acme_plan, acting_user=kam_alice)
    before, audits = _state(), AuditRecord.objects.count()
    with pytest.raises(PlanError, match=r"^This plan is closed: it can no longer be changed\.$"):
        _edits(items, kam_alice)[edit]()
    assert (_state(), AuditRecord.objects.count()) == (before, audits)
