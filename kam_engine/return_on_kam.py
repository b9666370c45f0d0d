"""Return on KAM: what the key-account programme earned against what it cost, per account.

For each key account, the margin earned in the 1, 2 and 3 years after it became key is
compared with two baselines of what it would have earned without KAM:

* **own trend** — a straight line fitted to the account's monthly margin of the 12 months
  before it became key (at least 6 months with data), projected over the same months;
* **matched accounts** — the account's margin of those 12 months, grown as the margin of
  non-key accounts of the same industry and size grew over the same calendar months
  (same size only when the industry has none; none: no matched baseline).

Incremental margin = actual − baseline; return = (incremental − invested) ÷ invested, where
invested is what the account cost the programme over the window (KAM and team hours × rate,
special service costs). A window that the data does not yet cover is left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["return_on_kam"]

_PRE_MONTHS = 12
_MIN_PRE_MONTHS = 6


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def return_on_kam(
    monthly_margin: pa.Table,
    accounts: pa.Table,
    investments: pa.Table,
    *,
    last_month: dt.date,
    horizons: Sequence[int] = (1, 2, 3),
) -> pa.Table:
    """Incremental margin and return per key account and horizon (years).

    Parameters
    ----------
    monthly_margin:
        account, month (date: any day of the month), margin — every account, key or not.
    accounts:
        account, is_key (bool), key_since (date, null for non-key), industry, size.
    investments:
        account, month (date), amount — what each key account cost the programme that month.
    last_month:
        The last complete month of data; windows ending after it are not reported.

    Returns
    -------
    pa.Table
        account, years, window_start, window_end, actual_margin, trend_baseline,
        incremental_vs_trend, matched_baseline, matched_accounts, incremental_vs_matched,
        invested, return_vs_trend, return_vs_matched.
    """
    margin_rows = monthly_margin.to_pylist()
    series: dict[str, dict[int, float]] = {}
    for row in margin_rows:
        months = series.setdefault(str(row["account"]), {})
        index = _month_index(row["month"])
        months[index] = months.get(index, 0.0) + float(row["margin"] or 0.0)
    spend: dict[str, dict[int, float]] = {}
    for row in investments.to_pylist():
        months = spend.setdefault(str(row["account"]), {})
        index = _month_index(row["month"])
        months[index] = months.get(index, 0.0) + float(row["amount"] or 0.0)
    info = accounts.to_pylist()
    non_key = [row for row in info if not row["is_key"]]
    last = _month_index(last_month)
    out: dict[str, list[Any]] = {
        name: []
        for name in (
            "account",
            "years",
            "window_start",
            "window_end",
            "actual_margin",
            "trend_baseline",
            "incremental_vs_trend",
            "matched_baseline",
            "matched_accounts",
            "incremental_vs_matched",
            "invested",
            "return_vs_trend",
            "return_vs_matched",
        )
    }

    def total(account: str, start: int, stop: int) -> float:
        months = series.get(account, {})
        return sum(months.get(index, 0.0) for index in range(start, stop))

    for row in info:
        if not row["is_key"] or row["key_since"] is None:
            continue
        account = str(row["account"])
        start = _month_index(row["key_since"])
        pre = list(range(start - _PRE_MONTHS, start))
        months = series.get(account, {})
        observed = [index for index in pre if index in months]
        pre_total = total(account, start - _PRE_MONTHS, start)
        controls = [
            other["account"]
            for other in non_key
            if other["industry"] == row["industry"] and other["size"] == row["size"]
        ] or [other["account"] for other in non_key if other["size"] == row["size"]]
        controls_pre = sum(total(str(other), start - _PRE_MONTHS, start) for other in controls)
        for years in horizons:
            stop = start + 12 * years
            if stop - 1 > last:
                continue
            actual = total(account, start, stop)
            trend = None
            if len(observed) >= _MIN_PRE_MONTHS:
                slope, intercept = np.polyfit(np.array(observed, float), [months[index] for index in observed], 1)
                trend = float(np.sum(intercept + slope * np.arange(start, stop, dtype=float)))
            matched = None
            if controls and controls_pre > 0:
                growth = sum(total(str(other), start, stop) for other in controls) / (years * controls_pre)
                matched = pre_total * years * growth
            invested = sum(spend.get(account, {}).get(index, 0.0) for index in range(start, stop))
            out["account"].append(account)
            out["years"].append(years)
            out["window_start"].append(dt.date(start // 12, start % 12 + 1, 1))
            out["window_end"].append(dt.date((stop - 1) // 12, (stop - 1) % 12 + 1, 1))
            out["actual_margin"].append(actual)
            out["trend_baseline"].append(trend)
            out["incremental_vs_trend"].append(None if trend is None else actual - trend)
            out["matched_baseline"].append(matched)
            out["matched_accounts"].append(len(controls))
            out["incremental_vs_matched"].append(None if matched is None else actual - matched)
            out["invested"].append(invested)
            out["return_vs_trend"].append(
                None if trend is None or invested <= 0 else (actual - trend - invested) / invested
            )
            out["return_vs_matched"].append(
                None if matched is None or invested <= 0 else (actual - matched - invested) / invested
            )
    return pa.table(out)
