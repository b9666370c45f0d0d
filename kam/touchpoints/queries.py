"""Read helpers of meetings; every one applies who may see what (``kam.key_accounts.queries``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kam.key_accounts.models import Account
from kam.key_accounts.queries import AnyUser, can_manage_account, is_on_account_team, visible_accounts
from kam.touchpoints.models import Meeting


def can_log_meetings(user: AnyUser, account: Account) -> bool:
    """Those who manage the account (directors, administrators, its KAM) and its team log meetings."""
    return can_manage_account(user, account) or is_on_account_team(user, account)


def account_meetings(account: Account) -> QuerySet[Meeting]:
    """The account's meetings, newest first, with attendees loaded."""
    return (
        Meeting.objects.filter(account=account)
        .select_related("account", "created_by")
        .prefetch_related("our_attendees", "their_attendees")
    )


def open_follow_ups(account: Account) -> QuerySet[Meeting]:
    """The account's meetings with a follow-up date whose follow-up is not done, soonest first."""
    return (
        Meeting.objects.filter(account=account, follow_up_done=False, follow_up_on__isnull=False)
        .select_related("account")
        .order_by("follow_up_on", "held_at", "id")
    )


def _mine(user: AnyUser) -> QuerySet[Meeting]:
    """Meetings on accounts ``user`` owns or that ``user`` attended, among the accounts they see."""
    visible = visible_accounts(user).values("pk")
    return (
        Meeting.objects.filter(account__in=visible)
        .filter(Q(account__owner_id=user.pk) | Q(our_attendees__pk=user.pk))
        .distinct()
        .select_related("account")
    )


def upcoming_meetings_for(user: AnyUser, *, today: dt.date, days: int = 14) -> QuerySet[Meeting]:
    """Meetings from ``today`` to ``days`` days later on accounts ``user`` owns or attends, soonest first."""
    last = today + dt.timedelta(days=days)
    return _mine(user).filter(held_at__date__gte=today, held_at__date__lte=last).order_by("held_at", "id")


def follow_ups_due_for(user: AnyUser, *, today: dt.date) -> QuerySet[Meeting]:
    """Follow-ups not done whose date is ``today`` or earlier, on accounts ``user`` owns or attended; oldest first."""
    return _mine(user).filter(follow_up_done=False, follow_up_on__lte=today).order_by("follow_up_on", "held_at", "id")
