"""Checks of master data that need more than one row or the web database.

The engine checks types, required values, keys and references; these add what only
the application knows: e-mail syntax, a contact's manager within the same account,
hierarchies that loop, and the people, contacts and product lines named in meetings,
opportunities and touchpoints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kam.core.upserts import layer_by_parent, split_codes
from kam.key_accounts.models import Contact, ProductLine
from kam.opportunities.models import Opportunity
from kam.touchpoints.actions import parse_time
from kam.users.models import User
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


def _stored_contacts(rows: Sequence[Row]) -> set[tuple[str, str]]:
    return set(
        Contact.objects.filter(account__code__in={row["account"] for row in rows}).values_list("account__code", "code")
    )


def _unknown_in_lists(
    rows: Sequence[Row],
    file_name: str,
    columns: Mapping[str, str],
    name: str,
    reference: str,
    known: Any,
) -> list[Problem]:
    """One problem per code of a ``;``-separated cell that ``known(row, code)`` rejects."""
    return [
        Problem(
            file_name,
            row["_row"],
            _label(columns, name),
            ProblemCode.UNKNOWN_REFERENCE,
            value=code,
            params={"reference": reference},
        )
        for row in rows
        for code in split_codes(row.get(name))
        if not known(row, code)
    ]


def check_meetings(
    rows: Sequence[Row], file_name: str, columns: Mapping[str, str], provided: frozenset[str]
) -> list[Problem]:
    """Times of day, follow-ups not before the meeting, attendees who exist (theirs: of the same account)."""
    problems = []
    for row in rows:
        if "time" in provided and row.get("time") and parse_time(row["time"]) is None:
            problems.append(
                Problem(
                    file_name,
                    row["_row"],
                    _label(columns, "time"),
                    ProblemCode.INVALID,
                    value=str(row["time"]),
                    params={"reason": _("%(value)r is not a time of day (HH:MM)") % {"value": str(row["time"])}},
                )
            )
        if "follow_up_on" in provided and row.get("follow_up_on") and row["follow_up_on"] < row["date"]:
            problems.append(
                Problem(
                    file_name,
                    row["_row"],
                    _label(columns, "follow_up_on"),
                    ProblemCode.INVALID,
                    value=str(row["follow_up_on"]),
                    params={"reason": _("the follow-up date is before the meeting")},
                )
            )
    if "our_attendees" in provided:
        names = {name for row in rows for name in split_codes(row.get("our_attendees"))}
        users = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        problems += _unknown_in_lists(
            rows, file_name, columns, "our_attendees", "user", lambda row, code: code in users
        )
    if "their_attendees" in provided:
        contacts = _stored_contacts(rows)
        problems += _unknown_in_lists(
            rows,
            file_name,
            columns,
            "their_attendees",
            "contact",
            lambda row, code: (row["account"], code) in contacts,
        )
    return problems


def check_opportunities(
    rows: Sequence[Row], file_name: str, columns: Mapping[str, str], provided: frozenset[str]
) -> list[Problem]:
    """New opportunities have an amount and a close date; product lines and contacts (of the account) exist."""
    stored = set(
        Opportunity.objects.filter(account__code__in={row["account"] for row in rows})
        .exclude(code="")
        .values_list("account__code", "code")
    )
    problems = [
        Problem(file_name, row["_row"], _label(columns, name), ProblemCode.REQUIRED)
        for row in rows
        for name in ("amount", "expected_close_on")
        if row.get(name) is None and (name in provided or (row["account"], row["code"]) not in stored)
    ]
    if "product_lines" in provided:
        codes = {code for row in rows for code in split_codes(row.get("product_lines"))}
        lines = set(ProductLine.objects.filter(code__in=codes).values_list("code", flat=True))
        problems += _unknown_in_lists(
            rows, file_name, columns, "product_lines", "product_line", lambda row, code: code in lines
        )
    if "buying_influences" in provided:
        contacts = _stored_contacts(rows)
        problems += _unknown_in_lists(
            rows,
            file_name,
            columns,
            "buying_influences",
            "contact",
            lambda row, code: (row["account"], code) in contacts,
        )
    return problems


def _unknown_contacts(rows: Sequence[Row], file_name: str, columns: Mapping[str, str]) -> list[Problem]:
    """Rows whose ``contact`` is not a stored contact of the row's account."""
    contacts = _stored_contacts(rows)
    return [
        Problem(
            file_name,
            row["_row"],
            _label(columns, "contact"),
            ProblemCode.UNKNOWN_REFERENCE,
            value=row["contact"],
            params={"reference": "contact"},
        )
        for row in rows
        if row.get("contact") and (row["account"], row["contact"]) not in contacts
    ]


def check_touchpoints(
    rows: Sequence[Row], file_name: str, columns: Mapping[str, str], provided: frozenset[str]
) -> list[Problem]:
    """The contact of a touchpoint is a contact of the same account (stored)."""
    if "contact" not in provided:
        return []
    return _unknown_contacts(rows, file_name, columns)


def _before_opening(row: Row, file_name: str, columns: Mapping[str, str], name: str, reason: str) -> Problem:
    return Problem(
        file_name,
        row["_row"],
        _label(columns, name),
        ProblemCode.INVALID,
        value=str(row[name]),
        params={"reason": reason},
    )


def check_cases(
    rows: Sequence[Row], file_name: str, columns: Mapping[str, str], provided: frozenset[str]
) -> list[Problem]:
    """Stops not before the opening, resolved cases with a resolution time, contacts of the account."""
    problems = []
    closing = {"resolved", "closed"}
    for row in rows:
        opened = row["opened_at"]
        if row.get("first_response_at") and row["first_response_at"] < opened:
            reason = _("the first response is before the case was opened")
            problems.append(_before_opening(row, file_name, columns, "first_response_at", reason))
        if row.get("resolved_at") and row["resolved_at"] < opened:
            reason = _("the case is resolved before it was opened")
            problems.append(_before_opening(row, file_name, columns, "resolved_at", reason))
        if row.get("due_at") and row["due_at"] < opened:
            reason = _("the case is due before it was opened")
            problems.append(_before_opening(row, file_name, columns, "due_at", reason))
        if "status" in provided and row.get("status") in closing and not row.get("resolved_at"):
            problems.append(Problem(file_name, row["_row"], _label(columns, "resolved_at"), ProblemCode.REQUIRED))
        if row.get("status") and row["status"] not in closing and row.get("resolved_at"):
            problems.append(
                Problem(
                    file_name,
                    row["_row"],
                    _label(columns, "status"),
                    ProblemCode.INVALID,
                    value=str(row["status"]),
                    params={"reason": _("a case with a resolution time is resolved or closed")},
                )
            )
    if "contact" in provided:
        problems += _unknown_contacts(rows, file_name, columns)
    return problems


def check_surveys(
    rows: Sequence[Row], file_name: str, columns: Mapping[str, str], provided: frozenset[str]
) -> list[Problem]:
    """The contact who answered a survey is a contact of the same account (stored)."""
    if "contact" not in provided:
        return []
    return _unknown_contacts(rows, file_name, columns)
