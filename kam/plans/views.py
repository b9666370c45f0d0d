"""Plan pages: the account's plan with its sections, in-page edits (HTMX), exports and the roll-up.

Anyone who sees the account sees its plans (others get 404). Editing needs
``can_edit_plan`` (403 otherwise); a team member may change the status of their own actions.
Every change goes through ``kam.plans.actions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from kam.key_accounts.models import Account, ProductLine
from kam.key_accounts.queries import access_account_by_code
from kam.kpis.queries import latest_account_analysis
from kam.plans import actions
from kam.plans.actions import PlanConflictError, PlanError
from kam.plans.choices import ActionStatus, PlanStatus
from kam.plans.exports import plan_pdf, plan_workbook
from kam.plans.forms import (
    ActionForm,
    ActionStatusForm,
    CompetitorForm,
    ObjectiveForm,
    PlanCreateForm,
    PlanDiagnosisForm,
    ReviewForm,
    StrategyForm,
    WhitespaceForm,
)
from kam.plans.models import AccountPlan, PlanAction
from kam.plans.queries import (
    ROLLUP_KPIS,
    access_plan,
    can_change_action_status,
    can_edit_plan,
    can_see_rollup,
    current_plan,
    is_overdue,
    objectives_with_progress,
    plans_of,
    rollup,
    today,
    totals,
    whitespace_grid,
)
from kam.users.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for the type checker)."""

    htmx: HtmxDetails


def _plan_context(request: HttpRequest, account: Account, plan: AccountPlan | None, **overrides: Any) -> dict[str, Any]:
    user = request.user
    editable = can_edit_plan(user, account)
    context: dict[str, Any] = {
        "account": account,
        "plan": plan,
        "plans": list(plans_of(account).order_by("-period_start", "-id")),
        "can_edit": editable,
        "create_form": PlanCreateForm(),
    }
    if plan is None:
        return {**context, **overrides}
    open_plan = plan.status != PlanStatus.CLOSED
    analysis = latest_account_analysis(account)
    on = today()
    plan_actions = list(plan.actions.select_related("owner", "strategy"))
    context.update(
        {
            "plan_editable": editable and open_plan,
            "analysis": analysis,
            "objectives": objectives_with_progress(plan),
            "strategies": list(plan.strategies.select_related("objective")),
            "action_rows": [_action_row(request, action, on) for action in plan_actions],
            "overdue_count": sum(1 for action in plan_actions if is_overdue(action, on)),
            "whitespace": whitespace_grid(plan),
            "competitors": list(plan.competitors.all()),
            "reviews": list(plan.reviews.all()),
            "diagnosis_form": PlanDiagnosisForm.for_plan(plan),
            "objective_form": ObjectiveForm(),
            "strategy_form": StrategyForm(plan=plan),
            "action_form": ActionForm(plan=plan),
            "whitespace_form": _whitespace_form(request, plan),
            "competitor_form": CompetitorForm(),
            "review_form": ReviewForm(),
            "has_product_lines": ProductLine.objects.exists(),
        }
    )
    context.update(overrides)
    return context


def _action_row(request: HttpRequest, action: PlanAction, on: Any = None) -> dict[str, Any]:
    open_plan = action.plan.status != PlanStatus.CLOSED
    return {
        "action": action,
        "overdue": is_overdue(action, on),
        "can_change_status": open_plan and can_change_action_status(request.user, action),
        "statuses": ActionStatus.choices,
    }


def _whitespace_form(request: HttpRequest, plan: AccountPlan) -> WhitespaceForm:
    """The cell form, filled with the cell named by ``?unit=…&line=…`` when there is one."""
    unit, line = request.GET.get("unit", ""), request.GET.get("line", "")
    cell = plan.whitespace.filter(business_unit=unit, product_line_id=int(line)).first() if line.isdigit() else None
    if cell is None:
        return WhitespaceForm(initial={"business_unit": unit, "product_line": line if line.isdigit() else None})
    return WhitespaceForm(
        initial={
            "business_unit": cell.business_unit,
            "product_line": cell.product_line_id,
            "status": cell.status,
            "potential": cell.potential,
            "current_value": cell.current_value,
            "competitor": cell.competitor,
        }
    )


