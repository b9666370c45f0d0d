"""Import kinds of master data, built from the domain's choice lists.

Fact kinds (invoices, activities, deliveries) are defined by the engine in
``kam_engine.schemas``; master data kinds live here because their allowed values are
the Django apps' choices.
"""

from __future__ import annotations

import dataclasses

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from kam.incentives.models import Investment
from kam.key_accounts.choices import (
    AccountSize,
    AccountStatus,
    Attitude,
    BuyingRole,
    Phase,
    RelationshipLevel,
    RelationshipStage,
    TeamRole,
    Tier,
)
from kam.key_accounts.models import Account, AccountTeamMember, Contact, Product, SurveyResponse
from kam.opportunities.choices import Stage
from kam.opportunities.models import Opportunity
from kam.service.choices import CaseStatus, CaseType, Priority
from kam.service.models import ServiceCase
from kam.touchpoints.choices import Channel, GoalMet, MeetingObjective, Sentiment, TouchpointType
from kam.touchpoints.models import Meeting, Touchpoint
from kam.users.choices import Department, Role
from kam.users.models import User
from kam_engine.schemas import FACT_KINDS
from kam_engine.specs import FieldSpec, FieldType, KindSpec

CHOICE = FieldType.CHOICE

ACCOUNTS = KindSpec(
    kind="accounts",
    key=("code",),
    fields=(
        FieldSpec("code", required=True),
        FieldSpec("name", required=True),
        FieldSpec("parent", reference="account"),
        FieldSpec("industry"),
        FieldSpec("segment"),
        FieldSpec("country"),
        FieldSpec("size", CHOICE, choices=tuple(AccountSize.values)),
        FieldSpec("status", CHOICE, choices=tuple(AccountStatus.values)),
        FieldSpec("is_key_account", FieldType.BOOLEAN),
        FieldSpec("key_account_since", FieldType.DATE),
        FieldSpec("tier", CHOICE, choices=tuple(Tier.values)),
        FieldSpec("phase", CHOICE, choices=tuple(Phase.values)),
        FieldSpec("relationship_stage", CHOICE, choices=tuple(RelationshipStage.values)),
        FieldSpec("target_stage", CHOICE, choices=tuple(RelationshipStage.values)),
        FieldSpec("owner", reference="user"),
        FieldSpec("estimated_wallet", FieldType.DECIMAL, minimum=0),
    ),
)

CONTACTS = KindSpec(
    kind="contacts",
    key=("account", "code"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("code", required=True),
        FieldSpec("first_name"),
        FieldSpec("last_name", required=True),
        FieldSpec("title"),
        FieldSpec("department"),
        FieldSpec("email"),
        FieldSpec("phone"),
        FieldSpec("reports_to"),
        FieldSpec("buying_role", CHOICE, choices=tuple(BuyingRole.values)),
        FieldSpec("influence", FieldType.INTEGER, minimum=1, maximum=5),
        FieldSpec("attitude", CHOICE, choices=tuple(Attitude.values)),
        FieldSpec("relationship_owner", reference="user"),
        FieldSpec("relationship_level", CHOICE, choices=tuple(RelationshipLevel.values)),
        FieldSpec("last_contact_at", FieldType.DATE),
        FieldSpec("is_active", FieldType.BOOLEAN),
    ),
)

PRODUCTS = KindSpec(
    kind="products",
    key=("code",),
    fields=(
        FieldSpec("code", required=True),
        FieldSpec("name", required=True),
        FieldSpec("product_line"),
        FieldSpec("product_line_name"),
        FieldSpec("list_price", FieldType.DECIMAL, minimum=0),
        FieldSpec("unit_cost", FieldType.DECIMAL, minimum=0),
        FieldSpec("is_active", FieldType.BOOLEAN),
    ),
)

USERS = KindSpec(
    kind="users",
    key=("username",),
    fields=(
        FieldSpec("username", required=True),
        FieldSpec("first_name"),
        FieldSpec("last_name"),
        FieldSpec("email"),
        FieldSpec("role", CHOICE, choices=tuple(Role.values)),
        FieldSpec("department", CHOICE, choices=tuple(Department.values)),
    ),
)

TEAM = KindSpec(
    kind="team",
    key=("account", "username"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("username", required=True, reference="user"),
        FieldSpec("role", CHOICE, required=True, choices=tuple(TeamRole.values)),
        FieldSpec("department", CHOICE, choices=tuple(Department.values)),
    ),
)

MEETINGS = KindSpec(
    kind="meetings",
    key=("account", "code"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("code", required=True),
        FieldSpec("date", FieldType.DATE, required=True),
        FieldSpec("time"),
        FieldSpec("objective", CHOICE, required=True, choices=tuple(MeetingObjective.values)),
        FieldSpec("goal", required=True),
        FieldSpec("outcome"),
        FieldSpec("goal_met", CHOICE, choices=tuple(GoalMet.values)),
        FieldSpec("next_step"),
        FieldSpec("follow_up_on", FieldType.DATE),
        FieldSpec("follow_up_done", FieldType.BOOLEAN),
        FieldSpec("our_attendees"),
        FieldSpec("their_attendees"),
    ),
)

