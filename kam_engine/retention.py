"""Lifetime value and retention: the BG/NBD and Gamma-Gamma models (Fader, Hardie & Lee 2005).

Non-contractual purchasing (orders that come when they come) is summarised per customer by
``x`` (repeat purchases: distinct purchase days after the first), ``t_x`` (time of the last
purchase since the first), ``T`` (time since the first purchase) and ``m_x`` (mean value of
the repeat purchases), all measured up to the end of a calibration period.

* BG/NBD: while alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
  after every purchase they drop out with probability p ~ Beta(a, b).
* Gamma-Gamma: the value of a customer's purchases scatters around their own mean, which
  varies across customers with a gamma distribution (p, q, γ). Spend is assumed independent
  of frequency.

Both are fitted by maximum likelihood with scipy (L-BFGS-B on log-parameters); customers
with identical summaries are grouped into one weighted term (a cohort summarised in whole
weeks collapses to a few thousand patterns; day-level summaries gain less).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy import optimize, special

__all__ = [
    "BgNbdParameters",
    "GammaGammaParameters",
    "RetentionFitError",
    "TransactionFileError",
    "conditional_expected_purchases",
    "customer_lifetime_value",
    "expected_average_value",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "holdout_by_frequency",
    "probability_alive",
    "read_transactions",
    "summarise_transactions",
]

Floats = npt.NDArray[np.float64]


class RetentionFitError(ValueError):
    """The data cannot be fitted (too few customers or repeat purchases, or no convergence)."""


@dataclass(frozen=True, slots=True)
class BgNbdParameters:
    """Fitted BG/NBD parameters and the log-likelihood at them."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


@dataclass(frozen=True, slots=True)
class GammaGammaParameters:
    """Fitted Gamma-Gamma parameters and the log-likelihood at them."""

    p: float
    q: float
    gamma: float
    log_likelihood: float


# -- summaries -------------------------------------------------------------------------------


def summarise_transactions(
    transactions: pa.Table,
    *,
    calibration_end: dt.date,
    time_unit_days: float = 7.0,
    holdout_end: dt.date | None = None,
) -> pa.Table:
    """Summarise transactions per customer for the models.

    Parameters
    ----------
    transactions:
        ``customer`` (string), ``date`` (date32) and ``value`` (float64; may be null) per line.
        Lines of the same customer on the same day are one purchase (their values summed).
    calibration_end:
        Last day of the calibration period (included). Customers whose first purchase is
        after it are left out.
    time_unit_days:
        Length of the time unit of ``t_x`` and ``T`` (7: weeks, as in the papers).
    holdout_end:
        When given, ``holdout_purchases`` counts each customer's purchase days after
        ``calibration_end`` up to this day.

    Returns
    -------
    pa.Table
        customer, x, t_x, T, m_x (mean value of the repeat purchases; null without repeats)
        and, with ``holdout_end``, holdout_purchases — one row per customer, sorted by customer.
    """
    values: Any = pc.fill_null(transactions.column("value").cast(pa.float64()), 0.0)  # type: ignore[type-var]
    days = pa.Table.from_arrays(
        [transactions.column("customer").cast(pa.string()), transactions.column("date").cast(pa.date32()), values],
        names=["customer", "day", "value"],
    )
    purchases = days.group_by(["customer", "day"]).aggregate([("value", "sum")])
    customer = np.asarray(purchases.column("customer").to_numpy(zero_copy_only=False), dtype=object)
    day = purchases.column("day").to_numpy(zero_copy_only=False).astype("datetime64[D]").astype(np.int64)
    value = purchases.column("value_sum").to_numpy(zero_copy_only=False).astype(np.float64)
    order = np.lexsort((day, customer))
    customer, day, value = customer[order], day[order], value[order]
    end = np.datetime64(calibration_end, "D").astype(np.int64)
    codes, first_index, inverse = np.unique(customer, return_index=True, return_inverse=True)
    in_calibration = day <= end
    is_first = np.zeros(len(day), dtype=bool)
    is_first[first_index] = True
    repeat = in_calibration & ~is_first
    count = len(codes)
    x = np.bincount(inverse, weights=repeat, minlength=count)
    last = np.full(count, np.iinfo(np.int64).min)
    np.maximum.at(last, inverse[in_calibration], day[in_calibration])
    first_day = day[first_index]
    spend = np.bincount(inverse, weights=np.where(repeat, value, 0.0), minlength=count)
    keep = first_day <= end
    with np.errstate(invalid="ignore", divide="ignore"):
        m_x = np.where(x > 0, spend / np.maximum(x, 1), np.nan)
    columns: dict[str, pa.Array] = {  # type: ignore[type-arg]
        "customer": pa.array(codes[keep].tolist(), type=pa.string()),
        "x": pa.array(x[keep].astype(np.int64)),
        "t_x": pa.array((last[keep] - first_day[keep]) / time_unit_days),
        "T": pa.array((end - first_day[keep]) / time_unit_days),
        "m_x": pa.array(m_x[keep], from_pandas=True),
    }
    if holdout_end is not None:
        stop = np.datetime64(holdout_end, "D").astype(np.int64)
        later = (day > end) & (day <= stop)
        columns["holdout_purchases"] = pa.array(
            np.bincount(inverse, weights=later, minlength=count)[keep].astype(np.int64)
        )
    return pa.table(columns)


