"""The REST API's shapes of accounts, contacts and account teams (in and out)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.key_accounts.models import Account, AccountTeamMember, Contact

ACCOUNT_ORDERING = {"code": "code", "name": "name", "revenue": "latest_revenue"}


class AccountFilters(Schema):
    """Filters and order of the account list."""

    is_key_account: bool | None = Field(None, description="Only key accounts (true) or only the others (false).")
    tier: str | None = Field(None, description="A portfolio tier: strategic, star, status, streamline.")
    phase: str | None = Field(None, description="growth, maintenance or cost_reduction.")
    status: str | None = Field(None, description="prospect, customer or former.")
    owner: str | None = Field(None, description="The username of the account's KAM.")
    q: str | None = Field(None, description="Part of the account's code or name (case-insensitive).")
    ordering: str | None = Field(
        None,
        pattern="^-?(code|name|revenue)$",
        description="code, name or revenue (latest analysis); a leading minus reverses the order.",
    )


class AccountOut(Schema):
    """A customer company, as the account page shows it."""

    code: str
    name: str
    parent: str | None = Field(None, description="The parent account's code (groups and subsidiaries).")
    owner: str | None = Field(None, description="The username of the account's KAM.")
    industry: str
    segment: str
    country: str
    size: str
    status: str
    is_key_account: bool
    key_account_since: dt.date | None
    tier: str
    phase: str
    relationship_stage: str
    target_stage: str
    estimated_wallet: Decimal | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_parent(obj: Account) -> str | None:
        return obj.parent.code if obj.parent is not None else None

    @staticmethod
    def resolve_owner(obj: Account) -> str | None:
        return obj.owner.username if obj.owner is not None else None


class PhaseChangeIn(Schema):
    """Move the account to another phase, saying why (kept in the account's history)."""

    phase: str = Field(description="growth, maintenance or cost_reduction.")
    reason: str


class StageChangeIn(Schema):
    """Move the account to another relationship stage, saying why; a drop alerts the team."""

    stage: str = Field(description="exploratory, basic, cooperative, interdependent, integrated or disintegrating.")
    reason: str


class ContactOut(Schema):
    """A person of the customer's buying centre."""

    id: int
    code: str
    first_name: str
    last_name: str
    title: str
    department: str
    email: str
    phone: str
    reports_to: str | None = Field(None, description="The code of the contact this one reports to.")
    buying_role: str
    influence: int | None
    attitude: str
    relationship_owner: str | None = Field(None, description="The username of our person who owns the relationship.")
    relationship_level: str
    last_contact_at: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_reports_to(obj: Contact) -> str | None:
        return obj.reports_to.code if obj.reports_to is not None else None

    @staticmethod
    def resolve_relationship_owner(obj: Contact) -> str | None:
        return obj.relationship_owner.username if obj.relationship_owner is not None else None


class ContactIn(Schema):
    """A new contact. ``reports_to`` is a contact code of the same account; ``relationship_owner`` a username."""

    code: str
    last_name: str
    first_name: str = ""
    title: str = ""
    department: str = ""
    email: str = ""
    phone: str = ""
    reports_to: str | None = None
    buying_role: str = ""
    influence: int | None = None
    attitude: str = ""
    relationship_owner: str | None = None
    relationship_level: str = ""
    last_contact_at: dt.date | None = None


class ContactPatch(Schema):
    """A change of a contact: only the fields sent change."""

    code: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    title: str | None = None
    department: str | None = None
    email: str | None = None
    phone: str | None = None
    reports_to: str | None = None
    buying_role: str | None = None
    influence: int | None = None
    attitude: str | None = None
    relationship_owner: str | None = None
    relationship_level: str | None = None
    last_contact_at: dt.date | None = None


class TeamMemberOut(Schema):
    """A person of ours on the account's cross-functional team."""

    id: int
    username: str
    name: str
    role: str
    department: str

    @staticmethod
    def resolve_username(obj: AccountTeamMember) -> str:
        return obj.user.username

    @staticmethod
    def resolve_name(obj: AccountTeamMember) -> str:
        return str(obj.user)
