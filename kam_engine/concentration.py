"""Concentration risk: how much of the company's margin leaves with each of its largest accounts.

An account's share is its gross margin over the analysis window divided by the total gross
margin of every analysed account (loss-making ones included, so the shares are of what the
company actually earns). The portfolio's top-1, top-5 and top-10 shares are the margin lost if
the largest one, five or ten accounts left.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["concentration_risk", "margin_shares"]


def margin_shares(accounts: pa.Table, column: str = "gross_margin") -> pa.Array:  # type: ignore[type-arg]
    """Each account's ``column`` over the total (null when the total is not positive)."""
    margin = np.nan_to_num(
        np.asarray(accounts.column(column).to_numpy(zero_copy_only=False), dtype=np.float64), nan=0.0
    )
    total = float(margin.sum())
    if total <= 0:
        return pa.nulls(len(margin), type=pa.float64())
    return pa.array(margin / total, type=pa.float64())


def concentration_risk(accounts: pa.Table, *, column: str = "gross_margin", top: int = 10) -> dict[str, Any]:
    """The margin at stake in the largest accounts, JSON-ready.

    Parameters
    ----------
    accounts
        ``account`` and ``column`` (a null margin counts 0).
    top
        How many of the largest accounts to list.

    Returns
    -------
    dict
        by, total_margin, top1_share, top5_share, top10_share (null when the total margin is
        not positive) and ``accounts``: the ``top`` largest (ties by code) with their margin
        and share.
    """
    codes = accounts.column("account").to_pylist()
    margin = np.nan_to_num(
        np.asarray(accounts.column(column).to_numpy(zero_copy_only=False), dtype=np.float64), nan=0.0
    )
    total = float(margin.sum())
    order = sorted(range(len(codes)), key=lambda index: (-margin[index], str(codes[index])))
    ranked = margin[np.asarray(order, dtype=np.int64)]

    def share(count: int) -> float | None:
        if total <= 0:
            return None
        return round(float(ranked[:count].sum()) / total, 6)

    return {
        "by": column,
        "total_margin": round(total, 2),
        "top1_share": share(1),
        "top5_share": share(5),
        "top10_share": share(10),
        "accounts": [
            {
                "account": str(codes[index]),
                "margin": round(float(margin[index]), 2),
                "share": None if total <= 0 else round(float(margin[index]) / total, 6),
            }
            for index in order[:top]
        ],
    }
