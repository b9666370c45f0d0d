"""Plan actions: who may do what, validation naming the field, one active plan, stale revisions, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account, ProductLine
from kam.plans.actions import (
    PlanConflictError,
    PlanError,
    do_activate_plan,
    do_add_action,
    do_add_competitor_position,
    do_add_objective,
    do_add_review,
    do_close_plan,
    do_create_plan,
    do_set_action_status,
    do_set_whitespace_cell,
    do_update_plan,
)
from kam.plans.choices import ActionStatus, ObjectiveKpi, PlanStatus, WhitespaceStatus
from kam.plans.models import AccountPlan, PlanAction, WhitespaceCell
from kam.plans.queries import overdue_action_count, overdue_actions_for, rollup
from kam.plans.tests.fixtures import PERIOD, make_plan
from kam.users.models import User

pytestmark = pytest.mark.django_db


def _audit(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("id"))


def test_the_owner_kam_creates_a_draft_plan_and_an_audit_record(accounts: dict[str, Account], kam_alice: User) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)

    assert (plan.status, plan.revision, plan.owner) == (PlanStatus.DRAFT, 1, kam_alice)
    [record] = _audit("plan.create")
    assert record.actor == kam_alice
    assert record.object_id == str(plan.pk)
    assert record.changes == {
        "account": [None, "ACME"],
        "title": [None, "ACME 2026"],
        "period_start": [None, "2026-01-01"],
        "period_end": [None, "2026-12-31"],
        "status": [None, "draft"],
    }


@pytest.mark.parametrize("persona", ["director", "administrator", "kam_alice"])
def test_directors_administrators_and_the_owner_may_create_a_plan(
    request: pytest.FixtureRequest, accounts: dict[str, Account], persona: str
) -> None:
    user: User = request.getfixturevalue(persona)
    assert make_plan(accounts["ACME"], user).account == accounts["ACME"]


@pytest.mark.parametrize("persona", ["kam_bob", "team_tina", "viewer_victor", "outsider_olga"])
def test_nobody_else_may_create_a_plan(
    request: pytest.FixtureRequest, accounts: dict[str, Account], persona: str
) -> None:
    user: User = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        make_plan(accounts["ACME"], user)
    assert AccountPlan.objects.count() == 0


def test_a_plan_needs_a_title_and_a_period_that_does_not_end_before_it_starts(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    with pytest.raises(PlanError, match=r"^Title: this is required\.$"):
        do_create_plan(
            accounts["ACME"], title="  ", period_start=PERIOD[0], period_end=PERIOD[1], acting_user=kam_alice
        )
    with pytest.raises(PlanError, match=r"^Period end: the period cannot end before it starts\.$"):
        do_create_plan(
            accounts["ACME"],
            title="Backwards",
            period_start=PERIOD[1],
            period_end=PERIOD[0],
            acting_user=kam_alice,
        )
    assert AccountPlan.objects.count() == 0


def test_only_one_plan_per_account_may_be_active(accounts: dict[str, Account], kam_alice: User) -> None:
    first = do_activate_plan(make_plan(accounts["ACME"], kam_alice, "First"), acting_user=kam_alice)
    second = make_plan(accounts["ACME"], kam_alice, "Second")

    with pytest.raises(PlanError, match="“First” is the active plan of this account; close it before activating"):
        do_activate_plan(second, acting_user=kam_alice)

    second.refresh_from_db()
    assert second.status == PlanStatus.DRAFT
    do_close_plan(first, acting_user=kam_alice)
    assert do_activate_plan(second, acting_user=kam_alice).status == PlanStatus.ACTIVE
    assert [record.changes for record in _audit("plan.activate")] == [
        {"status": ["draft", "active"]},
        {"status": ["draft", "active"]},
    ]
    assert _audit("plan.close")[0].changes == {"status": ["active", "closed"]}


def test_the_database_refuses_a_second_active_plan(accounts: dict[str, Account], kam_alice: User) -> None:
    do_activate_plan(make_plan(accounts["ACME"], kam_alice), acting_user=kam_alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountPlan.objects.create(
            account=accounts["ACME"], title="Sneaky", period_start=PERIOD[0], period_end=PERIOD[1], status="active"
        )


def test_a_closed_plan_cannot_be_changed(accounts: dict[str, Account], kam_alice: User) -> None:
    plan = do_close_plan(make_plan(accounts["ACME"], kam_alice), acting_user=kam_alice)
    with pytest.raises(PlanError, match="This plan is closed"):
        do_update_plan(plan, {"strengths": "late"}, revision=1, acting_user=kam_alice)
    with pytest.raises(PlanError, match="only a draft can be activated; this plan is closed"):
        do_activate_plan(plan, acting_user=kam_alice)


def test_saving_the_diagnosis_moves_the_revision_and_audits_the_changed_fields(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)

    saved = do_update_plan(
        plan,
        {"strengths": "Local stock", "threats": "New entrant", "title": "ACME 2026"},
        revision=1,
        acting_user=kam_alice,
    )

    assert saved.revision == 2
    plan.refresh_from_db()
    assert (plan.strengths, plan.threats, plan.revision) == ("Local stock", "New entrant", 2)
    [record] = _audit("plan.update")
    assert record.changes == {"strengths": ["", "Local stock"], "threats": ["", "New entrant"], "revision": [1, 2]}


def test_a_save_on_a_stale_revision_is_refused_and_says_what_the_other_person_changed(
    accounts: dict[str, Account], kam_alice: User, director: User
) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)
    do_update_plan(plan, {"strengths": "Director's view", "weaknesses": "Price"}, revision=1, acting_user=director)

    with pytest.raises(PlanConflictError) as raised:
        do_update_plan(
            plan, {"strengths": "Alice's view", "opportunities": "Adhesives"}, revision=1, acting_user=kam_alice
        )

    conflict = raised.value
    assert str(conflict) == (
        "Not saved: Diana Director changed this plan after you opened it (revision 1, now 2). "
        "Compare the changes below, then save again to keep your version."
    )
    assert conflict.revision == 2
    assert [(c.field, c.label, c.theirs, c.yours, c.changed_by) for c in conflict.conflicts] == [
        ("strengths", "Strengths", "Director's view", "Alice's view", "Diana Director"),
        ("weaknesses", "Weaknesses", "Price", "Price", "Diana Director"),
    ]
    plan.refresh_from_db()
    assert (plan.strengths, plan.opportunities, plan.revision) == ("Director's view", "", 2)
    assert len(_audit("plan.update")) == 1
    # Saving again on the revision the conflict reported is a deliberate overwrite.
    do_update_plan(plan, {"strengths": "Alice's view"}, revision=conflict.revision, acting_user=kam_alice)
    plan.refresh_from_db()
    assert (plan.strengths, plan.revision) == ("Alice's view", 3)


def test_others_may_not_edit_the_diagnosis(accounts: dict[str, Account], kam_alice: User, team_tina: User) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)
    with pytest.raises(PermissionDenied):
        do_update_plan(plan, {"strengths": "Tina's view"}, revision=1, acting_user=team_tina)
    plan.refresh_from_db()
    assert (plan.strengths, plan.revision) == ("", 1)


def test_an_objective_needs_a_target_and_a_known_kpi(accounts: dict[str, Account], kam_alice: User) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)
    with pytest.raises(PlanError, match=r"^Target: this is required\.$"):
        do_add_objective(plan, title="Grow", kpi="revenue", baseline=Decimal(1), target=None, acting_user=kam_alice)
    with pytest.raises(PlanError, match=r"^KPI: “happiness” is not a KPI we know\.$"):
        do_add_objective(
            plan, title="Grow", kpi="happiness", baseline=Decimal(1), target=Decimal(2), acting_user=kam_alice
        )


def test_a_manual_value_is_kept_only_for_other_objectives(accounts: dict[str, Account], kam_alice: User) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)
    tracked = do_add_objective(
        plan,
        title="A",
        kpi="revenue",
        baseline=Decimal(1),
        target=Decimal(2),
        manual_current=Decimal(9),
        acting_user=kam_alice,
    )
    manual = do_add_objective(
        plan,
        title="B",
        kpi="other",
        baseline=Decimal(1),
        target=Decimal(2),
        manual_current=Decimal(9),
        acting_user=kam_alice,
    )
    assert (tracked.manual_current, manual.manual_current) == (None, Decimal(9))
    assert _audit("plan_objective.create")[0].changes["kpi"] == [None, "revenue"]


def test_an_action_is_owned_by_the_kam_or_a_team_member(
    accounts: dict[str, Account], kam_alice: User, team_tina: User, kam_bob: User
) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)
    due = dt.date(2026, 3, 1)
    with pytest.raises(PlanError, match=r"^Owner: pick the account's KAM or a member of its team\.$"):
        do_add_action(plan, title="Visit", owner=kam_bob, due_date=due, acting_user=kam_alice)
    with pytest.raises(PlanError, match=r"^Due date: this is required\.$"):
        do_add_action(plan, title="Visit", owner=team_tina, due_date=None, acting_user=kam_alice)

    action = do_add_action(plan, title="Visit", owner=team_tina, due_date=due, acting_user=kam_alice)

    assert (action.department, action.status) == ("logistics", ActionStatus.OPEN)
    assert _audit("plan_action.create")[0].changes["owner"] == [None, team_tina.pk]


def test_a_team_member_changes_the_status_of_her_own_actions_only(acme_plan: AccountPlan, team_tina: User) -> None:
    hers = PlanAction.objects.get(title="Audit delivery routes")
    alices = PlanAction.objects.get(title="Quarterly business review")

    do_set_action_status(hers, ActionStatus.IN_PROGRESS, acting_user=team_tina)
    with pytest.raises(PermissionDenied):
        do_set_action_status(alices, ActionStatus.DONE, acting_user=team_tina)

    hers.refresh_from_db()
    alices.refresh_from_db()
    assert (hers.status, alices.status) == (ActionStatus.IN_PROGRESS, ActionStatus.OPEN)
    [record] = _audit("plan_action.status")
    assert (record.actor, record.changes) == (team_tina, {"status": ["open", "in_progress"]})


def test_a_status_we_do_not_know_is_refused_naming_the_field(acme_plan: AccountPlan, kam_alice: User) -> None:
    action = PlanAction.objects.get(title="Audit delivery routes")
    with pytest.raises(PlanError, match=r"^Status: “lost” is not a status\.$"):
        do_set_action_status(action, "lost", acting_user=kam_alice)


def test_a_whitespace_cell_is_unique_per_unit_and_line_and_saving_it_again_updates_it(
    acme_plan: AccountPlan, kam_alice: User, whitespace_lines: dict[str, ProductLine]
) -> None:
    cell = do_set_whitespace_cell(
        acme_plan,
        business_unit="Plant Bilbao",
        product_line=whitespace_lines["GLUE"],
        status=WhitespaceStatus.OPEN,
        potential=Decimal("60000"),
        acting_user=kam_alice,
    )

    assert WhitespaceCell.objects.filter(plan=acme_plan).count() == 2
    assert (cell.status, cell.potential, cell.current_value, cell.competitor) == ("open", Decimal("60000"), None, "")
    assert _audit("whitespace_cell.update")[0].changes == {
        "status": ["competitor", "open"],
        "potential": ["50000.00", "60000"],
        "current_value": ["0.00", None],
        "competitor": ["Henkel", ""],
    }
    with pytest.raises(PlanError, match=r"^Potential: cannot be negative\.$"):
        do_set_whitespace_cell(
            acme_plan,
            business_unit="Plant Porto",
            product_line=whitespace_lines["GLUE"],
            status=WhitespaceStatus.OPEN,
            potential=Decimal(-1),
            acting_user=kam_alice,
        )


def test_competitors_and_reviews_are_recorded_and_validated(acme_plan: AccountPlan, kam_alice: User) -> None:
    with pytest.raises(PlanError, match=r"^Estimated share %: must be between 0 and 100\.$"):
        do_add_competitor_position(acme_plan, competitor="Würth", share_estimate=Decimal(120), acting_user=kam_alice)
    with pytest.raises(PlanError, match=r"^Date: this is required\.$"):
        do_add_review(acme_plan, date=None, acting_user=kam_alice)

    do_add_competitor_position(acme_plan, competitor="Würth", share_estimate=Decimal(35), acting_user=kam_alice)
    do_add_review(acme_plan, date=dt.date(2026, 4, 1), decisions="Push adhesives", acting_user=kam_alice)

    assert [str(position) for position in acme_plan.competitors.all()] == ["Würth"]
    assert [review.decisions for review in acme_plan.reviews.all()] == ["Push adhesives"]
    assert len(_audit("competitor_position.create")) == len(_audit("plan_review.create")) == 1


def test_overdue_actions_are_those_still_open_after_their_due_date(
    acme_plan: AccountPlan, kam_alice: User, team_tina: User, kam_bob: User, accounts: dict[str, Account]
) -> None:
    assert [action.title for action in overdue_actions_for(team_tina)] == ["Audit delivery routes"]
    assert [action.title for action in overdue_actions_for(kam_alice)] == ["Audit delivery routes"]
    assert list(overdue_actions_for(kam_bob)) == []
    assert overdue_action_count(accounts["ACME"]) == 1
    later = timezone.localdate() + dt.timedelta(days=30)
    assert overdue_action_count(accounts["ACME"], on=later) == 2

    do_set_action_status(
        PlanAction.objects.get(title="Audit delivery routes"), ActionStatus.DONE, acting_user=team_tina
    )

    assert list(overdue_actions_for(team_tina)) == []
    assert overdue_action_count(accounts["ACME"]) == 0


def test_the_rollup_sums_revenue_targets_against_current_values_by_kam_and_segment(
    acme_plan: AccountPlan, director: User, kam_alice: User, kam_bob: User
) -> None:
    groups = rollup(director)

    [alice] = groups["kam"]
    assert (alice.label, alice.objectives) == ("Alice Anders", 1)
    assert alice.cells() == [
        (ObjectiveKpi.REVENUE, Decimal("600000"), Decimal("500000.00"), Decimal("-100000.00")),
        (ObjectiveKpi.GROSS_MARGIN, Decimal(0), Decimal(0), Decimal(0)),
    ]
    assert [row.label for row in groups["segment"]] == ["Industrial"]
    assert rollup(kam_alice)["kam"][0].target[ObjectiveKpi.REVENUE] == Decimal("600000")
    assert rollup(kam_bob) == {"kam": [], "segment": []}
