"""Concentration risk: how much of the company's margin leaves with each of its largest accounts.

An account's share is its gross margin over the analysis window divided by the total gross
margin of every analysed account (loss-making ones included, so the shares are of what the
company actually earns). The portfolio's top-1, top-5 and top-10 shares are the margin lost if
the largest one, five or ten accounts left.
"""

from __future__ import annotations

from typing import Any

import ibis
from ibis.expr import types as ir

__all__ = ["concentration_risk", "margin_share", "summarise_concentration_risk"]


def margin_share(accounts: ir.Table, column: str = "gross_margin") -> ir.FloatingValue:
    """Each account's ``column`` over the total (null when the total is not positive).

    A null margin counts 0. Use it in ``accounts.mutate(margin_share=...)``.
    """
    margin = accounts[column].fill_null(0.0).cast("float64")
    total = margin.sum()
    return ibis.ifelse(total > 0, margin / total, ibis.null("float64"))


def concentration_risk(accounts: ir.Table, *, column: str = "gross_margin", top: int = 10) -> ir.Table:
    """The ``top`` largest accounts by ``column`` (ties by code), each with the portfolio totals.

    Parameters
    ----------
    accounts
        ``account`` and ``column`` (a null margin counts 0).
    top
        How many of the largest accounts to list.

    Returns
    -------
    ir.Table
        rank, account, margin, total_margin, top1_margin, top5_margin, top10_margin;
        :func:`summarise_concentration_risk` turns it into the JSON-ready report.
    """
    margin = accounts[column].fill_null(0.0).cast("float64")
    table = accounts.select("account", margin=margin)
    order = [ibis.desc(table.margin), table.account]
    ranked = table.mutate(rank=ibis.row_number().over(order_by=order) + 1)
    totals = ranked.mutate(
        total_margin=ranked.margin.sum(),
        **{f"top{count}_margin": ranked.margin.sum(where=ranked["rank"] <= count) for count in (1, 5, 10)},
    )
    return totals.filter(totals["rank"] <= top).order_by("rank")


def summarise_concentration_risk(rows: list[dict[str, Any]], *, column: str = "gross_margin") -> dict[str, Any]:
    """The margin at stake in the largest accounts, JSON-ready, from :func:`concentration_risk`'s rows.

    Returns
    -------
    dict
        by, total_margin, top1_share, top5_share, top10_share (null when the total margin is
        not positive) and ``accounts``: the largest with their margin and share.
    """
    first = rows[0] if rows else {}
    total = float(first.get("total_margin") or 0.0)

    def share(value: float) -> float | None:
        return None if total <= 0 else round(float(value) / total, 6)

    return {
        "by": column,
        "total_margin": round(total, 2),
        **{f"top{count}_share": share(first.get(f"top{count}_margin") or 0.0) for count in (1, 5, 10)},
        "accounts": [
            {"account": str(row["account"]), "margin": round(float(row["margin"]), 2), "share": share(row["margin"])}
            for row in rows
        ],
    }
