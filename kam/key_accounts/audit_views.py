"""The account's audit tab: every recorded change of the account and its objects, read-only.

Whoever sees the account reads its audit trail (viewers too: they read what they are granted),
filtered by action, 50 a page, newest first, and exports it as CSV or XLSX. Nothing here
writes: the views are GET only and audit records are never updated or deleted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kam.core.htmx import HtmxHttpRequest, render_page_or_fragment
from kam.core.models import AuditRecord
from kam.core.spreadsheets import safe_cell, safe_row
from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code, account_audit_actions, account_audit_records

AUDIT_PER_PAGE = 50


def _shown(value: Any) -> str:
    """A before or after value as the tab and the exports show it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def change_lines(record: AuditRecord) -> list[tuple[str, str, str]]:
    """``(field, before, after)`` of each changed field; a value alone stands as its after."""
    lines = []
    for name, change in (record.changes or {}).items():
        if isinstance(change, list) and len(change) == 2:
            lines.append((str(name), _shown(change[0]), _shown(change[1])))
        else:
            lines.append((str(name), "—", _shown(change)))
    return lines


def _records(request: HttpRequest, account: Account) -> tuple[QuerySet[AuditRecord], str, list[str]]:
    actions = account_audit_actions(request.user, account)
    action = request.GET.get("action", "")
    if action not in actions:
        action = ""
    return account_audit_records(request.user, account, action=action), action, actions


@login_required
@require_safe
def account_audit(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """The audit tab; an htmx request (the filter, a page link) gets only the list."""
    account = access_account_by_code(request.user, code)
    records, action, actions = _records(request, account)
    page = Paginator(records, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"record": record, "changes": change_lines(record)} for record in page.object_list]
    context = {"account": account, "page_obj": page, "rows": rows, "action": action, "actions": actions}
    return render_page_or_fragment(
        request, "key_accounts/account_audit.html", "key_accounts/partials/audit_list.html", context
    )


def _header() -> list[str]:
    return [_("When"), _("Who"), _("Action"), _("Object type"), _("Object id"), _("Object"), _("Changes")]


def _export_rows(records: Iterable[AuditRecord]) -> Iterable[list[Any]]:
    for record in records:
        changes = "; ".join(f"{name}: {before} → {after}" for name, before, after in change_lines(record))
        yield [
            timezone.localtime(record.created_at).replace(tzinfo=None),
            str(record.actor) if record.actor else _("system"),
            record.action,
            record.object_type,
            record.object_id,
            record.object_repr,
            changes,
        ]


def _filename(account: Account, extension: str) -> str:
    return f"openkam-audit-{account.code}.{extension}".replace('"', "")


@login_required
@require_safe
def account_audit_csv(request: HttpRequest, code: str) -> HttpResponse:
    """The (filtered) audit trail as CSV; text a spreadsheet would run as a formula is neutralised."""
    account = access_account_by_code(request.user, code)
    records, _action, _actions = _records(request, account)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header())
    for row in _export_rows(records.iterator()):
        writer.writerow(safe_row([row[0].isoformat(sep=" ", timespec="seconds"), *row[1:]]))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, "csv")}"'
    return response


@login_required
@require_safe
def account_audit_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """The (filtered) audit trail as an XLSX workbook, its text cells neutralised (formula injection)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    account = access_account_by_code(request.user, code)
    records, _action, _actions = _records(request, account)
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # pragma: no cover - a new workbook always has its first sheet
        sheet = workbook.create_sheet()
    sheet.title = _("Audit")[:31]
    sheet.append(_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _export_rows(records.iterator()):
        sheet.append([safe_cell(value) for value in row])
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd hh:mm:ss"
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    response = HttpResponse(
        output.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(account, "xlsx")}"'
    return response
