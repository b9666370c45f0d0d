"""Plan exports: a printable PDF (WeasyPrint) and an Excel workbook (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kam.core.spreadsheets import safe_row
from kam.kpis.queries import latest_account_analysis
from kam.plans.models import AccountPlan
from kam.plans.queries import is_overdue, objectives_with_progress, today, whitespace_grid


def export_context(plan: AccountPlan) -> dict[str, Any]:
    """What both exports show of the plan."""
    on = today()
    actions = list(plan.actions.select_related("owner", "strategy"))
    return {
        "plan": plan,
        "account": plan.account,
        "analysis": latest_account_analysis(plan.account),
        "objectives": objectives_with_progress(plan),
        "strategies": list(plan.strategies.select_related("objective")),
        "actions": [{"action": action, "overdue": is_overdue(action, on)} for action in actions],
        "whitespace": whitespace_grid(plan),
        "competitors": list(plan.competitors.all()),
        "reviews": list(plan.reviews.all()),
        "today": on,
    }


def plan_pdf(plan: AccountPlan, request: HttpRequest | None = None) -> bytes:
    """The plan as a PDF document."""
    # Imported here: loading Pango is slow and only exports need it.
    from weasyprint import HTML

    html = render_to_string("plans/plan_pdf.html", export_context(plan), request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    document: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return document


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(safe_row(row))
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(row[index - 1] or "")) for row in rows])
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(60, width + 2)


def plan_workbook(plan: AccountPlan) -> bytes:
    """Sheets Objectives, Actions and Whitespace, one row per item (figures as numbers)."""
    context = export_context(plan)
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    _sheet(
        workbook,
        _("Objectives"),
        [_("Objective"), _("KPI"), _("Baseline"), _("Target"), _("Current"), _("Progress"), _("As of"), _("Due date")],
        [
            [
                objective.title,
                objective.get_kpi_display(),
                objective.baseline,
                objective.target,
                measured.current,
                measured.progress,
                measured.as_of,
                objective.due_date,
            ]
            for objective, measured in context["objectives"]
        ],
    )
    _sheet(
        workbook,
        _("Actions"),
        [_("Action"), _("Owner"), _("Department"), _("Due date"), _("Status"), _("Overdue"), _("Strategy")],
        [
            [
                item["action"].title,
                str(item["action"].owner),
                item["action"].get_department_display(),
                item["action"].due_date,
                item["action"].get_status_display(),
                _("yes") if item["overdue"] else "",
                item["action"].strategy.text if item["action"].strategy else "",
            ]
            for item in context["actions"]
        ],
    )
    _sheet(
        workbook,
        _("Whitespace"),
        [_("Business unit"), _("Product line"), _("Status"), _("Potential"), _("Current value"), _("Competitor")],
        [
            [
                cell.business_unit,
                cell.product_line.name,
                cell.get_status_display(),
                cell.potential,
                cell.current_value,
                cell.competitor,
            ]
            for cell in plan.whitespace.select_related("product_line")
        ],
    )
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if hasattr(cell.value, "year"):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
