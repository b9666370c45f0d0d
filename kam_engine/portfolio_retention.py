"""BG/NBD + Gamma-Gamma inside ``kam analyze``: who is still buying, and what they are worth.

Customers are accounts. A purchase is an order — ``order_ref``, else the invoice, the key
of the analysis's ``orders`` — dated on its first invoice line; an account's orders of one
day are one purchase (the models count purchase days, as :mod:`kam_engine.retention` does).
Service charges (``charge_products``) are not sales, and an order whose net revenue is not
positive (a credit note or a cancellation on its own) is not a purchase. A purchase's value
is its margin: net revenue less cost of goods (a line without cost counts 0).

The per-account summary (x, t_x, T, m_x, in weeks up to the calibration end) is computed on
the backend (DuckDB or Spark) with Ibis and materialised — one small row per account —; the
models are fitted with numpy and scipy by :mod:`kam_engine.retention`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pyarrow as pa
from ibis.expr import types as ir

from kam_engine.config import RetentionConfig

# The models (kam_engine.retention) load scipy and pandas, about 1.9 s of start-up: they are
# imported inside the functions that fit them, so an analysis with retention disabled (and
# every process that imports kam_engine.analysis without analysing) does not pay for them.
if TYPE_CHECKING:
    from kam_engine.retention import BgNbdParameters, GammaGammaParameters

__all__ = [
    "EXPECTED_PURCHASES_WEEKS",
    "RETENTION_COLUMNS",
    "TIME_UNITS_PER_MONTH",
    "AccountRetention",
    "account_retention",
    "purchase_summary",
]

# Weeks: the time unit of t_x and T, as in the papers.
EXPECTED_PURCHASES_WEEKS = 52.0
TIME_UNITS_PER_MONTH = 30.0 / 7.0  # the lifetimes reference implementation's month
WEEK_DAYS = 7.0

RETENTION_COLUMNS: tuple[str, ...] = (
    "purchases",
    "repeat_purchases",
    "t_x_weeks",
    "T_weeks",
    "mean_repeat_margin",
    "probability_alive",
    "churn_risk",
    "expected_purchases_12m",
    "expected_margin_per_purchase",
    "clv",
    "declining",
)


def purchase_summary(
    lines: ir.Table,
    *,
    calibration_end: dt.date,
    holdout_end: dt.date | None = None,
    charge_products: tuple[str, ...] = (),
) -> ir.Table:
    """Per account with a purchase up to ``calibration_end``: the models' summary, in weeks.

    Returns
    -------
    ir.Table
        account, purchases (purchase days), x (repeat purchases), t_x, T (weeks from the
        first purchase to the last one and to ``calibration_end``), m_x (mean margin of the
        repeat purchases; null without any) and, with ``holdout_end``, holdout_purchases
        (purchase days after ``calibration_end`` up to ``holdout_end``).
    """
    stop = holdout_end or calibration_end
    history = lines.filter(lines.date <= stop)
    if charge_products:
        history = history.filter(~history["product"].isin(list(charge_products)).fill_null(False))
    keyed = history.mutate(order=history.order_ref.coalesce(history.invoice))
    orders = keyed.group_by(["account", "order"]).aggregate(
        day=keyed.date.min(),
        net=keyed.net_revenue.fill_null(0.0).sum(),
        cost=keyed.cost.fill_null(0.0).sum(),
    )
    orders = orders.filter(orders.net > 0)
    days = orders.group_by(["account", "day"]).aggregate(margin=(orders.net - orders.cost).sum())
    calibration = days.filter(days.day <= calibration_end)
    calibration = calibration.mutate(first_day=calibration.day.min().over(ibis.window(group_by="account")))
    repeat = calibration.day > calibration.first_day
    grouped = calibration.group_by("account").aggregate(
        purchases=calibration.count(),
        first_purchase=calibration.day.min(),
        last_purchase=calibration.day.max(),
        repeat_margin=calibration.margin.sum(where=repeat),
    )
    x = (grouped.purchases - 1).cast("int64")
    end = ibis.literal(calibration_end)
    summary = grouped.select(
        "account",
        purchases=grouped.purchases.cast("int64"),
        x=x,
        t_x=grouped.last_purchase.delta(grouped.first_purchase, unit="day").cast("float64") / WEEK_DAYS,
        T=end.delta(grouped.first_purchase, unit="day").cast("float64") / WEEK_DAYS,
        m_x=ibis.ifelse(x > 0, grouped.repeat_margin.fill_null(0.0) / x.cast("float64"), ibis.null("float64")),
    )
    if holdout_end is None:
        return summary
    later = days.filter(days.day > calibration_end)
    counts = later.group_by("account").aggregate(later_purchases=later.count())
    joined = summary.left_join(counts, summary.account == counts.account)
    return joined.select(*summary.columns, holdout_purchases=joined.later_purchases.fill_null(0).cast("int64"))


@dataclass(frozen=True, slots=True)
class AccountRetention:
    """The models' results for the analysis: per-account figures and the portfolio report.

    ``accounts`` has one row per account with a purchase (:data:`RETENTION_COLUMNS`, nulls
    when a model could not be fitted). ``report`` is JSON-ready: the fitted parameters,
    counts, the holdout check and the warnings.
    """

    accounts: pa.Table
    report: dict[str, Any] = field(default_factory=dict)


def _floats(table: pa.Table, column: str) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(table.column(column).to_numpy(zero_copy_only=False), dtype=np.float64)


def _nullable(values: np.ndarray[Any, np.dtype[np.float64]] | None, count: int) -> pa.Array:  # type: ignore[type-arg]
    if values is None:
        return pa.nulls(count, type=pa.float64())
    return pa.array(values, type=pa.float64(), from_pandas=True)


def discounted_purchases(
    params: BgNbdParameters,
    x: np.ndarray[Any, np.dtype[np.float64]],
    t_x: np.ndarray[Any, np.dtype[np.float64]],
    big_t: np.ndarray[Any, np.dtype[np.float64]],
    *,
    months: int,
    monthly_discount_rate: float,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Σₖ (E[Y(k months)] − E[Y(k − 1 months)]) / (1 + d)ᵏ: CLV per unit of value per purchase.

    Times ``E[M]`` this is :func:`kam_engine.retention.customer_lifetime_value`; kept apart
    so accounts without a positive mean margin can be valued at the population mean.
    """
    from kam_engine.retention import conditional_expected_purchases

    total = np.zeros(len(x), dtype=np.float64)
    previous = np.zeros_like(total)
    for month in range(1, months + 1):
        expected = conditional_expected_purchases(params, month * TIME_UNITS_PER_MONTH, x, t_x, big_t)
        total += (expected - previous) / (1 + monthly_discount_rate) ** month
        previous = expected
    return total


