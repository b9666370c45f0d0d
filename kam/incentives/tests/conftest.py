"""Fixtures of the incentive tests: a plan with hand-checked numbers and the analysis it pays on.

The plan (target bonus 10,000 an account and period, default curves: nothing below 80 % of
target, 50 % at 80 %, 100 % at target, 200 % at 150 % and above):

| phase          | KPI               | weight | target | direction |
|----------------|-------------------|--------|--------|-----------|
| growth         | revenue_growth    | 50 %   | 10 %   | higher    |
| growth         | margin_pct        | 30 %   | 25 %   | higher    |
| growth         | customer_profit   | 20 %   | 0      | higher    |
| cost reduction | cost_to_serve_pct | 60 %   | 15 %   | lower     |
| cost reduction | margin_pct        | 40 %   | 16 %   | higher    |

With the latest analysis of ``kam.kpis.tests.fixtures`` (2025-12-31) and DELTA made key:

| KAM   | account | phase          | components                                        | payout    |
|-------|---------|----------------|---------------------------------------------------|-----------|
| alice | ACME    | growth         | 5,000 (at target) + 4,200 (120 %) + 2,000 (met)   | 11,200.00 |
| alice | ACME-IB | growth         | 0 (no growth) + 3,000 (at target) + 0 (missed)    | 3,000.00  |
| bob   | COBALT  | growth         | 10,000 (capped) + 1,500 (at threshold) + 2,000    | 13,500.00 |
| bob   | DELTA   | cost reduction | 0 (60 %, below threshold) + 3,375 (93.75 %)       | 3,375.00  |
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from kam.incentives.actions import do_approve_plan, do_save_plan
from kam.incentives.models import IncentivePlan
from kam.key_accounts.actions import do_import_accounts
from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST, OLDER, record_analysis
from kam.users.models import User


def kpi(name: str, weight: float, target: float, **curve: Any) -> dict[str, Any]:
    return {"kpi": name, "weight": weight, "target": target, **curve}


PHASES: dict[str, list[dict[str, Any]]] = {
    "growth": [kpi("revenue_growth", 0.5, 0.10), kpi("margin_pct", 0.3, 0.25), kpi("customer_profit", 0.2, 0.0)],
    "cost_reduction": [kpi("cost_to_serve_pct", 0.6, 0.15), kpi("margin_pct", 0.4, 0.16)],
}


def save_plan(acting_user: User | None, *, name: str = "KAM bonus 2025", **changes: Any) -> IncentivePlan:
    values: dict[str, Any] = {
        "name": name,
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 12, 31),
        "target_bonus": Decimal(10_000),
        "retention_damping": 0.5,
        "phases": PHASES,
        **changes,
    }
    return do_save_plan(None, acting_user=acting_user, **values)


@pytest.fixture
def incentive_plan(director: User) -> IncentivePlan:
    """The plan above, approved by the director."""
    return do_approve_plan(save_plan(director), acting_user=director)


@pytest.fixture
def paid_portfolio(accounts: dict[str, Account]) -> dict[dt.date, PortfolioAnalysis]:
    """The two analyses of the ``accounts`` portfolio, and DELTA (bob's, cost reduction) made key."""
    do_import_accounts([{"code": "DELTA", "is_key_account": True}], ["code", "is_key_account"], acting_user=None)
    return {as_of: record_analysis(as_of) for as_of in (OLDER, LATEST)}
