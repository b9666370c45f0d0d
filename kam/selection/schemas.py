"""The REST API's shapes of selection proposals and the directors' decisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from kam.selection.models import ProposalLine, SelectionProposal


class ProposalOut(Schema):
    """One run of the key-account selection."""

    id: int
    as_of: dt.date
    policy_version: int
    is_feasible: bool
    created_at: dt.datetime
    created_by: str | None = Field(None, description="A username.")

    @staticmethod
    def resolve_policy_version(obj: SelectionProposal) -> int:
        return obj.policy.version

    @staticmethod
    def resolve_created_by(obj: SelectionProposal) -> str | None:
        return obj.created_by.username if obj.created_by is not None else None


class ProposalDetailOut(ProposalOut):
    """A proposal with the optimiser's status and its summary (marginal account, value of one more KAM…)."""

    solver: dict[str, Any]
    summary: dict[str, Any]


class ProposalLineOut(Schema):
    """One account of a proposal: scores, recommendation and why, and the director's decision."""

    account: str = Field(description="The account's code.")
    attractiveness: float
    strength: float
    score: float
    quadrant: str
    phase: str
    value: float
    hours: float
    revenue: Decimal
    is_recommended: bool
    kam: str | None = Field(None, description="The proposed KAM's username.")
    reason: str
    was_key_account: bool
    decision: str
    decision_reason: str
    decided_by: str | None = Field(None, description="A username.")
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_account(obj: ProposalLine) -> str:
        return obj.account.code

    @staticmethod
    def resolve_kam(obj: ProposalLine) -> str | None:
        return obj.kam.username if obj.kam is not None else None

    @staticmethod
    def resolve_decided_by(obj: ProposalLine) -> str | None:
        return obj.decided_by.username if obj.decided_by is not None else None


class DecisionIn(Schema):
    """A decision on one account: approve or reject (a rejection needs a reason)."""

    account: str = Field(description="The account's code.")
    decision: str = Field(description="approved or rejected.")
    reason: str = ""


class DecisionsIn(Schema):
    """Decisions on accounts of a proposal, all checked before any is applied."""

    decisions: list[DecisionIn]


class DecisionsOut(Schema):
    """How many decisions were recorded."""

    decided: int
