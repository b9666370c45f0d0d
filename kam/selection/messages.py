"""The engine's reason and conflict codes as sentences in the user's language.

The engine (``kam_engine.selection``) explains with codes and numbers; this module is the
one place that turns them into text, so the engine stays free of Django's translations.
"""

from __future__ import annotations

from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from kam.selection.choices import CandidateEntry, SelectionReason
from kam.selection.models import ProposalLine, SelectionProposal


def _number(value: Any, digits: int = 1) -> str:
    # number_format cuts digits off; round first so 2.9167 reads 2.92.
    return formats.number_format(round(float(value or 0), digits), digits, force_grouping=True)


def conflict_message(code: str, params: dict[str, Any]) -> str:
    """One reason why a policy cannot be met, naming the constraints in conflict."""
    accounts = ", ".join(str(item) for item in params.get("accounts", []))
    messages = {
        "no_kams": _("There is no KAM to assign accounts to: add users with the key-account-manager role."),
        "must_include_unknown": _(
            "The must-include list names accounts without figures in this analysis: %(accounts)s."
        ),
        "must_include_exceeds_max_key_accounts": _(
            "The must-include list has %(count)s accounts, more than the maximum of %(max)s key accounts."
        ),
        "must_include_exceeds_kam_slots": _(
            "The must-include list has %(count)s accounts, but the KAMs can take only %(slots)s accounts in all."
        ),
        "must_include_exceeds_hours": _(
            "The must-include accounts need %(hours)s hours a year, but the KAMs have %(capacity)s hours in all."
        ),
        "account_exceeds_every_kam": _(
            "Must-include account %(account)s needs %(hours)s hours a year; "
            "the largest KAM capacity is %(largest)s hours."
        ),
        "min_key_accounts_exceeds_candidates": _(
            "At least %(min)s key accounts are wanted, but only %(candidates)s accounts can be selected."
        ),
        "min_key_accounts_exceeds_slots": _(
            "At least %(min)s key accounts are wanted, but the KAMs can take only %(slots)s accounts in all."
        ),
        "must_include_cannot_be_packed": _(
            "The must-include accounts %(accounts)s cannot be shared among the KAMs "
            "within each KAM's hours and accounts."
        ),
        "min_key_accounts_cannot_be_packed": _(
            "At least %(min)s key accounts are wanted, but no choice of that many fits each KAM's hours and accounts."
        ),
        "no_solution_within_time_limit": _(
            "The optimiser found no portfolio within its %(seconds)s-second time limit: "
            "raise objective.time_limit_seconds or relax the capacity."
        ),
    }
    template = messages.get(code)
    if template is None:
        return _("The policy cannot be met (%(code)s).") % {"code": code}
    values = {key: (_number(value, 0) if isinstance(value, (int, float)) else value) for key, value in params.items()}
    values["accounts"] = accounts
    return template % values


def proposal_conflicts(proposal: SelectionProposal) -> list[str]:
    """Every conflict of an infeasible proposal as a sentence."""
    return [conflict_message(item["code"], item.get("params", {})) for item in proposal.summary.get("conflicts", [])]


def line_reason(line: ProposalLine, proposal: SelectionProposal, list_reasons: dict[str, str]) -> str:
    """Why this account is in or out, in one sentence with its numbers."""
    marginal = proposal.summary.get("marginal") or {}
    code = line.account.code
    if line.reason == SelectionReason.MUST_INCLUDE:
        return _("On the must-include list: %(reason)s") % {"reason": list_reasons.get(code, "")}
    if line.reason == SelectionReason.MUST_EXCLUDE:
        return _("On the must-exclude list: %(reason)s") % {"reason": list_reasons.get(code, "")}
    if line.reason == SelectionReason.SELECTED:
        entry = CandidateEntry(line.entry).label if line.entry in CandidateEntry.values else ""
        return _("Selected: value %(value)s for %(hours)s hours a year (%(entry)s).") % {
            "value": _number(line.value, 2),
            "hours": _number(line.hours, 0),
            "entry": entry,
        }
    if line.reason == SelectionReason.BELOW_MARGINAL and marginal:
        return _("Value %(value)s, below the marginal account %(marginal)s (%(marginal_value)s).") % {
            "value": _number(line.value, 2),
            "marginal": marginal.get("account", ""),
            "marginal_value": _number(marginal.get("value"), 2),
        }
    if line.reason == SelectionReason.CAPACITY and marginal:
        return _(
            "Value %(value)s is above the marginal account's (%(marginal_value)s), but its %(hours)s hours "
            "did not fit the KAMs' capacity."
        ) % {
            "value": _number(line.value, 2),
            "marginal_value": _number(marginal.get("value"), 2),
            "hours": _number(line.hours, 0),
        }
    if line.reason == SelectionReason.TOO_LARGE:
        return _("Needs %(hours)s hours a year, more than any KAM has.") % {"hours": _number(line.hours, 0)}
    if line.reason == SelectionReason.NOT_CANDIDATE:
        share = proposal.policy.document.get("candidates", {}).get("revenue_share", 0.8)
        return _(
            "Not a candidate: outside the accounts making the first %(share)s of revenue, and not very "
            "profitable, fast-growing or strategic."
        ) % {"share": f"{_number(100 * share, 0)} %"}
    return str(SelectionReason(line.reason).label) if line.reason in SelectionReason.values else line.reason
