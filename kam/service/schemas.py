"""The REST API's shapes of service cases (in and out)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kam.core.api import NOT_SENT
from kam.service.models import ServiceCase


class CaseFilters(Schema):
    """Filters of the case list."""

    account: str | None = Field(None, description="An account's code.")
    status: str | None = Field(None, description="open, in_progress, waiting_customer, resolved or closed.")
    type: str | None = Field(None, description="order_issue, delivery, support, complaint, claim, return, …")
    open: bool | None = Field(None, description="Only open cases (true) or only resolved and closed ones (false).")


class CaseOut(Schema):
    """A service case: an order issue, delivery problem, ticket, complaint, claim, return or invoice dispute."""

    id: int
    account: str = Field(description="The account's code.")
    code: str
    type: str
    subject: str
    description: str
    contact: str | None = Field(None, description="The contact's code.")
    owner: str | None = Field(None, description="The username of who works the case.")
    department: str
    priority: str
    status: str
    reference: str
    opened_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution: str
    due_at: dt.datetime | None
    response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    response_state: str
    resolution_state: str

    @staticmethod
    def resolve_account(obj: ServiceCase) -> str:
        return obj.account.code

    @staticmethod
    def resolve_contact(obj: ServiceCase) -> str | None:
        return obj.contact.code if obj.contact is not None else None

    @staticmethod
    def resolve_owner(obj: ServiceCase) -> str | None:
        return obj.owner.username if obj.owner is not None else None


class CaseIn(Schema):
    """A case to open; the service level of its type and account applies from then on."""

    type: str
    subject: str
    description: str = ""
    opened_at: dt.datetime | None = Field(None, description="When the customer raised it; now when not given.")
    priority: str = "normal"
    owner: str | None = Field(None, description="A username.")
    department: str = ""
    contact: str | None = Field(None, description="A contact code of the account.")
    reference: str = ""
    due_at: dt.datetime | None = Field(None, description="A resolution time promised to the customer.")
    code: str = ""


class FirstResponseIn(Schema):
    """Our first answer to the customer: its response clock stops."""

    at: dt.datetime | None = Field(None, description="When; now when not given.")


class ResolveCaseIn(Schema):
    """The case is resolved: its resolution clock stops."""

    at: dt.datetime | None = Field(None, description="When; now when not given.")
    note: str = Field("", description="What was done to resolve it.")


class CasePatch(Schema):
    """A correction of a case: only the fields sent change. The status moves between the open statuses only."""

    subject: str = Field(NOT_SENT)
    description: str = Field(NOT_SENT)
    priority: str = Field(NOT_SENT, description="low, normal, high or urgent.")
    owner: str | None = Field(None, description="A username; null: nobody.")
    department: str = Field(NOT_SENT, description="Empty: the owner's department, else customer service.")
    contact: str | None = Field(None, description="A contact code of the account; null: none.")
    status: str = Field(NOT_SENT, description="open, in_progress or waiting_customer (while the case is open).")
    due_at: dt.datetime | None = Field(None, description="A resolution time promised to the customer; null: none.")
    reference: str = Field(NOT_SENT)


class CloseCaseIn(Schema):
    """The case is closed; one not resolved yet is resolved then."""

    at: dt.datetime | None = Field(None, description="When it is resolved, if it is not yet; now when not given.")
