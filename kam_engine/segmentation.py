"""Pareto / ABC classes, concentration (top shares, Herfindahl–Hirschman, Gini) and RFM scores."""

from __future__ import annotations

import ibis
from ibis.expr import types as ir

from kam_engine.config import SegmentationConfig

__all__ = ["concentration", "rfm_scores", "segment_abc"]


def _ranked(metrics: ir.Table, by: str) -> ir.Table:
    """Accounts by ``by`` descending (ties by account): rank, running positive value, total."""
    table = metrics.select("account", value=metrics[by].fill_null(0.0).cast("float64"))
    positive = ibis.greatest(table.value, 0.0)
    order = [ibis.desc(table.value), table.account]
    return table.mutate(
        rank=ibis.row_number().over(order_by=order) + 1,
        running=positive.cumsum(order_by=order),
        total=positive.sum(),
        positive=positive,
    )


def segment_abc(metrics: ir.Table, *, config: SegmentationConfig) -> ir.Table:
    """Give every account its ABC class by ``config.by`` (revenue or gross margin).

    A holds the accounts whose cumulative share *before* them is below ``config.a`` (so the
    account that crosses 80 % is A), B those below ``config.b``, C the rest and every
    account whose value is zero or negative.

    Returns
    -------
    ir.Table
        account, value, rank (1 = largest), cumulative_share, abc_class.
    """
    ranked = _ranked(metrics, config.by)
    total = ibis.ifelse(ranked.total > 0, ranked.total, ibis.null("float64"))
    before = (ranked.running - ranked.positive) / total
    abc_class = ibis.cases(
        (ranked.value <= 0, "C"),
        (before < config.a, "A"),
        (before < config.b, "B"),
        else_="C",
    )
    return ranked.select("account", "value", "rank", cumulative_share=ranked.running / total, abc_class=abc_class)


def concentration(metrics: ir.Table, *, by: str = "revenue", top_n: int = 10) -> ir.Table:
    """Measure how concentrated the portfolio is, over accounts whose value is positive.

    Returns
    -------
    ir.Table
        One row: accounts, total, top1_share, top5_share, top10_share, top20_share,
        top_n_share, accounts_for_80_percent, hhi (Σ share² × 10,000), gini.
    """
    positive = metrics.filter(metrics[by] > 0)
    ranked = _ranked(positive, by)
    ranked = ranked.mutate(n=ranked.value.count().cast("float64"))
    share = ranked.value / ranked.total
    ascending_rank = (ranked.n - ranked.rank + 1).cast("float64")

    def top(fraction: float) -> ir.FloatingScalar:
        return ranked.value.sum(where=ranked.rank <= (ranked.n * fraction).ceil()) / ranked.total.max()

    return ranked.aggregate(
        accounts=ranked.account.count(),
        total=ranked.value.sum(),
        top1_share=top(0.01),
        top5_share=top(0.05),
        top10_share=top(0.10),
        top20_share=top(0.20),
        top_n_share=ranked.value.sum(where=ranked.rank <= top_n) / ranked.total.max(),
        accounts_for_80_percent=ranked.rank.min(where=ranked.running / ranked.total >= 0.8 - 1e-12),
        hhi=(share * share).sum() * 10_000.0,
        gini=2.0 * (ascending_rank * ranked.value).sum() / (ranked.n.max() * ranked.value.sum())
        - (ranked.n.max() + 1.0) / ranked.n.max(),
    )


def rfm_scores(metrics: ir.Table) -> ir.Table:
    """Score recency, frequency and revenue in quintiles, 5 being best (ties broken by account).

    Returns
    -------
    ir.Table
        account, recency_score, frequency_score, monetary_score, rfm (e.g. ``"545"``).
    """
    recency = ibis.ntile(5).over(order_by=[ibis.desc(metrics.recency_days), ibis.desc(metrics.account)]) + 1
    frequency = ibis.ntile(5).over(order_by=[metrics.frequency, metrics.account]) + 1
    monetary = ibis.ntile(5).over(order_by=[metrics.revenue, metrics.account]) + 1
    scored = metrics.select("account", recency_score=recency, frequency_score=frequency, monetary_score=monetary)
    return scored.mutate(
        rfm=scored.recency_score.cast("string")
        .concat(scored.frequency_score.cast("string"))
        .concat(scored.monetary_score.cast("string"))
    )