def _render_plan(
    request: HttpRequest, account: Account, plan: AccountPlan | None, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(request, "plans/account_plan.html", _plan_context(request, account, plan, **extra), status=status)


@login_required
@require_safe
def account_plan(request: HttpRequest, code: str) -> HttpResponse:
    """The account's active plan (else its latest), or an empty state offering to create one."""
    account = access_account_by_code(request.user, code)
    return _render_plan(request, account, current_plan(account))


@login_required
@require_safe
def plan_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One plan of the account, earlier ones included."""
    plan = access_plan(request.user, code, pk)
    return _render_plan(request, plan.account, plan)


def _editor(request: HttpRequest, account: Account) -> User:
    user = cast(User, request.user)
    if not can_edit_plan(user, account):
        raise PermissionDenied(_("Only directors, administrators and the account's KAM may edit its plan."))
    return user


@login_required
@require_POST
def plan_create(request: HttpRequest, code: str) -> HttpResponse:
    """Start a draft plan."""
    account = access_account_by_code(request.user, code)
    user = _editor(request, account)
    form = PlanCreateForm(request.POST)
    if form.is_valid():
        try:
            plan = actions.do_create_plan(account, **form.cleaned_data, acting_user=user)
        except PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Plan “%(title)s” created as a draft.") % {"title": plan.title})
            return redirect(plan)
    return _render_plan(request, account, current_plan(account), status=400, create_form=form)


@login_required
@require_POST
def plan_update(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Save the diagnosis and SWOT; a stale revision shows what changed and keeps the input."""
    plan = access_plan(request.user, code, pk)
    user = _editor(request, plan.account)
    form = PlanDiagnosisForm(request.POST)
    if form.is_valid():
        try:
            actions.do_update_plan(plan, form.values(), revision=form.cleaned_data["revision"], acting_user=user)
        except PlanConflictError as conflict:
            # Keep the user's input, now on the current revision: saving again is a deliberate overwrite.
            data = request.POST.copy()
            data["revision"] = str(conflict.revision)
            plan.refresh_from_db()
            return _render_plan(
                request,
                plan.account,
                plan,
                status=409,
                diagnosis_form=PlanDiagnosisForm(data),
                conflict=conflict,
            )
        except PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Diagnosis saved."))
            return redirect(plan)
    return _render_plan(request, plan.account, plan, status=400, diagnosis_form=form)


@login_required
@require_POST
def plan_status(request: HttpRequest, code: str, pk: int, transition: str) -> HttpResponse:
    """Activate or close a plan."""
    plan = access_plan(request.user, code, pk)
    user = _editor(request, plan.account)
    try:
        if transition == "activate":
            actions.do_activate_plan(plan, acting_user=user)
            messages.success(request, _("The plan is now active."))
        else:
            actions.do_close_plan(plan, acting_user=user)
            messages.success(request, _("The plan is closed."))
    except PlanError as error:
        messages.error(request, str(error))
    return redirect(plan)


def _add(
    request: HttpRequest, code: str, pk: int, form_class: type[Any], prefix: str, name: str, message: str
) -> HttpResponse:
    """Shared POST handling of the small "add" forms: parse, call the action, redirect or show errors."""
    plan = access_plan(request.user, code, pk)
    user = _editor(request, plan.account)
    form = form_class(request.POST, plan=plan) if form_class is StrategyForm else form_class(request.POST)
    if form.is_valid():
        try:
            getattr(actions, name)(plan, **form.cleaned_data, acting_user=user)
        except PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, message)
            return redirect(plan)
    return _render_plan(request, plan.account, plan, status=400, **{f"{prefix}_form": form})


