"""Read helpers of the plans domain; visibility follows the account (``kam.key_accounts.queries``).

Anyone who sees an account sees its plans; directors, administrators and the account's
owner edit them; a team member may change the status of the actions they own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.key_accounts.models import Account, ProductLine
from kam.key_accounts.queries import AnyUser, access_account_by_code, can_manage_account, is_on_account_team
from kam.kpis.models import AccountAnalysis
from kam.kpis.queries import latest_account_analysis
from kam.plans.choices import ActionStatus, ObjectiveKpi, PlanStatus
from kam.plans.models import AccountPlan, PlanAction, PlanObjective
from kam.plans.progress import ObjectiveProgress, objective_progress
from kam.users.choices import Role
from kam.users.models import User

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def today() -> dt.date:
    """Today in the company's time zone."""
    return timezone.localdate()


def plans_of(account: Account) -> QuerySet[AccountPlan]:
    """The account's plans, newest period first."""
    return AccountPlan.objects.filter(account=account).select_related("account", "owner")


def current_plan(account: Account) -> AccountPlan | None:
    """The plan shown by default: the active one, else the latest."""
    plans = plans_of(account)
    return plans.filter(status=PlanStatus.ACTIVE).first() or plans.order_by("-created_at", "-id").first()


def access_plan(user: AnyUser, code: str, pk: int) -> AccountPlan:
    """The plan ``pk`` of the account ``code`` if ``user`` sees the account; ``Http404`` otherwise."""
    account = access_account_by_code(user, code)
    try:
        return plans_of(account).get(pk=pk)
    except AccountPlan.DoesNotExist:
        raise Http404(_("No such plan for this account.")) from None


def can_edit_plan(user: AnyUser, account: Account) -> bool:
    """Directors, administrators and the account's owner edit everything in its plans."""
    return can_manage_account(user, account)


def can_change_action_status(user: AnyUser, action: PlanAction) -> bool:
    """Plan editors change any action's status; a team member (not a viewer) those they own."""
    account = action.plan.account
    if can_edit_plan(user, account):
        return True
    if not isinstance(user, User) or user.role == Role.VIEWER or action.owner_id != user.pk:
        return False
    return is_on_account_team(user, account)


def is_overdue(action: PlanAction, on: dt.date | None = None) -> bool:
    """Whether the action is still open (or in progress) after its due date."""
    return action.status in OPEN_STATUSES and action.due_date < (on or today())


def _overdue(on: dt.date | None) -> QuerySet[PlanAction]:
    return PlanAction.objects.filter(status__in=OPEN_STATUSES, due_date__lt=on or today()).exclude(
        plan__status=PlanStatus.CLOSED
    )


def overdue_actions_for(user: AnyUser, on: dt.date | None = None) -> QuerySet[PlanAction]:
    """Overdue actions of plans not closed that ``user`` owns, or on accounts ``user`` owns."""
    if not isinstance(user, User) or not user.is_active:
        return PlanAction.objects.none()
    return (
        _overdue(on)
        .filter(Q(owner=user) | Q(plan__account__owner=user))
        .select_related("plan__account", "owner")
        .order_by("due_date", "id")
    )


def overdue_action_count(account: Account, on: dt.date | None = None) -> int:
    """How many actions of the account's plans (not closed) are overdue."""
    return _overdue(on).filter(plan__account=account).count()


def assignable_users(account: Account) -> QuerySet[User]:
    """Who may own an action of the account's plan: its KAM and its team."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk=account.owner_id) | Q(account_teams__account=account))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def progress_of(objective: PlanObjective, analysis: AccountAnalysis | None) -> ObjectiveProgress:
    """The objective's current value and progress, given the account's latest analysis."""
    return objective_progress(objective.kpi, objective.baseline, objective.target, objective.manual_current, analysis)


def objectives_with_progress(plan: AccountPlan) -> list[tuple[PlanObjective, ObjectiveProgress]]:
    """The plan's objectives, each with its progress."""
    analysis = latest_account_analysis(plan.account)
    return [(objective, progress_of(objective, analysis)) for objective in plan.objectives.all()]


# --- roll-up ------------------------------------------------------------------------------------

ROLLUP_KPIS = (ObjectiveKpi.REVENUE, ObjectiveKpi.GROSS_MARGIN)


