"""Fill ``AuditRecord.account`` of the records written before the field existed.

An object that still exists gives its account (its own ``account``, or its plan's); a deleted
one the ``account`` its record's changes hold, if any. Reversing empties the field again.
"""

from typing import Any

from django.apps.registry import Apps
from django.core.exceptions import FieldDoesNotExist
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

ACCOUNT_LABEL = "key_accounts.account"


def _account_field(model: Any) -> str | None:
    """How to reach the account from a row of ``model``: ``account_id``, ``plan__account_id`` or nothing."""
    for name, path in (("account", "account_id"), ("plan", "plan__account_id")):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if name == "account" and field.related_model is not None:
            return path
        related = field.related_model
        if name == "plan" and related is not None and related._meta.label_lower == "plans.accountplan":
            return path
    return None


def _from_changes(changes: Any) -> int | None:
    value = changes.get("account") if isinstance(changes, dict) else None
    if isinstance(value, list):
        value = next((item for item in reversed(value) if item is not None), None)
    return value if isinstance(value, int) else None


def backfill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    AuditRecord = apps.get_model("core", "AuditRecord")
    Account = apps.get_model("key_accounts", "Account")
    accounts = set(Account.objects.values_list("pk", flat=True))
    records = AuditRecord.objects.filter(account__isnull=True)
    for object_type in records.values_list("object_type", flat=True).distinct():
        of_type = records.filter(object_type=object_type)
        lookup: dict[str, int] = {}
        if object_type == ACCOUNT_LABEL:
            lookup = {str(pk): pk for pk in accounts}
        else:
            app_label, _, model_name = object_type.partition(".")
            try:
                model = apps.get_model(app_label, model_name)
            except LookupError:
                model = None
            path = _account_field(model) if model is not None else None
            if path is None:
                continue
            ids = set(of_type.values_list("object_id", flat=True))
            wanted = [int(pk) for pk in ids if pk.isdigit()]
            lookup = {
                str(pk): account_id
                for pk, account_id in model.objects.filter(pk__in=wanted).values_list("pk", path)
                if account_id is not None
            }
        changed = []
        for record in of_type.only("pk", "object_id", "changes"):
            account_id = lookup.get(record.object_id) or _from_changes(record.changes)
            if account_id in accounts:
                record.account_id = account_id
                changed.append(record)
        AuditRecord.objects.bulk_update(changed, ["account"], batch_size=500)


def empty(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("core", "AuditRecord").objects.update(account=None)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_auditrecord_account"),
        ("key_accounts", "0003_account_history_surveys"),
        ("plans", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, empty)]