def _bgnbd_dict(params: BgNbdParameters) -> dict[str, float]:
    return {
        "r": params.r,
        "alpha": params.alpha,
        "a": params.a,
        "b": params.b,
        "log_likelihood": params.log_likelihood,
    }


def _gamma_gamma_dict(params: GammaGammaParameters) -> dict[str, float]:
    return {"p": params.p, "q": params.q, "gamma": params.gamma, "log_likelihood": params.log_likelihood}


def _holdout(summary: pa.Table | None, config: RetentionConfig, calibration_end: dt.date) -> dict[str, Any]:
    """Fit on the calibration summary and compare with the holdout purchases, by frequency."""
    from kam_engine.retention import RetentionFitError, fit_bgnbd, holdout_by_frequency

    weeks = config.holdout_weeks
    if summary is None or weeks == 0:
        return {"status": "skipped", "reason": "holdout_weeks is 0"}
    if summary.num_rows == 0:
        return {"status": "skipped", "reason": f"no purchase before {calibration_end.isoformat()}"}
    if float(np.max(_floats(summary, "T"))) < weeks:
        return {
            "status": "skipped",
            "reason": f"less than {weeks} weeks of purchases before {calibration_end.isoformat()}",
        }
    try:
        params = fit_bgnbd(_floats(summary, "x"), _floats(summary, "t_x"), _floats(summary, "T"))
    except RetentionFitError as error:
        return {"status": "skipped", "reason": str(error)}
    groups = holdout_by_frequency(params, summary, holdout_length=float(weeks))
    return {
        "status": "done",
        "calibration_end": calibration_end.isoformat(),
        "weeks": weeks,
        "accounts": summary.num_rows,
        "bgnbd": _bgnbd_dict(params),
        "by_frequency": [
            {
                "x": int(row["x"]),
                "accounts": int(row["customers"]),
                "actual": round(float(row["actual"]), 4),
                "predicted": round(float(row["predicted"]), 4),
            }
            for row in groups.to_pylist()
        ],
    }


