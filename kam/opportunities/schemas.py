"""The REST API's shapes of opportunities (in and out)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.core.api import NOT_SENT
from kam.opportunities.models import Opportunity


class OpportunityOut(Schema):
    """A deal in the account's pipeline."""

    id: int
    account: str = Field(description="The account's code.")
    name: str
    stage: str
    amount: Decimal
    probability: int
    expected_close_on: dt.date
    closed_on: dt.date | None
    owner: str | None = Field(None, description="A username.")
    product_lines: list[str] = Field(description="Product line codes.")
    buying_influences: list[str] = Field(description="Contact codes.")

    @staticmethod
    def resolve_account(obj: Opportunity) -> str:
        return obj.account.code

    @staticmethod
    def resolve_owner(obj: Opportunity) -> str | None:
        return obj.owner.username if obj.owner is not None else None

    @staticmethod
    def resolve_product_lines(obj: Opportunity) -> list[str]:
        return sorted(line.code for line in obj.product_lines.all())

    @staticmethod
    def resolve_buying_influences(obj: Opportunity) -> list[str]:
        return sorted(contact.code for contact in obj.buying_influences.all())


class OpportunityIn(Schema):
    """An opportunity to add; without ``probability`` the stage's default applies."""

    name: str
    amount: Decimal
    expected_close_on: dt.date
    stage: str = "prospecting"
    probability: int | None = None
    product_lines: list[str] = Field(default_factory=list, description="Product line codes.")
    buying_influences: list[str] = Field(default_factory=list, description="Contact codes of the account.")
    owner: str | None = Field(None, description="A username.")


class OpportunityPatch(Schema):
    """A change of an opportunity: only the fields sent change.

    Without ``probability`` a stage change takes the new stage's default (closed stages force 100 / 0).
    """

    name: str = Field(NOT_SENT)
    amount: Decimal = Field(NOT_SENT)
    expected_close_on: dt.date = Field(NOT_SENT)
    stage: str = Field(NOT_SENT)
    probability: int | None = Field(None, description="0 to 100; null or not sent: the stage's default on a change.")
    product_lines: list[str] = Field(NOT_SENT, description="Product line codes (all of them).")
    buying_influences: list[str] = Field(NOT_SENT, description="Contact codes of the account (all of them).")
    owner: str | None = Field(None, description="A username; null: nobody.")


class CloseOpportunityIn(Schema):
    """The opportunity is won (probability 100) or lost (probability 0)."""

    won: bool
