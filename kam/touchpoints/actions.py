"""Every change of meetings and touchpoints: logging a meeting, correcting it, marking its follow-up
done; logging a touchpoint (a negative one or a complaint raises an alert for the account team);
importing meetings and touchpoints.

Each action checks who is acting (those who manage the account and its team members),
validates the meeting, runs in one durable transaction and leaves an audit record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from kam.alerts.actions import raise_alert
from kam.alerts.choices import AlertKind, Severity
from kam.alerts.models import Alert
from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.core.upserts import UpsertResult, audit_link_changes, index_by, split_codes, sync_links, upsert_objects
from kam.key_accounts.models import Account, Contact
from kam.touchpoints.choices import Channel, GoalMet, MeetingObjective, Sentiment, TouchpointType
from kam.touchpoints.models import Meeting, Touchpoint
from kam.touchpoints.queries import can_log_meetings, can_log_touchpoints
from kam.users.choices import Department
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


def _check(account: Account, details: MeetingDetails, *, attending: frozenset[int] = frozenset()) -> None:
    """Refuse what no meeting may hold; ``attending``: our attendees already on it (they may
    have left since, and a correction keeps them)."""
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
        if not person.is_active and person.pk not in attending:
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
    before = {**snapshot_fields(meeting, _MEETING_FIELDS), **_attendees(meeting)}
    _check(meeting.account, details, attending=frozenset(before["our_attendees"]))
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


# --- touchpoints ----------------------------------------------------------------------------

_TOUCHPOINT_FIELDS = ("contact", "user", "department", "channel", "type", "happened_at", "summary", "sentiment")


class TouchpointError(ValueError):
    """A touchpoint we cannot store; the message names the field and says why, in the user's language."""


@dataclass(frozen=True, slots=True)
class TouchpointDetails:
    """What is said about an interaction with the customer when it is logged."""

    happened_at: dt.datetime
    department: str
    channel: str
    type: str
    summary: str
    sentiment: str = Sentiment.NEUTRAL
    contact: Contact | None = None
    user: User | None = None  # who of ours dealt with the customer; the acting user when not given


def _check_touchpoint(account: Account, details: TouchpointDetails, user: User | None) -> User:
    """Refuse a touchpoint we cannot store; return who of ours dealt with the customer."""
    if timezone.is_naive(details.happened_at):
        raise TouchpointError(_("When: give the date and time of the touchpoint."))
    if details.department not in Department.values:
        raise TouchpointError(_("Department: %(value)s is not a department.") % {"value": details.department})
    if details.channel not in Channel.values:
        raise TouchpointError(_("Channel: %(value)s is not a channel.") % {"value": details.channel})
    if details.type not in TouchpointType.values:
        raise TouchpointError(_("Type: %(value)s is not a type of touchpoint.") % {"value": details.type})
    if details.sentiment not in Sentiment.values:
        raise TouchpointError(
            _("Sentiment: %(value)s is not positive, neutral or negative.") % {"value": details.sentiment}
        )
    if not details.summary.strip():
        raise TouchpointError(_("Summary: say what the touchpoint was about."))
    if details.contact is not None and details.contact.account_id != account.pk:
        raise TouchpointError(
            _("Contact: %(contact)s is not a contact of %(account)s.")
            % {"contact": details.contact, "account": account.name}
        )
    if user is None:
        raise TouchpointError(_("Our person: say who of ours dealt with the customer."))
    if not user.is_active:
        raise TouchpointError(_("Our person: %(user)s is no longer active.") % {"user": user})
    return user


def touchpoint_alert_keys(touchpoint: Touchpoint) -> list[str]:
    """The events of a touchpoint that the account team must know of: a bad experience, a complaint."""
    keys = []
    if touchpoint.sentiment == Sentiment.NEGATIVE:
        keys.append(f"touchpoint:{touchpoint.pk}:negative")
    if touchpoint.type == TouchpointType.COMPLAINT:
        keys.append(f"touchpoint:{touchpoint.pk}:complaint")
    return keys


