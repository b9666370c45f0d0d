"""Two dated analyses of the ``accounts`` portfolio, recorded through the real action.

The engine's result is built by hand (small Arrow tables), so every figure on the pages is
known. The latest analysis (2025-12-31) covers five accounts; ECHO, a prospect, has no sales.

| code    | revenue | margin % | cost to serve | cts % | profit   | growth | wallet | OTIF | ABC | quadrant         |
|---------|---------|----------|---------------|-------|----------|--------|--------|------|-----|------------------|
| ACME    | 500,000 | 30 %     | 30,000        | 6 %   | 120,000  | +10 %  | 20 %   | 95 % | A   | carriage trade   |
| COBALT  | 300,000 | 20 %     | 9,000         | 3 %   | 51,000   | +25 %  | 15 %   | 80 % | A   | passive          |
| BOREAL  | 120,000 | 35 %     | 9,600         | 8 %   | 32,400   | −5 %   | 30 %   | 90 % | B   | bargain basement |
| ACME-IB | 60,000  | 25 %     | 21,000        | 35 %  | −6,000   | —      | —      | —    | B   | aggressive       |
| DELTA   | 20,000  | 15 %     | 5,000         | 25 %  | −2,000   | −40 %  | —      | 60 % | C   | aggressive       |

The older analysis (2024-12-31) covers ACME, COBALT, BOREAL and ACME-IB only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from kam.key_accounts.models import Account
from kam.kpis.actions import do_record_portfolio_analysis
from kam.kpis.models import PortfolioAnalysis
from kam.kpis.tests.service_fixtures import service_history  # noqa: F401  (a fixture: registered with this plugin)
from kam_engine.analysis import PortfolioResult
from kam_engine.config import AnalysisPolicy

LATEST = dt.date(2025, 12, 31)
OLDER = dt.date(2024, 12, 31)

# code, revenue, previous revenue, margin %, cost to serve, growth, share of wallet, OTIF, ABC, quadrant,
# net-price index, cost-to-serve index, RFM
_LATEST_ROWS: list[tuple[Any, ...]] = [
    ("ACME", 500_000, 454_545.45, 0.30, 30_000, 0.10, 0.20, 0.95, "A", "carriage_trade", 1.10, 1.20, "555"),
    ("COBALT", 300_000, 240_000, 0.20, 9_000, 0.25, 0.15, 0.80, "A", "passive", 1.05, 0.40, "454"),
    ("BOREAL", 120_000, 126_315.79, 0.35, 9_600, -0.05, 0.30, 0.90, "B", "bargain_basement", 0.90, 0.80, "343"),
    ("ACME-IB", 60_000, None, 0.25, 21_000, None, None, None, "B", "aggressive", 0.85, 3.50, "512"),
    ("DELTA", 20_000, 33_333.33, 0.15, 5_000, -0.40, None, 0.60, "C", "aggressive", 0.70, 2.50, "121"),
]
_OLDER_ROWS: list[tuple[Any, ...]] = [
    ("ACME", 454_545.45, 400_000, 0.28, 27_000, 0.136, 0.18, 0.93, "A", "carriage_trade", 1.08, 1.10, "555"),
    ("COBALT", 240_000, 200_000, 0.21, 8_000, 0.20, 0.12, 0.85, "A", "passive", 1.02, 0.60, "454"),
    ("BOREAL", 126_315.79, 120_000, 0.33, 9_000, 0.05, 0.32, 0.88, "B", "bargain_basement", 0.93, 0.90, "344"),
    ("ACME-IB", 40_000, None, 0.22, 14_000, None, None, None, "C", "aggressive", 0.80, 3.20, "511"),
]

# ACME's cost to serve: these activities make 13,800; payment terms and rebates the other 16,200.
ACME_COSTS = [("delivery", 150, 6_000.0), ("visit", 20, 3_600.0), ("order", 120, 3_000.0), ("rush_order", 10, 1_200.0)]
ACME_MONTHLY = [(dt.date(2025, month, 1), 40_000.0 + 1_000 * month) for month in range(1, 13)]


def _account_records(rows: list[tuple[Any, ...]], as_of: dt.date) -> list[dict[str, Any]]:
    records = []
    for rank, row in enumerate(rows, start=1):
        code, revenue, previous, margin_pct, cost_to_serve, growth, wallet, otif, abc, quadrant, price, cost, rfm = row
        cost_of_goods = round(revenue * (1 - margin_pct), 2)
        gross_margin = round(revenue - cost_of_goods, 2)
        records.append(
            {
                "account": code,
                "revenue": float(revenue),
                "revenue_previous": previous,
                "cost_of_goods": cost_of_goods,
                "gross_margin": gross_margin,
                "margin_pct": margin_pct,
                "orders": 10 * (6 - rank),
                "lines": 40 * (6 - rank),
                "first_purchase": dt.date(2020, 1, 15),
                "last_purchase": as_of - dt.timedelta(days=3 * rank),
                "recency_days": 3 * rank,
                "tenure_days": (as_of - dt.date(2020, 1, 15)).days,
                "average_order_value": round(revenue / (10 * (6 - rank)), 2),
                "growth_yoy": growth,
                "trend_slope": 1_000.0 if code == "ACME" else 0.0,
                "share_of_wallet": wallet,
                "abc_class": abc,
                "rank": rank,
                "rfm": rfm,
                "activity_cost": 13_800.0 if code == "ACME" else float(cost_to_serve),
                "discounts": 0.0,
                "cost_to_serve": float(cost_to_serve),
                "cost_to_serve_pct": cost_to_serve / revenue,
                "customer_profit": gross_margin - cost_to_serve,
                "net_price_index": price,
                "cost_to_serve_index": cost,
                "quadrant": quadrant,
                "on_time_rate": None if otif is None else min(1.0, otif + 0.03),
                "in_full_rate": None if otif is None else min(1.0, otif + 0.02),
                "otif_rate": otif,
                "average_delay_days": 1.5,
            }
        )
    return records


def _result(rows: list[tuple[Any, ...]], as_of: dt.date) -> PortfolioResult:
    records = _account_records(rows, as_of)
    codes: list[str] = [record["account"] for record in records]
    revenues: list[float] = [record["revenue"] for record in records]
    profits: list[float] = [record["customer_profit"] for record in records]
    total_revenue, total_profit = sum(revenues), sum(profits)
    cumulative = [sum(revenues[: index + 1]) / total_revenue for index in range(len(revenues))]
    by_profit = sorted(zip(codes, profits, strict=True), key=lambda pair: -pair[1])
    running = [sum(profit for _code, profit in by_profit[: index + 1]) for index in range(len(by_profit))]
    whale = pa.table(
        {
            "rank": list(range(1, len(by_profit) + 1)),
            "account": [code for code, _profit in by_profit],
            "customer_profit": [profit for _code, profit in by_profit],
            "cumulative_profit": running,
            "cumulative_profit_share": [value / total_profit for value in running],
            "cumulative_account_share": [(index + 1) / len(by_profit) for index in range(len(by_profit))],
        }
    )
    pareto = pa.table(
        {"rank": list(range(1, len(codes) + 1)), "account": codes, "value": revenues, "cumulative_share": cumulative}
    )
    peak_index = max(range(len(running)), key=lambda index: running[index])
    losses = [profit for profit in profits if profit < 0]
    abc = {label: sum(1 for row in rows if row[8] == label) for label in ("A", "B", "C")}
    shares = [revenue / total_revenue for revenue in revenues]
    costs = ACME_COSTS if as_of == LATEST else ACME_COSTS[:2]
    monthly = ACME_MONTHLY if as_of == LATEST else []
    summary = {
        "as_of": as_of.isoformat(),
        "period_months": 12,
        "accounts": len(codes),
        "revenue": round(total_revenue, 2),
        "gross_margin": round(sum(record["gross_margin"] for record in records), 2),
        "cost_to_serve": round(sum(record["cost_to_serve"] for record in records), 2),
        "profit": round(total_profit, 2),
        "pareto": {
            "by": "revenue",
            "top20_revenue_share": shares[0],
            "accounts_for_80_percent": next(index + 1 for index, share in enumerate(cumulative) if share >= 0.8),
            "top_n": 10,
            "top_n_share": 1.0,
        },
        "abc": abc,
        "hhi": round(sum(share * share for share in shares) * 10_000, 2),
        "gini": 0.52 if as_of == LATEST else 0.48,
        "concentration": {"top1_share": shares[0], "top5_share": 1.0, "top10_share": 1.0, "top20_share": shares[0]},
        "whale": {
            "total_profit": round(total_profit, 2),
            "profitable_profit": round(sum(profit for profit in profits if profit > 0), 2),
            "peak_share": round(running[peak_index] / total_profit, 6),
            "peak_at_accounts": peak_index + 1,
            "peak_at_account_share": round((peak_index + 1) / len(running), 6),
            "loss_making_accounts": len(losses),
            "tail_loss": round(-sum(losses), 2),
        },
        "rules": {"credit_note_lines": 0, "zero_price_lines": 0, "lines_without_cost": 0, "unrated_activities": {}},
    }
    return PortfolioResult(
        as_of=as_of,
        accounts=pa.Table.from_pylist(records),
        costs_by_activity=pa.table(
            {
                "account": ["ACME"] * len(costs),
                "activity": [activity for activity, _quantity, _cost in costs],
                "quantity": [float(quantity) for _activity, quantity, _cost in costs],
                "cost": [cost for _activity, _quantity, cost in costs],
            }
        ),
        monthly_revenue=pa.table(
            {
                "account": ["ACME"] * len(monthly),
                "month": pa.array([month for month, _revenue in monthly], type=pa.date32()),
                "revenue": pa.array([revenue for _month, revenue in monthly], type=pa.float64()),
            }
        ),
        pareto=pareto,
        whale=whale,
        summary=summary,
    )


def record_analysis(as_of: dt.date) -> PortfolioAnalysis:
    """Record the hand-built analysis of ``as_of`` (``LATEST`` or ``OLDER``)."""
    rows = _LATEST_ROWS if as_of == LATEST else _OLDER_ROWS
    return do_record_portfolio_analysis(_result(rows, as_of), AnalysisPolicy(), acting_user=None)


@pytest.fixture
def analyses(accounts: dict[str, Account]) -> dict[dt.date, PortfolioAnalysis]:
    """The older and the latest analysis of the ``accounts`` portfolio, by date."""
    return {as_of: record_analysis(as_of) for as_of in (OLDER, LATEST)}
