"""Writing audit records: every action calls these inside its transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from kam.core.models import AuditRecord


def serialise_value(value: Any) -> Any:
    """Turn a model field value into something JSON can hold, losslessly for our types."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime, decimal.Decimal)):
        return str(value)
    return value


def snapshot_fields(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Return the serialised values of ``fields`` (foreign keys by id)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attribute = field.attname if isinstance(field, models.ForeignKey) else name
        values[name] = serialise_value(getattr(instance, attribute))
    return values


def diff_snapshots(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Return ``{field: [before, after]}`` for the fields whose value changed."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


ACCOUNT_LABEL = "key_accounts.account"


def account_id_of(instance: models.Model) -> int | None:
    """The id of the account ``instance`` is, or belongs to (directly or through its plan); None otherwise."""
    if instance._meta.label_lower == ACCOUNT_LABEL:
        return instance.pk  # type: ignore[no-any-return]
    account_id = getattr(instance, "account_id", None)
    if isinstance(account_id, int):
        return account_id
    if isinstance(getattr(instance, "plan_id", None), int):
        plan_account = getattr(getattr(instance, "plan", None), "account_id", None)
        return plan_account if isinstance(plan_account, int) else None
    return None


def build_audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: Mapping[str, Any],
) -> AuditRecord:
    """Build (without saving) an audit record, for bulk writers."""
    return AuditRecord(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        account_id=account_id_of(instance),
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=dict(changes),
    )


def record_audit(*, actor: Any, action: str, instance: models.Model, changes: Mapping[str, Any]) -> AuditRecord:
    """Save one audit record for ``instance``."""
    record = build_audit_record(actor=actor, action=action, instance=instance, changes=changes)
    record.save()
    return record
