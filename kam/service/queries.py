"""Read helpers of service cases; every one applies who may see what (``kam.key_accounts.queries``).

Whoever sees an account reads its cases; its managers (directors, administrators, its KAM) and
its team members (viewers excepted) work them; directors and administrators set the service
levels and the working calendars.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
from django.db.models import Case, IntegerField, QuerySet, Value, When

from kam.key_accounts.models import Account
from kam.key_accounts.queries import AnyUser, can_manage_account, is_on_account_team, visible_accounts
from kam.service.calendars import clock_key, engine_calendars
from kam.service.choices import OPEN_STATUSES, AppliesTo, CaseType, ClockState
from kam.service.models import ServiceCase, ServiceLevelPolicy, WorkingCalendar
from kam.users.choices import Role
from kam.users.models import User
from kam_engine.service_clock import evaluate_clocks


def can_work_cases(user: AnyUser, account: Account) -> bool:
    """Those who manage the account and its team members (viewers excepted) open and work its cases."""
    if can_manage_account(user, account):
        return True
    return isinstance(user, User) and user.role != Role.VIEWER and is_on_account_team(user, account)


def can_set_service_levels(user: AnyUser) -> bool:
    """Directors and administrators set service-level policies and working calendars."""
    return isinstance(user, User) and user.is_active and user.sees_all_accounts


def works_cases(user: AnyUser) -> bool:
    """Whether ``user`` has a work queue: anyone active but viewers."""
    return isinstance(user, User) and user.is_active and (user.sees_all_accounts or user.role != Role.VIEWER)


def account_cases(account: Account) -> QuerySet[ServiceCase]:
    """The account's cases: open ones first, then newest first."""
    open_first = Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        ServiceCase.objects.filter(account=account)
        .select_related("account", "owner", "contact", "calendar")
        .annotate(closed_rank=open_first)
        .order_by("closed_rank", "-opened_at", "-id")
    )


def queue_cases(user: AnyUser) -> QuerySet[ServiceCase]:
    """Open cases of the accounts ``user`` owns or is on the team of (directors: every account)."""
    if not works_cases(user):
        return ServiceCase.objects.none()
    accounts = visible_accounts(user).values("pk")
    return ServiceCase.objects.filter(account__in=accounts, status__in=OPEN_STATUSES).select_related(
        "account", "owner", "contact", "calendar"
    )


@dataclass(frozen=True, slots=True)
class LiveClocks:
    """A case's clocks measured now: states and hours left (negative: overdue; None: stopped or no target)."""

    response_state: str
    resolution_state: str
    response_hours_left: float | None
    resolution_hours_left: float | None

    @property
    def hours_left(self) -> float | None:
        """The hours left to the nearer running target."""
        left = [hours for hours in (self.response_hours_left, self.resolution_hours_left) if hours is not None]
        return min(left) if left else None

    @property
    def is_overdue(self) -> bool:
        return ClockState.BREACHED in (self.response_state, self.resolution_state) and (
            self.hours_left is not None and self.hours_left < 0
        )


def _nullable(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def live_clocks(cases: Sequence[ServiceCase], *, now: dt.datetime) -> dict[int, LiveClocks]:
    """The clocks of ``cases`` at ``now``, computed at once by the engine, by case id."""
    if not cases:
        return {}
    calendars = engine_calendars()
    table = pa.table(
        {
            "opened_at": pa.array([case.opened_at for case in cases], pa.timestamp("us", tz="UTC")),
            "first_response_at": pa.array([case.first_response_at for case in cases], pa.timestamp("us", tz="UTC")),
            "resolved_at": pa.array([case.resolved_at for case in cases], pa.timestamp("us", tz="UTC")),
            "due_at": pa.array([case.due_at for case in cases], pa.timestamp("us", tz="UTC")),
            "response_target_hours": pa.array([case.response_target_hours for case in cases], pa.float64()),
            "resolution_target_hours": pa.array([case.resolution_target_hours for case in cases], pa.float64()),
            "at_risk_share": pa.array([case.at_risk_share for case in cases], pa.float64()),
            "calendar": pa.array(
                [clock_key(case.clock, case.calendar.code if case.calendar else None) for case in cases], pa.string()
            ),
        }
    )
    result = evaluate_clocks(table, calendars, now=now).to_pydict()
    return {
        case.pk: LiveClocks(
            response_state=result["response_state"][index],
            resolution_state=result["resolution_state"][index],
            response_hours_left=_nullable(result["response_hours_left"][index]),
            resolution_hours_left=_nullable(result["resolution_hours_left"][index]),
        )
        for index, case in enumerate(cases)
    }


@dataclass(frozen=True, slots=True)
class QueueItem:
    case: ServiceCase
    clocks: LiveClocks


def work_queue(user: AnyUser, *, now: dt.datetime, limit: int = 500) -> list[QueueItem]:
    """The user's open cases: key accounts first, then the least time left first (overdue at the top)."""
    cases = list(queue_cases(user).order_by("-account__is_key_account", "resolution_due_at", "opened_at")[:limit])
    clocks = live_clocks(cases, now=now)
    items = [QueueItem(case, clocks[case.pk]) for case in cases]

    def order(item: QueueItem) -> tuple[int, float, dt.datetime, int]:
        left = item.clocks.hours_left
        return (
            0 if item.case.account.is_key_account else 1,
            left if left is not None else float("inf"),
            item.case.opened_at,
            item.case.pk,
        )

    return sorted(items, key=order)


@dataclass(frozen=True, slots=True)
class PolicyRow:
    """One case type of the service-level grid, with its policy for each group of accounts (or None)."""

    case_type: str
    label: str
    cells: list[tuple[str, ServiceLevelPolicy | None]]


def policy_grid() -> list[PolicyRow]:
    """The grid of service levels: a row per case type, a cell per group of accounts."""
    policies = {(policy.case_type, policy.applies_to): policy for policy in ServiceLevelPolicy.objects.all()}
    return [
        PolicyRow(
            case_type=value,
            label=str(label),
            cells=[(scope, policies.get((value, scope))) for scope in AppliesTo.values],
        )
        for value, label in CaseType.choices
    ]


def calendars_with_holidays() -> QuerySet[WorkingCalendar]:
    return WorkingCalendar.objects.prefetch_related("holidays")
