"""The account's service tab (its cases, opening one in the page), a case's page (answer, resolve,
close, reopen, edit), the work queue of the signed-in user and the service-level page.

Whoever sees the account reads its cases; its managers and team members (not viewers) work
them; everyone else gets 404. Everyone signed in reads the service levels; only directors and
administrators change them (403 otherwise). An htmx request gets only the region back; every
change goes through ``kam.service.actions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.core.htmx import HtmxHttpRequest, render_page_or_fragment
from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code
from kam.service.actions import (
    CaseError,
    ServiceLevelError,
    do_add_holiday,
    do_close_case,
    do_delete_policy,
    do_open_case,
    do_record_first_response,
    do_remove_holiday,
    do_reopen_case,
    do_resolve_case,
    do_save_calendar,
    do_save_policy,
    do_update_case,
)
from kam.service.choices import AppliesTo
from kam.service.forms import CalendarForm, CaseEditForm, CaseForm, HolidayForm, PolicyForm, StopForm
from kam.service.models import Holiday, ServiceCase, ServiceLevelPolicy, WorkingCalendar
from kam.service.queries import (
    account_cases as cases_of,
)
from kam.service.queries import (
    calendars_with_holidays,
    can_set_service_levels,
    can_work_cases,
    live_clocks,
    policy_grid,
    work_queue,
)
from kam.users.models import User

PAGE = "service/account_cases.html"
REGION = "service/partials/cases.html"
CASE_PAGE = "service/case_detail.html"
CASE_REGION = "service/partials/case.html"
QUEUE_PAGE = "service/queue.html"
POLICIES_PAGE = "service/policies.html"
POLICIES_REGION = "service/partials/policies.html"


def _worker(request: HtmxHttpRequest, account: Account) -> User:
    user = cast(User, request.user)
    if not can_work_cases(user, account):
        raise PermissionDenied(_("Only the account's managers and team members may work its service cases."))
    return user


def _render_cases(
    request: HtmxHttpRequest, account: Account, form: CaseForm | None, *, notice: str = ""
) -> HttpResponse:
    user = cast(User, request.user)
    may_work = can_work_cases(user, account)
    if may_work and form is None:
        form = CaseForm(account=account, user=user)
    cases = list(cases_of(account)[:200])
    clocks = live_clocks(cases, now=timezone.now())
    context: dict[str, Any] = {
        "account": account,
        "rows": [(case, clocks[case.pk]) for case in cases],
        "may_work": may_work,
        "form": form,
        "notice": notice,
    }
    return render_page_or_fragment(request, PAGE, REGION, context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_cases(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """The service tab; a POST opens a case."""
    account = access_account_by_code(request.user, code)
    if request.method != "POST":
        return _render_cases(request, account, None)
    user = _worker(request, account)
    form = CaseForm(request.POST, account=account, user=user)
    if form.is_valid():
        try:
            case = do_open_case(account, form.details(), acting_user=user)
        except CaseError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect(case)
            return _render_cases(request, account, None, notice=_("Case opened."))
    return _render_cases(request, account, form)


def _case(account: Account, pk: int) -> ServiceCase:
    case = ServiceCase.objects.filter(account=account, pk=pk).select_related("account", "owner", "contact").first()
    if case is None:
        raise Http404(_("No case with this number on this account."))
    return case


def _render_case(
    request: HtmxHttpRequest,
    case: ServiceCase,
    *,
    form: CaseEditForm | None = None,
    stop_form: StopForm | None = None,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    user = cast(User, request.user)
    may_work = can_work_cases(user, case.account)
    if may_work and form is None:
        form = CaseEditForm(account=case.account, user=user, case=case)
    context: dict[str, Any] = {
        "account": case.account,
        "case": case,
        "clocks": live_clocks([case], now=timezone.now())[case.pk],
        "may_work": may_work,
        "form": form,
        "stop_form": stop_form or StopForm(),
        "notice": notice,
        "error": error,
    }
    return render_page_or_fragment(request, CASE_PAGE, CASE_REGION, context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_detail(request: HtmxHttpRequest, code: str, pk: int) -> HttpResponse:
    """A case's page; a POST saves its corrections."""
    account = access_account_by_code(request.user, code)
    case = _case(account, pk)
    if request.method != "POST":
        return _render_case(request, case)
    user = _worker(request, account)
    form = CaseEditForm(request.POST, account=account, user=user, case=case)
    if form.is_valid():
        try:
            case = do_update_case(case, form.changes(), acting_user=user)
        except CaseError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect(case)
            return _render_case(request, case, notice=_("Case saved."))
    return _render_case(request, case, form=form)


_STEPS = {
    "respond": _("First response recorded."),
    "resolve": _("Case resolved."),
    "close": _("Case closed."),
    "reopen": _("Case reopened."),
}


