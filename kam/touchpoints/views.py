"""The account's meetings tab (the meetings, open follow-ups as reminders, and logging one in the
page), its timeline tab (touchpoints and meetings merged, filtered, logging a touchpoint) and the
home page's quick-add of a touchpoint.

Whoever sees the account reads its meetings; those who manage it and its team log and edit
them, and log touchpoints; everyone else gets 404. An htmx request gets only the region back.
Every change goes through ``kam.touchpoints.actions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.core.htmx import HtmxHttpRequest, render_page_or_fragment, wants_fragment
from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code
from kam.touchpoints.actions import (
    MeetingError,
    TouchpointError,
    do_complete_follow_up,
    do_log_meeting,
    do_log_touchpoint,
    do_update_meeting,
)
from kam.touchpoints.choices import Sentiment
from kam.touchpoints.forms import MeetingForm, QuickTouchpointForm, TouchpointForm
from kam.touchpoints.models import Meeting
from kam.touchpoints.queries import account_meetings as meetings_of
from kam.touchpoints.queries import account_timeline as timeline_of
from kam.touchpoints.queries import can_log_meetings, can_log_touchpoints, open_follow_ups, quick_add_accounts
from kam.users.choices import Department
from kam.users.models import User

PAGE = "touchpoints/account_meetings.html"
REGION = "touchpoints/partials/meetings.html"


def _render(
    request: HtmxHttpRequest,
    account: Account,
    form: MeetingForm | None,
    *,
    editing: Meeting | None = None,
    notice: str = "",
) -> HttpResponse:
    user = cast(User, request.user)
    may_log = can_log_meetings(user, account)
    if may_log and form is None:
        form = MeetingForm(account=account, user=user, initial={"our_attendees": [user]})
    context: dict[str, Any] = {
        "account": account,
        "meetings": meetings_of(account),
        "follow_ups": open_follow_ups(account),
        "today": timezone.localdate(),
        "may_log": may_log,
        "form": form,
        "editing": editing,
        "notice": notice,
    }
    return render_page_or_fragment(request, PAGE, REGION, context)


def _meeting(account: Account, pk: int) -> Meeting:
    meeting = Meeting.objects.filter(account=account, pk=pk).select_related("account").first()
    if meeting is None:
        raise Http404(_("No meeting with this number on this account."))
    return meeting


def _logger(request: HtmxHttpRequest, account: Account) -> User:
    user = cast(User, request.user)
    if not can_log_meetings(user, account):
        raise PermissionDenied(_("Only the account's managers and team members may log its meetings."))
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_meetings(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """The meetings tab; a POST logs a meeting."""
    account = access_account_by_code(request.user, code)
    if request.method != "POST":
        return _render(request, account, None)
    user = _logger(request, account)
    form = MeetingForm(request.POST, account=account, user=user)
    if form.is_valid():
        try:
            do_log_meeting(account, form.details(), acting_user=user)
        except MeetingError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect("touchpoints:account_meetings", code=account.code)
            return _render(request, account, None, notice=_("Meeting logged."))
    return _render(request, account, form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_edit(request: HtmxHttpRequest, code: str, pk: int) -> HttpResponse:
    """The meetings tab with one meeting's form filled in; a POST saves it."""
    account = access_account_by_code(request.user, code)
    meeting = _meeting(account, pk)
    user = _logger(request, account)
    if request.method != "POST":
        return _render(request, account, MeetingForm(account=account, user=user, meeting=meeting), editing=meeting)
    form = MeetingForm(request.POST, account=account, user=user, meeting=meeting)
    if form.is_valid():
        try:
            do_update_meeting(meeting, form.details(), acting_user=user)
        except MeetingError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect("touchpoints:account_meetings", code=account.code)
            return _render(request, account, None, notice=_("Meeting saved."))
    return _render(request, account, form, editing=meeting)


@login_required
@require_POST
def follow_up_done(request: HtmxHttpRequest, code: str, pk: int) -> HttpResponse:
    """Mark a meeting's follow-up done."""
    account = access_account_by_code(request.user, code)
    meeting = _meeting(account, pk)
    user = _logger(request, account)
    notice = _("Follow-up done.")
    try:
        do_complete_follow_up(meeting, acting_user=user)
    except MeetingError as error:
        notice = str(error)
    if not request.htmx:
        return redirect("touchpoints:account_meetings", code=account.code)
    return _render(request, account, None, notice=notice)


