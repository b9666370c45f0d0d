"""Every change of service cases and service levels: opening, editing, answering, resolving, closing
and reopening a case; evaluating the clocks of open cases (nightly); importing cases; setting
policies and working calendars.

Each action checks who is acting (the account's managers and team members work its cases;
directors and administrators set service levels; the command line acts as the system,
``None``), validates, runs in one transaction, leaves an audit record and raises the alerts
of what happened (``kam.alerts.actions.raise_alert``, de-duplicated by event key).

Clocks of one case are computed with the engine's scalar functions
(:func:`kam_engine.service_clock.deadline`, :func:`~kam_engine.service_clock.elapsed_hours`);
many cases at once with :func:`kam_engine.service_clock.evaluate_clocks`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.alerts.actions import AlertEvent, raise_alert, raise_alerts
from kam.alerts.choices import AlertKind, Severity
from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.core.upserts import UpsertResult, index_by, upsert_objects
from kam.key_accounts.models import Account, Contact
from kam.service.calendars import (
    CalendarChooser,
    built_in_calendar,
    calendar_for_country,
    clock_key,
    engine_calendar,
    engine_calendars,
)
from kam.service.choices import OPEN_STATUSES, AppliesTo, CaseStatus, CaseType, Clock, ClockState, Priority
from kam.service.models import Holiday, ServiceCase, ServiceLevelPolicy, WorkingCalendar
from kam.service.policies import load_policies, policy_for
from kam.service.queries import can_set_service_levels, can_work_cases
from kam.users.choices import Department
from kam.users.models import User
from kam_engine.service_clock import WorkingCalendar as EngineCalendar
from kam_engine.service_clock import deadline, elapsed_hours, evaluate_clocks

_CASE_FIELDS = (
    "code", "type", "subject", "description", "contact", "owner", "department", "priority", "status", "reference",
    "opened_at", "first_response_at", "resolved_at", "resolution", "due_at", "policy", "response_target_hours",
    "resolution_target_hours", "clock", "calendar", "at_risk_share", "response_due_at", "resolution_due_at",
    "response_state", "resolution_state", "response_hours", "resolution_hours",
)  # fmt: skip
_CLOCKS = ("response", "resolution")
_FUTURE_SLACK = dt.timedelta(minutes=5)


class CaseError(ValueError):
    """A case or change we cannot store; the message names the field and says why, in the user's language."""


class ServiceLevelError(ValueError):
    """A policy or calendar we cannot store; the message names the field and says why."""


@dataclass(frozen=True, slots=True)
class CaseDetails:
    """What is said about a case when it is opened."""

    type: str
    subject: str
    description: str = ""
    opened_at: dt.datetime | None = None  # now when not given
    priority: str = Priority.NORMAL
    owner: User | None = None
    department: str = ""  # the owner's department, else customer service
    contact: Contact | None = None
    reference: str = ""
    due_at: dt.datetime | None = None  # a resolution time promised to the customer
    code: str = ""


@dataclass(frozen=True, slots=True)
class CaseChanges:
    """What may be corrected on a case."""

    subject: str
    description: str
    priority: str
    owner: User | None
    department: str
    contact: Contact | None
    status: str
    due_at: dt.datetime | None
    reference: str = ""


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """What the nightly evaluation of open cases found."""

    evaluated: int = 0
    newly_at_risk: int = 0
    newly_breached: int = 0


# --- permissions --------------------------------------------------------------------------


def _require_worker(user: User | None, account: Account) -> None:
    if user is not None and not can_work_cases(user, account):
        raise PermissionDenied(_("Only the account's managers and team members may work its service cases."))


def _require_director(user: User | None) -> None:
    if user is not None and not can_set_service_levels(user):
        raise PermissionDenied(_("Only directors and administrators may set service levels and calendars."))


# --- clocks of one case -------------------------------------------------------------------


def _calendar_of(case: ServiceCase) -> EngineCalendar | None:
    """The engine calendar of the case's clock (None: calendar hours)."""
    if case.clock != Clock.BUSINESS:
        return None
    if case.calendar_id is None or case.calendar is None:
        return built_in_calendar()
    return engine_calendar(case.calendar, case.calendar.holidays.values_list("date", flat=True))


def _seconds(moment: dt.datetime) -> dt.datetime:
    # The engine counts whole seconds.
    return moment.replace(microsecond=0)


def _state(
    opened: dt.datetime,
    stop: dt.datetime | None,
    due: dt.datetime | None,
    target: float | None,
    share: float,
    now: dt.datetime,
    calendar: EngineCalendar | None,
) -> str:
    """The engine's rule for one clock (``kam_engine.service_clock.evaluate_clocks``)."""
    if target is None or due is None:
        return ClockState.NONE
    if stop is not None:
        return ClockState.BREACHED if _seconds(stop) > due else ClockState.MET
    used = elapsed_hours(opened, now, calendar)
    if used > target:
        return ClockState.BREACHED
    return ClockState.AT_RISK if used >= share * target else ClockState.RUNNING


