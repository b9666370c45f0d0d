"""The REST API's shapes of the engine's analyses (read-only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from kam.kpis.models import AccountAnalysis


class AccountAnalysisOut(Schema):
    """The engine's figures for one account on one date (``kam analyze``)."""

    account: str = Field(description="The account's code.")
    as_of: dt.date
    revenue: Decimal | None
    revenue_previous: Decimal | None
    gross_margin: Decimal | None
    margin_pct: float | None
    orders: int
    lines: int
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    recency_days: int | None
    growth_yoy: float | None
    share_of_wallet: float | None
    abc_class: str
    revenue_rank: int | None
    rfm: str
    cost_to_serve: Decimal | None
    cost_to_serve_pct: float | None
    customer_profit: Decimal | None
    shapiro_quadrant: str
    otif_rate: float | None
    probability_alive: float | None
    churn_risk: float | None
    declining: bool | None

    @staticmethod
    def resolve_account(obj: AccountAnalysis) -> str:
        return obj.account.code


class PortfolioAnalysisOut(Schema):
    """The latest portfolio analysis; its summary (concentration, totals…) is for directors only."""

    as_of: dt.date
    created_at: dt.datetime
    summary: dict[str, Any] | None = Field(None, description="Directors and administrators only; null for others.")