def _raise_touchpoint_alerts(
    account: Account, touchpoint: Touchpoint, keys: Sequence[str], acting_user: User | None
) -> None:
    """Raise the alerts ``keys`` (of ``touchpoint_alert_keys``) of a touchpoint just stored."""
    summary = Truncator(touchpoint.summary).chars(120)
    detail = " · ".join(
        (touchpoint.get_department_display(), touchpoint.get_channel_display(), touchpoint.get_type_display())
    )
    detail += "\n" + _("Our person: %(user)s") % {"user": touchpoint.user} + "\n\n" + touchpoint.summary
    # A bad experience of a key account is critical: the relationship is what we manage.
    severity = Severity.CRITICAL if account.is_key_account else Severity.WARNING
    touchpoint.account = account
    for key in keys:
        if key.endswith(":negative"):
            kind = AlertKind.NEGATIVE_EXPERIENCE
            title = _("Negative touchpoint: %(summary)s") % {"summary": summary}
        else:
            kind = AlertKind.COMPLAINT
            title = _("Complaint: %(summary)s") % {"summary": summary}
        raise_alert(
            account=account,
            kind=kind,
            event_key=key,
            title=title,
            detail=detail,
            severity=severity,
            link=touchpoint.get_absolute_url(),
            occurred_at=touchpoint.happened_at,
            acting_user=acting_user,
        )


@transaction.atomic(durable=True)
def do_log_touchpoint(account: Account, details: TouchpointDetails, *, acting_user: User | None) -> Touchpoint:
    """Store an interaction with the account; it appears on the account's timeline.

    A negative one raises a negative-experience alert (critical on a key account), a complaint
    a complaint alert: the KAM and the team are told, but not who logged it.
    """
    if acting_user is not None and not can_log_touchpoints(acting_user, account):
        raise PermissionDenied(_("Only the account's managers and team members may log its touchpoints."))
    user = _check_touchpoint(account, details, details.user if details.user is not None else acting_user)
    touchpoint = Touchpoint.objects.create(
        account=account,
        contact=details.contact,
        user=user,
        department=details.department,
        channel=details.channel,
        type=details.type,
        happened_at=details.happened_at.astimezone(dt.UTC),
        summary=details.summary.strip(),
        sentiment=details.sentiment,
        created_by=acting_user,
    )
    record_audit(
        actor=acting_user,
        action="touchpoint.log",
        instance=touchpoint,
        changes={name: [None, value] for name, value in snapshot_fields(touchpoint, _TOUCHPOINT_FIELDS).items()},
    )
    _raise_touchpoint_alerts(account, touchpoint, touchpoint_alert_keys(touchpoint), acting_user)
    return touchpoint


# --- importing meetings in bulk (``kam import meetings``) ---------------------------------

