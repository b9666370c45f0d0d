"""The account's meetings tab: the meetings, open follow-ups as reminders, and logging one in the page.

Whoever sees the account reads its meetings; those who manage it and its team log and edit
them; everyone else gets 404. An htmx request gets only the meetings region back.
Every change goes through ``kam.touchpoints.actions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code
from kam.key_accounts.views import HtmxHttpRequest
from kam.touchpoints.actions import MeetingError, do_complete_follow_up, do_log_meeting, do_update_meeting
from kam.touchpoints.forms import MeetingForm
from kam.touchpoints.models import Meeting
from kam.touchpoints.queries import account_meetings as meetings_of
from kam.touchpoints.queries import can_log_meetings, open_follow_ups
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
    template = REGION if request.htmx and not request.htmx.history_restore_request else PAGE
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


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
