"""Benchmark: key-account selection, 2,000 candidates × 40 KAMs, against the naive joint MILP.

`choose_portfolio` (choose the accounts under aggregate capacity, then assign them to KAMs) is
timed against one MILP with a binary per account × KAM, given the same time limit.

    .venv/bin/python bench/select_portfolio.py [--accounts 2000] [--kams 40] [--repeat 3] [--large 5000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import numpy as np
import pyarrow as pa
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from kam_engine.selection import choose_portfolio
from kam_engine.selection_policy import CapacityConfig, KamCapacity, ObjectiveConfig, SelectionPolicy

SEED = 20261201


def generate(accounts: int, kams: int, seed: int = SEED) -> tuple[pa.Table, list[KamCapacity]]:
    """Lognormal values, 40–200 hours, 30 % with a current KAM; KAMs of 400–800 hours and 10 accounts."""
    rng = np.random.default_rng(seed)
    codes = [f"A{i:05d}" for i in range(accounts)]
    kam_codes = [f"kam{k:02d}" for k in range(kams)]
    current = [kam_codes[int(rng.integers(kams))] if rng.random() < 0.3 else None for _ in range(accounts)]
    table = pa.table(
        {
            "account": codes,
            "value": rng.lognormal(mean=3.0, sigma=1.0, size=accounts),
            "hours": rng.uniform(40.0, 200.0, size=accounts).round(0),
            "is_candidate": np.ones(accounts, dtype=bool),
            "current_kam": pa.array(current, pa.string()),
        }
    )
    capacity = [KamCapacity(code, max_accounts=10, max_hours=float(round(rng.uniform(400, 800)))) for code in kam_codes]
    return table, capacity


def policy(time_limit: float) -> SelectionPolicy:
    return SelectionPolicy(
        capacity=CapacityConfig(max_accounts_per_kam=10, max_hours_per_kam=600.0, max_key_accounts=400),
        objective=ObjectiveConfig(value="profit", stability_bonus=0.05, time_limit_seconds=time_limit, gap=0.01),
    )


def naive(table: pa.Table, kams: list[KamCapacity], chosen: SelectionPolicy) -> dict[str, Any]:
    """One binary per account × KAM, every constraint in one model (the baseline)."""
    value = table.column("value").to_numpy()
    hours = table.column("hours").to_numpy()
    index = {kam.code: k for k, kam in enumerate(kams)}
    current = np.array([index.get(c, -1) if c else -1 for c in table.column("current_kam").to_pylist()])
    n, m = len(value), len(kams)
    max_hours = np.array([kam.max_hours for kam in kams], dtype=float)
    max_accounts = np.array([kam.max_accounts for kam in kams], dtype=float)
    account = np.repeat(np.arange(n), m)
    kam = np.tile(np.arange(m), n)
    gain = value[account] * (1 + chosen.objective.stability_bonus * (current[account] == kam))
    pairs = n * m
    columns = np.arange(pairs)
    matrix = sparse.vstack(
        [
            sparse.coo_array((np.ones(pairs), (account, columns)), shape=(n, pairs)),
            sparse.coo_array((hours[account], (kam, columns)), shape=(m, pairs)),
            sparse.coo_array((np.ones(pairs), (kam, columns)), shape=(m, pairs)),
            sparse.coo_array(np.ones((1, pairs))),
        ]
    ).tocsr()
    upper = np.concatenate([np.ones(n), max_hours, max_accounts, [chosen.capacity.max_key_accounts]])
    start = time.perf_counter()
    result = milp(
        c=-gain,
        integrality=np.ones(pairs),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        options={"time_limit": chosen.objective.time_limit_seconds, "mip_rel_gap": chosen.objective.gap},
    )
    seconds = time.perf_counter() - start
    objective = float(-result.fun) if result.x is not None else 0.0
    bound = float(-result.mip_dual_bound) if result.mip_dual_bound is not None else None
    return {
        "status": {0: "optimal", 1: "time_limit"}.get(result.status, str(result.status)),
        "found_a_solution": result.x is not None,
        "objective": round(objective, 2),
        "bound": None if bound is None else round(bound, 2),
        "gap": None if bound is None or result.x is None else round((bound - objective) / abs(bound), 4),
        "seconds": round(seconds, 2),
    }


def engine(table: pa.Table, kams: list[KamCapacity], chosen: SelectionPolicy, repeat: int) -> dict[str, Any]:
    times, choice = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        choice = choose_portfolio(table, kams, chosen)
        times.append(time.perf_counter() - start)
    assert choice is not None
    start = time.perf_counter()
    alone = choose_portfolio(table, kams, chosen, value_of_one_more_kam=False)
    alone_seconds = time.perf_counter() - start
    return {
        "status": choice.status,
        "method": choice.method,
        "objective": round(choice.objective, 2),
        "bound": None if choice.bound is None else round(choice.bound, 2),
        "gap": None if choice.gap is None else round(choice.gap, 4),
        "selected": int(pa.compute.sum(choice.decisions.column("selected")).as_py()),
        "value_of_one_more_kam": None
        if choice.value_of_one_more_kam is None
        else round(choice.value_of_one_more_kam, 2),
        "seconds_median": round(statistics.median(times), 2),
        "seconds": [round(t, 2) for t in times],
        "seconds_without_pricing_one_more_kam": round(alone_seconds, 2),
        "gap_without_pricing_one_more_kam": None if alone.gap is None else round(alone.gap, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--kams", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--large", type=int, default=5000, help="accounts of the one extra run (0 skips it)")
    parser.add_argument("--skip-naive", action="store_true")
    options = parser.parse_args()
    chosen = policy(options.time_limit)
    table, kams = generate(options.accounts, options.kams)
    report: dict[str, Any] = {"accounts": options.accounts, "kams": options.kams}
    report["engine"] = engine(table, kams, chosen, options.repeat)
    if not options.skip_naive:
        report["naive"] = base = naive(table, kams, chosen)
        report["ratio_seconds_engine_over_naive"] = round(report["engine"]["seconds_median"] / base["seconds"], 3)
        if base["objective"]:
            report["ratio_objective_engine_over_naive"] = round(report["engine"]["objective"] / base["objective"], 4)
    if options.large:
        large_table, large_kams = generate(options.large, options.kams)
        report[f"engine_{options.large}"] = engine(large_table, large_kams, chosen, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