@dataclass
class RollupRow:
    """Targets against current values of one group (a KAM or a segment) for one KPI."""

    label: str
    target: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(ROLLUP_KPIS, Decimal(0)))
    current: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(ROLLUP_KPIS, Decimal(0)))
    objectives: int = 0

    def cells(self) -> list[tuple[str, Decimal, Decimal, Decimal]]:
        """(kpi, target, current, current − target) per KPI, in ``ROLLUP_KPIS`` order."""
        return [(kpi, self.target[kpi], self.current[kpi], self.current[kpi] - self.target[kpi]) for kpi in ROLLUP_KPIS]


def can_see_rollup(user: AnyUser) -> bool:
    """Directors and administrators see every KAM; a KAM sees their own accounts."""
    return (
        isinstance(user, User) and user.is_active and (user.sees_all_accounts or user.role == Role.KEY_ACCOUNT_MANAGER)
    )


def rollup(user: AnyUser) -> dict[str, list[RollupRow]]:
    """Revenue and gross-margin objectives of active plans, summed by KAM and by segment."""
    if not isinstance(user, User) or not can_see_rollup(user):
        return {"kam": [], "segment": []}
    objectives = PlanObjective.objects.filter(plan__status=PlanStatus.ACTIVE, kpi__in=ROLLUP_KPIS).select_related(
        "plan__account__owner"
    )
    if not user.sees_all_accounts:
        objectives = objectives.filter(plan__account__owner=user)
    analyses: dict[int, AccountAnalysis | None] = {}
    by_kam: dict[str, RollupRow] = {}
    by_segment: dict[str, RollupRow] = {}
    for objective in objectives:
        account = objective.plan.account
        if account.pk not in analyses:
            analyses[account.pk] = latest_account_analysis(account)
        measured = progress_of(objective, analyses[account.pk])
        kam = str(account.owner) if account.owner else _("Unassigned")
        segment = account.segment or _("No segment")
        for groups, label in ((by_kam, kam), (by_segment, segment)):
            row = groups.setdefault(label, RollupRow(label))
            row.target[objective.kpi] += objective.target or Decimal(0)
            row.current[objective.kpi] += measured.current or Decimal(0)
            row.objectives += 1
    return {
        "kam": sorted(by_kam.values(), key=lambda row: row.label),
        "segment": sorted(by_segment.values(), key=lambda row: row.label),
    }


def totals(rows: list[RollupRow]) -> RollupRow:
    """The sum of ``rows``."""
    total = RollupRow(_("Total"))
    for row in rows:
        for kpi in ROLLUP_KPIS:
            total.target[kpi] += row.target[kpi]
            total.current[kpi] += row.current[kpi]
        total.objectives += row.objectives
    return total


def whitespace_grid(plan: AccountPlan) -> dict[str, object]:
    """The whitespace grid: BUs as rows, product lines as columns, with totals of potential and current."""
    cells = list(plan.whitespace.select_related("product_line"))
    lines = list(ProductLine.objects.all())
    units = sorted({cell.business_unit for cell in cells})
    by_key = {(cell.business_unit, cell.product_line_id): cell for cell in cells}
    zero = Decimal(0)
    column_potential: dict[int, Decimal] = defaultdict(lambda: zero)
    column_current: dict[int, Decimal] = defaultdict(lambda: zero)
    rows = []
    for unit in units:
        row_cells = [by_key.get((unit, line.pk)) for line in lines]
        potential = sum((cell.potential or zero for cell in row_cells if cell), zero)
        current = sum((cell.current_value or zero for cell in row_cells if cell), zero)
        for line, cell in zip(lines, row_cells, strict=True):
            if cell:
                column_potential[line.pk] += cell.potential or zero
                column_current[line.pk] += cell.current_value or zero
        rows.append({"unit": unit, "cells": row_cells, "potential": potential, "current": current})
    columns: list[dict[str, Any]] = [
        {"line": line, "potential": column_potential[line.pk], "current": column_current[line.pk]} for line in lines
    ]
    return {
        "lines": lines,
        "rows": rows,
        "columns": columns,
        "potential": sum((column["potential"] for column in columns), zero),
        "current": sum((column["current"] for column in columns), zero),
    }
