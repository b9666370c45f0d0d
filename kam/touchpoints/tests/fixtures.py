"""Fixtures of the touchpoints app, built through its actions.

``acme_meeting``: alice met Marta Ruiz (MR) of ACME on 2 March 2026 to learn the needs; the
follow-up (send the sizing study) is due on 10 March 2026.

``touchpoint_details`` describes a phone call of sales about an order on 1 March 2026.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kam.key_accounts.models import Account
from kam.touchpoints.actions import MeetingDetails, TouchpointDetails, do_log_meeting
from kam.touchpoints.choices import Channel, GoalMet, MeetingObjective, Sentiment, TouchpointType
from kam.touchpoints.models import Meeting
from kam.users.choices import Department
from kam.users.models import User

MEETING_AT = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))
FOLLOW_UP_ON = dt.date(2026, 3, 10)
TOUCHPOINT_AT = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))


def meeting_details(**fields: Any) -> MeetingDetails:
    """Details of a learn-the-needs meeting on 2 March 2026, with ``fields`` changed."""
    values: dict[str, Any] = {
        "held_at": MEETING_AT,
        "objective": MeetingObjective.LEARN_NEEDS,
        "goal": "Understand the 2026 capacity plan",
        **fields,
    }
    return MeetingDetails(**values)


def touchpoint_details(**fields: Any) -> TouchpointDetails:
    """Details of a neutral sales phone call about an order on 1 March 2026, with ``fields`` changed."""
    values: dict[str, Any] = {
        "happened_at": TOUCHPOINT_AT,
        "department": Department.SALES,
        "channel": Channel.PHONE,
        "type": TouchpointType.ORDER,
        "summary": "Asked about the lead time of the March order",
        "sentiment": Sentiment.NEUTRAL,
        **fields,
    }
    return TouchpointDetails(**values)


@pytest.fixture
def acme_meeting(accounts: dict[str, Account], kam_alice: User) -> Meeting:
    acme = accounts["ACME"]
    return do_log_meeting(
        acme,
        meeting_details(
            our_attendees=[kam_alice],
            their_attendees=[acme.contacts.get(code="MR")],
            outcome="Two new lines planned for Q3",
            goal_met=GoalMet.YES,
            next_step="Send the sizing study",
            follow_up_on=FOLLOW_UP_ON,
        ),
        acting_user=kam_alice,
    )
