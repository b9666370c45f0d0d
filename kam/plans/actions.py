"""Every change of the plans domain: plans, their diagnosis, objectives, actions, whitespace, reviews.

Each action checks who is acting, validates, runs in one durable transaction and leaves an
audit record. The diagnosis is edited under optimistic concurrency: the editor sends the
revision they loaded, and a save on an older revision is refused with what changed since.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DecimalField, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.audit import diff_snapshots, record_audit, serialise_value, snapshot_fields
from kam.core.models import AuditRecord
from kam.key_accounts.models import Account, ProductLine
from kam.plans.choices import ActionStatus, ObjectiveKpi, PlanStatus, WhitespaceStatus
from kam.plans.models import (
    EDITABLE_FIELDS,
    AccountPlan,
    CompetitorPosition,
    PlanAction,
    PlanObjective,
    PlanReview,
    PlanStrategy,
    WhitespaceCell,
)
from kam.plans.queries import assignable_users, can_change_action_status, can_edit_plan
from kam.users.choices import Department
from kam.users.models import User

_M = TypeVar("_M", bound=Model)


class PlanError(ValueError):
    """A plan change we cannot carry out; the message names the field and the reason."""


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """One field someone else changed after the editor loaded the plan."""

    field: str
    label: str
    theirs: Any
    yours: Any
    changed_by: str


class PlanConflictError(PlanError):
    """The plan changed since the editor loaded it; ``conflicts`` says field by field how."""

    def __init__(self, message: str, *, conflicts: list[FieldConflict], revision: int) -> None:
        super().__init__(message)
        self.conflicts = conflicts
        self.revision = revision


def _require_editor(user: User | None, account: Account) -> None:
    # The command line acts as the system (None); people must be allowed to edit the plan.
    if user is not None and not can_edit_plan(user, account):
        raise PermissionDenied(_("Only directors, administrators and the account's KAM may edit its plan."))


def _label(model: type[Any], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name).capitalize()


def _required_text(model: type[Any], name: str, value: str) -> str:
    text = value.strip()
    if not text:
        raise PlanError(_("%(field)s: this is required.") % {"field": _label(model, name)})
    return text


def _check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    if start is None:
        raise PlanError(_("%(field)s: this is required.") % {"field": _label(AccountPlan, "period_start")})
    if end is None:
        raise PlanError(_("%(field)s: this is required.") % {"field": _label(AccountPlan, "period_end")})
    if end < start:
        raise PlanError(
            _("%(field)s: the period cannot end before it starts.") % {"field": _label(AccountPlan, "period_end")}
        )
    return start, end


def _locked(plan: AccountPlan) -> AccountPlan:
    return AccountPlan.objects.select_for_update().select_related("account").get(pk=plan.pk)


def _open_plan(plan: AccountPlan) -> None:
    if plan.status == PlanStatus.CLOSED:
        raise PlanError(_("This plan is closed: it can no longer be changed."))


# --- plans --------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_create_plan(
    account: Account,
    *,
    title: str,
    period_start: dt.date | None,
    period_end: dt.date | None,
    acting_user: User | None,
) -> AccountPlan:
    """Start a draft plan for ``account``; its owner is the account's KAM (or whoever creates it)."""
    _require_editor(acting_user, account)
    title = _required_text(AccountPlan, "title", title)
    period_start, period_end = _check_period(period_start, period_end)
    plan = AccountPlan.objects.create(
        account=account,
        title=title,
        period_start=period_start,
        period_end=period_end,
        owner=account.owner or acting_user,
    )
    record_audit(
        actor=acting_user,
        action="plan.create",
        instance=plan,
        changes={
            "account": [None, account.code],
            "title": [None, title],
            "period_start": [None, str(period_start)],
            "period_end": [None, str(period_end)],
            "status": [None, PlanStatus.DRAFT],
        },
    )
    return plan


