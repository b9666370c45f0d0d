"""Read helpers of meetings and touchpoints; every one applies who may see what (``kam.key_accounts.queries``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from kam.key_accounts.models import Account
from kam.key_accounts.queries import AnyUser, can_manage_account, visible_accounts, works_on_account_team
from kam.touchpoints.choices import GoalMet, Sentiment
from kam.touchpoints.models import Meeting, Touchpoint
from kam.users.choices import Department
from kam.users.models import User


def can_log_meetings(user: AnyUser, account: Account) -> bool:
    """Those who manage the account (directors, administrators, its KAM) and its team (not viewers) log meetings."""
    return can_manage_account(user, account) or works_on_account_team(user, account)


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


# --- the account's timeline: touchpoints and meetings merged ------------------------------

TIMELINE_PAGE_SIZE = 50
MEETING = "meeting"
TOUCHPOINT = "touchpoint"


def can_log_touchpoints(user: AnyUser, account: Account) -> bool:
    """Those who manage the account and its team log touchpoints, as they log meetings."""
    return can_log_meetings(user, account)


def meeting_department() -> Coalesce:
    """A meeting's department: that of who logged it; sales when the system logged it."""
    return Coalesce(F("created_by__department"), Value(Department.SALES), output_field=CharField())


def meeting_sentiment() -> Case:
    """A meeting's sentiment, read from whether it met its goal: yes positive, no negative."""
    return Case(
        When(goal_met=GoalMet.YES, then=Value(Sentiment.POSITIVE)),
        When(goal_met=GoalMet.NO, then=Value(Sentiment.NEGATIVE)),
        default=Value(Sentiment.NEUTRAL),
        output_field=CharField(),
    )


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One line of the timeline: a touchpoint or a meeting, with what the timeline shows of both."""

    kind: str
    at: dt.datetime
    department: str
    sentiment: str
    touchpoint: Touchpoint | None = None
    meeting: Meeting | None = None

    @property
    def is_meeting(self) -> bool:
        return self.kind == MEETING

    @property
    def is_negative(self) -> bool:
        return self.sentiment == Sentiment.NEGATIVE

    @property
    def department_label(self) -> str:
        return str(Department(self.department).label) if self.department in Department.values else self.department

    @property
    def sentiment_label(self) -> str:
        return str(Sentiment(self.sentiment).label)

    @property
    def anchor(self) -> str:
        item = self.touchpoint if self.touchpoint is not None else self.meeting
        return f"{self.kind}-{item.pk if item is not None else ''}"


def _timeline_rows(account: Account, *, department: str = "", sentiment: str = "") -> QuerySet[Any]:
    """(kind, id, at, department, sentiment) of every touchpoint and meeting of the account, newest first."""
    touchpoints = Touchpoint.objects.filter(account=account).annotate(
        item_kind=Value(TOUCHPOINT, output_field=CharField()),
        item_id=F("pk"),
        item_at=F("happened_at"),
        item_department=F("department"),
        item_sentiment=F("sentiment"),
    )
    meetings = Meeting.objects.filter(account=account).annotate(
        item_kind=Value(MEETING, output_field=CharField()),
        item_id=F("pk"),
        item_at=F("held_at"),
        item_department=meeting_department(),
        item_sentiment=meeting_sentiment(),
    )
    if department:
        touchpoints = touchpoints.filter(item_department=department)
        meetings = meetings.filter(item_department=department)
    if sentiment:
        touchpoints = touchpoints.filter(item_sentiment=sentiment)
        meetings = meetings.filter(item_sentiment=sentiment)
    columns = ("item_kind", "item_id", "item_at", "item_department", "item_sentiment")
    merged = touchpoints.order_by().values_list(*columns).union(meetings.order_by().values_list(*columns), all=True)
    return merged.order_by("-item_at", "-item_kind", "-item_id")


def _items(rows: Sequence[tuple[str, int, dt.datetime, str, str]]) -> list[TimelineItem]:
    """Load the touchpoints and meetings of ``rows`` in a fixed number of queries, in the rows' order."""
    touchpoint_ids = [row[1] for row in rows if row[0] == TOUCHPOINT]
    meeting_ids = [row[1] for row in rows if row[0] == MEETING]
    touchpoints = Touchpoint.objects.select_related("account", "contact", "user").in_bulk(touchpoint_ids)
    meetings = (
        Meeting.objects.select_related("account", "created_by")
        .prefetch_related("our_attendees", "their_attendees")
        .in_bulk(meeting_ids)
    )
    return [
        TimelineItem(
            kind=kind,
            at=at,
            department=department,
            sentiment=sentiment,
            touchpoint=touchpoints.get(pk) if kind == TOUCHPOINT else None,
            meeting=meetings.get(pk) if kind == MEETING else None,
        )
        for kind, pk, at, department, sentiment in rows
    ]


def account_timeline(account: Account, *, department: str = "", sentiment: str = "", page: Any = 1) -> Page[Any]:
    """One page of the account's touchpoints and meetings, newest first, as ``TimelineItem``.

    ``department`` and ``sentiment`` filter both (see ``meeting_department`` and
    ``meeting_sentiment`` for meetings). Whatever the page size, it takes six queries.
    """
    paginator = Paginator(_timeline_rows(account, department=department, sentiment=sentiment), TIMELINE_PAGE_SIZE)
    timeline_page = paginator.get_page(page)
    timeline_page.object_list = _items(list(timeline_page.object_list))
    return timeline_page


def quick_add_accounts(user: AnyUser) -> QuerySet[Account]:
    """The accounts offered by the home page's quick-add of a touchpoint, by name.

    Everyone's own accounts (owned, or on the team); for directors, who see all, the key accounts.
    ``kam.users.views.home`` applies the same rule to the accounts it has already loaded.
    """
    accounts = visible_accounts(user).order_by("name", "code")
    if isinstance(user, User) and user.sees_all_accounts:
        return accounts.filter(is_key_account=True)
    return accounts
