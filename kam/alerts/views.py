"""The alert pages: my alerts (filtered by status), one alert (what happened, who was told), and
acknowledging and resolving in place wherever an alert is listed.

Whoever sees the account reads its alerts; those who manage it and its team act on them;
everyone else gets 404. An htmx request gets the alert's fragment back, a plain form post a
redirect to the page it came from. Every change goes through ``kam.alerts.actions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.alerts.actions import AlertError, do_acknowledge_alert, do_mark_notices_read, do_resolve_alert
from kam.alerts.choices import AlertStatus
from kam.alerts.models import Alert
from kam.alerts.queries import (
    ALL,
    STATUS_FILTERS,
    access_alert,
    actionable_account_ids,
    alert_notices,
    alerts_for_user,
    can_act_on_alerts,
    unread_notice_count,
)
from kam.core.htmx import HtmxHttpRequest, render_page_or_fragment, wants_fragment
from kam.users.models import User

ALERTS_PER_PAGE = 50
ITEM = "alerts/partials/alert_item.html"
# The htmx event after an alert changed in place: the top bar's badge reloads its count.
ALERTS_CHANGED = "alerts-changed"


def _status_filters() -> list[tuple[str, str]]:
    return [*((status.value, str(status.label)) for status in AlertStatus), (ALL, _("All"))]


@login_required
@require_safe
def alert_list(request: HtmxHttpRequest) -> HttpResponse:
    """My alerts: open ones by default, or those of one status, or all; key accounts first, then newest."""
    user = cast(User, request.user)
    status = request.GET.get("status", AlertStatus.OPEN)
    if status not in STATUS_FILTERS:
        status = AlertStatus.OPEN
    page = Paginator(alerts_for_user(user, status), ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page_obj": page,
        "alerts": page.object_list,
        "status": status,
        "status_filters": _status_filters(),
        "actionable": actionable_account_ids(user, page.object_list),
    }
    return render_page_or_fragment(request, "alerts/alert_list.html", "alerts/partials/alert_list.html", context)


@login_required
@require_safe
def badge(request: HtmxHttpRequest) -> HttpResponse:
    """The top bar's link to my alerts with how many are unread (one query); htmx loads it after the page."""
    response = render(request, "alerts/partials/badge.html", {"unread": unread_notice_count(request.user)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def mark_all_read(request: HtmxHttpRequest) -> HttpResponse:
    """Mark every notice of mine read."""
    user = cast(User, request.user)
    count = do_mark_notices_read(user, alerts_for_user(user, ALL))
    messages.success(request, _("All alerts marked read.") if count else _("No unread alert."))
    return redirect("alerts:alert_list")


@login_required
@require_safe
def alert_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One alert: what happened, where to see it, who was told, acknowledging and resolving it.

    Opening it marks my notice of it read.
    """
    user = cast(User, request.user)
    alert = access_alert(user, pk)
    do_mark_notices_read(user, [alert])
    context: dict[str, Any] = {
        "alert": alert,
        "account": alert.account,
        "notices": alert_notices(alert),
        "actionable": {alert.account_id} if can_act_on_alerts(user, alert.account) else set(),
        "next": alert.get_absolute_url(),
    }
    return render(request, "alerts/alert_detail.html", context)


def _next_url(request: HtmxHttpRequest, alert: Alert) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return alert.get_absolute_url()


def _answer(request: HtmxHttpRequest, alert: Alert, *, notice: str = "", error: str = "") -> HttpResponse:
    """The alert's fragment (htmx) or a redirect to where the form was, with the outcome as a message."""
    if not wants_fragment(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return HttpResponseRedirect(_next_url(request, alert))
    user = cast(User, request.user)
    alert = access_alert(user, alert.pk)
    context: dict[str, Any] = {
        "alert": alert,
        "actionable": {alert.account_id} if can_act_on_alerts(user, alert.account) else set(),
        "notice": notice,
        "error": error,
        "next": _next_url(request, alert),
        "note": request.POST.get("note", "") if error else "",
    }
    response = render(request, ITEM, context)
    patch_vary_headers(response, ("HX-Request",))
    response["HX-Trigger"] = ALERTS_CHANGED
    return response


@login_required
@require_POST
def alert_acknowledge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Acknowledge the alert: someone of the team is on it."""
    alert = access_alert(request.user, pk)
    try:
        do_acknowledge_alert(alert, acting_user=cast(User, request.user))
    except AlertError as error:
        return _answer(request, alert, error=str(error))
    return _answer(request, alert, notice=_("Alert acknowledged."))


@login_required
@require_POST
def alert_resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Resolve the alert with a note saying how it was dealt with."""
    alert = access_alert(request.user, pk)
    try:
        do_resolve_alert(alert, request.POST.get("note", ""), acting_user=cast(User, request.user))
    except AlertError as error:
        return _answer(request, alert, error=str(error))
    return _answer(request, alert, notice=_("Alert resolved."))