def _conflicts(plan: AccountPlan, since: int, values: Mapping[str, Any]) -> list[FieldConflict]:
    """Fields changed by others after revision ``since``: their value (now) against the editor's."""
    records = AuditRecord.objects.filter(
        object_type=AccountPlan._meta.label_lower, object_id=str(plan.pk), action="plan.update"
    ).select_related("actor")
    changed_by: dict[str, str] = {}
    for record in records.order_by("created_at", "id"):
        revision = record.changes.get("revision", [None, None])[1]
        if revision is None or revision <= since:
            continue
        for name in record.changes:
            if name != "revision":
                changed_by[name] = str(record.actor) if record.actor else _("the system")
    current = snapshot_fields(plan, EDITABLE_FIELDS)
    return [
        FieldConflict(
            field=name,
            label=_label(AccountPlan, name),
            theirs=current[name],
            yours=serialise_value(values.get(name, current[name])),
            changed_by=changed_by[name],
        )
        for name in EDITABLE_FIELDS
        if name in changed_by
    ]


def _conflict(plan: AccountPlan, since: int, values: Mapping[str, Any]) -> PlanConflictError:
    conflicts = _conflicts(plan, since, values)
    names = ", ".join(sorted({conflict.changed_by for conflict in conflicts})) or _("someone else")
    return PlanConflictError(
        _(
            "Not saved: %(names)s changed this plan after you opened it (revision %(yours)s, now %(theirs)s). "
            "Compare the changes below, then save again to keep your version."
        )
        % {"names": names, "yours": since, "theirs": plan.revision},
        conflicts=conflicts,
        revision=plan.revision,
    )