# -- BG/NBD -------------------------------------------------------------------------------------


def _bgnbd_log_likelihood(params: Floats, x: Floats, t_x: Floats, big_t: Floats, weights: Floats) -> float:
    r, alpha, a, b = np.exp(params)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return float(np.sum(weights * (a1 + a2 + np.logaddexp(a3, a4))))


def _grouped(*columns: Floats) -> tuple[list[Floats], Floats]:
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, index] for index in range(unique.shape[1])], counts.astype(np.float64)


def _check_summary(x: Floats, t_x: Floats, big_t: Floats) -> None:
    if len(x) < 10:
        raise RetentionFitError(f"{len(x)} customers: at least 10 are needed to fit the model")
    if not np.any(x > 0):
        raise RetentionFitError("no customer made a repeat purchase in the calibration period")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t + 1e-9):
        raise RetentionFitError("every customer needs x ≥ 0 and 0 ≤ t_x ≤ T")


def fit_bgnbd(x: Floats, t_x: Floats, big_t: Floats) -> BgNbdParameters:
    """Fit the BG/NBD model by maximum likelihood.

    ``x``, ``t_x`` and ``T`` are per-customer arrays (see :func:`summarise_transactions`).
    Raises :class:`RetentionFitError` when there are too few customers or repeat purchases,
    or when the optimiser does not converge.
    """
    x, t_x, big_t = (np.asarray(values, dtype=np.float64) for values in (x, t_x, big_t))
    _check_summary(x, t_x, big_t)
    (gx, gt, g_big_t), weights = _grouped(x, t_x, big_t)
    scale = float(np.mean(big_t)) or 1.0
    result = optimize.minimize(
        lambda params: -_bgnbd_log_likelihood(params, gx, gt, g_big_t, weights) / len(x),
        x0=np.log([1.0, scale, 1.0, 1.0]),
        method="L-BFGS-B",
        bounds=[(-12.0, 12.0)] * 4,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    if not result.success and "ABNORMAL" not in str(result.message):
        raise RetentionFitError(f"the BG/NBD fit did not converge: {result.message}")
    r, alpha, a, b = (float(value) for value in np.exp(result.x))
    return BgNbdParameters(r, alpha, a, b, _bgnbd_log_likelihood(result.x, gx, gt, g_big_t, weights))


def probability_alive(params: BgNbdParameters, x: Floats, t_x: Floats, big_t: Floats) -> Floats:
    """P(alive | x, t_x, T): the probability that each customer has not dropped out."""
    x, t_x, big_t = (np.asarray(values, dtype=np.float64) for values in (x, t_x, big_t))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = (
            np.log(params.a)
            - np.log(np.maximum(params.b + x - 1, 1e-300))
            + (params.r + x) * (np.log(params.alpha + big_t) - np.log(params.alpha + t_x))
        )
    result: Floats = np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)
    return result


