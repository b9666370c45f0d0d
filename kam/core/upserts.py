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


# --- many-to-many links of imported rows -------------------------------------------------


def split_codes(value: Any) -> list[str]:
    """The codes of a ``;``-separated cell, trimmed, without empty ones or repeats, in order."""
    codes = (part.strip() for part in str(value or "").split(";"))
    return list(dict.fromkeys(code for code in codes if code))


def sync_links(model: type[Any], name: str, wanted: Mapping[int, set[int]]) -> dict[int, list[list[int]]]:
    """Make the ``name`` links of each object (by pk) exactly ``wanted``; return ``{pk: [before, after]}``."""
    relation = model._meta.get_field(name)
    through = relation.remote_field.through
    source, target = f"{relation.m2m_field_name()}_id", f"{relation.m2m_reverse_field_name()}_id"
    current: dict[int, set[int]] = {pk: set() for pk in wanted}
    for source_id, target_id in through.objects.filter(**{f"{source}__in": list(wanted)}).values_list(source, target):
        current[source_id].add(target_id)
    changes: dict[int, list[list[int]]] = {}
    added = []
    for pk, targets in wanted.items():
        before = current[pk]
        if before != targets:
            changes[pk] = [sorted(before), sorted(targets)]
            if before - targets:
                through.objects.filter(**{source: pk, f"{target}__in": list(before - targets)}).delete()
            added += [through(**{source: pk, target: target_id}) for target_id in sorted(targets - before)]
    through.objects.bulk_create(added, batch_size=1000)
    return changes


def audit_link_changes(
    result: UpsertResult,
    objects: Mapping[Hashable, Any],
    links: Mapping[str, Mapping[int, list[list[int]]]],
    stored_unchanged: set[Hashable],
    acting_user: Any,
    *,
    action: str,
) -> UpsertResult:
    """Audit each object whose links changed; a stored object changed only in its links counts as updated."""
    records = []
    links_only = 0
    for key, instance in objects.items():
        changes = {name: by_pk[instance.pk] for name, by_pk in links.items() if instance.pk in by_pk}
        if changes:
            records.append(
                build_audit_record(actor=acting_user, action=f"{action}.links", instance=instance, changes=changes)
            )
            links_only += key in stored_unchanged
    AuditRecord.objects.bulk_create(records, batch_size=1000)
    return UpsertResult(result.created, result.updated + links_only, result.unchanged - links_only)
