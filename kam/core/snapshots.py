"""Writing many rows of a dated snapshot at once (the nightly ``kam snapshot``).

Django's ``bulk_create`` prepares every value of every row through the field machinery,
which dominates the run when a snapshot writes a row per account (200,000 rows × 30 columns).
The rows of a snapshot are plain numbers, codes, dates and JSON, so they are inserted with
the database driver's ``executemany`` instead: only the fields that need the database's own
form (JSON, decimals, aware datetimes) go through ``get_db_prep_save``; the rest are passed
as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router

_AS_IS = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.FloatField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
)
_BATCH = 5000


def insert_rows(objects: Sequence[models.Model]) -> int:
    """Insert unsaved model instances of one model in batches; return how many were inserted.

    Primary keys are not read back: use it for rows nothing refers to in the same transaction.
    """
    if not objects:
        return 0
    model = type(objects[0])
    database = router.db_for_write(model)
    connection = connections[database]
    fields = [field for field in model._meta.concrete_fields if not isinstance(field, models.AutoField)]
    # DateTimeField is a DateField: prepare it (time zones), like JSON and decimals; auto_now
    # fields get their value from pre_save, as in a save.
    stamped = [bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)) for field in fields]
    plain = [
        isinstance(field, _AS_IS) and not isinstance(field, models.DateTimeField) and not stamp
        for field, stamp in zip(fields, stamped, strict=True)
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    attributes = [field.attname for field in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), _BATCH):
            rows: list[tuple[Any, ...]] = []
            for instance in objects[start : start + _BATCH]:
                rows.append(
                    tuple(
                        getattr(instance, name)
                        if is_plain
                        else field.get_db_prep_save(
                            field.pre_save(instance, True) if stamp else getattr(instance, name), connection
                        )
                        for name, field, is_plain, stamp in zip(attributes, fields, plain, stamped, strict=True)
                    )
                )
            cursor.executemany(sql, rows)
    return len(objects)