@login_required
@require_POST
def objective_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _add(request, code, pk, ObjectiveForm, "objective", "do_add_objective", _("Objective added."))


@login_required
@require_POST
def strategy_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _add(request, code, pk, StrategyForm, "strategy", "do_add_strategy", _("Strategy added."))


@login_required
@require_POST
def whitespace_set(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _add(request, code, pk, WhitespaceForm, "whitespace", "do_set_whitespace_cell", _("Whitespace cell saved."))


@login_required
@require_POST
def competitor_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _add(request, code, pk, CompetitorForm, "competitor", "do_add_competitor_position", _("Competitor added."))


@login_required
@require_POST
def review_add(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _add(request, code, pk, ReviewForm, "review", "do_add_review", _("Review recorded."))


@login_required
@require_POST
def action_add(request: HtmxHttpRequest, code: str, pk: int) -> HttpResponse:
    """Add an action; with HTMX the new row is appended and the form reset, without a reload."""
    plan = access_plan(request.user, code, pk)
    user = _editor(request, plan.account)
    form = ActionForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            action = actions.do_add_action(plan, **form.cleaned_data, acting_user=user)
        except PlanError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                messages.success(request, _("Action added."))
                return redirect(plan)
            row = render_to_string(
                "plans/partials/action_row.html", {"row": _action_row(request, action), "plan": plan}, request
            )
            fresh = render_to_string(
                "plans/partials/action_form.html",
                {"action_form": ActionForm(plan=plan), "plan": plan, "oob": True},
                request,
            )
            return HttpResponse(row + fresh)
    if request.htmx:
        response = render(request, "plans/partials/action_form.html", {"action_form": form, "plan": plan}, status=200)
        return reswap(retarget(response, "#action-form"), "outerHTML")
    return _render_plan(request, plan.account, plan, status=400, action_form=form)


@login_required
@require_POST
def action_status(request: HtmxHttpRequest, code: str, pk: int, action_pk: int) -> HttpResponse:
    """Change an action's status inline (HTMX swaps the row)."""
    plan = access_plan(request.user, code, pk)
    action = get_object_or_404(PlanAction.objects.select_related("owner", "plan__account"), plan=plan, pk=action_pk)
    user = cast(User, request.user)
    if not can_change_action_status(user, action):
        raise PermissionDenied(_("You may only change the status of the actions you own."))
    form = ActionStatusForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            action = actions.do_set_action_status(action, form.cleaned_data["status"], acting_user=user)
        except PlanError as problem:
            error = str(problem)
    else:
        error = _("Status: pick one of the statuses offered.")
    if request.htmx:
        row = _action_row(request, action)
        return render(request, "plans/partials/action_row.html", {"row": row, "plan": plan, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Status of “%(title)s” changed.") % {"title": action.title})
    return redirect(plan)


@login_required
@require_safe
def export_pdf(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The plan as a printable PDF."""
    plan = access_plan(request.user, code, pk)
    response = HttpResponse(plan_pdf(plan, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.account.code}-{plan.pk}.pdf"'
    return response


@login_required
@require_safe
def export_xlsx(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Objectives, actions and whitespace as an Excel workbook."""
    plan = access_plan(request.user, code, pk)
    response = HttpResponse(
        plan_workbook(plan), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.account.code}-{plan.pk}.xlsx"'
    return response


@login_required
@require_safe
def plan_rollup(request: HttpRequest) -> HttpResponse:
    """Revenue and gross-margin targets of active plans against current values, by KAM and segment."""
    user = cast(User, request.user)
    if not can_see_rollup(user):
        raise Http404(_("The roll-up is for directors and key account managers."))
    groups = rollup(user)
    context = {
        "kpis": ROLLUP_KPIS,
        "by_kam": groups["kam"],
        "by_segment": groups["segment"],
        "total": totals(groups["kam"]),
        "sees_all": user.sees_all_accounts,
    }
    return render(request, "plans/rollup.html", context)
