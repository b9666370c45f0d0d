"""Every change of the incentives domain: plans (drafted, approved, retired) and KAM investments.

Each action checks who is acting, validates, runs in one durable transaction and leaves an
audit record. ``acting_user=None`` is the system (the command line and the demo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.core.upserts import UpsertResult, index_by, upsert_objects
from kam.incentives.choices import IncentivePlanStatus
from kam.incentives.models import IncentivePlan, Investment
from kam.incentives.plans import PlanValidationError, engine_plan, normalised_phases
from kam.incentives.queries import is_director
from kam.key_accounts.models import Account
from kam.key_accounts.queries import can_manage_account
from kam.users.models import User

_PLAN_FIELDS = ("name", "period_start", "period_end", "target_bonus", "retention_damping", "phases", "status")
INVESTMENT_AMOUNTS = ("kam_hours", "team_hours", "hourly_rate", "special_costs")


class IncentiveError(ValueError):
    """A change of plans or investments we cannot carry out; the message says why."""


def _require_director(user: User | None) -> None:
    if user is not None and not is_director(user):
        raise PermissionDenied(_("Only directors draft and approve incentive plans."))


@transaction.atomic(durable=True)
def do_save_plan(
    plan: IncentivePlan | None,
    *,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    target_bonus: Decimal,
    retention_damping: float,
    phases: Mapping[str, Any],
    acting_user: User | None,
) -> IncentivePlan:
    """Create a draft plan (``plan`` None) or change a draft; the plan is checked as the engine will apply it."""
    _require_director(acting_user)
    if not name.strip():
        raise IncentiveError(_("Name: this is required."))
    if period_end < period_start:
        raise IncentiveError(_("Valid until: the plan cannot end before it starts."))
    try:
        engine_plan(phases, target_bonus=target_bonus, retention_damping=retention_damping)
    except PlanValidationError as error:
        raise IncentiveError(str(error)) from error
    values: dict[str, Any] = {
        "name": name.strip(),
        "period_start": period_start,
        "period_end": period_end,
        "target_bonus": Decimal(target_bonus).quantize(Decimal("0.01")),
        "retention_damping": float(retention_damping),
        "phases": normalised_phases(phases),
    }
    if plan is None:
        plan = IncentivePlan.objects.create(**values, created_by=acting_user)
        record_audit(
            actor=acting_user,
            action="incentive_plan.create",
            instance=plan,
            changes={name: [None, value] for name, value in snapshot_fields(plan, _PLAN_FIELDS).items()},
        )
        return plan
    plan = IncentivePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != IncentivePlanStatus.DRAFT:
        raise IncentiveError(
            _("The plan “%(name)s” is %(status)s: only a draft can be changed.")
            % {"name": plan.name, "status": plan.get_status_display().lower()}
        )
    before = snapshot_fields(plan, _PLAN_FIELDS)
    for field, value in values.items():
        setattr(plan, field, value)
    plan.save()
    changes = diff_snapshots(before, snapshot_fields(plan, _PLAN_FIELDS))
    if changes:
        record_audit(actor=acting_user, action="incentive_plan.update", instance=plan, changes=changes)
    return plan


@transaction.atomic(durable=True)
def do_approve_plan(plan: IncentivePlan, *, acting_user: User | None) -> IncentivePlan:
    """Put a draft in force; the plan approved before it is retired."""
    _require_director(acting_user)
    plan = IncentivePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != IncentivePlanStatus.DRAFT:
        raise IncentiveError(
            _("The plan “%(name)s” is %(status)s: only a draft can be approved.")
            % {"name": plan.name, "status": plan.get_status_display().lower()}
        )
    try:
        engine_plan(plan.phases, target_bonus=plan.target_bonus, retention_damping=plan.retention_damping)
    except PlanValidationError as error:
        raise IncentiveError(str(error)) from error
    for previous in IncentivePlan.objects.select_for_update().filter(status=IncentivePlanStatus.APPROVED):
        previous.status = IncentivePlanStatus.RETIRED
        previous.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=acting_user,
            action="incentive_plan.retire",
            instance=previous,
            changes={"status": [IncentivePlanStatus.APPROVED.value, IncentivePlanStatus.RETIRED.value]},
        )
    plan.status = IncentivePlanStatus.APPROVED
    plan.approved_by = acting_user
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record_audit(
        actor=acting_user,
        action="incentive_plan.approve",
        instance=plan,
        changes={"status": [IncentivePlanStatus.DRAFT.value, IncentivePlanStatus.APPROVED.value]},
    )
    return plan


# --- investments ------------------------------------------------------------------------------


def _amount(value: Any, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise IncentiveError(_("%(field)s: give a number.") % {"field": label}) from None
    if not amount.is_finite() or amount < 0:
        raise IncentiveError(_("%(field)s: it cannot be negative.") % {"field": label})
    return amount.quantize(Decimal("0.01"))


def _label(name: str) -> str:
    model: type[Any] = Investment
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


@transaction.atomic(durable=True)
def do_record_investment(
    account: Account,
    month: dt.date,
    *,
    kam_hours: Decimal | float = 0,
    team_hours: Decimal | float = 0,
    hourly_rate: Decimal | float = 0,
    special_costs: Decimal | float = 0,
    note: str = "",
    acting_user: User | None,
) -> Investment:
    """Record (or replace) what ``account`` cost the programme in ``month`` (any day of it)."""
    if acting_user is not None and not can_manage_account(acting_user, account):
        raise PermissionDenied(_("Only directors, administrators and the account's KAM record its investment."))
    values: dict[str, Any] = {
        name: _amount(value, _label(name))
        for name, value in zip(INVESTMENT_AMOUNTS, (kam_hours, team_hours, hourly_rate, special_costs), strict=True)
    }
    values["note"] = note.strip()[:500]
    first = month.replace(day=1)
    result = _upsert_investments([{"account_id": account.pk, "month": first, **values}], acting_user)
    del result
    return Investment.objects.get(account=account, month=first)


def _upsert_investments(values: list[dict[str, Any]], acting_user: User | None) -> UpsertResult:
    # One row per key: a later row of the same account and month replaces an earlier one.
    merged: dict[Hashable, dict[str, Any]] = {(item["account_id"], item["month"]): item for item in values}
    accounts = {item["account_id"] for item in merged.values()}
    existing = index_by(Investment.objects.filter(account_id__in=accounts), "account_id", "month")
    result, _objects = upsert_objects(
        Investment,
        list(merged.values()),
        key=("account_id", "month"),
        existing=existing,
        actor=acting_user,
        action="investment",
    )
    return result


def _investment_values(rows: Sequence[Mapping[str, Any]], provided: set[str]) -> list[dict[str, Any]]:
    accounts = dict(Account.objects.filter(code__in={row["account"] for row in rows}).values_list("code", "pk"))
    values = []
    for row in rows:
        item: dict[str, Any] = {"account_id": accounts[row["account"]], "month": row["month"].replace(day=1)}
        for name in INVESTMENT_AMOUNTS:
            if name in provided:
                item[name] = _amount(row[name], _label(name))
        if "note" in provided:
            item["note"] = str(row["note"] or "").strip()[:500]
        values.append(item)
    return values


@transaction.atomic
def do_import_investments(
    rows: Sequence[Mapping[str, Any]], provided: Iterable[str], *, acting_user: User | None
) -> UpsertResult:
    """Create or update investments by (account code, month); the importer has rejected unknown accounts."""
    return _upsert_investments(_investment_values(rows, set(provided)), acting_user)


@transaction.atomic(durable=True)
def do_record_investments(rows: Sequence[Mapping[str, Any]], *, acting_user: User | None) -> UpsertResult:
    """Record many months of investments at once (rows as for ``do_import_investments``, every field given)."""
    if acting_user is not None and not is_director(acting_user):
        raise PermissionDenied(_("Only directors record investments in bulk."))
    return _upsert_investments(_investment_values(rows, {*INVESTMENT_AMOUNTS, "note"}), acting_user)
