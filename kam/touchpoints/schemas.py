"""The REST API's shapes of touchpoints and meetings (in and out)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kam.core.api import NOT_SENT, LocalDateTime
from kam.touchpoints.models import Meeting, Touchpoint


class TouchpointFilters(Schema):
    """Filters of an account's touchpoints."""

    since: dt.datetime | None = Field(None, description="Only touchpoints at or after this moment.")
    until: dt.datetime | None = Field(None, description="Only touchpoints before this moment.")
    sentiment: str | None = Field(None, description="positive, neutral or negative.")
    department: str | None = Field(None, description="The department of ours that dealt with the customer.")
    type: str | None = Field(None, description="sales, order, delivery, after_sales, support, finance, complaint…")


class TouchpointOut(Schema):
    """An interaction of ours with the customer."""

    id: int
    account: str = Field(description="The account's code.")
    contact: str | None = Field(None, description="The contact's code.")
    user: str | None = Field(None, description="The username of our person who dealt with the customer.")
    department: str
    channel: str
    type: str
    happened_at: dt.datetime
    summary: str
    sentiment: str
    created_at: dt.datetime

    @staticmethod
    def resolve_account(obj: Touchpoint) -> str:
        return obj.account.code

    @staticmethod
    def resolve_contact(obj: Touchpoint) -> str | None:
        return obj.contact.code if obj.contact is not None else None

    @staticmethod
    def resolve_user(obj: Touchpoint) -> str | None:
        return obj.user.username if obj.user is not None else None


class TouchpointIn(Schema):
    """A touchpoint to log. A negative one or a complaint alerts the account team."""

    happened_at: LocalDateTime = Field(description="When, with its time zone (e.g. 2025-03-01T10:00:00+01:00).")
    department: str
    channel: str = Field(description="visit, phone, email, video, event, portal or other.")
    type: str
    summary: str
    sentiment: str = "neutral"
    contact: str | None = Field(None, description="A contact code of the account.")
    user: str | None = Field(None, description="The username of our person; you when not given.")


class MeetingOut(Schema):
    """A meeting with the customer: what it was for and how it went."""

    id: int
    account: str
    held_at: dt.datetime
    objective: str
    goal: str
    outcome: str
    goal_met: str
    next_step: str
    follow_up_on: dt.date | None
    follow_up_done: bool
    our_attendees: list[str] = Field(description="Usernames.")
    their_attendees: list[str] = Field(description="Contact codes.")

    @staticmethod
    def resolve_account(obj: Meeting) -> str:
        return obj.account.code

    @staticmethod
    def resolve_our_attendees(obj: Meeting) -> list[str]:
        return sorted(user.username for user in obj.our_attendees.all())

    @staticmethod
    def resolve_their_attendees(obj: Meeting) -> list[str]:
        return sorted(contact.code for contact in obj.their_attendees.all())


class MeetingIn(Schema):
    """A meeting to log."""

    held_at: LocalDateTime = Field(description="When, with its time zone.")
    objective: str = Field(description="identify_decision_makers, learn_competitor_offer, learn_needs, present, …")
    goal: str
    our_attendees: list[str] = Field(default_factory=list, description="Usernames.")
    their_attendees: list[str] = Field(default_factory=list, description="Contact codes of the account.")
    outcome: str = ""
    goal_met: str = "unknown"
    next_step: str = ""
    follow_up_on: dt.date | None = None


class MeetingPatch(Schema):
    """A correction of a meeting: only the fields sent change. A new follow-up date re-opens its follow-up."""

    held_at: LocalDateTime = Field(NOT_SENT, description="When, with its time zone.")
    objective: str = Field(NOT_SENT, description="identify_decision_makers, learn_competitor_offer, learn_needs, …")
    goal: str = Field(NOT_SENT)
    our_attendees: list[str] = Field(NOT_SENT, description="Usernames (all of them).")
    their_attendees: list[str] = Field(NOT_SENT, description="Contact codes of the account (all of them).")
    outcome: str = Field(NOT_SENT)
    goal_met: str = Field(NOT_SENT, description="yes, no or unknown.")
    next_step: str = Field(NOT_SENT)
    follow_up_on: dt.date | None = Field(None, description="null: no follow-up.")
