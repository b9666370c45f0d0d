"""Invariants of the engine on random portfolios (DuckDB; the Spark leg runs the hand-checked cases)."""

from __future__ import annotations

import math

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_engine.backends import duckdb_backend
from kam_engine.config import CostToServeConfig, SegmentationConfig
from kam_engine.profitability import customer_profitability, whale_curve
from kam_engine.segmentation import concentration, segment_abc

BACKEND = duckdb_backend()
amounts = st.floats(min_value=-1_000, max_value=1_000_000, allow_nan=False, allow_infinity=False)
portfolios = st.lists(st.tuples(amounts, st.floats(min_value=0, max_value=500_000)), min_size=1, max_size=60)


def metrics_of(portfolio: list[tuple[float, float]]) -> pa.Table:
    return pa.table(
        {
            "account": [f"C{index:03d}" for index in range(len(portfolio))],
            "revenue": [revenue for revenue, _cost in portfolio],
            "list_revenue": [max(revenue, 0.0) * 1.1 for revenue, _cost in portfolio],
            "cost_of_goods": [cost for _revenue, cost in portfolio],
            "gross_margin": [revenue - cost for revenue, cost in portfolio],
        }
    )


@settings(max_examples=50, deadline=None)
@given(portfolios, st.floats(min_value=0.05, max_value=0.9), st.floats(min_value=0.01, max_value=0.09))
def test_abc_classes_partition_the_accounts(portfolio: list[tuple[float, float]], a: float, gap: float) -> None:
    metrics = metrics_of(portfolio)

    classes = BACKEND.to_pyarrow(segment_abc(ibis.memtable(metrics), config=SegmentationConfig(a=a, b=a + gap)))

    assert sorted(classes.column("account").to_pylist()) == metrics.column("account").to_pylist()
    assert set(classes.column("abc_class").to_pylist()) <= {"A", "B", "C"}
    positive = [row for row in classes.to_pylist() if row["value"] > 0]
    if positive:
        last = max(positive, key=lambda row: row["rank"])
        assert last["cumulative_share"] == pytest.approx(1.0, rel=1e-9)
        assert min(positive, key=lambda row: row["rank"])["abc_class"] == "A"


@settings(max_examples=50, deadline=None)
@given(portfolios)
def test_concentration_stays_within_its_bounds(portfolio: list[tuple[float, float]]) -> None:
    metrics = metrics_of(portfolio)
    positive = [value for value in metrics.column("revenue").to_pylist() if value is not None and value > 0]

    row = BACKEND.to_pyarrow(concentration(ibis.memtable(metrics))).to_pylist()[0]

    if positive:
        n = len(positive)
        assert 10_000 / n - 1e-6 <= row["hhi"] <= 10_000 + 1e-6
        assert -1e-9 <= row["gini"] < 1
        assert 1 <= row["accounts_for_80_percent"] <= n


@settings(max_examples=50, deadline=None)
@given(portfolios, st.floats(min_value=0, max_value=200))
def test_profit_sums_to_the_total_and_the_whale_curve_ends_at_one(
    portfolio: list[tuple[float, float]], visit_cost: float
) -> None:
    metrics = metrics_of(portfolio)
    costs = pa.table(
        {
            "account": metrics.column("account"),
            "activity": ["visit"] * metrics.num_rows,
            "quantity": [1.0] * metrics.num_rows,
            "cost": [visit_cost] * metrics.num_rows,
        }
    )

    profit = BACKEND.to_pyarrow(
        customer_profitability(ibis.memtable(metrics), ibis.memtable(costs), config=CostToServeConfig())
    )
    curve = BACKEND.to_pyarrow(whale_curve(ibis.memtable(profit))).to_pylist()

    total = sum(row["customer_profit"] for row in profit.to_pylist())
    expected = sum(row["revenue"] - row["cost_of_goods"] - row["cost_to_serve"] for row in profit.to_pylist())
    assert total == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert len(curve) == metrics.num_rows
    if not math.isclose(total, 0.0, abs_tol=1e-6):
        assert max(curve, key=lambda row: row["rank"])["cumulative_profit_share"] == pytest.approx(1.0, rel=1e-6)