OPPORTUNITIES = KindSpec(
    kind="opportunities",
    key=("account", "code"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("code", required=True),
        FieldSpec("name", required=True),
        FieldSpec("stage", CHOICE, choices=tuple(Stage.values)),
        FieldSpec("amount", FieldType.DECIMAL, minimum=0),
        FieldSpec("probability", FieldType.INTEGER, minimum=0, maximum=100),
        FieldSpec("expected_close_on", FieldType.DATE),
        FieldSpec("closed_on", FieldType.DATE),
        FieldSpec("owner", reference="user"),
        FieldSpec("product_lines"),
        FieldSpec("buying_influences"),
    ),
)
TOUCHPOINTS = KindSpec(
    kind="touchpoints",
    key=("account", "code"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("code", required=True),
        FieldSpec("happened_at", FieldType.DATETIME, required=True),
        FieldSpec("user", required=True, reference="user"),
        FieldSpec("department", CHOICE, required=True, choices=tuple(Department.values)),
        FieldSpec("channel", CHOICE, required=True, choices=tuple(Channel.values)),
        FieldSpec("type", CHOICE, required=True, choices=tuple(TouchpointType.values)),
        FieldSpec("summary", required=True),
        FieldSpec("sentiment", CHOICE, choices=tuple(Sentiment.values)),
        FieldSpec("contact"),
    ),
)

CASES = KindSpec(
    kind="cases",
    key=("account", "code"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("code", required=True),
        FieldSpec("type", CHOICE, required=True, choices=tuple(CaseType.values)),
        FieldSpec("subject", required=True),
        FieldSpec("description"),
        FieldSpec("opened_at", FieldType.DATETIME, required=True),
        FieldSpec("first_response_at", FieldType.DATETIME),
        FieldSpec("resolved_at", FieldType.DATETIME),
        FieldSpec("due_at", FieldType.DATETIME),
        FieldSpec("status", CHOICE, choices=tuple(CaseStatus.values)),
        FieldSpec("priority", CHOICE, choices=tuple(Priority.values)),
        FieldSpec("owner", reference="user"),
        FieldSpec("department", CHOICE, choices=tuple(Department.values)),
        FieldSpec("contact"),
        FieldSpec("reference"),
    ),
)

SURVEYS = KindSpec(
    kind="surveys",
    key=("account", "code"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("code", required=True),
        FieldSpec("answered_on", FieldType.DATE, required=True),
        FieldSpec("satisfaction", FieldType.INTEGER, required=True, minimum=1, maximum=10),
        FieldSpec("nps", FieldType.INTEGER, minimum=0, maximum=10),
        FieldSpec("contact"),
        FieldSpec("comment"),
    ),
)

INVESTMENTS = KindSpec(
    kind="investments",
    key=("account", "month"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("month", FieldType.DATE, required=True),
        FieldSpec("kam_hours", FieldType.DECIMAL, minimum=0),
        FieldSpec("team_hours", FieldType.DECIMAL, minimum=0),
        FieldSpec("hourly_rate", FieldType.DECIMAL, minimum=0),
        FieldSpec("special_costs", FieldType.DECIMAL, minimum=0),
        FieldSpec("note"),
    ),
)


def _with_widths(spec: KindSpec, model: type[models.Model] | None) -> KindSpec:
    """The kind with each text field limited to its column's width in the web database.

    SQLite would store a longer value; PostgreSQL refuses it: checked while validating, so
    every file imports alike on both and a too-long value is named with its row.
    """
    fields = []
    for item in spec.fields:
        width: int | None = None
        if item.reference == "account":
            width = Account._meta.get_field("code").max_length
        elif item.reference == "user":
            width = User._meta.get_field("username").max_length
        elif model is not None and item.type is FieldType.TEXT:
            try:
                column = model._meta.get_field(item.name)
            except FieldDoesNotExist:
                column = None
            if isinstance(column, models.CharField) and not isinstance(column, models.ForeignKey):
                width = column.max_length
        fields.append(dataclasses.replace(item, max_length=width) if width else item)
    return dataclasses.replace(spec, fields=tuple(fields))


_MODELS: dict[str, type[models.Model]] = {
    "accounts": Account,
    "contacts": Contact,
    "products": Product,
    "users": User,
    "team": AccountTeamMember,
    "meetings": Meeting,
    "opportunities": Opportunity,
    "touchpoints": Touchpoint,
    "cases": ServiceCase,
    "surveys": SurveyResponse,
    "investments": Investment,
}

MASTER_KINDS: dict[str, KindSpec] = {
    spec.kind: _with_widths(spec, _MODELS[spec.kind])
    for spec in (
        ACCOUNTS,
        CONTACTS,
        PRODUCTS,
        USERS,
        TEAM,
        MEETINGS,
        OPPORTUNITIES,
        TOUCHPOINTS,
        CASES,
        SURVEYS,
        INVESTMENTS,
    )
}
ALL_KINDS: dict[str, KindSpec] = {
    **MASTER_KINDS,
    **{kind: _with_widths(spec, None) for kind, spec in FACT_KINDS.items()},
}
