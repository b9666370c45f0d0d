"""Bulk create-or-update by natural key, with one audit record per changed object.

Used by the importers of master data: thousands of rows in a few queries, and an audit
trail as complete as if each row had been saved by hand.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from kam.core.audit import build_audit_record, serialise_value
from kam.core.models import AuditRecord

ModelT = TypeVar("ModelT", bound=models.Model)

_BATCH = 1000


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """How many objects an upsert created, changed and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_objects(
    model: type[ModelT],
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    existing: Mapping[Hashable, ModelT],
    actor: Any,
    action: str,
    redact: Sequence[str] = (),
) -> tuple[UpsertResult, dict[Hashable, ModelT]]:
    """Create or update ``model`` objects from ``rows`` (dicts of field attnames → values).

    Only the keys present in a row are written, so columns missing from a file leave
    stored values untouched. ``existing`` maps each key tuple to its stored object.
    Values of ``redact`` fields (password hashes) are never written to the audit trail.
    Returns the counts and every object of the rows by key.
    """
    to_create: list[ModelT] = []
    to_update: list[ModelT] = []
    changed_fields: set[str] = set()
    audits: list[tuple[ModelT, dict[str, list[Any]]]] = []
    objects: dict[Hashable, ModelT] = {}
    unchanged = 0
    has_updated_at = _has_field(model, "updated_at")
    now = timezone.now()
    for row in rows:
        row_key = tuple(row[name] for name in key)
        instance = existing.get(row_key)
        if instance is None:
            instance = model(**row)
            to_create.append(instance)
            audits.append(
                (
                    instance,
                    {name: [None, "***" if name in redact else serialise_value(value)] for name, value in row.items()},
                )
            )
        else:
            changes = {
                name: [serialise_value(getattr(instance, name)), serialise_value(value)]
                for name, value in row.items()
                if getattr(instance, name) != value
            }
            if changes:
                for name in changes:
                    setattr(instance, name, row[name])
                if has_updated_at:
                    # bulk_update() does not apply auto_now.
                    instance.updated_at = now  # type: ignore[attr-defined]
                changed_fields.update(changes)
                to_update.append(instance)
                audits.append((instance, changes))
            else:
                unchanged += 1
        objects[row_key] = instance
    model._default_manager.bulk_create(to_create, batch_size=_BATCH)
    if to_update:
        update_fields = sorted(changed_fields | ({"updated_at"} if has_updated_at else set()))
        model._default_manager.bulk_update(to_update, update_fields, batch_size=_BATCH)
    created_ids = {id(instance) for instance in to_create}
    AuditRecord.objects.bulk_create(
        (
            build_audit_record(
                actor=actor,
                action=f"{action}.{'create' if id(instance) in created_ids else 'update'}",
                instance=instance,
                changes=changes,
            )
            for instance, changes in audits
        ),
        batch_size=_BATCH,
    )
    return UpsertResult(created=len(to_create), updated=len(to_update), unchanged=unchanged), objects


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(field.name == name for field in model._meta.get_fields())


def index_by(objects: Iterable[ModelT], *attributes: str) -> dict[Hashable, ModelT]:
    """Map ``(attr1, attr2, …)`` tuples to objects."""
    return {tuple(getattr(item, name) for name in attributes): item for item in objects}


def layer_by_parent(
    rows: Sequence[Mapping[str, Any]], *, key: Sequence[str], parent: Sequence[str]
) -> tuple[list[Sequence[Mapping[str, Any]]], list[Mapping[str, Any]]]:
    """Split rows into layers so that a row's parent (when it is in ``rows``) is in an earlier layer.

    ``key`` names the fields identifying a row and ``parent`` the fields holding its
    parent's key (a parent whose last field is empty means "no parent"). Returns the
    layers and the rows caught in a cycle, which cannot be ordered.
    """
    in_file = {tuple(row[name] for name in key) for row in rows}
    placed: set[tuple[Any, ...]] = set()
    pending = list(rows)
    layers: list[Sequence[Mapping[str, Any]]] = []
    while pending:
        layer, rest = [], []
        for row in pending:
            parent_key = tuple(row[name] for name in parent)
            if not parent_key[-1] or parent_key not in in_file or parent_key in placed:
                layer.append(row)
            else:
                rest.append(row)
        if not layer:
            return layers, rest
        placed.update(tuple(row[name] for name in key) for row in layer)
        layers.append(layer)
        pending = rest
    return layers, []
