"""A proposal as data (``kam select --json``) and as an XLSX workbook for the review meeting."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from kam.core.spreadsheets import safe_row
from kam.selection.messages import line_reason, proposal_conflicts
from kam.selection.models import ProposalLine, SelectionProposal
from kam.selection.queries import proposal_lines_query


def list_reasons(proposal: SelectionProposal) -> dict[str, str]:
    """Management's reasons for the accounts on the must-include and must-exclude lists."""
    document = proposal.policy.document
    reasons: dict[str, str] = {}
    for name in ("must_include", "must_exclude"):
        for entry in document.get(name, []):
            reasons[entry["code"]] = entry["reason"]
    return reasons


def proposal_lines(proposal: SelectionProposal) -> list[ProposalLine]:
    """Every line of the proposal, in review order (``proposal_lines_query``)."""
    return list(proposal_lines_query(proposal))


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def proposal_as_dict(proposal: SelectionProposal) -> dict[str, Any]:
    """The proposal in the shape ``kam select --json`` documents (docs/cli.md)."""
    reasons = list_reasons(proposal)
    selected, rejected = [], []
    for line in proposal_lines(proposal):
        if line.is_recommended:
            selected.append(
                {
                    "code": line.account.code,
                    "name": line.account.name,
                    "kam": line.kam.username if line.kam else None,
                    "attractiveness": _rounded(line.attractiveness),
                    "strength": _rounded(line.strength),
                    "quadrant": line.quadrant,
                    "phase": line.phase,
                    "value": _rounded(line.value),
                    "hours": _rounded(line.hours, 2),
                    "reason": line_reason(line, proposal, reasons),
                    "reason_code": line.reason,
                    "contributions": {item["criterion"]: _rounded(item["contribution"]) for item in line.contributions},
                    "decision": line.decision,
                }
            )
        else:
            rejected.append(
                {
                    "code": line.account.code,
                    "reason": line_reason(line, proposal, reasons),
                    "reason_code": line.reason,
                    "quadrant": line.quadrant,
                    "value": _rounded(line.value),
                }
            )
    summary = proposal.summary
    return {
        "proposal": proposal.pk,
        "as_of": proposal.as_of.isoformat(),
        "policy_version": proposal.policy.version,
        "objective": summary.get("objective_value"),
        "selected": selected,
        "rejected": rejected,
        "marginal": summary.get("marginal"),
        "value_of_one_more_kam": summary.get("value_of_one_more_kam"),
        "preselected_out": summary.get("preselected_out", 0),
        "kam_load": summary.get("kam_load", []),
        "solver": proposal.solver,
        "feasible": proposal.is_feasible,
        "conflicts": proposal_conflicts(proposal),
    }


def proposal_workbook(proposal: SelectionProposal) -> bytes:
    """The proposal as XLSX: one sheet of accounts with scores, KAM, reason and decision; one of KAM load."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    reasons = list_reasons(proposal)
    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # pragma: no cover - a new workbook always has its first sheet
        sheet = workbook.create_sheet()
    sheet.title = _("Proposal")[:31]
    headers = [
        _("Code"),
        _("Name"),
        _("Recommended"),
        _("Proposed KAM"),
        _("Attractiveness"),
        _("Our relative strength"),
        _("Quadrant"),
        _("Suggested phase"),
        _("Value"),
        _("Hours a year"),
        _("Revenue"),
        _("Reason"),
        _("Decision"),
        _("Decided by"),
        _("Reason for the decision"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in proposal_lines(proposal):
        sheet.append(
            safe_row(
                [
                    line.account.code,
                    line.account.name,
                    _("yes") if line.is_recommended else _("no"),
                    line.kam.username if line.kam else "",
                    round(line.attractiveness, 2),
                    round(line.strength, 2),
                    line.get_quadrant_display(),
                    line.get_phase_display(),
                    round(line.value, 4),
                    round(line.hours, 1),
                    float(line.revenue),
                    line_reason(line, proposal, reasons),
                    line.get_decision_display(),
                    str(line.decided_by) if line.decided_by else "",
                    line.decision_reason,
                ]
            )
        )
    sheet.freeze_panes = "C2"
    load = workbook.create_sheet(_("KAM load")[:31])
    load.append([_("KAM"), _("Accounts"), _("Hours"), _("Max accounts"), _("Max hours")])
    for cell in load[1]:
        cell.font = Font(bold=True)
    for row in proposal.summary.get("kam_load", []):
        load.append(safe_row([row["kam"], row["accounts"], row["hours"], row["max_accounts"], row["max_hours"]]))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
