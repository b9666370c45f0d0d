"""REST API of key account plans: list and read them; start, change, activate and close them; add, change
and delete their objectives and actions, and set an action's status, through the actions."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user, one_or_404
from kam.key_accounts.queries import access_account_by_code
from kam.plans.actions import (
    do_activate_plan,
    do_add_action,
    do_add_objective,
    do_close_plan,
    do_create_plan,
    do_delete_action,
    do_delete_objective,
    do_set_action_status,
    do_update_action,
    do_update_objective,
    do_update_plan,
)
from kam.plans.models import AccountPlan, PlanAction, PlanObjective, PlanStrategy
from kam.plans.queries import access_plan, plans_of
from kam.plans.schemas import (
    ActionIn,
    ActionOut,
    ActionPatch,
    ActionStatusIn,
    ObjectiveIn,
    ObjectiveOut,
    ObjectivePatch,
    PlanDetailOut,
    PlanIn,
    PlanOut,
    PlanPatch,
)
from kam.touchpoints.api import user_by_username

router = Router(tags=["plans"])


def _objective(plan: AccountPlan, pk: int) -> PlanObjective:
    return one_or_404(plan.objectives.all(), _("No such objective in this plan."), pk=pk)


def _action(plan: AccountPlan, pk: int) -> PlanAction:
    return one_or_404(plan.actions.select_related("owner"), _("No such action in this plan."), pk=pk)


@router.get("/accounts/{code}/plans", response={200: list[PlanOut], **READ_ERRORS}, summary="List an account's plans")
@paginate(PageNumberPagination)
def list_plans(request: HttpRequest, code: str, status: str | None = None) -> QuerySet[AccountPlan]:
    """The account's plans, newest period first; ``status`` keeps draft, active or closed ones."""
    plans = plans_of(access_account_by_code(acting_user(request), code)).select_related("account", "owner")
    return plans if status is None else plans.filter(status=status)


