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

__all__ = ["account_metrics", "monthly_revenue", "revenue_trend"]


def account_metrics(
    lines: ir.Table,
    accounts: ir.Table,
    *,
    as_of: dt.date,
    period: PeriodConfig,
    charge_products: tuple[str, ...] = (),
) -> ir.Table:
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
        ``months``: the window is ``as_of − months < date ≤ as_of``.
    charge_products
        Product codes of lines that are charges for a service (postage, fees), not sales:
        they are left out of revenue and summed as ``charges`` (``charge_lines`` counts them).

    Returns
    -------
    ir.Table
        account, revenue, list_revenue, cost_of_goods, gross_margin, margin_pct, orders,
        lines, credit_note_lines, zero_price_lines, lines_without_cost, first_purchase,
        last_purchase, recency_days, tenure_days, frequency, average_order_value,
        revenue_previous, growth_yoy, share_of_wallet, estimated_wallet, is_key_account.
        The trend comes from :func:`revenue_trend`, over the monthly series.
    """
    start = months_before(as_of, period.months)
    previous = months_before(start, period.months)

    history = lines.filter(lines.date <= as_of)
    is_charge = (
        history["product"].isin(list(charge_products)).fill_null(False) if charge_products else ibis.literal(False)
    )
    raw_net = history.net_revenue.fill_null(0.0)
    net = ibis.ifelse(is_charge, 0.0, raw_net)
    in_window = history.date > start
    sale = in_window & ~is_charge
    in_previous = (history.date > previous) & (history.date <= start)
    grouped = history.group_by("account").aggregate(
        revenue=net.sum(where=in_window),
        list_revenue=history.list_revenue.coalesce(raw_net).sum(where=sale),
        cost_of_goods=history.cost.fill_null(0.0).sum(where=sale),
        lines=history.invoice.count(where=sale),
        credit_note_lines=history.invoice.count(where=sale & (raw_net < 0)),
        zero_price_lines=history.invoice.count(where=sale & (raw_net == 0)),
        lines_without_cost=history.invoice.count(where=sale & history.cost.isnull()),
        first_purchase=history.date.min(),
        last_purchase=history.date.max(),
        revenue_previous=net.sum(where=in_previous),
        charges=raw_net.sum(where=in_window & is_charge),
        charge_lines=history.invoice.count(where=in_window & is_charge),
    )
    # Distinct orders in their own pass: a COUNT(DISTINCT) inside the wide aggregate above
    # measured four times slower on 30 million lines.
    window = history.filter(in_window)
    order_keys = window.select("account", order=window.order_ref.coalesce(window.invoice)).distinct()
    order_counts = order_keys.group_by("account").aggregate(orders=order_keys.order.count())
    grouped = grouped.left_join(order_counts, grouped.account == order_counts.account).drop("account_right")
    revenue = grouped.revenue.fill_null(0.0)
    orders = grouped.orders.fill_null(0)
    previous_revenue = grouped.revenue_previous.fill_null(0.0)
    cost = grouped.cost_of_goods.fill_null(0.0)
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
        charges=grouped.charges.fill_null(0.0),
        growth_yoy=ibis.ifelse(previous_revenue > 0, revenue / previous_revenue - 1.0, ibis.null("float64")),
    )
    joined = metrics.left_join(accounts, metrics.account == accounts.code)
    wallet = joined.estimated_wallet
    return joined.select(
        *metrics.columns,
        share_of_wallet=ibis.ifelse(wallet > 0, joined.revenue / wallet, ibis.null("float64")),
        estimated_wallet=wallet,
        is_key_account=joined.is_key_account.fill_null(False),
    )


def monthly_revenue(lines: ir.Table, *, as_of: dt.date, months: int, charge_products: tuple[str, ...] = ()) -> ir.Table:
    """Revenue per account and calendar month over the ``months`` months ending with ``as_of``'s month.

    Returns
    -------
    ir.Table
        account, month (first day of the month), revenue.
    """
    first = months_before(as_of.replace(day=1), months - 1)
    window = lines.filter((lines.date >= first) & (lines.date <= as_of))
    if charge_products:
        window = window.filter(~window["product"].isin(list(charge_products)).fill_null(False))
    return (
        window.mutate(month=window.date.truncate("M"))
        .group_by(["account", "month"])
        .aggregate(revenue=window.net_revenue.fill_null(0.0).sum())
    )


def revenue_trend(monthly: ir.Table, *, as_of: dt.date, months: int) -> ir.Table:
    """The least-squares slope of each account's monthly revenue (per month).

    ``monthly`` is :func:`monthly_revenue` over the same ``months``; months without sales
    count as zero, which the closed form handles without building the dense grid: with
    x = 0..n−1, slope = (n·Σxy − Σx·Σy) / (n·Σx² − (Σx)²).

    Returns
    -------
    ir.Table
        account, trend_slope.
    """
    n = float(months)
    sum_x = n * (n - 1) / 2
    sum_xx = (n - 1) * n * (2 * n - 1) / 6
    first = month_index(months_before(as_of.replace(day=1), months - 1))
    x = (monthly.month.year() * 12 + monthly.month.month() - 1 - first).cast("float64")
    sums = monthly.group_by("account").aggregate(sum_y=monthly.revenue.sum(), sum_xy=(x * monthly.revenue).sum())
    if months < 2:
        return sums.select("account", trend_slope=ibis.null("float64"))
    return sums.select("account", trend_slope=(n * sums.sum_xy - sum_x * sums.sum_y) / (n * sum_xx - sum_x * sum_x))