def _apply_clocks(case: ServiceCase, now: dt.datetime) -> None:
    """Due times, hours and states of both clocks of ``case``, at ``now``."""
    calendar = _calendar_of(case)
    opened = case.opened_at
    share = case.at_risk_share
    response_target = case.response_target_hours
    case.response_due_at = deadline(opened, response_target, calendar) if response_target is not None else None
    resolution_target = case.resolution_target_hours
    if case.due_at is not None:
        case.resolution_due_at = _seconds(case.due_at).astimezone(dt.UTC)
        resolution_target = elapsed_hours(opened, case.due_at, calendar)
    elif resolution_target is not None:
        case.resolution_due_at = deadline(opened, resolution_target, calendar)
    else:
        case.resolution_due_at = None
    first, resolved = case.first_response_at, case.resolved_at
    case.response_hours = elapsed_hours(opened, first, calendar) if first is not None else None
    case.resolution_hours = elapsed_hours(opened, resolved, calendar) if resolved is not None else None
    case.response_state = _state(opened, first, case.response_due_at, response_target, share, now, calendar)
    case.resolution_state = _state(opened, resolved, case.resolution_due_at, resolution_target, share, now, calendar)


# --- alerts -------------------------------------------------------------------------------


def _breach_severity(account: Account) -> str:
    return Severity.CRITICAL if account.is_key_account else Severity.WARNING


def _clock_alert(case: ServiceCase, account: Account, clock: str, state: str) -> dict[str, Any] | None:
    """The alert of a clock at risk or breached, as keyword arguments of ``raise_alert``."""
    subject = {"subject": case.subject, "account": account.name}
    due = getattr(case, f"{clock}_due_at")
    stop = case.first_response_at if clock == "response" else case.resolved_at
    due_text = timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due is not None else ""
    if state == ClockState.BREACHED:
        title = (
            _("First response late: %(subject)s") if clock == "response" else _("Resolution late: %(subject)s")
        ) % subject
        kind, severity, suffix = AlertKind.SLA_BREACH, _breach_severity(account), "breach"
        occurred = stop if stop is not None else due
    elif state == ClockState.AT_RISK:
        title = (
            _("First response due soon: %(subject)s") if clock == "response" else _("Resolution due soon: %(subject)s")
        ) % subject
        kind, severity, suffix, occurred = AlertKind.SLA_AT_RISK, Severity.WARNING, "at_risk", None
    else:
        return None
    return {
        "account": account,
        "kind": kind,
        "event_key": f"case:{case.pk}:{clock}_{suffix}",
        "title": title,
        "detail": _("%(account)s: due %(due)s.") % {"account": account.name, "due": due_text},
        "severity": severity,
        "link": case.get_absolute_url(),
        "occurred_at": occurred,
    }


def _complaint_alert(case: ServiceCase, account: Account) -> dict[str, Any]:
    return {
        "account": account,
        "kind": AlertKind.COMPLAINT,
        "event_key": f"case:{case.pk}:complaint",
        "title": _("Complaint: %(subject)s") % {"subject": case.subject},
        "detail": case.description,
        "severity": Severity.CRITICAL if account.is_key_account else Severity.WARNING,
        "link": case.get_absolute_url(),
        "occurred_at": case.opened_at,
    }


def _raise_case_alerts(case: ServiceCase, acting_user: User | None) -> None:
    """Raise the alerts the case's clocks call for now (each once: raise_alert de-duplicates)."""
    for clock in _CLOCKS:
        alert = _clock_alert(case, case.account, clock, getattr(case, f"{clock}_state"))
        if alert is not None:
            raise_alert(**alert, acting_user=acting_user)


# --- checks -------------------------------------------------------------------------------


def _aware(moment: dt.datetime, label: str) -> dt.datetime:
    if timezone.is_naive(moment):
        raise CaseError(_("%(field)s: give the date and time.") % {"field": label})
    return moment.astimezone(dt.UTC)


def _not_future(moment: dt.datetime, label: str) -> None:
    if moment > timezone.now() + _FUTURE_SLACK:
        raise CaseError(_("%(field)s: it cannot be in the future.") % {"field": label})