@router.post("/accounts/{code}/plans", response={201: PlanDetailOut, **WRITE_ERRORS}, summary="Start a plan")
def create_plan(request: HttpRequest, code: str, payload: PlanIn) -> Status[AccountPlan]:
    """Start a draft plan for the account (its KAM or a director)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    plan = do_create_plan(
        account,
        title=payload.title,
        period_start=payload.period_start,
        period_end=payload.period_end,
        acting_user=user,
    )
    return Status(201, access_plan(user, code, plan.pk))


@router.get("/accounts/{code}/plans/{plan_id}", response={200: PlanDetailOut, **READ_ERRORS}, summary="Get a plan")
def get_plan(request: HttpRequest, code: str, plan_id: int) -> AccountPlan:
    """One plan with its objectives, strategies and actions."""
    return access_plan(acting_user(request), code, plan_id)


@router.patch(
    "/accounts/{code}/plans/{plan_id}", response={200: PlanDetailOut, **WRITE_ERRORS}, summary="Change a plan"
)
def update_plan(request: HttpRequest, code: str, plan_id: int, payload: PlanPatch) -> AccountPlan:
    """Change the title, period, diagnosis or SWOT fields sent, on the revision you loaded (its KAM or a director)."""
    user = acting_user(request)
    values = payload.model_dump(exclude_unset=True)
    revision = values.pop("revision")
    do_update_plan(access_plan(user, code, plan_id), values, revision=revision, acting_user=user)
    return access_plan(user, code, plan_id)


@router.post(
    "/accounts/{code}/plans/{plan_id}/activate",
    response={200: PlanDetailOut, **WRITE_ERRORS},
    summary="Activate a plan",
)
def activate_plan(request: HttpRequest, code: str, plan_id: int) -> AccountPlan:
    """Put a draft plan in force; refused while another plan of the account is active."""
    user = acting_user(request)
    do_activate_plan(access_plan(user, code, plan_id), acting_user=user)
    return access_plan(user, code, plan_id)


@router.post(
    "/accounts/{code}/plans/{plan_id}/close", response={200: PlanDetailOut, **WRITE_ERRORS}, summary="Close a plan"
)
def close_plan(request: HttpRequest, code: str, plan_id: int) -> AccountPlan:
    """Close a draft or active plan; it stays listed, read only."""
    user = acting_user(request)
    do_close_plan(access_plan(user, code, plan_id), acting_user=user)
    return access_plan(user, code, plan_id)


@router.post(
    "/accounts/{code}/plans/{plan_id}/objectives",
    response={201: ObjectiveOut, **WRITE_ERRORS},
    summary="Add an objective to a plan",
)
def create_objective(request: HttpRequest, code: str, plan_id: int, payload: ObjectiveIn) -> Status[PlanObjective]:
    """Add an objective (the account's KAM or a director, on a plan not closed)."""
    user = acting_user(request)
    objective = do_add_objective(
        access_plan(user, code, plan_id),
        title=payload.title,
        kpi=payload.kpi,
        baseline=payload.baseline,
        target=payload.target,
        due_date=payload.due_date,
        manual_current=payload.manual_current,
        acting_user=user,
    )
    return Status(201, objective)


@router.patch(
    "/accounts/{code}/plans/{plan_id}/objectives/{objective_id}",
    response={200: ObjectiveOut, **WRITE_ERRORS},
    summary="Change an objective",
)
def update_objective(
    request: HttpRequest, code: str, plan_id: int, objective_id: int, payload: ObjectivePatch
) -> PlanObjective:
    """Change the fields sent; the others keep their value (the account's KAM or a director, plan not closed)."""
    user = acting_user(request)
    plan = access_plan(user, code, plan_id)
    objective = _objective(plan, objective_id)
    sent = payload.model_dump(exclude_unset=True)
    do_update_objective(
        objective,
        title=sent.get("title", objective.title),
        kpi=sent.get("kpi", objective.kpi),
        baseline=sent.get("baseline", objective.baseline),
        target=sent.get("target", objective.target),
        due_date=sent.get("due_date", objective.due_date),
        manual_current=sent.get("manual_current", objective.manual_current),
        acting_user=user,
    )
    return _objective(plan, objective_id)


@router.delete(
    "/accounts/{code}/plans/{plan_id}/objectives/{objective_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an objective",
)
def delete_objective(request: HttpRequest, code: str, plan_id: int, objective_id: int) -> Status[None]:
    """Delete an objective; its strategies stay, no longer tied to it."""
    user = acting_user(request)
    do_delete_objective(_objective(access_plan(user, code, plan_id), objective_id), acting_user=user)
    return Status(204, None)


def _strategy(plan: AccountPlan, strategy_id: int | None) -> PlanStrategy | None:
    """The plan's strategy ``strategy_id`` (None: none), or a 422 naming the field."""
    if strategy_id is None:
        return None
    strategy = plan.strategies.filter(pk=strategy_id).first()
    if strategy is None:
        raise ValidationError({"strategy": _("Strategy: pick a strategy of this plan.")})
    return strategy


@router.post(
    "/accounts/{code}/plans/{plan_id}/actions",
    response={201: ActionOut, **WRITE_ERRORS},
    summary="Add an action to a plan",
)
def create_action(request: HttpRequest, code: str, plan_id: int, payload: ActionIn) -> Status[PlanAction]:
    """Add an action (the account's KAM or a director, on a plan not closed)."""
    user = acting_user(request)
    plan = access_plan(user, code, plan_id)
    strategy = _strategy(plan, payload.strategy)
    action = do_add_action(
        plan,
        title=payload.title,
        owner=user_by_username(payload.owner, "owner"),
        due_date=payload.due_date,
        department=payload.department,
        strategy=strategy,
        acting_user=user,
    )
    return Status(201, _action(plan, action.pk))


@router.patch(
    "/accounts/{code}/plans/{plan_id}/actions/{action_id}",
    response={200: ActionOut, **WRITE_ERRORS},
    summary="Change an action",
)
def update_action(request: HttpRequest, code: str, plan_id: int, action_id: int, payload: ActionPatch) -> PlanAction:
    """Change the title, owner, due date, department or strategy sent (the account's KAM or a
    director, plan not closed)."""
    user = acting_user(request)
    plan = access_plan(user, code, plan_id)
    action = _action(plan, action_id)
    sent = payload.model_dump(exclude_unset=True)
    do_update_action(
        action,
        title=sent.get("title", action.title),
        owner=user_by_username(sent["owner"], "owner") if "owner" in sent else action.owner,
        due_date=sent.get("due_date", action.due_date),
        department=sent.get("department", action.department),
        strategy=_strategy(plan, sent["strategy"]) if "strategy" in sent else action.strategy,
        acting_user=user,
    )
    return _action(plan, action_id)


@router.delete(
    "/accounts/{code}/plans/{plan_id}/actions/{action_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an action",
)
def delete_action(request: HttpRequest, code: str, plan_id: int, action_id: int) -> Status[None]:
    """Delete an action (the account's KAM or a director, plan not closed)."""
    user = acting_user(request)
    do_delete_action(_action(access_plan(user, code, plan_id), action_id), acting_user=user)
    return Status(204, None)


@router.post(
    "/accounts/{code}/plans/{plan_id}/actions/{action_id}/status",
    response={200: ActionOut, **WRITE_ERRORS},
    summary="Set an action's status",
)
def set_action_status(
    request: HttpRequest, code: str, plan_id: int, action_id: int, payload: ActionStatusIn
) -> PlanAction:
    """Change an action's status: the plan's editors for any action, a team member for their own."""
    user = acting_user(request)
    plan = access_plan(user, code, plan_id)
    do_set_action_status(_action(plan, action_id), payload.status, acting_user=user)
    return _action(plan, action_id)