def account_retention(
    summary: pa.Table,
    *,
    config: RetentionConfig,
    holdout: pa.Table | None = None,
    holdout_calibration_end: dt.date | None = None,
) -> AccountRetention:
    """Fit BG/NBD on every account, Gamma-Gamma on the repeaters, and value each account.

    Parameters
    ----------
    summary
        :func:`purchase_summary` up to the as-of date, materialised.
    config
        CLV horizon, discount rate, churn threshold and holdout length.
    holdout
        :func:`purchase_summary` up to ``holdout_calibration_end`` with the holdout
        purchases (None: no holdout check).

    Returns
    -------
    AccountRetention
        Per account: purchases, repeat_purchases (x), t_x_weeks, T_weeks,
        mean_repeat_margin (m_x), probability_alive, churn_risk (1 − P(alive)),
        expected_purchases_12m (next 52 weeks), expected_margin_per_purchase (E[M]; the
        population mean for accounts without a positive mean margin), clv and declining
        (P(alive) below ``config.decline_probability_alive``). A failed fit leaves its
        figures null and says why in ``report["warnings"]``.
    """
    summary = summary.sort_by("account")
    count = summary.num_rows
    report: dict[str, Any] = {
        "purchase": "order (order_ref, else invoice) dated on its first line; one per account and day",
        "time_unit": "week",
        "accounts": count,
        # Counted without numpy: with retention disabled nothing else here needs it, and
        # Arrow's conversion to numpy imports pandas (~1.3 s in a fresh process).
        "repeat_accounts": sum(1 for value in summary.column("x").to_pylist() if value is not None and value > 0),
        "months": config.months,
        "monthly_discount_rate": config.monthly_discount_rate,
        "decline_probability_alive": config.decline_probability_alive,
        "bgnbd": None,
        "gamma_gamma": None,
        "declining_accounts": None,
        "warnings": [],
    }
    alive = expected = value = clv = None
    bgnbd = None
    if config.enabled:
        x, t_x, big_t = (_floats(summary, name) for name in ("x", "t_x", "T"))
        m_x = _floats(summary, "m_x")
        from kam_engine.retention import (
            RetentionFitError,
            conditional_expected_purchases,
            expected_average_value,
            fit_bgnbd,
            fit_gamma_gamma,
            probability_alive,
        )

        try:
            bgnbd = fit_bgnbd(x, t_x, big_t)
        except RetentionFitError as error:
            report["warnings"].append(f"BG/NBD not fitted: {error}")
    if bgnbd is not None:
        report["bgnbd"] = _bgnbd_dict(bgnbd)
        alive = probability_alive(bgnbd, x, t_x, big_t)
        expected = conditional_expected_purchases(bgnbd, EXPECTED_PURCHASES_WEEKS, x, t_x, big_t)
        try:
            gamma_gamma = fit_gamma_gamma(x, m_x)
        except RetentionFitError as error:
            report["warnings"].append(f"Gamma-Gamma not fitted: {error}")
        else:
            report["gamma_gamma"] = _gamma_gamma_dict(gamma_gamma)
            own_mean = (x > 0) & np.isfinite(m_x) & (m_x > 0)
            # x = 0 gives the population mean γp/(q − 1).
            value = expected_average_value(gamma_gamma, np.where(own_mean, x, 0.0), np.where(own_mean, m_x, 0.0))
            clv = value * discounted_purchases(
                bgnbd, x, t_x, big_t, months=config.months, monthly_discount_rate=config.monthly_discount_rate
            )
    declining = None if alive is None else alive < config.decline_probability_alive
    if declining is not None:
        report["declining_accounts"] = int(np.sum(declining))
    if not config.enabled:
        report["holdout"] = {"status": "skipped", "reason": "retention is disabled"}
    elif holdout is not None and holdout_calibration_end is not None:
        report["holdout"] = _holdout(holdout, config, holdout_calibration_end)
    else:
        report["holdout"] = {"status": "skipped", "reason": "holdout_weeks is 0"}
    accounts = pa.table(
        {
            "account": summary.column("account"),
            "purchases": summary.column("purchases"),
            "repeat_purchases": summary.column("x"),
            "t_x_weeks": summary.column("t_x"),
            "T_weeks": summary.column("T"),
            "mean_repeat_margin": summary.column("m_x"),
            "probability_alive": _nullable(alive, count),
            "churn_risk": _nullable(None if alive is None else 1.0 - alive, count),
            "expected_purchases_12m": _nullable(expected, count),
            "expected_margin_per_purchase": _nullable(value, count),
            "clv": _nullable(clv, count),
            "declining": pa.nulls(count, type=pa.bool_()) if declining is None else pa.array(declining),
        }
    )
    return AccountRetention(accounts=accounts, report=report)
