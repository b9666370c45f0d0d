"""The REST API's shapes of key account plans, their objectives, strategies and actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.core.api import NOT_SENT
from kam.plans.models import AccountPlan, PlanAction, PlanStrategy


class PlanOut(Schema):
    """A key account plan for one period (the list shows these fields)."""

    id: int
    account: str = Field(description="The account's code.")
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str
    owner: str | None = Field(None, description="A username.")
    revision: int

    @staticmethod
    def resolve_account(obj: AccountPlan) -> str:
        return obj.account.code

    @staticmethod
    def resolve_owner(obj: AccountPlan) -> str | None:
        return obj.owner.username if obj.owner is not None else None


class ObjectiveOut(Schema):
    """A measurable objective: a KPI from its baseline to a target by a date."""

    id: int
    title: str
    kpi: str
    baseline: Decimal | None
    target: Decimal | None
    due_date: dt.date | None
    manual_current: Decimal | None


class StrategyOut(Schema):
    """How the plan means to reach an objective."""

    id: int
    text: str
    objective: int | None = Field(None, description="The objective's id.")

    @staticmethod
    def resolve_objective(obj: PlanStrategy) -> int | None:
        return obj.objective_id


class ActionOut(Schema):
    """A task of the plan, with its owner, due date and status."""

    id: int
    title: str
    owner: str | None = Field(None, description="A username.")
    department: str
    due_date: dt.date
    status: str
    strategy: int | None = Field(None, description="The strategy's id.")

    @staticmethod
    def resolve_owner(obj: PlanAction) -> str | None:
        return obj.owner.username if obj.owner is not None else None

    @staticmethod
    def resolve_strategy(obj: PlanAction) -> int | None:
        return obj.strategy_id


class PlanDetailOut(PlanOut):
    """A plan with its diagnosis, SWOT, objectives, strategies and actions."""

    industry_variables: str
    operations: str
    needs_and_value_drivers: str
    customer_strategy: str
    value_proposition: str
    strengths: str
    weaknesses: str
    opportunities: str
    threats: str
    objectives: list[ObjectiveOut]
    strategies: list[StrategyOut]
    actions: list[ActionOut]

    @staticmethod
    def resolve_objectives(obj: AccountPlan) -> list[ObjectiveOut]:
        return [ObjectiveOut.from_orm(objective) for objective in obj.objectives.order_by("id")]

    @staticmethod
    def resolve_strategies(obj: AccountPlan) -> list[StrategyOut]:
        return [StrategyOut.from_orm(strategy) for strategy in obj.strategies.order_by("id")]

    @staticmethod
    def resolve_actions(obj: AccountPlan) -> list[ActionOut]:
        return [ActionOut.from_orm(action) for action in obj.actions.select_related("owner").order_by("due_date", "id")]


class ObjectiveIn(Schema):
    """An objective to add to the plan."""

    title: str
    kpi: str = Field("other", description="revenue, gross_margin, … or other (tracked by hand).")
    baseline: Decimal
    target: Decimal
    due_date: dt.date | None = None
    manual_current: Decimal | None = Field(None, description="The current value of an “other” objective.")


class ActionIn(Schema):
    """An action to add to the plan, owned by the account's KAM or a member of its team."""

    title: str
    owner: str = Field(description="A username: the account's KAM or a team member.")
    due_date: dt.date
    department: str = ""
    strategy: int | None = Field(None, description="A strategy id of this plan.")


class PlanIn(Schema):
    """A draft plan to start; its owner is the account's KAM."""

    title: str
    period_start: dt.date
    period_end: dt.date


class PlanPatch(Schema):
    """A change of a plan not closed: only the fields sent change.

    ``revision`` is the plan's revision you loaded: when someone saved the plan since, nothing is
    saved (422, naming who changed what); load it again and resend.
    """

    revision: int = Field(description="The revision of the plan you loaded (``revision`` of the plan).")
    title: str = Field(NOT_SENT)
    period_start: dt.date = Field(NOT_SENT)
    period_end: dt.date = Field(NOT_SENT)
    industry_variables: str = Field(NOT_SENT)
    operations: str = Field(NOT_SENT)
    needs_and_value_drivers: str = Field(NOT_SENT)
    customer_strategy: str = Field(NOT_SENT)
    value_proposition: str = Field(NOT_SENT)
    strengths: str = Field(NOT_SENT)
    weaknesses: str = Field(NOT_SENT)
    opportunities: str = Field(NOT_SENT)
    threats: str = Field(NOT_SENT)


class ObjectivePatch(Schema):
    """A change of an objective: only the fields sent change."""

    title: str = Field(NOT_SENT)
    kpi: str = Field(NOT_SENT, description="revenue, gross_margin, … or other (tracked by hand).")
    baseline: Decimal = Field(NOT_SENT)
    target: Decimal = Field(NOT_SENT)
    due_date: dt.date | None = Field(None, description="null: none.")
    manual_current: Decimal | None = Field(None, description="The current value of an “other” objective.")


class ActionPatch(Schema):
    """A change of an action: only the fields sent change (its status has its own operation)."""

    title: str = Field(NOT_SENT)
    owner: str = Field(NOT_SENT, description="A username: the account's KAM or a team member.")
    due_date: dt.date = Field(NOT_SENT)
    department: str = Field(NOT_SENT, description="A department; blank: the owner's.")
    strategy: int | None = Field(NOT_SENT, description="A strategy id of this plan; null: none.")


class ActionStatusIn(Schema):
    """An action's new status."""

    status: str = Field(description="open, in_progress, done or cancelled.")
