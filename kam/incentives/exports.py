"""Payouts as an XLSX workbook: one sheet of accounts, one of explained components."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from kam.core.spreadsheets import safe_cell
from kam.incentives.models import IncentivePlan
from kam.incentives.payouts import KamResult
from kam.incentives.periods import Period


def payouts_workbook(plan: IncentivePlan, period: Period, kams: list[KamResult]) -> bytes:
    """Sheets Payouts (an account a row, with each KAM's total) and Components (a KPI of an account a row)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # pragma: no cover - a new workbook always has its first sheet
        sheet = workbook.create_sheet()
    sheet.title = _("Payouts")[:31]
    sheet.append([_("Plan"), plan.name, _("Period"), period.label])
    sheet.append(
        [_("KAM"), _("Account"), _("Name"), _("Phase"), _("Analysis of"), _("Payout"), _("Maximum"), _("Note")]
    )
    for kam in kams:
        for account in kam.accounts:
            sheet.append(
                [
                    kam.name,
                    account.code,
                    account.name,
                    account.phase_label,
                    account.analysis_as_of,
                    account.payout,
                    account.maximum,
                    account.note,
                ]
            )
        sheet.append([kam.name, _("Total"), "", "", None, kam.total, None, ""])
    components = workbook.create_sheet(_("Components")[:31])
    components.append(
        [
            _("KAM"),
            _("Account"),
            _("KPI"),
            _("Weight"),
            _("Target"),
            _("Actual"),
            _("Achievement"),
            _("Multiplier"),
            _("Payout"),
            _("Explanation"),
        ]
    )
    for kam in kams:
        for account in kam.accounts:
            for item in account.components:
                components.append(
                    [
                        kam.name,
                        account.code,
                        item.label,
                        item.weight,
                        item.target,
                        item.actual,
                        None if item.achievement == float("inf") else item.achievement,
                        item.multiplier,
                        item.payout,
                        item.explanation,
                    ]
                )
    for worksheet in workbook.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                cell.value = safe_cell(cell.value)
                if hasattr(cell.value, "year"):
                    cell.number_format = "yyyy-mm-dd"
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for cell in components[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    components.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