def _check_common(
    account: Account, *, subject: str, priority: str, department: str, contact: Contact | None, owner: User | None
) -> None:
    if not subject.strip():
        raise CaseError(_("Subject: say what the case is about."))
    if priority not in Priority.values:
        raise CaseError(_("Priority: %(value)s is not a priority.") % {"value": priority})
    if department and department not in Department.values:
        raise CaseError(_("Department: %(value)s is not a department.") % {"value": department})
    if contact is not None and contact.account_id != account.pk:
        raise CaseError(
            _("Contact: %(contact)s is not a contact of %(account)s.") % {"contact": contact, "account": account.name}
        )
    if owner is not None and not owner.is_active:
        raise CaseError(_("Owner: %(user)s is no longer active.") % {"user": owner})


def _check_due(due_at: dt.datetime | None, opened_at: dt.datetime) -> dt.datetime | None:
    if due_at is None:
        return None
    due = _aware(due_at, _("Due"))
    if due < opened_at:
        raise CaseError(_("Due: it cannot be before the case was opened."))
    return due


def _department(department: str, owner: User | None) -> str:
    if department:
        return department
    return owner.department if owner is not None and owner.department else Department.CUSTOMER_SERVICE


def _copy_policy(case: ServiceCase, policy: ServiceLevelPolicy | None) -> None:
    """The targets in force at opening, copied onto the case."""
    case.policy = policy
    if policy is None:
        case.response_target_hours = case.resolution_target_hours = None
        case.clock, case.at_risk_share = Clock.CALENDAR, 0.8
        return
    case.response_target_hours = float(policy.response_hours) if policy.response_hours is not None else None
    case.resolution_target_hours = float(policy.resolution_hours) if policy.resolution_hours is not None else None
    case.clock, case.at_risk_share = policy.clock, policy.at_risk_share


