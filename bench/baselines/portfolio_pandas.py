"""Baseline: the portfolio figures of `kam analyze` in idiomatic pandas, from Parquet.

Same window, rates and rules as the engine's defaults. Prints the total revenue and the
number of accounts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

RATES = {
    "order": 25.0,
    "order_line": 2.5,
    "delivery": 40.0,
    "rush_order": 120.0,
    "return": 60.0,
    "visit": 180.0,
    "support_ticket": 35.0,
}


def main() -> None:
    folder, suffix, as_of_text = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    as_of = pd.Timestamp(as_of_text)
    start, previous = as_of - pd.DateOffset(months=12), as_of - pd.DateOffset(months=24)
    lines = pd.read_parquet(
        folder / f"invoice_lines-{suffix}.parquet",
        columns=["invoice", "account", "date", "net_revenue", "list_revenue", "cost", "order_ref"],
    )
    lines["date"] = pd.to_datetime(lines["date"])
    for column in ("net_revenue", "list_revenue", "cost"):
        lines[column] = lines[column].astype("float64")
    lines = lines[lines["date"] <= as_of]
    lines["list_revenue"] = lines["list_revenue"].fillna(lines["net_revenue"])
    lines["no_cost"] = lines["cost"].isna()
    lines["cost"] = lines["cost"].fillna(0.0)
    lines["order_key"] = lines["order_ref"].fillna(lines["invoice"])
    window = lines[lines["date"] > start]
    metrics = window.groupby("account").agg(
        revenue=("net_revenue", "sum"),
        list_revenue=("list_revenue", "sum"),
        cost_of_goods=("cost", "sum"),
        lines=("net_revenue", "size"),
        orders=("order_key", "nunique"),
        credit_note_lines=("net_revenue", lambda s: int((s < 0).sum())),
        lines_without_cost=("no_cost", "sum"),
    )
    history = lines.groupby("account")["date"].agg(first_purchase="min", last_purchase="max")
    prior = lines[(lines["date"] > previous) & (lines["date"] <= start)].groupby("account")["net_revenue"].sum()
    metrics = history.join(metrics, how="left").join(prior.rename("revenue_previous"), how="left")
    monthly = window.assign(month=window["date"].dt.to_period("M")).groupby(["account", "month"])["net_revenue"].sum()
    months = pd.period_range(end=as_of.to_period("M"), periods=12, freq="M")
    grid = (
        monthly.unstack(fill_value=0.0).reindex(columns=months, fill_value=0.0).reindex(metrics.index, fill_value=0.0)
    )
    x = np.arange(12, dtype="float64")
    metrics["trend_slope"] = (grid.to_numpy() @ (x - x.mean())) / ((x - x.mean()) ** 2).sum()

    activities = pd.read_parquet(folder / f"activities-{suffix}.parquet")
    activities["date"] = pd.to_datetime(activities["date"])
    activities = activities[(activities["date"] > start) & (activities["date"] <= as_of)]
    quantity = activities["quantity"].astype("float64")
    activities["amount"] = (
        activities["cost"].astype("float64").fillna(quantity * activities["activity"].map(RATES).fillna(0.0))
    )
    costs = activities.groupby("account")["amount"].sum()

    deliveries = pd.read_parquet(folder / f"deliveries-{suffix}.parquet")
    for column in ("promised_date", "delivered_date"):
        deliveries[column] = pd.to_datetime(deliveries[column])
    due = deliveries[
        (deliveries["promised_date"] > start)
        & (deliveries["promised_date"] <= as_of)
        & (deliveries["delivered_date"].notna() | (deliveries["promised_date"] < as_of))
    ].copy()
    due["on_time"] = (due["delivered_date"] <= due["promised_date"]).astype(float)
    due["otif"] = due["on_time"] * due["in_full"].astype(float)
    service = due.groupby("account")[["on_time", "otif"]].mean()

    profit = metrics.join(costs.rename("activity_cost"), how="left").join(service, how="left")
    profit["activity_cost"] = profit["activity_cost"].fillna(0.0)
    revenue = profit["revenue"].fillna(0.0)
    profit["cost_to_serve"] = profit["activity_cost"] + revenue * 30 / 365 * 0.08
    profit["customer_profit"] = revenue - profit["cost_of_goods"].fillna(0.0) - profit["cost_to_serve"]
    ranked = revenue.clip(lower=0).sort_values(ascending=False, kind="stable")
    share = ranked.cumsum() / ranked.sum()
    before = share - ranked / ranked.sum()
    profit["abc_class"] = pd.Series(
        np.select([ranked <= 0, before < 0.8, before < 0.95], ["C", "A", "B"], "C"), index=ranked.index
    )
    whale = profit["customer_profit"].sort_values(ascending=False).cumsum() / profit["customer_profit"].sum()
    print(
        json.dumps(
            {"revenue": round(float(revenue.sum()), 2), "accounts": len(profit), "whale_peak": float(whale.max())}
        )
    )


if __name__ == "__main__":
    main()
