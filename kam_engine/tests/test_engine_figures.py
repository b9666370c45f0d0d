"""Every engine computation on a tiny, hand-checkable portfolio — one body, DuckDB and Spark.

The portfolio (as of 2026-10-31, window = the 12 months after 2025-10-31):

| account | lines in window                         | before the window     | wallet |
|---------|-----------------------------------------|-----------------------|--------|
| A       | F1 100 (list 120, cost 60), F4 0 (cost 1) | F2 50 on 2025-03-01  | 1000   |
| B       | F3 −5 (credit note, no cost)              | —                    | —      |
| C       | F5 40 (list 40, cost 10)                  | —                    | 200    |

Activities on 2026-01-15: A order ×1 (25) and visit ×2 (180 each), C order ×1 (25) and
"mystery" ×3 (no rate, no cost). Deliveries: A promised 01-20 delivered 01-22 (late),
C promised 05-08 not delivered (late), D promised 11-30 (after the as-of date: not due).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
from ibis import BaseBackend

from kam_engine.backends import FactTables, fact_tables_from_arrow
from kam_engine.config import CostToServeConfig, PeriodConfig, SegmentationConfig, ShapiroConfig
from kam_engine.metrics import account_metrics, monthly_revenue, revenue_trend
from kam_engine.profitability import (
    WhaleSummary,
    cost_to_serve_by_activity,
    customer_profitability,
    shapiro_matrix,
    unrated_activities,
    whale_curve,
    whale_summary,
)
from kam_engine.segmentation import concentration, rfm_scores, segment_abc
from kam_engine.service import service_levels

AS_OF = dt.date(2026, 10, 31)
PERIOD = PeriodConfig()
D = dt.date


@pytest.fixture
def tables(backend: BaseBackend) -> FactTables:
    return fact_tables_from_arrow(
        backend,
        invoice_lines=pa.table(
            {
                "invoice": ["F1", "F2", "F3", "F4", "F5"],
                "line": ["1"] * 5,
                "account": ["A", "A", "B", "A", "C"],
                "date": [D(2026, 1, 15), D(2025, 3, 1), D(2026, 10, 31), D(2026, 2, 1), D(2026, 5, 5)],
                "net_revenue": [100.0, 50.0, -5.0, 0.0, 40.0],
                "list_revenue": [120.0, None, None, None, 40.0],
                "cost": [60.0, None, None, 1.0, 10.0],
            }
        ),
        activities=pa.table(
            {
                "account": ["A", "A", "C", "C"],
                "date": [D(2026, 1, 15)] * 4,
                "activity": ["order", "visit", "order", "mystery"],
                "reference": ["O1", "V1", "O5", "M1"],
                "quantity": [1.0, 2.0, 1.0, 3.0],
            }
        ),
        deliveries=pa.table(
            {
                "delivery": ["E1", "E5", "E9"],
                "account": ["A", "C", "C"],
                "promised_date": [D(2026, 1, 20), D(2026, 5, 8), D(2026, 11, 30)],
                "delivered_date": [D(2026, 1, 22), None, None],
                "in_full": [True, True, True],
            }
        ),
        accounts=pa.table({"code": ["A", "B", "C"], "estimated_wallet": [1000.0, None, 200.0]}),
    )


def rows(tables: FactTables, expression: Any, *keys: str) -> list[dict[str, Any]]:
    result = tables.to_arrow(expression).to_pylist()
    return sorted(result, key=lambda row: tuple(str(row[key]) for key in keys or ("account",)))


def test_account_metrics_follow_the_documented_rules(tables: FactTables) -> None:
    metrics = {
        row["account"]: row
        for row in rows(tables, account_metrics(tables.invoice_lines, tables.accounts, as_of=AS_OF, period=PERIOD))
    }

    a, b, c = metrics["A"], metrics["B"], metrics["C"]
    assert (a["revenue"], a["list_revenue"], a["cost_of_goods"], a["gross_margin"]) == (100.0, 120.0, 61.0, 39.0)
    assert a["margin_pct"] == pytest.approx(0.39, rel=1e-9)
    assert (a["orders"], a["lines"], a["zero_price_lines"], a["average_order_value"]) == (2, 2, 1, 50.0)
    assert (a["first_purchase"], a["last_purchase"], a["recency_days"], a["tenure_days"]) == (
        D(2025, 3, 1),
        D(2026, 2, 1),
        272,
        609,
    )
    # 100 this year against 50 the year before.
    assert (a["revenue_previous"], a["growth_yoy"], a["share_of_wallet"]) == (50.0, 1.0, 0.1)
    # A credit note is netted and counted; a line without cost counts 0 and is counted.
    assert (b["revenue"], b["credit_note_lines"], b["lines_without_cost"], b["margin_pct"]) == (-5.0, 1, 1, None)
    assert (b["growth_yoy"], b["share_of_wallet"]) == (None, None)
    assert (c["revenue"], c["share_of_wallet"], c["growth_yoy"]) == (40.0, 0.2, None)


def test_monthly_revenue_is_per_calendar_month_and_gives_the_trend(tables: FactTables) -> None:
    monthly_expression = monthly_revenue(tables.invoice_lines, as_of=AS_OF, months=12)
    monthly = rows(tables, monthly_expression, "account", "month")
    trend = rows(tables, revenue_trend(monthly_expression, as_of=AS_OF, months=12))

    assert [(row["account"], row["month"], row["revenue"]) for row in monthly] == [
        ("A", D(2026, 1, 1), 100.0),
        ("A", D(2026, 2, 1), 0.0),
        ("B", D(2026, 10, 1), -5.0),
        ("C", D(2026, 5, 1), 40.0),
    ]
    # Months Nov 2025..Oct 2026 are x = 0..11; A sold 100 in January (x = 2):
    # slope = (12·200 − 66·100) / (12·506 − 66²); B −5 at x = 11; C 40 at x = 6.
    assert [row["trend_slope"] for row in trend] == pytest.approx(
        [-4200 / 1716, (12 * -55 - 66 * -5) / 1716, (12 * 240 - 66 * 40) / 1716], rel=1e-9
    )


def test_segmentation_classes_concentration_and_rfm(tables: FactTables) -> None:
    metrics = tables.table(
        tables.to_arrow(account_metrics(tables.invoice_lines, tables.accounts, as_of=AS_OF, period=PERIOD))
    )

    abc = rows(tables, segment_abc(metrics, config=SegmentationConfig()))
    shares = tables.to_arrow(concentration(metrics, by="revenue", top_n=1)).to_pylist()[0]
    rfm = rows(tables, rfm_scores(metrics))

    # A makes 100 of 140 (71 %): the share before it is 0, so A; C's share before it is 71 % < 80 %, so A.
    assert [(r["account"], r["rank"], r["abc_class"]) for r in abc] == [("A", 1, "A"), ("B", 3, "C"), ("C", 2, "A")]
    assert [r["cumulative_share"] for r in abc] == pytest.approx([100 / 140, 1.0, 1.0], rel=1e-9)
    assert (shares["accounts"], shares["total"], shares["accounts_for_80_percent"]) == (2, 140.0, 2)
    assert shares["top20_share"] == pytest.approx(100 / 140, rel=1e-9)  # ceil(0.2 × 2) = 1 account
    assert shares["top_n_share"] == pytest.approx(100 / 140, rel=1e-9)
    assert shares["hhi"] == pytest.approx(((100 / 140) ** 2 + (40 / 140) ** 2) * 10_000, rel=1e-9)
    # Ascending: 40 (i = 1), 100 (i = 2): G = 2 (40 + 200) / (2 · 140) − 3 / 2.
    assert shares["gini"] == pytest.approx(2 * 240 / 280 - 1.5, rel=1e-9)
    assert [(r["account"], r["rfm"]) for r in rfm] == [("A", "133"), ("B", "311"), ("C", "222")]


def test_cost_to_serve_profit_whale_and_shapiro(tables: FactTables) -> None:
    config = CostToServeConfig()
    metrics = tables.table(
        tables.to_arrow(account_metrics(tables.invoice_lines, tables.accounts, as_of=AS_OF, period=PERIOD))
    )
    costs = cost_to_serve_by_activity(tables.activities, as_of=AS_OF, period=PERIOD, config=config)

    by_activity = rows(tables, costs, "account", "activity")
    unrated = rows(tables, unrated_activities(tables.activities, as_of=AS_OF, period=PERIOD, config=config), "activity")
    profit_arrow = tables.to_arrow(customer_profitability(metrics, tables.table(tables.to_arrow(costs)), config=config))
    profit = {row["account"]: row for row in profit_arrow.to_pylist()}
    curve = tables.to_arrow(whale_curve(tables.table(profit_arrow)))
    shapiro = {
        row["account"]: row for row in rows(tables, shapiro_matrix(tables.table(profit_arrow), config=ShapiroConfig()))
    }

    assert [(r["account"], r["activity"], r["quantity"], r["cost"]) for r in by_activity] == [
        ("A", "order", 1.0, 25.0),
        ("A", "visit", 2.0, 360.0),
        ("C", "mystery", 3.0, 0.0),
        ("C", "order", 1.0, 25.0),
    ]
    assert [(r["activity"], r["lines"]) for r in unrated] == [("mystery", 1)]
    terms = 30 / 365 * 0.08
    assert profit["A"]["cost_to_serve"] == pytest.approx(385 + 100 * terms, rel=1e-9)
    assert profit["A"]["customer_profit"] == pytest.approx(100 - 61 - 385 - 100 * terms, rel=1e-9)
    assert profit["A"]["discounts"] == 20.0
    # A net credit earns no payment-terms cost.
    assert (profit["B"]["cost_to_serve"], profit["B"]["customer_profit"]) == (0.0, -5.0)
    assert profit["C"]["customer_profit"] == pytest.approx(40 - 10 - 25 - 40 * terms, rel=1e-9)
    ranked = sorted(curve.to_pylist(), key=lambda row: row["rank"])
    assert [row["account"] for row in ranked] == ["C", "B", "A"]
    assert ranked[-1]["cumulative_profit_share"] == pytest.approx(1.0, rel=1e-9)
    whale = WhaleSummary.from_row(tables.to_arrow(whale_summary(tables.table(curve))).to_pylist()[0])
    # Total profit is negative here, so the cumulative share only reaches 100 % with the last account.
    assert (whale.loss_making_accounts, whale.peak_at_accounts, whale.peak_share) == (2, 3, 1.0)
    assert whale.tail_loss == pytest.approx(5 + 346.66, abs=0.01)
    # Price: A realised 100/120 against the portfolio's 140/160; cost: 3.86 against 410.6/135.
    assert shapiro["A"]["net_price_index"] == pytest.approx((100 / 120) / (135 / 155), rel=1e-9)
    assert (shapiro["A"]["quadrant"], shapiro["B"]["quadrant"], shapiro["C"]["quadrant"]) == (
        "aggressive",
        None,
        "passive",
    )


def test_service_levels_count_open_late_deliveries_and_skip_those_not_due(tables: FactTables) -> None:
    service = rows(tables, service_levels(tables.deliveries, as_of=AS_OF, period=PERIOD))

    assert service == [
        {
            "account": "A",
            "deliveries": 1,
            "delivered": 1,
            "on_time_rate": 0.0,
            "in_full_rate": 1.0,
            "otif_rate": 0.0,
            "average_delay_days": 2.0,
        },
        {
            "account": "C",
            "deliveries": 1,
            "delivered": 0,
            "on_time_rate": 0.0,
            "in_full_rate": None,
            "otif_rate": 0.0,
            "average_delay_days": None,
        },
    ]


def test_service_charges_are_not_revenue_and_recover_cost_to_serve(backend: BaseBackend) -> None:
    tables = fact_tables_from_arrow(
        backend,
        invoice_lines=pa.table(
            {
                "invoice": ["F1", "F1"],
                "line": ["1", "2"],
                "account": ["A", "A"],
                "product": ["P1", "PORTES"],
                "date": [D(2026, 3, 1)] * 2,
                "net_revenue": [200.0, 12.0],
                "cost": [150.0, None],
            }
        ),
        activities=pa.table({"account": ["A"], "date": [D(2026, 3, 1)], "activity": ["delivery"], "quantity": [1.0]}),
        deliveries=pa.table({"delivery": pa.array([], pa.string())}),
        accounts=pa.table({"code": ["A"]}),
    )
    config = CostToServeConfig(charge_products=("PORTES",), payment_days=0.0)

    metrics_arrow = tables.to_arrow(
        account_metrics(tables.invoice_lines, tables.accounts, as_of=AS_OF, period=PERIOD, charge_products=("PORTES",))
    )
    costs = cost_to_serve_by_activity(tables.activities, as_of=AS_OF, period=PERIOD, config=config)
    profit = tables.to_arrow(
        customer_profitability(tables.table(metrics_arrow), tables.table(tables.to_arrow(costs)), config=config)
    ).to_pylist()[0]

    metrics = metrics_arrow.to_pylist()[0]
    assert (metrics["revenue"], metrics["charges"], metrics["charge_lines"], metrics["lines"]) == (200.0, 12.0, 1, 1)
    assert metrics["lines_without_cost"] == 0
    # The delivery costs 40; the customer paid 12 of it as postage.
    assert (profit["charges_recovered"], profit["cost_to_serve"], profit["customer_profit"]) == (12.0, 28.0, 22.0)


def test_the_whale_summary_of_a_portfolio_without_profit_peaks_at_zero_with_the_first_account(
    tables: FactTables,
) -> None:
    profit = pa.table({"account": ["A", "B", "C"], "customer_profit": [10.0, -10.0, 0.0]})
    curve = tables.to_arrow(whale_curve(tables.table(profit)))

    whale = WhaleSummary.from_row(tables.to_arrow(whale_summary(tables.table(curve))).to_pylist()[0])

    # A total of 0 leaves every cumulative share undefined: they count 0, so the first point is the peak.
    assert whale == WhaleSummary(
        total_profit=0.0,
        profitable_profit=10.0,
        peak_share=0.0,
        peak_at_accounts=1,
        peak_at_account_share=round(1 / 3, 6),
        loss_making_accounts=1,
        tail_loss=10.0,
    )
    assert WhaleSummary.from_row(None) == WhaleSummary(0.0, 0.0, 0.0, 0, 0.0, 0, 0.0)
