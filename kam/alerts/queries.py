"""Read helpers of alerts; every one applies who may see what (``kam.key_accounts.queries``).

A person sees the alerts of the accounts they see; their own list ("my alerts") holds those
they were told of. Directors and administrators, who see every account, see every alert.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from kam.alerts.choices import AlertStatus
from kam.alerts.models import Alert, AlertNotice
from kam.key_accounts.models import Account, AccountTeamMember
from kam.key_accounts.queries import AnyUser, can_manage_account, visible_accounts, works_on_account_team
from kam.users.choices import Role
from kam.users.models import User

ALL = "all"
# The filters of the alert list: a status, or every alert.
STATUS_FILTERS = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value, AlertStatus.RESOLVED.value, ALL)
# Not yet dealt with: what the account overview and the home page show.
UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


def can_act_on_alerts(user: AnyUser, account: Account) -> bool:
    """Those who manage the account (directors, administrators, its KAM) and its team (not viewers) deal with alerts."""
    return can_manage_account(user, account) or works_on_account_team(user, account)


def actionable_account_ids(user: AnyUser, alerts: Iterable[Alert]) -> set[int]:
    """The accounts among those of ``alerts`` whose alerts ``user`` may act on, in at most one query."""
    if not isinstance(user, User) or not user.is_active:
        return set()
    account_ids = {alert.account_id for alert in alerts}
    if user.sees_all_accounts:
        return account_ids
    owned = {alert.account_id for alert in alerts if alert.account.owner_id == user.pk}
    rest = account_ids - owned
    if not rest or user.role == Role.VIEWER:
        return owned
    on_team = AccountTeamMember.objects.filter(user=user, account_id__in=rest).values_list("account_id", flat=True)
    return owned | set(on_team)


def _visible(user: AnyUser) -> QuerySet[Alert]:
    return Alert.objects.filter(account__in=visible_accounts(user).values("pk")).select_related(
        "account", "resolved_by"
    )


def _with_unread(alerts: QuerySet[Alert], user: AnyUser) -> QuerySet[Alert]:
    unread = AlertNotice.objects.filter(alert=OuterRef("pk"), recipient_id=user.pk, read_at__isnull=True)
    return alerts.annotate(is_unread=Exists(unread))


def access_alert(user: AnyUser, pk: int) -> Alert:
    """The alert ``pk`` if ``user`` sees its account; ``Http404`` otherwise (as for one that does not exist)."""
    alert = _visible(user).select_related("account__owner", "acknowledged_by", "resolved_by").filter(pk=pk).first()
    if alert is None:
        raise Http404(_("No alert with this number."))
    return alert


def open_alerts_for_account(account: Account) -> QuerySet[Alert]:
    """The account's alerts not yet resolved: open before acknowledged, then newest first."""
    status_order = Case(When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        Alert.objects.filter(account=account, status__in=UNRESOLVED)
        .select_related("account")
        .annotate(status_order=status_order)
        .order_by("status_order", "-occurred_at", "-id")
    )


def alerts_for_user(user: AnyUser, status: str = AlertStatus.OPEN) -> QuerySet[Alert]:
    """The alerts ``user`` was told of (every alert, for directors), key accounts first, then newest.

    ``status`` is a status of ``AlertStatus`` or ``"all"``; ``is_unread`` tells whether the user has
    not read their notice of the alert yet.
    """
    alerts = _visible(user)
    if not (isinstance(user, User) and user.sees_all_accounts):
        alerts = alerts.filter(Exists(AlertNotice.objects.filter(alert=OuterRef("pk"), recipient_id=user.pk)))
    if status != ALL:
        alerts = alerts.filter(status=status)
    return _with_unread(alerts, user).order_by("-account__is_key_account", "-occurred_at", "-id")


def unresolved_alerts_for_user(user: AnyUser) -> QuerySet[Alert]:
    """The alerts of the home page: not yet resolved, unread first, open before acknowledged, key accounts first."""
    status_order = Case(When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        alerts_for_user(user, ALL)
        .filter(status__in=UNRESOLVED)
        .annotate(status_order=status_order)
        .order_by("-is_unread", "status_order", "-account__is_key_account", "-occurred_at", "-id")
    )


def unread_notice_count(user: AnyUser) -> int:
    """How many alerts not yet resolved ``user`` was told of and has not read (one query)."""
    if not isinstance(user, User) or not user.is_active:
        return 0
    return (
        AlertNotice.objects.filter(recipient=user, read_at__isnull=True)
        .exclude(alert__status=AlertStatus.RESOLVED)
        .count()
    )


def alert_notices(alert: Alert) -> QuerySet[AlertNotice]:
    """Who was told of the alert, with whether they read it, by name."""
    return alert.notices.select_related("recipient").order_by("recipient__first_name", "recipient__last_name", "id")
