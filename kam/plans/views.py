"""Plan pages: the account's plan with its sections, in-page edits (HTMX), exports and the roll-up.

Anyone who sees the account sees its plans (others get 404). Editing needs
``can_edit_plan`` (403 otherwise); a team member may change the status of their own actions.
Every change goes through ``kam.plans.actions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
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
    ActionEditForm,
    ActionForm,
    ActionStatusForm,
    CompetitorForm,
    ObjectiveForm,
    PlanCreateForm,
    PlanDiagnosisForm,
    PlanForm,
    ReviewForm,
    StrategyForm,
    WhitespaceForm,
)
from kam.plans.models import (
    AccountPlan,
    CompetitorPosition,
    PlanAction,
    PlanObjective,
    PlanReview,
    PlanStrategy,
)
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
    progress_of,
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
            "editing": {},
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
        "can_edit": open_plan and can_edit_plan(request.user, action.plan.account),
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
    """POST handling of a plain (non-HTMX) form: parse, call the action, redirect or show errors."""
    plan = access_plan(request.user, code, pk)
    user = _editor(request, plan.account)
    form = form_class(request.POST)
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
def whitespace_set(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    return _add(request, code, pk, WhitespaceForm, "whitespace", "do_set_whitespace_cell", _("Whitespace cell saved."))


# --- objectives, strategies, actions, competitors and reviews: add, edit, delete -----------------


@dataclass(frozen=True, slots=True)
class _Kind:
    """One kind of plan item edited in place: its model, forms, actions, fragment and messages."""

    model: type[Model]
    add_form: type[PlanForm]
    edit_form: type[PlanForm]
    needs_plan: bool
    verb: str
    template: str
    section: str
    added: Any
    saved: Any
    deleted: Any


_KINDS = {
    "objective": _Kind(
        PlanObjective,
        ObjectiveForm,
        ObjectiveForm,
        False,
        "objective",
        "plans/partials/objective_item.html",
        "objectives",
        gettext_lazy("Objective added."),
        gettext_lazy("Objective saved."),
        gettext_lazy("Objective deleted."),
    ),
    "strategy": _Kind(
        PlanStrategy,
        StrategyForm,
        StrategyForm,
        True,
        "strategy",
        "plans/partials/strategy_item.html",
        "strategies",
        gettext_lazy("Strategy added."),
        gettext_lazy("Strategy saved."),
        gettext_lazy("Strategy deleted."),
    ),
    "action": _Kind(
        PlanAction,
        ActionForm,
        ActionEditForm,
        True,
        "action",
        "plans/partials/action_row.html",
        "actions",
        gettext_lazy("Action added."),
        gettext_lazy("Action saved."),
        gettext_lazy("Action deleted."),
    ),
    "competitor": _Kind(
        CompetitorPosition,
        CompetitorForm,
        CompetitorForm,
        False,
        "competitor_position",
        "plans/partials/competitor_item.html",
        "competitors",
        gettext_lazy("Competitor added."),
        gettext_lazy("Competitor saved."),
        gettext_lazy("Competitor deleted."),
    ),
    "review": _Kind(
        PlanReview,
        ReviewForm,
        ReviewForm,
        False,
        "review",
        "plans/partials/review_item.html",
        "reviews",
        gettext_lazy("Review recorded."),
        gettext_lazy("Review saved."),
        gettext_lazy("Review deleted."),
    ),
}


def _kind(name: str) -> _Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise Http404(_("No such part of a plan.")) from None


def _edit_form(kind: str, plan: AccountPlan, item: Model, data: Any = None) -> PlanForm:
    """The inline edit form of ``item``, filled with its values; ids carry the item's id."""
    spec = _KINDS[kind]
    extra: dict[str, Any] = {"plan": plan} if spec.needs_plan else {}
    initial = {name: getattr(item, name) for name in spec.edit_form.base_fields}
    return spec.edit_form(data, initial=initial, auto_id=f"{kind}-{item.pk}-%s", **extra)


def _item_html(request: HttpRequest, kind: str, plan: AccountPlan, item: Any) -> str:
    """The fragment showing ``item`` in the page (a table row, list item or article)."""
    editable = plan.status != PlanStatus.CLOSED and can_edit_plan(request.user, plan.account)
    context: dict[str, Any] = {"plan": plan, "item": item, "plan_editable": editable}
    if kind == "action":
        context["row"] = _action_row(request, item)
    elif kind == "objective":
        context["measured"] = progress_of(item, latest_account_analysis(plan.account))
    return render_to_string(_KINDS[kind].template, context, request)


def _edit_html(request: HttpRequest, kind: str, plan: AccountPlan, item: Model, form: PlanForm) -> str:
    return render_to_string(
        "plans/partials/item_edit.html", {"plan": plan, "kind": kind, "item": item, "form": form}, request
    )


