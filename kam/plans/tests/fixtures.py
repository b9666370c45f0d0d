"""Fixtures of the plans app, built through its actions.

``acme_plan`` is alice's active plan for ACME (the account analysed in ``analyses``):

| item        | what                                                                    |
|-------------|-------------------------------------------------------------------------|
| objective   | "Grow revenue to 600k": revenue, baseline 400,000 → target 600,000       |
| objective   | "Cut cost to serve": cost_to_serve_pct, baseline 8 → target 4            |
| strategy    | "Become the sole supplier of fasteners"                                  |
| action      | "Audit delivery routes", tina, due 10 days ago, open (overdue)            |
| action      | "Quarterly business review", alice, due in 20 days, open                  |
| whitespace  | Plant Bilbao × Fasteners bought 100k/80k; × Adhesives competitor 50k/0    |
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kam.key_accounts.actions import do_import_products
from kam.key_accounts.models import Account, ProductLine
from kam.kpis.models import PortfolioAnalysis
from kam.plans.actions import (
    do_activate_plan,
    do_add_action,
    do_add_objective,
    do_add_strategy,
    do_create_plan,
    do_set_whitespace_cell,
)
from kam.plans.choices import ObjectiveKpi, WhitespaceStatus
from kam.plans.models import AccountPlan
from kam.users.models import User

PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.fixture
def whitespace_lines(db: None) -> dict[str, ProductLine]:
    """Two product lines, FAST (Fasteners) and GLUE (Adhesives), by code."""
    rows = [
        {"code": "F-1", "name": "Bolt", "product_line": "FAST", "product_line_name": "Fasteners"},
        {"code": "G-1", "name": "Epoxy", "product_line": "GLUE", "product_line_name": "Adhesives"},
    ]
    do_import_products(rows, ("code", "name", "product_line", "product_line_name"), acting_user=None)
    return {line.code: line for line in ProductLine.objects.all()}


def make_plan(account: Account, user: User, title: str = "ACME 2026") -> AccountPlan:
    """A draft plan over ``PERIOD``."""
    return do_create_plan(account, title=title, period_start=PERIOD[0], period_end=PERIOD[1], acting_user=user)


@pytest.fixture
def acme_plan(
    accounts: dict[str, Account],
    analyses: dict[dt.date, PortfolioAnalysis],
    kam_alice: User,
    team_tina: User,
    whitespace_lines: dict[str, ProductLine],
) -> AccountPlan:
    """Alice's active plan for ACME (see the module docstring)."""
    plan = make_plan(accounts["ACME"], kam_alice)
    do_activate_plan(plan, acting_user=kam_alice)
    do_add_objective(
        plan,
        title="Grow revenue to 600k",
        kpi=ObjectiveKpi.REVENUE,
        baseline=Decimal("400000"),
        target=Decimal("600000"),
        due_date=PERIOD[1],
        acting_user=kam_alice,
    )
    do_add_objective(
        plan,
        title="Cut cost to serve",
        kpi=ObjectiveKpi.COST_TO_SERVE_PCT,
        baseline=Decimal("8"),
        target=Decimal("4"),
        acting_user=kam_alice,
    )
    strategy = do_add_strategy(plan, text="Become the sole supplier of fasteners", acting_user=kam_alice)
    today = timezone.localdate()
    do_add_action(
        plan,
        title="Audit delivery routes",
        owner=team_tina,
        due_date=today - dt.timedelta(days=10),
        strategy=strategy,
        acting_user=kam_alice,
    )
    do_add_action(
        plan,
        title="Quarterly business review",
        owner=kam_alice,
        due_date=today + dt.timedelta(days=20),
        acting_user=kam_alice,
    )
    do_set_whitespace_cell(
        plan,
        business_unit="Plant Bilbao",
        product_line=whitespace_lines["FAST"],
        status=WhitespaceStatus.BOUGHT,
        potential=Decimal("100000"),
        current_value=Decimal("80000"),
        acting_user=kam_alice,
    )
    do_set_whitespace_cell(
        plan,
        business_unit="Plant Bilbao",
        product_line=whitespace_lines["GLUE"],
        status=WhitespaceStatus.COMPETITOR,
        potential=Decimal("50000"),
        current_value=Decimal("0"),
        competitor="Henkel",
        acting_user=kam_alice,
    )
    plan.refresh_from_db()
    return plan