def conditional_expected_purchases(
    params: BgNbdParameters, t: float | Floats, x: Floats, t_x: Floats, big_t: Floats
) -> Floats:
    """E[Y(t) | x, t_x, T]: the purchases each customer is expected to make in the next ``t`` time units."""
    x, t_x, big_t = (np.asarray(values, dtype=np.float64) for values in (x, t_x, big_t))
    t = np.asarray(t, dtype=np.float64)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + big_t + t)
    hyper = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1)
    second = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyper
    result: Floats = first * second * probability_alive(params, x, t_x, big_t)
    return result


# -- Gamma-Gamma -------------------------------------------------------------------------------


def _gamma_gamma_log_likelihood(params: Floats, x: Floats, m_x: Floats, weights: Floats) -> float:
    p, q, gamma = np.exp(params)
    values = (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (p * x - 1) * np.log(m_x)
        + p * x * np.log(x)
        - (p * x + q) * np.log(gamma + m_x * x)
    )
    return float(np.sum(weights * values))


def fit_gamma_gamma(x: Floats, m_x: Floats) -> GammaGammaParameters:
    """Fit the Gamma-Gamma spend model on the customers with repeat purchases (x > 0, m_x > 0)."""
    x = np.asarray(x, dtype=np.float64)
    m_x = np.asarray(m_x, dtype=np.float64)
    keep = (x > 0) & np.isfinite(m_x) & (m_x > 0)
    if int(keep.sum()) < 10:
        raise RetentionFitError(f"{int(keep.sum())} customers with repeat purchases: at least 10 are needed")
    (gx, gm), weights = _grouped(x[keep], m_x[keep])
    result = optimize.minimize(
        lambda params: -_gamma_gamma_log_likelihood(params, gx, gm, weights) / keep.sum(),
        x0=np.log([1.0, 1.0, float(np.mean(m_x[keep]))]),
        method="L-BFGS-B",
        bounds=[(-12.0, 12.0)] * 3,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    if not result.success and "ABNORMAL" not in str(result.message):
        raise RetentionFitError(f"the Gamma-Gamma fit did not converge: {result.message}")
    p, q, gamma = (float(value) for value in np.exp(result.x))
    return GammaGammaParameters(p, q, gamma, _gamma_gamma_log_likelihood(result.x, gx, gm, weights))


def expected_average_value(params: GammaGammaParameters, x: Floats, m_x: Floats) -> Floats:
    """E[M | x, m_x]: each customer's expected value per purchase (population mean without repeats)."""
    x = np.asarray(x, dtype=np.float64)
    m_x = np.nan_to_num(np.asarray(m_x, dtype=np.float64), nan=0.0)
    p, q, gamma = params.p, params.q, params.gamma
    result: Floats = (gamma + m_x * x) * p / (p * x + q - 1)
    return result


# -- lifetime value ----------------------------------------------------------------------------


def customer_lifetime_value(
    bgnbd: BgNbdParameters,
    gamma_gamma: GammaGammaParameters,
    x: Floats,
    t_x: Floats,
    big_t: Floats,
    m_x: Floats,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_units_per_month: float = 30.0 / 7.0,
) -> Floats:
    """Discounted value of each customer's expected purchases over the next ``months``.

    CLV = Σₖ (E[Y(k months)] − E[Y(k − 1 months)]) × E[M] / (1 + d)ᵏ, as in the
    ``lifetimes`` reference implementation; use margin, not revenue, as the value.
    """
    value = expected_average_value(gamma_gamma, x, m_x)
    total = np.zeros(len(np.asarray(x)), dtype=np.float64)
    previous = np.zeros_like(total)
    for month in range(1, months + 1):
        expected = conditional_expected_purchases(bgnbd, month * time_units_per_month, x, t_x, big_t)
        total += (expected - previous) * value / (1 + monthly_discount_rate) ** month
        previous = expected
    return total


def holdout_by_frequency(
    params: BgNbdParameters, summary: pa.Table, *, holdout_length: float, top_group: int = 7
) -> pa.Table:
    """Predicted against actual purchases in the holdout period, by calibration frequency.

    ``summary`` needs x, t_x, T and holdout_purchases (:func:`summarise_transactions`);
    customers with ``top_group`` or more repeat purchases form the last group.

    Returns
    -------
    pa.Table
        x (0 … top_group, the last meaning "top_group or more"), customers, actual, predicted.
    """
    x = summary.column("x").to_numpy().astype(np.float64)
    predicted = conditional_expected_purchases(
        params, holdout_length, x, summary.column("t_x").to_numpy(), summary.column("T").to_numpy()
    )
    group = np.minimum(x, top_group).astype(np.int64)
    actual = summary.column("holdout_purchases").to_numpy().astype(np.float64)
    groups = np.arange(top_group + 1)
    return pa.table(
        {
            "x": pa.array(groups),
            "customers": pa.array(np.bincount(group, minlength=top_group + 1).astype(np.int64)),
            "actual": pa.array(np.bincount(group, weights=actual, minlength=top_group + 1)),
            "predicted": pa.array(np.bincount(group, weights=predicted, minlength=top_group + 1)),
        }
    )


# -- reading a transactions file ----------------------------------------------------------------


class TransactionFileError(ValueError):
    """A transactions file we cannot read; ``code`` and ``params`` let the caller word it.

    Codes: ``not_found``, ``unreadable`` (reason), ``missing_column`` (column, available),
    ``not_a_date`` (row, value), ``not_a_number`` (row, value), ``empty``.
    """

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


def read_transactions(
    path: Path,
    *,
    customer_column: str,
    date_column: str,
    value_column: str,
    date_format: str | None = None,
    delimiter: str | None = None,
    header: bool = True,
) -> pa.Table:
    """Read a transactions file (CSV/TSV/whitespace-separated text, or Parquet) for the models.

    ``delimiter`` None guesses from the first line (comma, semicolon, tab, else runs of
    whitespace). Without ``header`` the columns are named ``1``, ``2``, … Dates are ISO,
    ``YYYYMMDD`` or ``date_format`` (strptime codes). Rows are numbered as in the file
    (the header is row 1) in errors.

    Returns
    -------
    pa.Table
        customer (string), date (date32), value (float64).
    """
    if not path.is_file():
        raise TransactionFileError("not_found", file=str(path))
    try:
        if path.suffix.lower() == ".parquet":
            frame = pq.read_table(path).to_pandas().astype(str)
        else:
            with path.open("r", encoding="utf-8", errors="strict") as handle:
                first = handle.readline()
            sep = delimiter or next((mark for mark in (",", ";", "\t") if mark in first), r"\s+")
            frame = pd.read_csv(
                path,
                sep=sep,
                header=0 if header else None,
                dtype=str,
                engine="python" if sep == r"\s+" else "c",
                skipinitialspace=True,
                keep_default_na=False,
            )
            if not header:
                frame.columns = [str(index) for index in range(1, len(frame.columns) + 1)]
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pa.ArrowException) as error:
        raise TransactionFileError("unreadable", file=path.name, reason=str(error)) from error
    frame.columns = [str(name).strip() for name in frame.columns]
    for column in (customer_column, date_column, value_column):
        if column not in frame.columns:
            raise TransactionFileError("missing_column", column=column, available=", ".join(frame.columns))
    if frame.empty:
        raise TransactionFileError("empty", file=path.name)
    first_row = 2 if header else 1
    text = frame[date_column].str.strip()
    formats = [date_format] if date_format else ["%Y-%m-%d", "%Y%m%d"]
    dates = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for pattern in formats:
        missing = dates.isna()
        dates[missing] = pd.to_datetime(text[missing], format=pattern, errors="coerce")
    bad = dates.isna()
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise TransactionFileError("not_a_date", row=str(index + first_row), value=str(text.iloc[index]))
    values = pd.to_numeric(frame[value_column].str.strip(), errors="coerce")
    bad = values.isna() & (frame[value_column].str.strip() != "")
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise TransactionFileError(
            "not_a_number", row=str(index + first_row), value=str(frame[value_column].iloc[index])
        )
    return pa.table(
        {
            "customer": pa.array(frame[customer_column].str.strip().tolist(), type=pa.string()),
            "date": pa.array(dates.dt.date.tolist(), type=pa.date32()),
            "value": pa.array(values.to_numpy(dtype=np.float64), from_pandas=True),
        }
    )