def _add_form_html(request: HttpRequest, kind: str, plan: AccountPlan, form: PlanForm, *, oob: bool = False) -> str:
    """The add form of a section; ``oob`` sends it out of band, to reset it after an HTMX add."""
    template = "plans/partials/action_form.html" if kind == "action" else "plans/partials/add_form.html"
    context = {"action_form": form, "form": form, "kind": kind, "plan": plan, "oob": oob}
    return render_to_string(template, context, request)


def _item_of(request: HttpRequest, code: str, pk: int, kind: str, item_pk: int) -> tuple[AccountPlan, Any]:
    plan = access_plan(request.user, code, pk)
    manager = _kind(kind).model._default_manager
    return plan, get_object_or_404(manager.select_related("plan__account"), plan=plan, pk=item_pk)


def _anchor(plan: AccountPlan, name: str) -> str:
    return f"{plan.get_absolute_url()}#{name}"


@login_required
@require_POST
def item_add(request: HtmxHttpRequest, code: str, pk: int, kind: str) -> HttpResponse:
    """Add an item; with HTMX the new item is put in its list and the form reset, without a reload."""
    spec = _kind(kind)
    plan = access_plan(request.user, code, pk)
    user = _editor(request, plan.account)
    extra: dict[str, Any] = {"plan": plan} if spec.needs_plan else {}
    form = spec.add_form(request.POST, **extra)
    if form.is_valid():
        try:
            item = getattr(actions, f"do_add_{spec.verb}")(plan, **form.cleaned_data, acting_user=user)
        except PlanError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                messages.success(request, str(spec.added))
                return redirect(_anchor(plan, spec.section))
            fresh = _add_form_html(request, kind, plan, spec.add_form(**extra), oob=True)
            return HttpResponse(_item_html(request, kind, plan, item) + fresh)
    if request.htmx:
        response = HttpResponse(_add_form_html(request, kind, plan, form))
        return reswap(retarget(response, f"#{kind}-form"), "outerHTML")
    return _render_plan(request, plan.account, plan, status=400, **{f"{kind}_form": form})


@login_required
@require_safe
def item_detail(request: HtmxHttpRequest, code: str, pk: int, kind: str, item_pk: int) -> HttpResponse:
    """The item as shown in the page (HTMX: cancelling an inline edit); without HTMX, the plan."""
    plan, item = _item_of(request, code, pk, kind, item_pk)
    if not request.htmx:
        return redirect(_anchor(plan, f"{kind}-{item.pk}"))
    return HttpResponse(_item_html(request, kind, plan, item))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_edit(request: HtmxHttpRequest, code: str, pk: int, kind: str, item_pk: int) -> HttpResponse:
    """The inline edit form of an item (GET) and its save (POST): HTMX swaps the item in place."""
    plan, item = _item_of(request, code, pk, kind, item_pk)
    user = _editor(request, plan.account)
    spec = _KINDS[kind]
    status = 200
    if request.method == "POST":
        form = _edit_form(kind, plan, item, request.POST)
        if form.is_valid():
            try:
                item = getattr(actions, f"do_update_{spec.verb}")(item, **form.cleaned_data, acting_user=user)
            except PlanError as error:
                form.add_error(None, str(error))
            else:
                if not request.htmx:
                    messages.success(request, str(spec.saved))
                    return redirect(_anchor(plan, f"{kind}-{item.pk}"))
                return HttpResponse(_item_html(request, kind, plan, item))
        status = 400
    else:
        form = _edit_form(kind, plan, item)
    if request.htmx:
        if request.method != "POST" and plan.status == PlanStatus.CLOSED:
            return HttpResponse(_item_html(request, kind, plan, item))
        return HttpResponse(_edit_html(request, kind, plan, item, form))
    editing = {kind: item.pk} if plan.status != PlanStatus.CLOSED else {}
    return _render_plan(request, plan.account, plan, status=status, editing=editing, edit_form=form)


@login_required
@require_POST
def item_delete(request: HtmxHttpRequest, code: str, pk: int, kind: str, item_pk: int) -> HttpResponse:
    """Delete an item; HTMX swaps it for nothing, without HTMX the plan is shown again."""
    plan, item = _item_of(request, code, pk, kind, item_pk)
    user = _editor(request, plan.account)
    spec = _KINDS[kind]
    try:
        getattr(actions, f"do_delete_{spec.verb}")(item, acting_user=user)
    except PlanError as error:
        if request.htmx:
            return HttpResponse(_item_html(request, kind, plan, item))
        messages.error(request, str(error))
        return redirect(plan)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, str(spec.deleted))
    return redirect(_anchor(plan, spec.section))


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
