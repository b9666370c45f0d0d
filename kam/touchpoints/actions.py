"""Every change of meetings: logging one, correcting it, marking its follow-up done.

Each action checks who is acting (those who manage the account and its team members),
validates the meeting, runs in one durable transaction and leaves an audit record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.key_accounts.models import Account, Contact
from kam.touchpoints.choices import GoalMet, MeetingObjective
from kam.touchpoints.models import Meeting
from kam.touchpoints.queries import can_log_meetings
from kam.users.models import User

_MEETING_FIELDS = ("held_at", "objective", "goal", "outcome", "goal_met", "next_step", "follow_up_on", "follow_up_done")


class MeetingError(ValueError):
    """A meeting we cannot store; the message names the field and says why, in the user's language."""


@dataclass(frozen=True, slots=True)
class MeetingDetails:
    """What is said about a meeting when it is logged or corrected."""

    held_at: dt.datetime
    objective: str
    goal: str
    our_attendees: Sequence[User] = field(default_factory=tuple)
    their_attendees: Sequence[Contact] = field(default_factory=tuple)
    outcome: str = ""
    goal_met: str = GoalMet.UNKNOWN
    next_step: str = ""
    follow_up_on: dt.date | None = None


def _require_logger(user: User | None, account: Account) -> None:
    # The command line acts as the system (None); people must manage the account or be on its team.
    if user is not None and not can_log_meetings(user, account):
        raise PermissionDenied(_("Only the account's managers and team members may log its meetings."))


def _check(account: Account, details: MeetingDetails) -> None:
    if timezone.is_naive(details.held_at):
        raise MeetingError(_("When: give the date and time of the meeting."))
    if details.objective not in MeetingObjective.values:
        raise MeetingError(_("Objective: %(value)s is not a meeting objective.") % {"value": details.objective})
    if not details.goal.strip():
        raise MeetingError(_("Goal: say what the meeting was meant to achieve."))
    if details.goal_met not in GoalMet.values:
        raise MeetingError(_("Goal met: %(value)s is not yes, no or unknown.") % {"value": details.goal_met})
    for contact in details.their_attendees:
        if contact.account_id != account.pk:
            raise MeetingError(
                _("Their attendees: %(contact)s is not a contact of %(account)s.")
                % {"contact": contact, "account": account.name}
            )
    for person in details.our_attendees:
        if not person.is_active:
            raise MeetingError(_("Our attendees: %(user)s is no longer active.") % {"user": person})
    if details.follow_up_on is not None and details.follow_up_on < timezone.localdate(details.held_at):
        raise MeetingError(_("Follow-up date: it cannot be before the meeting."))


def _attendees(meeting: Meeting) -> dict[str, list[Any]]:
    return {
        "our_attendees": sorted(meeting.our_attendees.values_list("pk", flat=True)),
        "their_attendees": sorted(meeting.their_attendees.values_list("pk", flat=True)),
    }


def _fill(meeting: Meeting, details: MeetingDetails) -> None:
    meeting.held_at = details.held_at.astimezone(dt.UTC)  # as the database gives it back, for the audit diff
    meeting.objective = details.objective
    meeting.goal = details.goal.strip()
    meeting.outcome = details.outcome.strip()
    meeting.goal_met = details.goal_met
    meeting.next_step = details.next_step.strip()
    meeting.follow_up_on = details.follow_up_on


@transaction.atomic(durable=True)
def do_log_meeting(account: Account, details: MeetingDetails, *, acting_user: User | None) -> Meeting:
    """Store a meeting held (or planned) with the account."""
    _require_logger(acting_user, account)
    _check(account, details)
    meeting = Meeting(account=account, created_by=acting_user)
    _fill(meeting, details)
    meeting.save()
    meeting.our_attendees.set(details.our_attendees)
    meeting.their_attendees.set(details.their_attendees)
    after = {**snapshot_fields(meeting, _MEETING_FIELDS), **_attendees(meeting)}
    record_audit(
        actor=acting_user,
        action="meeting.log",
        instance=meeting,
        changes={name: [None, value] for name, value in after.items()},
    )
    return meeting


@transaction.atomic(durable=True)
def do_update_meeting(meeting: Meeting, details: MeetingDetails, *, acting_user: User | None) -> Meeting:
    """Correct a meeting; a new follow-up date re-opens its follow-up."""
    meeting = Meeting.objects.select_for_update().select_related("account").get(pk=meeting.pk)
    _require_logger(acting_user, meeting.account)
    _check(meeting.account, details)
    before = {**snapshot_fields(meeting, _MEETING_FIELDS), **_attendees(meeting)}
    if details.follow_up_on != meeting.follow_up_on:
        meeting.follow_up_done = False
    _fill(meeting, details)
    meeting.save()
    meeting.our_attendees.set(details.our_attendees)
    meeting.their_attendees.set(details.their_attendees)
    changes = diff_snapshots(before, {**snapshot_fields(meeting, _MEETING_FIELDS), **_attendees(meeting)})
    if changes:
        record_audit(actor=acting_user, action="meeting.update", instance=meeting, changes=changes)
    return meeting


@transaction.atomic(durable=True)
def do_complete_follow_up(meeting: Meeting, *, acting_user: User | None) -> Meeting:
    """Mark the meeting's follow-up done: its reminder goes away."""
    meeting = Meeting.objects.select_for_update().select_related("account").get(pk=meeting.pk)
    _require_logger(acting_user, meeting.account)
    if meeting.follow_up_on is None:
        raise MeetingError(_("Follow-up date: this meeting has no follow-up to complete."))
    if meeting.follow_up_done:
        raise MeetingError(_("Follow-up done: the follow-up of this meeting is already done."))
    meeting.follow_up_done = True
    meeting.save(update_fields=["follow_up_done", "updated_at"])
    record_audit(
        actor=acting_user,
        action="meeting.complete_follow_up",
        instance=meeting,
        changes={"follow_up_done": [False, True]},
    )
    return meeting
