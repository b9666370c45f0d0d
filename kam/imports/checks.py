"""Checks of master data that need more than one row or the web database.

The engine checks types, required values, keys and references; these add what only
the application knows: e-mail syntax, a contact's manager within the same account,
and hierarchies that loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from kam.core.upserts import layer_by_parent
from kam.key_accounts.models import Contact
from kam_engine.ingest import Problem, ProblemCode

Row = Mapping[str, Any]


def _label(columns: Mapping[str, str], name: str) -> str:
    return columns.get(name, name)


def check_emails(rows: Sequence[Row], file_name: str, columns: Mapping[str, str]) -> list[Problem]:
    """Flag malformed e-mail addresses."""
    problems = []
    for row in rows:
        email = row.get("email")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    Problem(file_name, row["_row"], _label(columns, "email"), ProblemCode.NOT_AN_EMAIL, value=email)
                )
    return problems


def check_hierarchy(
    rows: Sequence[Row],
    file_name: str,
    columns: Mapping[str, str],
    *,
    key: tuple[str, ...],
    parent: tuple[str, ...],
) -> list[Problem]:
    """Flag rows whose parent chain loops back to themselves."""
    _layers, cycle = layer_by_parent(rows, key=key, parent=parent)
    return [
        Problem(
            file_name, row["_row"], _label(columns, parent[-1]), ProblemCode.HIERARCHY_LOOP, value=str(row[parent[-1]])
        )
        for row in sorted(cycle, key=lambda row: int(row["_row"]))
    ]


def check_contact_managers(rows: Sequence[Row], file_name: str, columns: Mapping[str, str]) -> list[Problem]:
    """A contact's manager must be a contact of the same account, in the file or stored."""
    in_file = {(row["account"], row["code"]) for row in rows}
    wanted = {(row["account"], row["reports_to"]) for row in rows if row.get("reports_to")} - in_file
    stored: set[tuple[str, str]] = set()
    if wanted:
        stored = set(
            Contact.objects.filter(account__code__in={account for account, _code in wanted}).values_list(
                "account__code", "code"
            )
        )
    problems = []
    for row in rows:
        manager = row.get("reports_to")
        if manager and (row["account"], manager) not in in_file | stored:
            problems.append(
                Problem(
                    file_name,
                    row["_row"],
                    _label(columns, "reports_to"),
                    ProblemCode.UNKNOWN_REFERENCE,
                    value=manager,
                    params={"reference": "contact"},
                )
            )
    return problems
