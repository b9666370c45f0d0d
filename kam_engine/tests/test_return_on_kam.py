"""Return on KAM on hand-built accounts: own-trend and matched baselines, invested, windows not yet covered."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from kam_engine.return_on_kam import return_on_kam


def _months(start: dt.date, count: int) -> list[dt.date]:
    return [
        dt.date(start.year + (start.month - 1 + step) // 12, (start.month - 1 + step) % 12 + 1, 1)
        for step in range(count)
    ]


def test_incremental_margin_and_return_against_both_baselines() -> None:
    months = _months(dt.date(2023, 1, 1), 36)
    # Key account K (key since 2024-01): margin 100 a month flat before, 150 after.
    # Control C (same industry and size, not key): 200 a month before, 220 after (+10 %).
    margin = pa.table(
        {
            "account": ["K"] * 36 + ["C"] * 36,
            "month": months + months,
            "margin": [100.0] * 12 + [150.0] * 24 + [200.0] * 12 + [220.0] * 24,
        }
    )
    accounts = pa.table(
        {
            "account": ["K", "C"],
            "is_key": [True, False],
            "key_since": [dt.date(2024, 1, 15), None],
            "industry": ["food", "food"],
            "size": ["large", "large"],
        }
    )
    investments = pa.table({"account": ["K"] * 24, "month": months[12:], "amount": [10.0] * 24})
    rows = return_on_kam(margin, accounts, investments, last_month=dt.date(2025, 12, 1)).to_pylist()
    assert [row["years"] for row in rows] == [1, 2]  # 3 years not covered yet
    one = rows[0]
    assert one["window_start"] == dt.date(2024, 1, 1)
    assert one["window_end"] == dt.date(2024, 12, 1)
    assert one["actual_margin"] == 1800.0
    assert one["trend_baseline"] == pytest.approx(1200.0)
    assert one["incremental_vs_trend"] == pytest.approx(600.0)
    assert one["matched_baseline"] == pytest.approx(1320.0)  # 1,200 grown by 10 %
    assert one["incremental_vs_matched"] == pytest.approx(480.0)
    assert one["matched_accounts"] == 1
    assert one["invested"] == 120.0
    assert one["return_vs_trend"] == pytest.approx((600 - 120) / 120)
    assert one["return_vs_matched"] == pytest.approx((480 - 120) / 120)
    assert rows[1]["actual_margin"] == 3600.0
    assert rows[1]["matched_baseline"] == pytest.approx(2640.0)


def test_a_rising_trend_is_projected_and_too_little_history_gives_no_trend() -> None:
    months = _months(dt.date(2023, 1, 1), 24)
    margin = pa.table(
        {
            "account": ["K"] * 24 + ["N"] * 3,
            "month": months + months[9:12],
            "margin": [float(10 * step) for step in range(24)] + [50.0, 50.0, 50.0],
        }
    )
    accounts = pa.table(
        {
            "account": ["K", "N"],
            "is_key": [True, True],
            "key_since": [dt.date(2024, 1, 1), dt.date(2024, 1, 1)],
            "industry": ["x", "y"],
            "size": ["small", "medium"],
        }
    )
    investments = pa.table(
        {"account": pa.array([], pa.string()), "month": pa.array([], pa.date32()), "amount": pa.array([], pa.float64())}
    )
    rows = return_on_kam(margin, accounts, investments, last_month=dt.date(2024, 12, 1)).to_pylist()
    k, n = rows
    # the line 10 × month continues: months 12…23 sum to 10 × (12 + … + 23) = 2,100 = the actual
    assert k["trend_baseline"] == pytest.approx(2100.0)
    assert k["incremental_vs_trend"] == pytest.approx(0.0, abs=1e-6)
    assert k["matched_baseline"] is None  # no non-key account of that size
    assert k["return_vs_trend"] is None  # nothing invested
    assert n["trend_baseline"] is None  # 3 months of history
