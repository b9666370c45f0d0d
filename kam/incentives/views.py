"""Incentive pages: payouts by KAM (and XLSX), incentive plans, and return on KAM.

Directors and administrators see every KAM; a key account manager sees their own payouts
and accounts; team members and viewers get 403. Only directors change plans; every change
goes through ``kam.incentives.actions``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.imports.actions import facts_store
from kam.incentives.actions import IncentiveError, do_approve_plan, do_save_plan
from kam.incentives.choices import KPI_CATALOGUE, IncentivePlanStatus
from kam.incentives.exports import payouts_workbook
from kam.incentives.forms import IncentivePlanForm, phase_formsets, phases_from
from kam.incentives.models import IncentivePlan
from kam.incentives.payouts import KamResult, compute_period_payouts, format_value
from kam.incentives.periods import Period, PeriodError, last_full_quarter, parse_period
from kam.incentives.plans import PlanValidationError, kpi_label, phase_label
from kam.incentives.queries import (
    access_plan_by_id,
    approved_plan,
    is_director,
    plans,
    return_on_kam_accounts,
    sees_every_payout,
    sees_incentives,
)
from kam.incentives.returns import compute_return_on_kam
from kam.kpis.models import PortfolioAnalysis
from kam.users.models import User


def _viewer(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not sees_incentives(user):
        raise PermissionDenied(_("Only directors, administrators and key account managers see incentives."))
    return user


def _default_period() -> Period:
    latest = PortfolioAnalysis.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    return last_full_quarter((latest + dt.timedelta(days=1)) if latest else timezone.localdate())


def _period(request: HttpRequest) -> tuple[Period, str]:
    text = request.GET.get("period", "").strip()
    if not text:
        return _default_period(), ""
    try:
        return parse_period(text), ""
    except PeriodError as error:
        return _default_period(), str(error)


def _plan(request: HttpRequest) -> IncentivePlan | None:
    number = request.GET.get("plan", "").strip()
    if number.isdigit():
        return IncentivePlan.objects.filter(pk=int(number)).first()
    return approved_plan()


def _payouts(user: User, plan: IncentivePlan | None, period: Period) -> tuple[list[KamResult], str]:
    if plan is None:
        return [], _("No incentive plan is approved yet.")
    try:
        kams = compute_period_payouts(plan, period.start, period.end)
    except PlanValidationError as error:
        return [], str(error)
    if not sees_every_payout(user):
        kams = [kam for kam in kams if kam.user_id == user.pk]
    return kams, ""


@login_required
@require_safe
def payouts(request: HttpRequest) -> HttpResponse:
    """Every KAM's total for the period (directors); a KAM's own accounts and components."""
    user = _viewer(request)
    period, period_error = _period(request)
    plan = _plan(request)
    kams, problem = _payouts(user, plan, period)
    context: dict[str, Any] = {
        "period": period,
        "period_error": period_error,
        "plan": plan,
        "plans": plans(),
        "problem": problem,
        "kams": kams,
        "sees_all": sees_every_payout(user),
        "total": round(sum(kam.total for kam in kams), 2),
    }
    if not sees_every_payout(user):
        context["kam"] = kams[0] if kams else None
        return render(request, "incentives/kam_detail.html", context)
    return render(request, "incentives/payouts.html", context)


@login_required
@require_safe
def kam_detail(request: HttpRequest, username: str) -> HttpResponse:
    """One KAM's payout: each account and each component explained."""
    user = _viewer(request)
    if not sees_every_payout(user) and username != user.username:
        raise Http404(_("No KAM with this name."))
    period, period_error = _period(request)
    plan = _plan(request)
    kams, problem = _payouts(user, plan, period)
    found = next((kam for kam in kams if kam.username == username), None)
    if found is None and not problem and not User.objects.filter(username=username).exists():
        raise Http404(_("No KAM with this name."))
    context = {
        "period": period,
        "period_error": period_error,
        "plan": plan,
        "plans": plans(),
        "problem": problem,
        "kam": found,
        "sees_all": sees_every_payout(user),
    }
    return render(request, "incentives/kam_detail.html", context)


