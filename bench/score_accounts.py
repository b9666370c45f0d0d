"""Benchmark: key-account scoring of 200,000 accounts with the default policy, engine against pandas.

Generates the per-account figures the default selection policy reads (numpy, fixed seed),
times ``kam_engine.scoring.prepare_candidates`` (scores, contributions, moves, candidate
pool, hours, values) and ``score_accounts`` alone, and, as the baseline, an idiomatic
pandas implementation of the scoring alone (the two axes and the quadrant; no
contributions, moves or pool), and checks the two agree on attractiveness and strength
within 1e-9. Medians of ``--repeat`` runs each, in one process.

    .venv/bin/python bench/score_accounts.py [--accounts 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from kam_engine.scoring import prepare_candidates, score_accounts
from kam_engine.selection_policy import SelectionPolicy

SEED = 20261201


def generate(accounts: int, seed: int = SEED) -> pa.Table:
    """Per-account figures with the columns the default policy reads, in shuffled account order."""
    rng = np.random.default_rng(seed)
    revenue = rng.lognormal(10.0, 1.5, accounts)
    # A few accounts lost money or were credited back; the pool must skip them.
    revenue[rng.random(accounts) < 0.02] *= -0.1
    mutuality = np.round(rng.uniform(1.0, 10.0, accounts), 1)
    codes = np.char.add("C", np.char.zfill(rng.permutation(accounts).astype(str), 7))
    return pa.table(
        {
            "account": pa.array(codes.tolist(), type=pa.string()),
            "revenue": revenue,
            "customer_profit": revenue * rng.normal(0.08, 0.1, accounts),
            "potential": np.abs(revenue) * rng.lognormal(0.5, 0.5, accounts),
            "growth_yoy": rng.normal(0.05, 0.3, accounts),
            "cost_to_serve_pct": rng.uniform(0.01, 0.4, accounts),
            "share_of_wallet": pa.array(rng.beta(2.0, 3.0, accounts), mask=rng.random(accounts) < 0.1),
            "relationship_stage_score": rng.integers(1, 6, accounts),
            "otif_rate": rng.beta(8.0, 2.0, accounts),
            "mutuality": pa.array(mutuality, mask=rng.random(accounts) < 0.3),
            "business_units": rng.integers(0, 4, accounts),
            "contacts": rng.integers(1, 30, accounts),
        }
    )


def pandas_scores(figures: pa.Table, policy: SelectionPolicy) -> pd.DataFrame:
    """The same two axes and quadrant, written the way one would in pandas."""
    frame = figures.to_pandas().set_index("account").sort_index()
    axes = {"attractiveness": pd.Series(0.0, index=frame.index), "strength": pd.Series(0.0, index=frame.index)}
    for criterion in policy.criteria:
        x = frame[criterion.column].astype("float64").replace([np.inf, -np.inf], np.nan)
        if criterion.scale == "percentile":
            n = x.count()
            # rank(pct=True) is rank / n; the policy's percentile is (rank − 1) / (n − 1).
            score = (x.rank(pct=True) * n - 1) / (n - 1) * 10 if n > 1 else pd.Series(10.0, index=x.index)
        elif criterion.scale == "minmax":
            span = x.max() - x.min()
            score = (x - x.min()) / span * 10 if span > 0 else pd.Series(10.0, index=x.index)
        elif criterion.scale == "thresholds":
            reached = [(x <= t) if criterion.direction == "lower" else (x >= t) for t in criterion.thresholds]
            score = sum(hit.astype("float64") for hit in reached) / len(criterion.thresholds) * 10
        elif criterion.scale == "rating":
            score = x.clip(1, 10)
        else:
            # The benchmark's policy has no "match" criterion; the baseline does not write one.
            raise ValueError(f"the pandas baseline has no {criterion.scale!r} scale")
        if criterion.direction == "lower" and criterion.scale != "thresholds":
            score = 10 - score
        score = score.where(x.notna(), criterion.score_when_missing)
        axes[criterion.axis] = axes[criterion.axis] + criterion.weight * score / 100
    result = pd.DataFrame(axes)
    result["score"] = (result["attractiveness"] + result["strength"]) / 2
    high_a = result["attractiveness"] >= policy.quadrants.attractiveness_cutoff
    high_s = result["strength"] >= policy.quadrants.strength_cutoff
    result["quadrant"] = np.select(
        [high_a & high_s, high_a, high_s], ["strategic", "star", "status"], default="streamline"
    )
    result["phase"] = result["quadrant"].map(policy.quadrants.phases)
    return result


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    policy = SelectionPolicy()
    figures = generate(options.accounts)
    engine, engine_times, (scoring, candidates) = timed(lambda: prepare_candidates(figures, policy), options.repeat)
    scoring_only, _times, _result = timed(lambda: score_accounts(figures, policy), options.repeat)
    baseline, baseline_times, expected = timed(lambda: pandas_scores(figures, policy), options.repeat)
    accounts = scoring.accounts
    assert accounts["account"].to_pylist() == expected.index.tolist()
    worst = max(
        float(np.max(np.abs(accounts[axis].to_numpy() - expected[axis].to_numpy())))
        for axis in ("attractiveness", "strength")
    )
    assert worst <= 1e-9, f"engine and pandas differ by {worst}"
    assert accounts["quadrant"].to_pylist() == expected["quadrant"].tolist()
    print(
        json.dumps(
            {
                "accounts": options.accounts,
                "criteria": len(policy.criteria),
                "engine_prepare_candidates_s": round(engine, 3),
                "engine_runs_s": [round(t, 3) for t in engine_times],
                "engine_score_accounts_only_s": round(scoring_only, 3),
                "pandas_scoring_s": round(baseline, 3),
                "pandas_runs_s": [round(t, 3) for t in baseline_times],
                "ratio_engine_over_pandas": round(engine / baseline, 2),
                "max_axis_difference": worst,
                "candidates": int(sum(candidates["is_candidate"].to_pylist())),
                "contribution_rows": scoring.contributions.num_rows,
                "accounts_without_a_move": scoring.moves["criterion"].null_count,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