# --- the timeline tab ---------------------------------------------------------------------

TIMELINE_PAGE = "touchpoints/account_timeline.html"
TIMELINE_REGION = "touchpoints/partials/timeline.html"
TIMELINE_LIST = "touchpoints/partials/timeline_list.html"


def _timeline_filters(request: HtmxHttpRequest) -> dict[str, str]:
    department = request.GET.get("department", "")
    sentiment = request.GET.get("sentiment", "")
    return {
        "department": department if department in Department.values else "",
        "sentiment": sentiment if sentiment in Sentiment.values else "",
    }


def _render_timeline(
    request: HtmxHttpRequest, account: Account, form: TouchpointForm | None, *, notice: str = ""
) -> HttpResponse:
    user = cast(User, request.user)
    may_log = can_log_touchpoints(user, account)
    if may_log and form is None:
        form = TouchpointForm(account=account, user=user)
    filters = _timeline_filters(request) if request.method != "POST" else {"department": "", "sentiment": ""}
    page = timeline_of(account, page=request.GET.get("page", 1), **filters)
    query = {name: value for name, value in filters.items() if value}
    context: dict[str, Any] = {
        "account": account,
        "page": page,
        "items": page.object_list,
        "filters": filters,
        "filter_query": "&".join(f"{name}={value}" for name, value in query.items()),
        "departments": Department.choices,
        "sentiments": Sentiment.choices,
        "may_log": may_log,
        "form": form,
        "notice": notice,
    }
    if not wants_fragment(request):
        template = TIMELINE_PAGE
    elif request.method == "POST":
        template = TIMELINE_REGION
    else:
        template = TIMELINE_LIST
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_timeline(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """The timeline tab: touchpoints and meetings newest first; a POST logs a touchpoint.

    An htmx GET (filters, pages) gets the list back; an htmx POST the whole region, the new
    touchpoint at the top of an unfiltered first page.
    """
    account = access_account_by_code(request.user, code)
    if request.method != "POST":
        return _render_timeline(request, account, None)
    user = cast(User, request.user)
    if not can_log_touchpoints(user, account):
        raise PermissionDenied(_("Only the account's managers and team members may log its touchpoints."))
    form = TouchpointForm(request.POST, account=account, user=user)
    if form.is_valid():
        try:
            do_log_touchpoint(account, form.details(), acting_user=user)
        except TouchpointError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect("touchpoints:account_timeline", code=account.code)
            return _render_timeline(request, account, None, notice=_("Touchpoint logged."))
    return _render_timeline(request, account, form)


# --- the home page's quick-add -------------------------------------------------------------

QUICK_ADD = "touchpoints/partials/quick_add.html"


@login_required
@require_POST
def quick_add(request: HtmxHttpRequest) -> HttpResponse:
    """Log a touchpoint of mine, now, on one of my accounts, from the home page.

    htmx gets the quick-add back (a fresh form and what was logged, or the errors); a plain
    post goes back to the home page with a message.
    """
    user = cast(User, request.user)
    choices = list(quick_add_accounts(user).values_list("code", "name"))
    form = QuickTouchpointForm(request.POST, accounts=choices, user=user)
    notice = ""
    logged = None
    if form.is_valid():
        account = access_account_by_code(user, form.cleaned_data["account"])
        if not can_log_touchpoints(user, account):
            raise PermissionDenied(_("Only the account's managers and team members may log its touchpoints."))
        try:
            logged = do_log_touchpoint(account, form.details(user), acting_user=user)
        except TouchpointError as error:
            form.add_error(None, str(error))
        else:
            notice = _("Touchpoint logged on %(account)s.") % {"account": account.name}
    if not wants_fragment(request):
        if logged is not None:
            messages.success(request, notice)
        else:
            errors = [str(error) for field_errors in form.errors.values() for error in field_errors]
            messages.error(request, _("The touchpoint was not logged: %(errors)s") % {"errors": " ".join(errors)})
        return redirect("home")
    if logged is not None:
        form = QuickTouchpointForm(accounts=choices, user=user, initial={"account": logged.account.code})
    response = render(request, QUICK_ADD, {"quick_form": form, "quick_notice": notice, "quick_logged": logged})
    patch_vary_headers(response, ("HX-Request",))
    return response