def _changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Every field of a new object, or what changed of a stored one."""
    if before is None:
        return {name: [None, value] for name, value in after.items()}
    return diff_snapshots(before, after)


def _audit(case: ServiceCase, before: Mapping[str, Any] | None, action: str, acting_user: User | None) -> None:
    after = snapshot_fields(case, _CASE_FIELDS)
    changes = _changes(before, after)
    if changes:
        record_audit(actor=acting_user, action=action, instance=case, changes=changes)


def _locked(case: ServiceCase) -> ServiceCase:
    return ServiceCase.objects.select_for_update(of=("self",)).select_related("account", "calendar").get(pk=case.pk)


# --- actions on one case --------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_open_case(account: Account, details: CaseDetails, *, acting_user: User | None) -> ServiceCase:
    """Open a case on the account: the service level of its type and account applies from now on.

    A complaint raises a complaint alert; a case recorded late may already be at risk or breached.
    """
    _require_worker(acting_user, account)
    now = timezone.now()
    if details.type not in CaseType.values:
        raise CaseError(_("Type: %(value)s is not a case type.") % {"value": details.type})
    _check_common(
        account,
        subject=details.subject,
        priority=details.priority,
        department=details.department,
        contact=details.contact,
        owner=details.owner,
    )
    opened = _aware(details.opened_at, _("Opened")) if details.opened_at is not None else now
    _not_future(opened, _("Opened"))
    opened = _seconds(opened)
    code = details.code.strip()
    if code and ServiceCase.objects.filter(account=account, code=code).exists():
        raise CaseError(_("Code: %(account)s already has a case %(code)s.") % {"account": account.name, "code": code})
    case = ServiceCase(
        account=account,
        code=code,
        type=details.type,
        subject=details.subject.strip(),
        description=details.description.strip(),
        contact=details.contact,
        owner=details.owner,
        department=_department(details.department, details.owner),
        priority=details.priority,
        status=CaseStatus.OPEN,
        reference=details.reference.strip(),
        opened_at=opened,
        due_at=_check_due(details.due_at, opened),
        calendar=calendar_for_country(account.country),
        created_by=acting_user,
    )
    _copy_policy(case, policy_for(account, details.type))
    _apply_clocks(case, now)
    case.save()
    _audit(case, None, "service_case.open", acting_user)
    if case.type == CaseType.COMPLAINT:
        raise_alert(**_complaint_alert(case, account), acting_user=acting_user)
    _raise_case_alerts(case, acting_user)
    return case


@transaction.atomic(durable=True)
def do_update_case(case: ServiceCase, changes: CaseChanges, *, acting_user: User | None) -> ServiceCase:
    """Correct a case; a new promised due time moves its resolution target.

    The status may move between the open statuses here; resolving, closing and reopening
    have their own actions.
    """
    case = _locked(case)
    account = case.account
    _require_worker(acting_user, account)
    _check_common(
        account,
        subject=changes.subject,
        priority=changes.priority,
        department=changes.department,
        contact=changes.contact,
        owner=changes.owner,
    )
    if changes.status not in CaseStatus.values:
        raise CaseError(_("Status: %(value)s is not a status.") % {"value": changes.status})
    if changes.status != case.status and (changes.status not in OPEN_STATUSES or not case.is_open):
        raise CaseError(_("Status: resolve, close or reopen the case with its own buttons."))
    before = snapshot_fields(case, _CASE_FIELDS)
    case.subject = changes.subject.strip()
    case.description = changes.description.strip()
    case.priority = changes.priority
    case.owner = changes.owner
    case.department = _department(changes.department, changes.owner)
    case.contact = changes.contact
    case.status = changes.status
    case.reference = changes.reference.strip()
    case.due_at = _check_due(changes.due_at, case.opened_at)
    _apply_clocks(case, timezone.now())
    case.save()
    _audit(case, before, "service_case.update", acting_user)
    _raise_case_alerts(case, acting_user)
    return case


def _stop_time(at: dt.datetime | None, case: ServiceCase, label: str) -> dt.datetime:
    moment = _aware(at, label) if at is not None else timezone.now()
    if moment < case.opened_at:
        raise CaseError(_("%(field)s: it cannot be before the case was opened.") % {"field": label})
    _not_future(moment, label)
    return _seconds(moment)


@transaction.atomic(durable=True)
def do_record_first_response(
    case: ServiceCase, at: dt.datetime | None = None, *, acting_user: User | None
) -> ServiceCase:
    """Record our first answer to the customer (now when ``at`` is not given): the response clock stops."""
    case = _locked(case)
    _require_worker(acting_user, case.account)
    if case.first_response_at is not None:
        raise CaseError(_("First response: it is already recorded."))
    moment = _stop_time(at, case, _("First response"))
    if case.resolved_at is not None and moment > case.resolved_at:
        raise CaseError(_("First response: it cannot be after the case was resolved."))
    before = snapshot_fields(case, _CASE_FIELDS)
    case.first_response_at = moment
    if case.status == CaseStatus.OPEN:
        case.status = CaseStatus.IN_PROGRESS
    _apply_clocks(case, timezone.now())
    case.save()
    _audit(case, before, "service_case.first_response", acting_user)
    _raise_case_alerts(case, acting_user)
    return case


def _resolve(case: ServiceCase, at: dt.datetime | None, label: str) -> None:
    moment = _stop_time(at, case, label)
    if case.first_response_at is not None and moment < case.first_response_at:
        raise CaseError(_("%(field)s: it cannot be before the first response.") % {"field": label})
    case.resolved_at = moment
    if case.first_response_at is None:
        case.first_response_at = moment  # the resolution answered the customer


@transaction.atomic(durable=True)
def do_resolve_case(
    case: ServiceCase, at: dt.datetime | None = None, note: str = "", *, acting_user: User | None
) -> ServiceCase:
    """Resolve the case (now when ``at`` is not given): the resolution clock stops.

    A case never answered is answered by its resolution.
    """
    case = _locked(case)
    _require_worker(acting_user, case.account)
    if not case.is_open:
        raise CaseError(_("Status: the case is already resolved."))
    before = snapshot_fields(case, _CASE_FIELDS)
    _resolve(case, at, _("Resolved"))
    case.status = CaseStatus.RESOLVED
    if note.strip():
        case.resolution = note.strip()
    _apply_clocks(case, timezone.now())
    case.save()
    _audit(case, before, "service_case.resolve", acting_user)
    _raise_case_alerts(case, acting_user)
    return case


@transaction.atomic(durable=True)
def do_close_case(case: ServiceCase, at: dt.datetime | None = None, *, acting_user: User | None) -> ServiceCase:
    """Close the case; one not resolved yet is resolved now (or at ``at``)."""
    case = _locked(case)
    _require_worker(acting_user, case.account)
    if case.status == CaseStatus.CLOSED:
        raise CaseError(_("Status: the case is already closed."))
    before = snapshot_fields(case, _CASE_FIELDS)
    if case.resolved_at is None:
        _resolve(case, at, _("Closed"))
    case.status = CaseStatus.CLOSED
    _apply_clocks(case, timezone.now())
    case.save()
    _audit(case, before, "service_case.close", acting_user)
    _raise_case_alerts(case, acting_user)
    return case


@transaction.atomic(durable=True)
def do_reopen_case(case: ServiceCase, *, acting_user: User | None) -> ServiceCase:
    """Reopen a resolved or closed case: its resolution clock runs again from the opening."""
    case = _locked(case)
    _require_worker(acting_user, case.account)
    if case.is_open:
        raise CaseError(_("Status: the case is open already."))
    before = snapshot_fields(case, _CASE_FIELDS)
    case.resolved_at = None
    case.status = CaseStatus.IN_PROGRESS if case.first_response_at is not None else CaseStatus.OPEN
    _apply_clocks(case, timezone.now())
    case.save()
    _audit(case, before, "service_case.reopen", acting_user)
    _raise_case_alerts(case, acting_user)
    return case


# --- all open cases at once (the nightly ``kam snapshot``) -----------------------------------

_UTC_US = pa.timestamp("us", tz="UTC")


def _clock_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """The engine's input from rows holding the case fields (and ``calendar_key``)."""
    return pa.table(
        {
            "opened_at": pa.array([row["opened_at"] for row in rows], _UTC_US),
            "first_response_at": pa.array([row["first_response_at"] for row in rows], _UTC_US),
            "resolved_at": pa.array([row["resolved_at"] for row in rows], _UTC_US),
            "due_at": pa.array([row["due_at"] for row in rows], _UTC_US),
            "response_target_hours": pa.array([row["response_target_hours"] for row in rows], pa.float64()),
            "resolution_target_hours": pa.array([row["resolution_target_hours"] for row in rows], pa.float64()),
            "at_risk_share": pa.array([row["at_risk_share"] for row in rows], pa.float64()),
            "calendar": pa.array([row["calendar_key"] for row in rows], pa.string()),
        }
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC)


