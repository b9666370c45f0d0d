"""Per-account metrics over an analysis window: revenue, margin, orders, recency, growth, trend.

Rules for dirty data (each counted in the output, never dropped silently):

- credit notes and cancellations (negative lines) are netted into revenue (``credit_note_lines``);
- zero-price lines are kept (``zero_price_lines``);
- a line without cost counts 0 cost of goods (``lines_without_cost``);
- a line without list revenue counts its net revenue as list revenue, so no discount is invented.
"""

from __future__ import annotations

import datetime as dt

import ibis
from ibis.expr import types as ir

from kam_engine.config import PeriodConfig
from kam_engine.periods import month_index, months_before

__all__ = ["account_metrics", "monthly_revenue"]


def account_metrics(lines: ir.Table, accounts: ir.Table, *, as_of: dt.date, period: PeriodConfig) -> ir.Table:
    """Compute one row per account with at least one invoice line on or before ``as_of``.

    Parameters
    ----------
    lines
        Invoice lines (``kam_engine.schemas.INVOICE_LINES``, money as float64).
    accounts
        ``code``, ``estimated_wallet``, ``is_key_account``.
    as_of
        Last day of the window.
    period
        ``months`` (the window: ``as_of − months < date ≤ as_of``) and ``trend_months``.

    Returns
    -------
    ir.Table
        account, revenue, list_revenue, cost_of_goods, gross_margin, margin_pct, orders,
        lines, credit_note_lines, zero_price_lines, lines_without_cost, first_purchase,
        last_purchase, recency_days, tenure_days, frequency, average_order_value,
        revenue_previous, growth_yoy, trend_slope, share_of_wallet, estimated_wallet,
        is_key_account.
    """
    start = months_before(as_of, period.months)
    previous = months_before(start, period.months)
    trend_first = months_before(as_of.replace(day=1), period.trend_months - 1)
    n = float(period.trend_months)
    sum_x = n * (n - 1) / 2
    sum_xx = (n - 1) * n * (2 * n - 1) / 6

    history = lines.filter(lines.date <= as_of)
    net = history.net_revenue.fill_null(0.0)
    in_window = history.date > start
    in_previous = (history.date > previous) & (history.date <= start)
    in_trend = history.date >= trend_first
    x = (history.date.year() * 12 + history.date.month() - 1 - month_index(trend_first)).cast("float64")
    grouped = history.group_by("account").aggregate(
        revenue=net.sum(where=in_window),
        list_revenue=history.list_revenue.coalesce(net).sum(where=in_window),
        cost_of_goods=history.cost.fill_null(0.0).sum(where=in_window),
        orders=history.order_ref.coalesce(history.invoice).nunique(where=in_window),
        lines=history.invoice.count(where=in_window),
        credit_note_lines=history.invoice.count(where=in_window & (net < 0)),
        zero_price_lines=history.invoice.count(where=in_window & (net == 0)),
        lines_without_cost=history.invoice.count(where=in_window & history.cost.isnull()),
        first_purchase=history.date.min(),
        last_purchase=history.date.max(),
        revenue_previous=net.sum(where=in_previous),
        trend_sum_y=net.sum(where=in_trend),
        trend_sum_xy=(x * net).sum(where=in_trend),
    )
    revenue = grouped.revenue.fill_null(0.0)
    orders = grouped.orders.fill_null(0)
    previous_revenue = grouped.revenue_previous.fill_null(0.0)
    cost = grouped.cost_of_goods.fill_null(0.0)
    sum_y = grouped.trend_sum_y.fill_null(0.0)
    sum_xy = grouped.trend_sum_xy.fill_null(0.0)
    slope = (n * sum_xy - sum_x * sum_y) / (n * sum_xx - sum_x * sum_x) if n > 1 else ibis.literal(None, "float64")
    as_of_value = ibis.literal(as_of)
    metrics = grouped.mutate(
        revenue=revenue,
        list_revenue=grouped.list_revenue.fill_null(0.0),
        cost_of_goods=cost,
        gross_margin=revenue - cost,
        margin_pct=ibis.ifelse(revenue > 0, (revenue - cost) / revenue, ibis.null("float64")),
        orders=orders,
        frequency=orders,
        recency_days=as_of_value.delta(grouped.last_purchase, unit="day"),
        tenure_days=as_of_value.delta(grouped.first_purchase, unit="day"),
        average_order_value=ibis.ifelse(orders > 0, revenue / orders.cast("float64"), ibis.null("float64")),
        revenue_previous=previous_revenue,
        growth_yoy=ibis.ifelse(previous_revenue > 0, revenue / previous_revenue - 1.0, ibis.null("float64")),
        trend_slope=slope,
    ).drop("trend_sum_y", "trend_sum_xy")
    joined = metrics.left_join(accounts, metrics.account == accounts.code)
    wallet = joined.estimated_wallet
    return joined.select(
        *metrics.columns,
        share_of_wallet=ibis.ifelse(wallet > 0, joined.revenue / wallet, ibis.null("float64")),
        estimated_wallet=wallet,
        is_key_account=joined.is_key_account.fill_null(False),
    )


def monthly_revenue(lines: ir.Table, *, as_of: dt.date, months: int) -> ir.Table:
    """Revenue per account and calendar month over the ``months`` months ending with ``as_of``'s month.

    Returns
    -------
    ir.Table
        account, month (first day of the month), revenue.
    """
    first = months_before(as_of.replace(day=1), months - 1)
    window = lines.filter((lines.date >= first) & (lines.date <= as_of))
    return (
        window.mutate(month=window.date.truncate("M"))
        .group_by(["account", "month"])
        .aggregate(revenue=window.net_revenue.fill_null(0.0).sum())
    )
