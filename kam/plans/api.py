"""REST API of key account plans: list and read them; add objectives and actions through the actions."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user
from kam.key_accounts.queries import access_account_by_code
from kam.plans.actions import do_add_action, do_add_objective, do_create_plan
from kam.plans.models import AccountPlan, PlanAction, PlanObjective
from kam.plans.queries import access_plan, plans_of
from kam.plans.schemas import ActionIn, ActionOut, ObjectiveIn, ObjectiveOut, PlanDetailOut, PlanIn, PlanOut
from kam.touchpoints.api import user_by_username

router = Router(tags=["plans"])


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


@router.post(
    "/accounts/{code}/plans/{plan_id}/actions",
    response={201: ActionOut, **WRITE_ERRORS},
    summary="Add an action to a plan",
)
def create_action(request: HttpRequest, code: str, plan_id: int, payload: ActionIn) -> Status[PlanAction]:
    """Add an action (the account's KAM or a director, on a plan not closed)."""
    user = acting_user(request)
    plan = access_plan(user, code, plan_id)
    strategy = None
    if payload.strategy is not None:
        strategy = plan.strategies.filter(pk=payload.strategy).first()
        if strategy is None:
            raise ValidationError({"strategy": _("Strategy: pick a strategy of this plan.")})
    action = do_add_action(
        plan,
        title=payload.title,
        owner=user_by_username(payload.owner, "owner"),
        due_date=payload.due_date,
        department=payload.department,
        strategy=strategy,
        acting_user=user,
    )
    return Status(201, PlanAction.objects.select_related("owner").get(pk=action.pk))