@login_required
@require_POST
def case_step(request: HtmxHttpRequest, code: str, pk: int, step: str) -> HttpResponse:
    """Record the first response, resolve, close or reopen the case."""
    account = access_account_by_code(request.user, code)
    case = _case(account, pk)
    if step not in _STEPS:
        raise Http404(_("No such step."))
    user = _worker(request, account)
    stop_form = StopForm(request.POST)
    if not stop_form.is_valid():
        return _render_case(request, case, stop_form=stop_form)
    at, note = stop_form.cleaned_data["at"], stop_form.cleaned_data["note"]
    try:
        if step == "respond":
            case = do_record_first_response(case, at, acting_user=user)
        elif step == "resolve":
            case = do_resolve_case(case, at, note, acting_user=user)
        elif step == "close":
            case = do_close_case(case, at, acting_user=user)
        else:
            case = do_reopen_case(case, acting_user=user)
    except CaseError as error:
        return _render_case(request, _case(account, pk), stop_form=stop_form, error=str(error))
    if not request.htmx:
        return redirect(case)
    return _render_case(request, _case(account, pk), notice=str(_STEPS[step]))


@login_required
@require_http_methods(["GET", "HEAD"])
def queue(request: HtmxHttpRequest) -> HttpResponse:
    """The open cases of the signed-in user's accounts: key accounts first, then least time left."""
    items = work_queue(request.user, now=timezone.now())
    return render_page_or_fragment(request, QUEUE_PAGE, QUEUE_PAGE, {"items": items})


# --- service levels -----------------------------------------------------------------------


def _render_policies(
    request: HtmxHttpRequest,
    *,
    policy_form: PolicyForm | None = None,
    calendar_form: CalendarForm | None = None,
    notice: str = "",
    error: str = "",
) -> HttpResponse:
    may_edit = can_set_service_levels(request.user)
    context: dict[str, Any] = {
        "grid": policy_grid(),
        "scopes": AppliesTo.choices,
        "calendars": calendars_with_holidays(),
        "may_edit": may_edit,
        "policy_form": policy_form or PolicyForm(),
        "calendar_form": calendar_form or CalendarForm(),
        "holiday_form": HolidayForm(),
        "notice": notice,
        "error": error,
    }
    return render_page_or_fragment(request, POLICIES_PAGE, POLICIES_REGION, context)


def _director(request: HtmxHttpRequest) -> User:
    if not can_set_service_levels(request.user):
        raise PermissionDenied(_("Only directors and administrators may set service levels and calendars."))
    return cast(User, request.user)


def _done(request: HtmxHttpRequest, notice: str) -> HttpResponse:
    if not request.htmx:
        return redirect("service:policies")
    return _render_policies(request, notice=notice)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def policies(request: HtmxHttpRequest) -> HttpResponse:
    """The service-level grid and the working calendars; a POST saves one policy."""
    if request.method != "POST":
        return _render_policies(request)
    user = _director(request)
    form = PolicyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_save_policy(
                data["case_type"],
                data["applies_to"],
                data["response_hours"],
                data["resolution_hours"],
                data["clock"],
                data["at_risk_share"],
                acting_user=user,
            )
        except ServiceLevelError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("Service level saved."))
    return _render_policies(request, policy_form=form)


@login_required
@require_POST
def policy_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = _director(request)
    do_delete_policy(get_object_or_404(ServiceLevelPolicy, pk=pk), acting_user=user)
    return _done(request, _("Service level removed."))


@login_required
@require_POST
def calendar_save(request: HtmxHttpRequest) -> HttpResponse:
    user = _director(request)
    form = CalendarForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_save_calendar(
                data["code"],
                data["name"],
                countries=data["countries"],
                time_zone=data["time_zone"],
                weekdays=data["weekdays"],
                opens=data["opens"],
                closes=data["closes"],
                is_default=data["is_default"],
                acting_user=user,
            )
        except ServiceLevelError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, _("Calendar saved."))
    return _render_policies(request, calendar_form=form)


@login_required
@require_POST
def holiday_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = _director(request)
    calendar = get_object_or_404(WorkingCalendar, pk=pk)
    form = HolidayForm(request.POST)
    if not form.is_valid():
        return _render_policies(request, error=_("Date: give the day of the holiday."))
    try:
        do_add_holiday(calendar, form.cleaned_data["date"], form.cleaned_data["name"], acting_user=user)
    except ServiceLevelError as error:
        return _render_policies(request, error=str(error))
    return _done(request, _("Holiday added."))


@login_required
@require_POST
def holiday_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = _director(request)
    do_remove_holiday(get_object_or_404(Holiday.objects.select_related("calendar"), pk=pk), acting_user=user)
    return _done(request, _("Holiday removed."))
