"""Benchmark: the portfolio analysis inside one warm process (as a web or worker process runs it).

`bench/analyze_portfolio.py` times whole processes, where importing Ibis weighs ~0.5 s;
this one imports everything first, then times the engine and the hand-written DuckDB
SQL script alternately on the same 30-million-line store, and reports medians.

    uv run python bench/analyze_in_process.py [--lines 30000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "baselines"))

from analyze_portfolio import AS_OF, generate  # noqa: E402
from portfolio_sql import run_script  # noqa: E402

from kam_engine.analysis import analyze_portfolio  # noqa: E402
from kam_engine.backends import open_facts  # noqa: E402
from kam_engine.config import AnalysisPolicy, RetentionConfig  # noqa: E402
from kam_engine.facts import FactsStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=30_000_000)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    store_path = generate(options.lines, options.accounts)
    store = FactsStore(store_path)
    with duckdb.connect(str(store_path), read_only=True) as connection:
        accounts = connection.sql("SELECT * FROM accounts").to_arrow_table()
    as_of = dt.date.fromisoformat(AS_OF)
    engine_times, sql_times = [], []
    for _ in range(options.repeat + 1):  # the first round warms caches and is not counted
        start = time.perf_counter()
        tables = open_facts(store, accounts)
        # the SQL baseline fits no retention models: compare like with like
        analyze_portfolio(tables, as_of=as_of, policy=AnalysisPolicy(retention=RetentionConfig(enabled=False)))
        tables.backend.disconnect()
        engine_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_script(str(store_path), AS_OF)
        sql_times.append(time.perf_counter() - start)
    engine, sql = statistics.median(engine_times[1:]), statistics.median(sql_times[1:])
    print(
        json.dumps(
            {
                "lines": options.lines,
                "engine_seconds": [round(value, 2) for value in engine_times[1:]],
                "sql_seconds": [round(value, 2) for value in sql_times[1:]],
                "engine_median": round(engine, 2),
                "sql_median": round(sql, 2),
                "ratio_engine_to_sql": round(engine / sql, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