def _hours(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


_EVALUATED = (
    "pk", "account_id", "opened_at", "first_response_at", "resolved_at", "due_at", "response_target_hours",
    "resolution_target_hours", "at_risk_share", "clock", "calendar__code", "response_state", "resolution_state",
    "response_due_at", "resolution_due_at", "subject",
)  # fmt: skip


@transaction.atomic
def do_evaluate_open_cases(*, now: dt.datetime | None = None) -> EvaluationResult:
    """Measure every open case's clocks at ``now``; store the states that changed and alert on them.

    A clock that comes to be at risk raises an SLA_AT_RISK alert, one that comes to be
    breached an SLA_BREACH alert (critical on key accounts); each once, however often this runs.
    Running clocks only move forward (running → at risk → breached): evaluating at a moment
    before the last evaluation leaves them where they are.
    Not durable: the nightly ``kam snapshot`` calls it inside its own transaction.
    """
    moment = now or timezone.now()
    rows = [
        dict(zip(_EVALUATED, values, strict=True))
        for values in ServiceCase.objects.filter(status__in=OPEN_STATUSES).values_list(*_EVALUATED)
    ]
    if not rows:
        return EvaluationResult()
    for row in rows:
        row["calendar_key"] = clock_key(row["clock"], row["calendar__code"])
    result = evaluate_clocks(_clock_table(rows), engine_calendars(), now=moment).to_pydict()
    changed: list[ServiceCase] = []
    transitions: list[tuple[ServiceCase, str, str]] = []
    for index, row in enumerate(rows):
        values: dict[str, Any] = {}
        for clock in _CLOCKS:
            state = result[f"{clock}_state"][index]
            due = _utc(result[f"{clock}_due_at"][index])
            stored = row[f"{clock}_state"]
            if _ADVANCE.get(state, -1) < _ADVANCE.get(stored, -1):
                state = stored  # a moment earlier than the last evaluation does not take a clock back
            if state != stored:
                values[f"{clock}_state"] = state
            if due != _utc(row[f"{clock}_due_at"]):
                values[f"{clock}_due_at"] = due
        if not values:
            continue
        # A light instance: bulk_update writes only the clock fields; the alerts read the rest.
        case = ServiceCase(
            pk=row["pk"],
            account_id=row["account_id"],
            subject=row["subject"],
            opened_at=row["opened_at"],
            first_response_at=row["first_response_at"],
            resolved_at=row["resolved_at"],
            **{name: values.get(name, row[name]) for name in _STATE_FIELDS},
        )
        case.updated_at = moment
        changed.append(case)
        transitions += [
            (case, clock, values[f"{clock}_state"])
            for clock in _CLOCKS
            if values.get(f"{clock}_state") in (ClockState.AT_RISK, ClockState.BREACHED)
        ]
    ServiceCase.objects.bulk_update(changed, [*_STATE_FIELDS, "updated_at"], batch_size=1000)
    accounts = Account.objects.in_bulk({case.account_id for case, _clock, _state in transitions})
    wanted = []
    for case, clock, state in transitions:
        case.account = accounts[case.account_id]
        alert = _clock_alert(case, case.account, clock, state)
        if alert is not None:
            wanted.append(alert)
    raised = raise_alerts([AlertEvent(**alert) for alert in wanted])
    at_risk = sum(alert.kind == AlertKind.SLA_AT_RISK for alert in raised)
    breached = len(raised) - at_risk
    return EvaluationResult(evaluated=len(rows), newly_at_risk=at_risk, newly_breached=breached)


_STATE_FIELDS = ("response_state", "resolution_state", "response_due_at", "resolution_due_at")
_ADVANCE = {ClockState.RUNNING: 0, ClockState.AT_RISK: 1, ClockState.BREACHED: 2}


# --- importing cases (``kam import cases``) -------------------------------------------------


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A naive local time of the file in the current time zone, as UTC."""
    if value is None:
        return None
    moment = value if timezone.is_aware(value) else timezone.make_aware(value)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _imported_status(row: Mapping[str, Any], provided: set[str], current: ServiceCase | None) -> str:
    if "status" in provided and row["status"]:
        return str(row["status"])
    if row.get("resolved_at") is not None:
        return CaseStatus.CLOSED if current is not None and current.status == CaseStatus.CLOSED else CaseStatus.RESOLVED
    if current is not None and "resolved_at" not in provided:
        return current.status
    return CaseStatus.IN_PROGRESS if row.get("first_response_at") is not None else CaseStatus.OPEN


@transaction.atomic
def do_import_cases(
    rows: Sequence[Mapping[str, Any]], provided: Iterable[str], *, acting_user: User | None
) -> UpsertResult:
    """Create or update cases by (account code, case code), their clocks computed for every row.

    The rows are checked (``kam.imports.checks.check_cases``): stops not before the opening,
    contacts of the account. Times in the file are local times of the current time zone.
    New cases take the service level in force; stored ones keep theirs unless their type
    changes. Complaints and late (or at-risk) clocks raise their alerts, each once.
    """
    provided = set(provided)
    now = timezone.now()
    accounts = {account.code: account for account in Account.objects.filter(code__in={row["account"] for row in rows})}
    account_ids = [account.pk for account in accounts.values()]
    known: dict[Hashable, ServiceCase] = index_by(
        ServiceCase.objects.filter(account_id__in=account_ids).exclude(code="").select_related("calendar"),
        "account_id",
        "code",
    )
    users = dict(
        User.objects.filter(username__in={row["owner"] for row in rows if row.get("owner")}).values_list(
            "username", "pk"
        )
    )
    departments = dict(User.objects.filter(pk__in=users.values()).values_list("pk", "department"))
    contacts: dict[Hashable, Contact] = (
        index_by(Contact.objects.filter(account_id__in=account_ids), "account_id", "code")
        if "contact" in provided
        else {}
    )
    policies = load_policies()
    chooser = CalendarChooser.load()
    calendar_codes = dict(WorkingCalendar.objects.values_list("pk", "code"))
    values: list[dict[str, Any]] = []
    keys: list[str] = []
    for row in rows:
        account = accounts[row["account"]]
        current = known.get((account.pk, row["code"]))
        item: dict[str, Any] = {
            "account_id": account.pk,
            "code": row["code"],
            "type": row["type"],
            "subject": _text(row["subject"]),
            "opened_at": _local(row["opened_at"]),
        }
        for name in ("first_response_at", "resolved_at", "due_at"):
            if name in provided:
                item[name] = _local(row[name])
        answered = current is not None and "first_response_at" not in provided and current.first_response_at
        if item.get("resolved_at") is not None and item.get("first_response_at") is None and not answered:
            item["first_response_at"] = item["resolved_at"]  # the resolution answered the customer
        for name in ("description", "reference"):
            if name in provided:
                item[name] = _text(row[name])
        if "owner" in provided:
            item["owner_id"] = users.get(row["owner"]) if row["owner"] else None
        if "contact" in provided:
            contact = contacts.get((account.pk, row["contact"])) if row["contact"] else None
            item["contact_id"] = contact.pk if contact is not None else None
        if "priority" in provided or current is None:
            item["priority"] = row.get("priority") or Priority.NORMAL
        if "department" in provided or current is None:
            owner_id = item.get("owner_id")
            item["department"] = row.get("department") or departments.get(owner_id or 0) or Department.CUSTOMER_SERVICE
        item["status"] = _imported_status({**row, **item}, provided, current)
        if current is None or current.type != row["type"]:
            policy = policy_for(account, row["type"], policies)
            calendar = chooser.for_country(account.country)
            item["policy_id"] = policy.pk if policy is not None else None
            item["response_target_hours"] = (
                float(policy.response_hours) if policy is not None and policy.response_hours is not None else None
            )
            item["resolution_target_hours"] = (
                float(policy.resolution_hours) if policy is not None and policy.resolution_hours is not None else None
            )
            item["clock"] = policy.clock if policy is not None else Clock.CALENDAR
            item["at_risk_share"] = policy.at_risk_share if policy is not None else 0.8
            item["calendar_id"] = calendar.pk if calendar is not None else None
        if current is None:
            item["created_by_id"] = acting_user.pk if acting_user is not None else None
        merged = {name: getattr(current, name) for name in _MERGED} if current is not None else {}
        merged.update(item)
        for name in ("first_response_at", "resolved_at", "due_at", "response_target_hours", "resolution_target_hours"):
            merged.setdefault(name, None)
        calendar_id = merged.get("calendar_id")
        keys.append(clock_key(merged.get("clock", Clock.CALENDAR), calendar_codes.get(calendar_id or 0)))
        values.append({**item, "_merged": merged})
    if values:
        table = _clock_table(
            [
                {**value["_merged"], "at_risk_share": value["_merged"].get("at_risk_share", 0.8), "calendar_key": key}
                for value, key in zip(values, keys, strict=True)
            ]
        )
        clocks = evaluate_clocks(table, engine_calendars(), now=now).to_pydict()
        for index, value in enumerate(values):
            for clock in _CLOCKS:
                value[f"{clock}_due_at"] = _utc(clocks[f"{clock}_due_at"][index])
                value[f"{clock}_state"] = clocks[f"{clock}_state"][index]
                value[f"{clock}_hours"] = _hours(clocks[f"{clock}_hours"][index])
            del value["_merged"]
    result, objects = upsert_objects(
        ServiceCase, values, key=("account_id", "code"), existing=known, actor=acting_user, action="service_case"
    )
    _raise_import_alerts(objects.values(), {account.pk: account for account in accounts.values()})
    return result


_MERGED = (
    "first_response_at", "resolved_at", "due_at", "opened_at", "response_target_hours", "resolution_target_hours",
    "clock", "at_risk_share", "calendar_id",
)  # fmt: skip


def _raise_import_alerts(cases: Iterable[ServiceCase], accounts: Mapping[int, Account]) -> None:
    wanted = []
    for case in cases:
        account = accounts[case.account_id]
        if case.type == CaseType.COMPLAINT:
            wanted.append(_complaint_alert(case, account))
        for clock in _CLOCKS:
            alert = _clock_alert(case, account, clock, getattr(case, f"{clock}_state"))
            if alert is not None:
                wanted.append(alert)
    raise_alerts([AlertEvent(**alert) for alert in wanted])


# --- service-level policies and working calendars ------------------------------------------


def _hours_value(value: Any, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ServiceLevelError(_("%(field)s: give a number of hours.") % {"field": label}) from None
    if hours <= 0 or hours >= Decimal("1000000"):
        raise ServiceLevelError(_("%(field)s: give a positive number of hours, or leave it empty.") % {"field": label})
    return hours


_POLICY_FIELDS = ("case_type", "applies_to", "response_hours", "resolution_hours", "clock", "at_risk_share")


@transaction.atomic(durable=True)
def do_save_policy(
    case_type: str,
    applies_to: str,
    response_hours: Any,
    resolution_hours: Any,
    clock: str,
    at_risk_share: float = 0.8,
    *,
    acting_user: User | None,
) -> ServiceLevelPolicy:
    """Set the targets of one case type for one group of accounts (cases opened from now on)."""
    _require_director(acting_user)
    if case_type not in CaseType.values:
        raise ServiceLevelError(_("Case type: %(value)s is not a case type.") % {"value": case_type})
    if applies_to not in AppliesTo.values:
        raise ServiceLevelError(_("Applies to: %(value)s is not a group of accounts.") % {"value": applies_to})
    if clock not in Clock.values:
        raise ServiceLevelError(_("Clock: %(value)s is not calendar or business hours.") % {"value": clock})
    response = _hours_value(response_hours, _("First response within"))
    resolution = _hours_value(resolution_hours, _("Resolution within"))
    if response is None and resolution is None:
        raise ServiceLevelError(_("Targets: give a first response or a resolution target, or delete the policy."))
    if not 0 < float(at_risk_share) < 1:
        raise ServiceLevelError(_("Warn at: give a share between 0 and 1 (e.g. 0.8)."))
    policy = ServiceLevelPolicy.objects.select_for_update().filter(case_type=case_type, applies_to=applies_to).first()
    before = snapshot_fields(policy, _POLICY_FIELDS) if policy is not None else None
    if policy is None:
        policy = ServiceLevelPolicy(case_type=case_type, applies_to=applies_to)
    policy.response_hours, policy.resolution_hours = response, resolution
    policy.clock, policy.at_risk_share = clock, float(at_risk_share)
    policy.save()
    after = snapshot_fields(policy, _POLICY_FIELDS)
    changes = _changes(before, after)
    if changes:
        action = "service_policy.create" if before is None else "service_policy.update"
        record_audit(actor=acting_user, action=action, instance=policy, changes=changes)
    return policy


@transaction.atomic(durable=True)
def do_delete_policy(policy: ServiceLevelPolicy, *, acting_user: User | None) -> None:
    """Remove a policy: new cases of its scope fall back to the next policy (or none)."""
    _require_director(acting_user)
    record_audit(
        actor=acting_user,
        action="service_policy.delete",
        instance=policy,
        changes={name: [value, None] for name, value in snapshot_fields(policy, _POLICY_FIELDS).items()},
    )
    policy.delete()


_CODE = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_CALENDAR_FIELDS = ("code", "name", "countries", "time_zone", "weekdays", "opens", "closes", "is_default")


def _calendar_snapshot(calendar: WorkingCalendar) -> dict[str, Any]:
    values = snapshot_fields(calendar, _CALENDAR_FIELDS)
    return {name: value.isoformat() if isinstance(value, dt.time) else value for name, value in values.items()}


@transaction.atomic(durable=True)
def do_save_calendar(
    code: str,
    name: str,
    *,
    countries: str = "",
    time_zone: str = "Europe/Madrid",
    weekdays: str = "1111100",
    opens: dt.time = dt.time(9),
    closes: dt.time = dt.time(17),
    is_default: bool = False,
    acting_user: User | None,
) -> WorkingCalendar:
    """Create or change the working calendar ``code``; a default calendar replaces the former default."""
    _require_director(acting_user)
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise ServiceLevelError(_("Code: use up to 32 letters, digits, dots, dashes or underscores."))
    if not name.strip():
        raise ServiceLevelError(_("Name: give the calendar a name."))
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceLevelError(_("Time zone: %(value)s is not a time zone.") % {"value": time_zone}) from None
    if len(weekdays) != 7 or set(weekdays) - {"0", "1"} or "1" not in weekdays:
        raise ServiceLevelError(_("Working days: give seven 1/0 flags, Monday to Sunday, at least one 1."))
    if closes <= opens:
        raise ServiceLevelError(_("Closes: it must be after the opening time."))
    calendar = WorkingCalendar.objects.select_for_update().filter(code=code).first()
    before = _calendar_snapshot(calendar) if calendar is not None else None
    if is_default:
        WorkingCalendar.objects.filter(is_default=True).exclude(code=code).update(is_default=False)
    if calendar is None:
        calendar = WorkingCalendar(code=code)
    calendar.name = name.strip()
    calendar.countries = ", ".join(part.strip() for part in countries.split(",") if part.strip())
    calendar.time_zone, calendar.weekdays = time_zone, weekdays
    calendar.opens, calendar.closes, calendar.is_default = opens, closes, is_default
    calendar.save()
    after = _calendar_snapshot(calendar)
    changes = _changes(before, after)
    if changes:
        action = "calendar.create" if before is None else "calendar.update"
        record_audit(actor=acting_user, action=action, instance=calendar, changes=changes)
    return calendar


@transaction.atomic(durable=True)
def do_add_holiday(calendar: WorkingCalendar, date: dt.date, name: str = "", *, acting_user: User | None) -> Holiday:
    """Add a day on which the calendar's clocks stand still."""
    _require_director(acting_user)
    if Holiday.objects.filter(calendar=calendar, date=date).exists():
        raise ServiceLevelError(
            _("Date: %(date)s is already a holiday of %(calendar)s.") % {"date": date, "calendar": calendar.name}
        )
    holiday = Holiday.objects.create(calendar=calendar, date=date, name=name.strip())
    record_audit(
        actor=acting_user,
        action="calendar.add_holiday",
        instance=calendar,
        changes={"holiday": [None, f"{date:%Y-%m-%d} {holiday.name}".strip()]},
    )
    return holiday


@transaction.atomic(durable=True)
def do_remove_holiday(holiday: Holiday, *, acting_user: User | None) -> None:
    """Remove a holiday of a calendar."""
    _require_director(acting_user)
    record_audit(
        actor=acting_user,
        action="calendar.remove_holiday",
        instance=holiday.calendar,
        changes={"holiday": [f"{holiday.date:%Y-%m-%d} {holiday.name}".strip(), None]},
    )
    holiday.delete()


__all__ = [
    "CaseChanges",
    "CaseDetails",
    "CaseError",
    "EvaluationResult",
    "ServiceLevelError",
    "do_add_holiday",
    "do_close_case",
    "do_delete_policy",
    "do_evaluate_open_cases",
    "do_import_cases",
    "do_open_case",
    "do_record_first_response",
    "do_remove_holiday",
    "do_reopen_case",
    "do_resolve_case",
    "do_save_calendar",
    "do_save_policy",
    "do_update_case",
]
