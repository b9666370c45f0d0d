"""Meeting read helpers for the KAM's home page: upcoming meetings and follow-ups due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kam.key_accounts.models import Account
from kam.touchpoints.actions import do_complete_follow_up, do_log_meeting
from kam.touchpoints.models import Meeting
from kam.touchpoints.queries import follow_ups_due_for, upcoming_meetings_for
from kam.touchpoints.tests.fixtures import meeting_details
from kam.users.models import User

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 5)


def _at(day: int, month: int = 3) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 9, 30))


def _goals(meetings: object) -> list[str]:
    return [meeting.goal for meeting in meetings]  # type: ignore[attr-defined]


def test_upcoming_meetings_are_those_of_the_next_fourteen_days_on_owned_or_attended_accounts(
    accounts: dict[str, Account], kam_alice: User, kam_bob: User
) -> None:
    for day, goal in ((4, "yesterday"), (5, "today"), (19, "in fourteen days"), (20, "in fifteen days")):
        do_log_meeting(accounts["ACME"], meeting_details(held_at=_at(day), goal=goal), acting_user=kam_alice)
    do_log_meeting(accounts["COBALT"], meeting_details(held_at=_at(6), goal="bob's own"), acting_user=kam_bob)
    do_log_meeting(
        accounts["BOREAL"],
        meeting_details(held_at=_at(7), goal="bob attends", our_attendees=[kam_bob]),
        acting_user=kam_alice,
    )
    do_log_meeting(accounts["BOREAL"], meeting_details(held_at=_at(8), goal="bob away"), acting_user=kam_alice)

    assert _goals(upcoming_meetings_for(kam_alice, today=TODAY)) == [
        "today",
        "bob attends",
        "bob away",
        "in fourteen days",
    ]
    assert _goals(upcoming_meetings_for(kam_bob, today=TODAY)) == ["bob's own", "bob attends"]
    assert _goals(upcoming_meetings_for(kam_alice, today=TODAY, days=2)) == ["today", "bob attends"]


def test_follow_ups_due_are_open_ones_up_to_today(accounts: dict[str, Account], kam_alice: User) -> None:
    def log(goal: str, follow_up_on: dt.date) -> Meeting:
        return do_log_meeting(
            accounts["ACME"],
            meeting_details(held_at=_at(1), goal=goal, follow_up_on=follow_up_on),
            acting_user=kam_alice,
        )

    log("due today", TODAY)
    log("overdue", dt.date(2026, 3, 2))
    log("tomorrow", dt.date(2026, 3, 6))
    do_complete_follow_up(log("done", dt.date(2026, 3, 3)), acting_user=kam_alice)

    assert _goals(follow_ups_due_for(kam_alice, today=TODAY)) == ["overdue", "due today"]


def test_nobody_else_sees_alices_follow_ups(
    acme_meeting: Meeting, outsider_olga: User, kam_bob: User, director: User
) -> None:
    later = dt.date(2026, 4, 1)

    assert list(follow_ups_due_for(outsider_olga, today=later)) == []
    assert list(follow_ups_due_for(kam_bob, today=later)) == []
    # Directors see every account but own none and attended nothing: not their reminder either.
    assert list(follow_ups_due_for(director, today=later)) == []