_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_time(value: Any) -> dt.time | None:
    """A time of day written ``HH:MM`` (or ``HH:MM:SS``); None when it is not one."""
    match = _TIME.fullmatch(str(value).strip())
    if match is None:
        return None
    hour, minute, second = (int(part or 0) for part in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _imported_held_at(row: Mapping[str, Any], provided: set[str], current: Meeting | None) -> dt.datetime:
    """The row's date at its time (current time zone); without a time column a stored meeting keeps its time."""
    if "time" in provided and row["time"]:
        clock = parse_time(row["time"]) or dt.time()
    elif "time" not in provided and current is not None:
        clock = timezone.localtime(current.held_at).time()
    else:
        clock = dt.time()
    return timezone.make_aware(dt.datetime.combine(row["date"], clock)).astimezone(dt.UTC)


@transaction.atomic
def do_import_meetings(
    rows: Sequence[Mapping[str, Any]], provided: Iterable[str], *, acting_user: User | None
) -> UpsertResult:
    """Create or update meetings by (account code, meeting code), attendees included.

    The rows are checked (``kam.imports.checks.check_meetings``): every attendee exists.
    Columns absent from the file leave the stored values (and attendees) untouched.
    """
    provided = set(provided)
    accounts = dict(Account.objects.filter(code__in={row["account"] for row in rows}).values_list("code", "pk"))
    known: dict[Hashable, Meeting] = index_by(
        Meeting.objects.filter(account_id__in=accounts.values()).exclude(code=""), "account_id", "code"
    )
    values: list[dict[str, Any]] = []
    stored_unchanged: set[Hashable] = set()
    for row in rows:
        account_id = accounts[row["account"]]
        current = known.get((account_id, row["code"]))
        item: dict[str, Any] = {
            "account_id": account_id,
            "code": row["code"],
            "held_at": _imported_held_at(row, provided, current),
            "objective": row["objective"],
            "goal": _text(row["goal"]),
        }
        for name in ("outcome", "next_step"):
            if name in provided:
                item[name] = _text(row[name])
        if "goal_met" in provided:
            item["goal_met"] = row["goal_met"] or GoalMet.UNKNOWN
        if "follow_up_on" in provided:
            item["follow_up_on"] = row["follow_up_on"]
        if "follow_up_done" in provided and row["follow_up_done"] is not None:
            item["follow_up_done"] = row["follow_up_done"]
        if current is None:
            item["created_by_id"] = acting_user.pk if acting_user is not None else None
        elif all(getattr(current, name) == value for name, value in item.items()):
            stored_unchanged.add((account_id, row["code"]))
        values.append(item)
    result, objects = upsert_objects(
        Meeting, values, key=("account_id", "code"), existing=known, actor=acting_user, action="meeting"
    )
    links: dict[str, dict[int, list[list[int]]]] = {}
    wanted: dict[int, set[int]]
    if "our_attendees" in provided:
        names = {name for row in rows for name in split_codes(row["our_attendees"])}
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        wanted = {
            objects[(accounts[row["account"]], row["code"])].pk: {
                users[name] for name in split_codes(row["our_attendees"])
            }
            for row in rows
        }
        links["our_attendees"] = sync_links(Meeting, "our_attendees", wanted)
    if "their_attendees" in provided:
        contacts = index_by(Contact.objects.filter(account_id__in=accounts.values()), "account_id", "code")
        wanted = {}
        for row in rows:
            account_id = accounts[row["account"]]
            wanted[objects[(account_id, row["code"])].pk] = {
                contacts[(account_id, code)].pk for code in split_codes(row["their_attendees"])
            }
        links["their_attendees"] = sync_links(Meeting, "their_attendees", wanted)
    return audit_link_changes(result, objects, links, stored_unchanged, acting_user, action="meeting")


# --- importing touchpoints in bulk (``kam import touchpoints``) -----------------------------


@transaction.atomic
def do_import_touchpoints(
    rows: Sequence[Mapping[str, Any]], provided: Iterable[str], *, acting_user: User | None
) -> UpsertResult:
    """Create or update touchpoints by (account code, touchpoint code).

    ``happened_at`` is a local time in the file, stored in the current time zone; ``contact`` is a
    contact code of the same account and ``user`` a user name (``kam.imports.checks.check_touchpoints``
    and the engine's references check them). Negative touchpoints and complaints raise their
    alert once: importing the same file again raises nothing new and changes nothing.
    """
    provided = set(provided)
    accounts = {account.code: account for account in Account.objects.filter(code__in={row["account"] for row in rows})}
    account_ids = [account.pk for account in accounts.values()]
    known: dict[Hashable, Touchpoint] = index_by(
        Touchpoint.objects.filter(account_id__in=account_ids).exclude(code=""), "account_id", "code"
    )
    users = dict(User.objects.filter(username__in={row["user"] for row in rows}).values_list("username", "pk"))
    contacts: dict[Hashable, Contact] = {}
    if "contact" in provided:
        contacts = index_by(Contact.objects.filter(account_id__in=account_ids), "account_id", "code")
    values: list[dict[str, Any]] = []
    for row in rows:
        account_id = accounts[row["account"]].pk
        item: dict[str, Any] = {
            "account_id": account_id,
            "code": row["code"],
            "happened_at": timezone.make_aware(row["happened_at"]).astimezone(dt.UTC),
            "user_id": users[row["user"]],
            "department": row["department"],
            "channel": row["channel"],
            "type": row["type"],
            "summary": _text(row["summary"]),
        }
        if "sentiment" in provided:
            item["sentiment"] = row["sentiment"] or Sentiment.NEUTRAL
        if "contact" in provided:
            contact = contacts[(account_id, row["contact"])] if row["contact"] else None
            item["contact_id"] = contact.pk if contact is not None else None
        if (account_id, row["code"]) not in known:
            item["created_by_id"] = acting_user.pk if acting_user is not None else None
        values.append(item)
    result, objects = upsert_objects(
        Touchpoint, values, key=("account_id", "code"), existing=known, actor=acting_user, action="touchpoint"
    )
    wanted = {key: touchpoint for touchpoint in objects.values() for key in touchpoint_alert_keys(touchpoint)}
    raised = set(Alert.objects.filter(event_key__in=list(wanted)).values_list("event_key", flat=True))
    by_id = {account.pk: account for account in accounts.values()}
    for key, touchpoint in wanted.items():
        if key not in raised:
            _raise_touchpoint_alerts(by_id[touchpoint.account_id], touchpoint, [key], acting_user)
    return result
