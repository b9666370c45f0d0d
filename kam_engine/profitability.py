"""Activity-based cost-to-serve, customer profit, the whale curve and the Shapiro matrix.

Kaplan & Narayanan (2001): customer profit = net revenue − cost of goods − the cost of
the activities the customer causes − customer-specific costs. Shapiro et al. (1987):
net price realised against cost to serve.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import ibis
from ibis.expr import types as ir

from kam_engine.config import CostToServeConfig, PeriodConfig, ShapiroConfig
from kam_engine.periods import months_before

__all__ = [
    "WhaleSummary",
    "cost_to_serve_by_activity",
    "customer_profitability",
    "shapiro_matrix",
    "unrated_activities",
    "whale_curve",
    "whale_summary",
]


def _in_window(activities: ir.Table, as_of: dt.date, period: PeriodConfig) -> ir.Table:
    return activities.filter((activities.date > months_before(as_of, period.months)) & (activities.date <= as_of))


def _rate(activity: ir.StringValue, config: CostToServeConfig) -> ir.FloatingValue:
    cases = [(activity == name, ibis.literal(rate, "float64")) for name, rate in sorted(config.rates.items())]
    return ibis.cases(*cases, else_=ibis.null("float64")) if cases else ibis.null("float64")


def cost_to_serve_by_activity(
    activities: ir.Table, *, as_of: dt.date, period: PeriodConfig, config: CostToServeConfig
) -> ir.Table:
    """Cost each activity in the window: its explicit ``cost``, else ``quantity × rate``.

    Returns
    -------
    ir.Table
        account, activity, quantity, cost.
    """
    window = _in_window(activities, as_of, period)
    quantity = window.quantity.fill_null(1.0)
    cost = window.cost.coalesce(quantity * _rate(window.activity, config)).fill_null(0.0)
    return window.group_by(["account", "activity"]).aggregate(quantity=quantity.sum(), cost=cost.sum())


def unrated_activities(
    activities: ir.Table, *, as_of: dt.date, period: PeriodConfig, config: CostToServeConfig
) -> ir.Table:
    """Activities with neither a cost nor a rate (they cost 0): the summary names them.

    Returns
    -------
    ir.Table
        activity, lines, quantity.
    """
    window = _in_window(activities, as_of, period)
    unrated = window.filter(window.cost.isnull() & _rate(window.activity, config).isnull())
    return unrated.group_by("activity").aggregate(lines=unrated.activity.count(), quantity=unrated.quantity.sum())


def customer_profitability(metrics: ir.Table, costs_by_activity: ir.Table, *, config: CostToServeConfig) -> ir.Table:
    """Turn revenue into customer profit after cost-to-serve.

    Discounts (list − net revenue) are reported but not subtracted: net revenue is already
    after them. Rebates and payment terms are account-specific costs; service charges the
    customer paid (the metrics' ``charges``, when present) are subtracted from the cost.

    Returns
    -------
    ir.Table
        account, revenue, list_revenue, cost_of_goods, gross_margin, activity_cost, discounts,
        rebates, payment_terms_cost, charges_recovered, cost_to_serve, cost_to_serve_pct,
        customer_profit, profit_pct.
    """
    activity_cost = costs_by_activity.group_by("account").aggregate(activity_cost=costs_by_activity.cost.sum())
    joined = metrics.left_join(activity_cost, metrics.account == activity_cost.account)
    revenue = joined.revenue.fill_null(0.0)
    cost_of_goods = joined.cost_of_goods.fill_null(0.0)
    activity = joined.activity_cost.fill_null(0.0)
    # A net credit (negative revenue) earns no rebate and ties up no capital.
    billed = ibis.greatest(revenue, 0.0)
    rebates = billed * config.rebate_rate
    payment_terms = billed * (config.payment_days / 365.0 * config.cost_of_capital)
    # Service charges billed to the customer (postage, fees) recover part of the cost to serve.
    charges = joined.charges.fill_null(0.0) if "charges" in metrics.columns else ibis.literal(0.0)
    cost_to_serve = activity + rebates + payment_terms - charges
    profit = revenue - cost_of_goods - cost_to_serve
    return joined.select(
        account=joined.account,
        revenue=revenue,
        list_revenue=joined.list_revenue.fill_null(0.0),
        cost_of_goods=cost_of_goods,
        gross_margin=revenue - cost_of_goods,
        activity_cost=activity,
        discounts=ibis.greatest(joined.list_revenue.fill_null(0.0) - revenue, 0.0),
        rebates=rebates,
        payment_terms_cost=payment_terms,
        charges_recovered=charges,
        cost_to_serve=cost_to_serve,
        cost_to_serve_pct=ibis.ifelse(revenue > 0, cost_to_serve / revenue, ibis.null("float64")),
        customer_profit=profit,
        profit_pct=ibis.ifelse(revenue > 0, profit / revenue, ibis.null("float64")),
    )


def whale_curve(profitability: ir.Table) -> ir.Table:
    """Rank accounts by customer profit (most profitable first) and accumulate it.

    Returns
    -------
    ir.Table
        rank, account, customer_profit, cumulative_profit, cumulative_profit_share,
        cumulative_account_share.
    """
    order = [ibis.desc(profitability.customer_profit), profitability.account]
    ranked = profitability.select(
        "account",
        "customer_profit",
        rank=ibis.row_number().over(order_by=order) + 1,
        cumulative_profit=profitability.customer_profit.cumsum(order_by=order),
        total=profitability.customer_profit.sum(),
        accounts=profitability.account.count(),
    )
    total = ibis.ifelse(ranked.total != 0, ranked.total, ibis.null("float64"))
    return ranked.select(
        "rank",
        "account",
        "customer_profit",
        "cumulative_profit",
        cumulative_profit_share=ranked.cumulative_profit / total,
        cumulative_account_share=ranked.rank.cast("float64") / ranked.accounts.cast("float64"),
    )


@dataclass(frozen=True, slots=True)
class WhaleSummary:
    """The shape of the whale curve: how high it peaks, where, and what the tail loses."""

    total_profit: float
    profitable_profit: float
    peak_share: float
    peak_at_accounts: int
    peak_at_account_share: float
    loss_making_accounts: int
    tail_loss: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any] | None) -> WhaleSummary:
        """Round the one row of :func:`whale_summary` (None: an empty portfolio)."""
        if row is None or not row["accounts"]:
            return cls(0.0, 0.0, 0.0, 0, 0.0, 0, 0.0)
        return cls(
            total_profit=round(float(row["total_profit"] or 0.0), 2),
            profitable_profit=round(float(row["profitable_profit"] or 0.0), 2),
            peak_share=round(float(row["peak_share"]), 6),
            peak_at_accounts=int(row["peak_at_accounts"]),
            peak_at_account_share=round(int(row["peak_at_accounts"]) / int(row["accounts"]), 6),
            loss_making_accounts=int(row["loss_making_accounts"]),
            tail_loss=round(float(row["tail_loss"] or 0.0), 2),
        )


def whale_summary(curve: ir.Table) -> ir.Table:
    """Summarise a whale curve computed by :func:`whale_curve`, on the backend.

    A null cumulative share (a portfolio whose total profit is 0) counts as 0, and the peak
    is the first (smallest rank) point where the curve is highest.

    Returns
    -------
    ir.Table
        One row: accounts, total_profit, profitable_profit, peak_share, peak_at_accounts,
        loss_making_accounts, tail_loss. :meth:`WhaleSummary.from_row` rounds it.
    """
    share = curve.cumulative_profit_share.fill_null(0.0)
    profit = curve.customer_profit.fill_null(0.0)
    peaked = curve.mutate(share=share, profit=profit, peak=share.max())
    return peaked.aggregate(
        accounts=peaked.account.count(),
        total_profit=peaked.profit.sum(),
        profitable_profit=peaked.profit.sum(where=peaked.profit > 0).fill_null(0.0),
        peak_share=peaked.share.max(),
        peak_at_accounts=peaked["rank"].min(where=peaked.share == peaked.peak),
        loss_making_accounts=peaked.account.count(where=peaked.profit < 0),
        tail_loss=-(peaked.profit.sum(where=peaked.profit < 0).fill_null(0.0)),
    )


def shapiro_matrix(profitability: ir.Table, *, config: ShapiroConfig) -> ir.Table:
    """Place each account in the Shapiro matrix: net price realised against cost to serve.

    Both indices are relative to the portfolio's revenue-weighted averages, so 1.0 is the
    average account.

    Returns
    -------
    ir.Table
        account, net_price_ratio, net_price_index, cost_to_serve_index, quadrant
        (carriage_trade, passive, aggressive, bargain_basement; null without a price or cost).
    """
    table = profitability
    ratio = ibis.ifelse(table.list_revenue > 0, table.revenue / table.list_revenue, ibis.null("float64"))
    portfolio_ratio = table.revenue.sum() / ibis.ifelse(table.list_revenue.sum() > 0, table.list_revenue.sum(), None)
    portfolio_cost = table.cost_to_serve.sum() / ibis.ifelse(table.revenue.sum() > 0, table.revenue.sum(), None)
    indexed = table.select(
        "account",
        net_price_ratio=ratio,
        net_price_index=ratio / portfolio_ratio,
        cost_to_serve_index=table.cost_to_serve_pct / ibis.ifelse(portfolio_cost > 0, portfolio_cost, None),
    )
    high_price = indexed.net_price_index >= config.price_cutoff
    high_cost = indexed.cost_to_serve_index >= config.cost_cutoff
    quadrant = ibis.cases(
        (indexed.net_price_index.isnull() | indexed.cost_to_serve_index.isnull(), ibis.null("string")),
        (high_price & high_cost, "carriage_trade"),
        (high_price, "passive"),
        (high_cost, "aggressive"),
        else_="bargain_basement",
    )
    return indexed.mutate(quadrant=quadrant)