@transaction.atomic(durable=True)
def do_update_plan(
    plan: AccountPlan, values: Mapping[str, Any], *, revision: int, acting_user: User | None
) -> AccountPlan:
    """Change the title, period, diagnosis or SWOT of a plan loaded at ``revision``.

    Raises ``PlanConflictError`` (nothing saved) when someone saved the plan after that revision.
    """
    plan = _locked(plan)
    _require_editor(acting_user, plan.account)
    _open_plan(plan)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise PlanError(_("Unknown plan fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if plan.revision != revision:
        raise _conflict(plan, revision, values)
    cleaned = dict(values)
    if "title" in cleaned:
        cleaned["title"] = _required_text(AccountPlan, "title", cleaned["title"])
    _check_period(cleaned.get("period_start", plan.period_start), cleaned.get("period_end", plan.period_end))
    before = snapshot_fields(plan, EDITABLE_FIELDS)
    for name, value in cleaned.items():
        setattr(plan, name, value.strip() if isinstance(value, str) and name != "title" else value)
    changes = diff_snapshots(before, snapshot_fields(plan, EDITABLE_FIELDS))
    if not changes:
        return plan
    # The revision guard is repeated in the UPDATE itself, so two saves can never both win.
    updated = AccountPlan.objects.filter(pk=plan.pk, revision=revision).update(
        **{name: getattr(plan, name) for name in changes}, revision=revision + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise _conflict(AccountPlan.objects.get(pk=plan.pk), revision, values)
    plan.revision = revision + 1
    record_audit(
        actor=acting_user,
        action="plan.update",
        instance=plan,
        changes={**changes, "revision": [revision, plan.revision]},
    )
    return plan


@transaction.atomic(durable=True)
def do_activate_plan(plan: AccountPlan, *, acting_user: User | None) -> AccountPlan:
    """Put a draft plan in force; refused while another plan of the account is active."""
    plan = _locked(plan)
    _require_editor(acting_user, plan.account)
    if plan.status != PlanStatus.DRAFT:
        raise PlanError(
            _("Status: only a draft can be activated; this plan is %(status)s.")
            % {"status": plan.get_status_display().lower()}
        )
    other = AccountPlan.objects.filter(account=plan.account, status=PlanStatus.ACTIVE).exclude(pk=plan.pk).first()
    if other is not None:
        raise PlanError(
            _("Status: “%(title)s” is the active plan of this account; close it before activating this one.")
            % {"title": other.title}
        )
    plan.status = PlanStatus.ACTIVE
    plan.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=acting_user, action="plan.activate", instance=plan, changes={"status": [PlanStatus.DRAFT, plan.status]}
    )
    return plan


@transaction.atomic(durable=True)
def do_close_plan(plan: AccountPlan, *, acting_user: User | None) -> AccountPlan:
    """Close a draft or active plan; it stays listed, read only."""
    plan = _locked(plan)
    _require_editor(acting_user, plan.account)
    _open_plan(plan)
    before = plan.status
    plan.status = PlanStatus.CLOSED
    plan.save(update_fields=["status", "updated_at"])
    record_audit(actor=acting_user, action="plan.close", instance=plan, changes={"status": [before, plan.status]})
    return plan


# --- objectives, strategies, actions ------------------------------------------------------------


def _editable(plan: AccountPlan, acting_user: User | None) -> AccountPlan:
    plan = _locked(plan)
    _require_editor(acting_user, plan.account)
    _open_plan(plan)
    return plan


def _created(instance: Any, action: str, fields: tuple[str, ...], acting_user: User | None) -> None:
    record_audit(
        actor=acting_user,
        action=action,
        instance=instance,
        changes={name: [None, value] for name, value in snapshot_fields(instance, fields).items()},
    )


def _item(instance: _M, acting_user: User | None) -> tuple[AccountPlan, _M]:
    """Lock the item's plan (checking who acts and that it is open), then the item itself."""
    plan = _editable(instance.plan, acting_user)  # type: ignore[attr-defined]
    return plan, type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def _updated(instance: Model, action: str, values: Mapping[str, Any], acting_user: User | None) -> None:
    """Set ``values`` on ``instance``; save and audit the fields that changed (nothing if none did)."""
    before = snapshot_fields(instance, tuple(values))
    for name, value in values.items():
        field = instance._meta.get_field(name)
        if isinstance(field, DecimalField) and value is not None:
            # As the database holds it, so that 600000 and 600000.00 are no change.
            value = Decimal(value).quantize(Decimal(1).scaleb(-(field.decimal_places or 0)))
        setattr(instance, name, value)
    changes = diff_snapshots(before, snapshot_fields(instance, tuple(values)))
    if not changes:
        return
    instance.save(update_fields=[*changes, "updated_at"])
    record_audit(actor=acting_user, action=action, instance=instance, changes=changes)


def _deleted(instance: Model, action: str, fields: tuple[str, ...], acting_user: User | None) -> None:
    """Audit the values the item had (before → None), then delete it."""
    record_audit(
        actor=acting_user,
        action=action,
        instance=instance,
        changes={name: [value, None] for name, value in snapshot_fields(instance, fields).items()},
    )
    instance.delete()


_OBJECTIVE_FIELDS = ("title", "kpi", "baseline", "target", "due_date", "manual_current")


def _objective_values(
    title: str,
    kpi: str,
    baseline: Decimal | None,
    target: Decimal | None,
    due_date: dt.date | None,
    manual_current: Decimal | None,
) -> dict[str, Any]:
    title = _required_text(PlanObjective, "title", title)
    if kpi not in ObjectiveKpi.values:
        raise PlanError(_("%(field)s: “%(value)s” is not a KPI we know.") % {"field": _("KPI"), "value": kpi})
    if target is None:
        raise PlanError(_("%(field)s: this is required.") % {"field": _label(PlanObjective, "target")})
    if baseline is None:
        raise PlanError(_("%(field)s: this is required.") % {"field": _label(PlanObjective, "baseline")})
    return {
        "title": title,
        "kpi": kpi,
        "baseline": baseline,
        "target": target,
        "due_date": due_date,
        "manual_current": manual_current if kpi == ObjectiveKpi.OTHER else None,
    }


@transaction.atomic(durable=True)
def do_add_objective(
    plan: AccountPlan,
    *,
    title: str,
    kpi: str,
    baseline: Decimal | None,
    target: Decimal | None,
    due_date: dt.date | None = None,
    manual_current: Decimal | None = None,
    acting_user: User | None,
) -> PlanObjective:
    """Add an objective; engine KPIs are tracked from the analysis, "other" from ``manual_current``."""
    plan = _editable(plan, acting_user)
    values = _objective_values(title, kpi, baseline, target, due_date, manual_current)
    objective = PlanObjective.objects.create(plan=plan, **values)
    _created(objective, "plan_objective.create", ("plan", *_OBJECTIVE_FIELDS), acting_user)
    return objective


@transaction.atomic(durable=True)
def do_update_objective(
    objective: PlanObjective,
    *,
    title: str,
    kpi: str,
    baseline: Decimal | None,
    target: Decimal | None,
    due_date: dt.date | None = None,
    manual_current: Decimal | None = None,
    acting_user: User | None,
) -> PlanObjective:
    """Change an objective; the same rules as adding one."""
    _plan, objective = _item(objective, acting_user)
    values = _objective_values(title, kpi, baseline, target, due_date, manual_current)
    _updated(objective, "plan_objective.update", values, acting_user)
    return objective


@transaction.atomic(durable=True)
def do_delete_objective(objective: PlanObjective, *, acting_user: User | None) -> None:
    """Delete an objective; its strategies stay, no longer tied to it."""
    _plan, objective = _item(objective, acting_user)
    _deleted(objective, "plan_objective.delete", ("plan", *_OBJECTIVE_FIELDS), acting_user)


@transaction.atomic(durable=True)
def do_add_strategy(
    plan: AccountPlan, *, text: str, objective: PlanObjective | None = None, acting_user: User | None
) -> PlanStrategy:
    """Add a strategy, optionally for one of the plan's objectives."""
    plan = _editable(plan, acting_user)
    strategy = PlanStrategy.objects.create(plan=plan, **_strategy_values(plan, text, objective))
    _created(strategy, "plan_strategy.create", ("plan", "text", "objective"), acting_user)
    return strategy


def _strategy_values(plan: AccountPlan, text: str, objective: PlanObjective | None) -> dict[str, Any]:
    text = _required_text(PlanStrategy, "text", text)
    if objective is not None and objective.plan_id != plan.pk:
        raise PlanError(_("%(field)s: pick an objective of this plan.") % {"field": _label(PlanStrategy, "objective")})
    return {"text": text, "objective": objective}


@transaction.atomic(durable=True)
def do_update_strategy(
    strategy: PlanStrategy, *, text: str, objective: PlanObjective | None = None, acting_user: User | None
) -> PlanStrategy:
    """Change a strategy's text or the objective it serves."""
    plan, strategy = _item(strategy, acting_user)
    _updated(strategy, "plan_strategy.update", _strategy_values(plan, text, objective), acting_user)
    return strategy


@transaction.atomic(durable=True)
def do_delete_strategy(strategy: PlanStrategy, *, acting_user: User | None) -> None:
    """Delete a strategy; its actions stay, no longer tied to it."""
    _plan, strategy = _item(strategy, acting_user)
    _deleted(strategy, "plan_strategy.delete", ("plan", "text", "objective"), acting_user)


@transaction.atomic(durable=True)
def do_add_action(
    plan: AccountPlan,
    *,
    title: str,
    owner: User | None,
    due_date: dt.date | None,
    department: str = "",
    strategy: PlanStrategy | None = None,
    acting_user: User | None,
) -> PlanAction:
    """Add an action owned by the account's KAM or a member of its team."""
    plan = _editable(plan, acting_user)
    title, owner, due_date = _action_values(plan, title, owner, due_date)
    department = _department_and_strategy(plan, owner, department, strategy)
    action = PlanAction.objects.create(
        plan=plan, title=title, owner=owner, due_date=due_date, department=department, strategy=strategy
    )
    _created(
        action,
        "plan_action.create",
        ("plan", "title", "owner", "due_date", "department", "strategy", "status"),
        acting_user,
    )
    return action


def _action_values(
    plan: AccountPlan, title: str, owner: User | None, due_date: dt.date | None
) -> tuple[str, User, dt.date]:
    title = _required_text(PlanAction, "title", title)
    if owner is None or not assignable_users(plan.account).filter(pk=owner.pk).exists():
        raise PlanError(
            _("%(field)s: pick the account's KAM or a member of its team.") % {"field": _label(PlanAction, "owner")}
        )
    if due_date is None:
        raise PlanError(_("%(field)s: this is required.") % {"field": _label(PlanAction, "due_date")})
    return title, owner, due_date


def _department_and_strategy(plan: AccountPlan, owner: User, department: str, strategy: PlanStrategy | None) -> str:
    """Check both; return the action's department (blank: the owner's)."""
    if department and department not in Department.values:
        raise PlanError(
            _("%(field)s: “%(value)s” is not a department.")
            % {"field": _label(PlanAction, "department"), "value": department}
        )
    if strategy is not None and strategy.plan_id != plan.pk:
        raise PlanError(_("%(field)s: pick a strategy of this plan.") % {"field": _label(PlanAction, "strategy")})
    return department or owner.department


@transaction.atomic(durable=True)
def do_update_action(
    action: PlanAction,
    *,
    title: str,
    owner: User | None,
    due_date: dt.date | None,
    department: str,
    strategy: PlanStrategy | None,
    acting_user: User | None,
) -> PlanAction:
    """Change an action's title, owner, due date, department (blank: the owner's) or strategy
    (None: none); its status has ``do_set_action_status``."""
    plan, action = _item(action, acting_user)
    title, owner, due_date = _action_values(plan, title, owner, due_date)
    department = _department_and_strategy(plan, owner, department, strategy)
    values = {"title": title, "owner": owner, "due_date": due_date, "department": department, "strategy": strategy}
    _updated(action, "plan_action.update", values, acting_user)
    return action


@transaction.atomic(durable=True)
def do_delete_action(action: PlanAction, *, acting_user: User | None) -> None:
    """Delete an action."""
    _plan, action = _item(action, acting_user)
    _deleted(
        action,
        "plan_action.delete",
        ("plan", "title", "owner", "due_date", "department", "strategy", "status"),
        acting_user,
    )


@transaction.atomic(durable=True)
def do_set_action_status(action: PlanAction, status: str, *, acting_user: User | None) -> PlanAction:
    """Change an action's status: plan editors for any action, team members for their own."""
    action = PlanAction.objects.select_for_update().select_related("plan__account").get(pk=action.pk)
    if acting_user is not None and not can_change_action_status(acting_user, action):
        raise PermissionDenied(_("You may only change the status of the actions you own."))
    _open_plan(action.plan)
    if status not in ActionStatus.values:
        raise PlanError(
            _("%(field)s: “%(value)s” is not a status.") % {"field": _label(PlanAction, "status"), "value": status}
        )
    before = action.status
    if before == status:
        return action
    action.status = status
    action.save(update_fields=["status", "updated_at"])
    record_audit(actor=acting_user, action="plan_action.status", instance=action, changes={"status": [before, status]})
    return action


# --- whitespace, competitors, reviews -----------------------------------------------------------

_CELL_FIELDS = ("status", "potential", "current_value", "competitor")


@transaction.atomic(durable=True)
def do_set_whitespace_cell(
    plan: AccountPlan,
    *,
    business_unit: str,
    product_line: ProductLine,
    status: str,
    potential: Decimal | None = None,
    current_value: Decimal | None = None,
    competitor: str = "",
    acting_user: User | None,
) -> WhitespaceCell:
    """Create or change the cell of one business unit × product line."""
    plan = _editable(plan, acting_user)
    business_unit = _required_text(WhitespaceCell, "business_unit", business_unit)
    if status not in WhitespaceStatus.values:
        raise PlanError(
            _("%(field)s: “%(value)s” is not a status.") % {"field": _label(WhitespaceCell, "status"), "value": status}
        )
    for name, value in (("potential", potential), ("current_value", current_value)):
        if value is not None and value < 0:
            raise PlanError(_("%(field)s: cannot be negative.") % {"field": _label(WhitespaceCell, name)})
    cell = WhitespaceCell.objects.filter(plan=plan, business_unit=business_unit, product_line=product_line).first()
    created = cell is None
    if cell is None:
        cell = WhitespaceCell(plan=plan, business_unit=business_unit, product_line=product_line)
    before = {} if created else snapshot_fields(cell, _CELL_FIELDS)
    cell.status, cell.potential, cell.current_value = status, potential, current_value
    cell.competitor = competitor.strip()
    changes = diff_snapshots(before, snapshot_fields(cell, _CELL_FIELDS))
    if created:
        changes = {"business_unit": [None, business_unit], "product_line": [None, product_line.code], **changes}
    if not changes:
        return cell
    cell.save()
    record_audit(
        actor=acting_user,
        action="whitespace_cell.create" if created else "whitespace_cell.update",
        instance=cell,
        changes=changes,
    )
    return cell


@transaction.atomic(durable=True)
def do_add_competitor_position(
    plan: AccountPlan,
    *,
    competitor: str,
    share_estimate: Decimal | None = None,
    strengths: str = "",
    notes: str = "",
    acting_user: User | None,
) -> CompetitorPosition:
    """Record a competitor at the account."""
    plan = _editable(plan, acting_user)
    values = _competitor_values(competitor, share_estimate, strengths, notes)
    position = CompetitorPosition.objects.create(plan=plan, **values)
    _created(position, "competitor_position.create", ("plan", *_COMPETITOR_FIELDS), acting_user)
    return position


_COMPETITOR_FIELDS = ("competitor", "share_estimate", "strengths", "notes")


def _competitor_values(competitor: str, share_estimate: Decimal | None, strengths: str, notes: str) -> dict[str, Any]:
    competitor = _required_text(CompetitorPosition, "competitor", competitor)
    if share_estimate is not None and not Decimal(0) <= share_estimate <= Decimal(100):
        raise PlanError(
            _("%(field)s: must be between 0 and 100.") % {"field": _label(CompetitorPosition, "share_estimate")}
        )
    return {
        "competitor": competitor,
        "share_estimate": share_estimate,
        "strengths": strengths.strip(),
        "notes": notes.strip(),
    }


@transaction.atomic(durable=True)
def do_update_competitor_position(
    position: CompetitorPosition,
    *,
    competitor: str,
    share_estimate: Decimal | None = None,
    strengths: str = "",
    notes: str = "",
    acting_user: User | None,
) -> CompetitorPosition:
    """Change what we know of a competitor at the account."""
    _plan, position = _item(position, acting_user)
    values = _competitor_values(competitor, share_estimate, strengths, notes)
    _updated(position, "competitor_position.update", values, acting_user)
    return position


@transaction.atomic(durable=True)
def do_delete_competitor_position(position: CompetitorPosition, *, acting_user: User | None) -> None:
    """Delete a competitor position."""
    _plan, position = _item(position, acting_user)
    _deleted(position, "competitor_position.delete", ("plan", *_COMPETITOR_FIELDS), acting_user)


@transaction.atomic(durable=True)
def do_add_review(
    plan: AccountPlan,
    *,
    date: dt.date | None,
    participants: str = "",
    notes: str = "",
    decisions: str = "",
    acting_user: User | None,
) -> PlanReview:
    """Record a review meeting of the plan."""
    plan = _editable(plan, acting_user)
    review = PlanReview.objects.create(plan=plan, **_review_values(date, participants, notes, decisions))
    _created(review, "plan_review.create", ("plan", *_REVIEW_FIELDS), acting_user)
    return review


_REVIEW_FIELDS = ("date", "participants", "notes", "decisions")


def _review_values(date: dt.date | None, participants: str, notes: str, decisions: str) -> dict[str, Any]:
    if date is None:
        raise PlanError(_("%(field)s: this is required.") % {"field": _label(PlanReview, "date")})
    return {"date": date, "participants": participants.strip(), "notes": notes.strip(), "decisions": decisions.strip()}


@transaction.atomic(durable=True)
def do_update_review(
    review: PlanReview,
    *,
    date: dt.date | None,
    participants: str = "",
    notes: str = "",
    decisions: str = "",
    acting_user: User | None,
) -> PlanReview:
    """Change the record of a review meeting."""
    _plan, review = _item(review, acting_user)
    _updated(review, "plan_review.update", _review_values(date, participants, notes, decisions), acting_user)
    return review


@transaction.atomic(durable=True)
def do_delete_review(review: PlanReview, *, acting_user: User | None) -> None:
    """Delete the record of a review meeting."""
    _plan, review = _item(review, acting_user)
    _deleted(review, "plan_review.delete", ("plan", *_REVIEW_FIELDS), acting_user)