@login_required
@require_safe
def payouts_export(request: HttpRequest) -> HttpResponse:
    """The payouts the user sees, as an XLSX workbook."""
    user = _viewer(request)
    period, period_error = _period(request)
    if period_error:
        raise Http404(period_error)
    plan = _plan(request)
    if plan is None:
        raise Http404(_("No incentive plan is approved yet."))
    kams, problem = _payouts(user, plan, period)
    if problem:
        raise Http404(problem)
    username = request.GET.get("kam", "").strip()
    if username:
        kams = [kam for kam in kams if kam.username == username]
    response = HttpResponse(
        payouts_workbook(plan, period, kams),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="openkam-incentives-{period.label}.xlsx"'
    return response


# --- plans -------------------------------------------------------------------------------------


def _plan_rows(plan: IncentivePlan) -> list[dict[str, Any]]:
    """The plan's phases for reading: KPI labels, weights, targets and curves as people write them."""
    phases = []
    for phase, rows in plan.phases.items():
        items = []
        for row in rows:
            kpi = row["kpi"]
            items.append(
                {
                    "kpi": kpi_label(kpi),
                    "weight": f"{row['weight'] * 100:g} %",
                    "target": format_value(kpi, row["target"]) if kpi in KPI_CATALOGUE else row["target"],
                    "higher_is_better": row["higher_is_better"],
                    "threshold": f"{row['threshold'] * 100:g} %",
                    "threshold_payout": f"{row['threshold_payout'] * 100:g} %",
                    "cap": f"{row['cap'] * 100:g} %",
                    "cap_payout": f"{row['cap_payout'] * 100:g} %",
                }
            )
        phases.append({"phase": phase, "label": phase_label(phase), "rows": items})
    return phases


@login_required
@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    """Every plan: the one in force, drafts and retired ones."""
    user = _viewer(request)
    return render(request, "incentives/plan_list.html", {"plans": plans(), "is_director": is_director(user)})


@login_required
@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan read-only, with Edit and Approve for directors while it is a draft."""
    user = _viewer(request)
    plan = access_plan_by_id(user, pk)
    context = {
        "plan": plan,
        "phases": _plan_rows(plan),
        "is_director": is_director(user),
        "is_draft": plan.status == IncentivePlanStatus.DRAFT,
    }
    return render(request, "incentives/plan_detail.html", context)


def _director(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not is_director(user):
        raise PermissionDenied(_("Only directors draft and approve incentive plans."))
    return user


def _edit(request: HttpRequest, plan: IncentivePlan | None) -> HttpResponse:
    user = _director(request)
    if plan is not None and plan.status != IncentivePlanStatus.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect(plan)
    if request.method == "POST":
        form = IncentivePlanForm(request.POST)
        formsets = phase_formsets(plan, request.POST)
        if form.is_valid() and all(formset.is_valid() for formset in formsets.values()):
            data = form.cleaned_data
            try:
                saved = do_save_plan(
                    plan,
                    name=data["name"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    target_bonus=data["target_bonus"],
                    retention_damping=data["retention_damping"] / 100,
                    phases=phases_from(formsets),
                    acting_user=user,
                )
            except IncentiveError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The plan “%(name)s” is saved as a draft.") % {"name": saved.name})
                return redirect(saved)
        status = 400
    else:
        initial: dict[str, Any] = {}
        if plan is not None:
            initial = {
                "name": plan.name,
                "period_start": plan.period_start,
                "period_end": plan.period_end,
                "target_bonus": plan.target_bonus,
                "retention_damping": round(plan.retention_damping * 100, 6),
            }
        form = IncentivePlanForm(initial=initial)
        formsets = phase_formsets(plan)
        status = 200
    context = {
        "plan": plan,
        "form": form,
        "formsets": [(phase, phase_label(phase), formset) for phase, formset in formsets.items()],
    }
    return render(request, "incentives/plan_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    """Draft a new plan."""
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft plan."""
    _director(request)
    return _edit(request, access_plan_by_id(request.user, pk))


@login_required
@require_POST
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a draft in force; the plan in force before it is retired."""
    user = _director(request)
    plan = access_plan_by_id(user, pk)
    try:
        do_approve_plan(plan, acting_user=user)
    except IncentiveError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The plan “%(name)s” is in force.") % {"name": plan.name})
    return redirect("incentives:plan_detail", pk=plan.pk)


# --- return on KAM -----------------------------------------------------------------------------


@login_required
@require_safe
def return_on_kam_page(request: HttpRequest) -> HttpResponse:
    """Incremental margin and return per key account and horizon, and the programme's total."""
    user = _viewer(request)
    accounts = list(return_on_kam_accounts(user).order_by("code"))
    result = compute_return_on_kam(facts_store(), accounts)
    return render(
        request,
        "incentives/return_on_kam.html",
        {"result": result, "sees_all": sees_every_payout(user), "accounts": accounts},
    )
