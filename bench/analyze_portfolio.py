"""Benchmark: the portfolio analysis on 30 million invoice lines, three ways, in one run.

1. OpenKAM's engine (`kam_engine.analysis.analyze_portfolio`, Ibis on DuckDB);
2. the same figures as one hand-written DuckDB SQL script;
3. the same figures in idiomatic pandas (reading the facts from Parquet).

Each runs in its own process; wall time and peak memory are measured from outside.
Data: 200,000 accounts, 5,000 products, 3 years of lines, activities and deliveries,
generated once into bench/data/ (git-ignored).

    uv run python bench/analyze_portfolio.py [--lines 30000000] [--accounts 200000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF = "2026-10-31"


def generate(lines: int, accounts: int) -> Path:
    """Write the facts store (DuckDB) and Parquet copies for pandas, once."""
    DATA.mkdir(exist_ok=True)
    store = DATA / f"facts-{lines}.duckdb"
    if store.exists():
        return store
    with duckdb.connect(str(store)) as connection:
        connection.execute("SET enable_progress_bar = false")
        # Pareto-like demand: account = floor(accounts * u^3) concentrates lines on low codes.
        connection.execute(
            f"""CREATE TABLE invoice_lines AS
            SELECT printf('F%09d', i // 6) AS invoice, CAST(i % 6 + 1 AS VARCHAR) AS line,
                   printf('C%07d', CAST(floor({accounts} * pow(((hash(i // 6) % 1000003) / 1000003.0), 3)) AS BIGINT))
                       AS account,
                   printf('P%05d', hash(i) % 5000) AS product, printf('L%02d', hash(i) % 5000 % 12) AS product_line,
                   DATE '{AS_OF}' - CAST(hash(i // 6) % 1095 AS INTEGER) AS date,
                   CAST(1 + hash(i) % 20 AS DECIMAL(18,4)) AS quantity,
                   CAST(round((hash(i) % 100000) / 100.0 - CASE WHEN i % 200 = 0 THEN 600 ELSE 0 END, 2)
                       AS DECIMAL(18,4)) AS net_revenue,
                   CAST(round((hash(i) % 100000) / 90.0, 2) AS DECIMAL(18,4)) AS list_revenue,
                   CAST(round((hash(i) % 100000) / 100.0 * (0.55 + (hash(i) % 5000 % 12) / 40.0), 2)
                       AS DECIMAL(18,4)) AS cost,
                   printf('P%09d', i // 6) AS order_ref, CAST(NULL AS VARCHAR) AS sales_rep,
                   'bench' AS import_id
            FROM range({lines}) t(i)"""
        )
        orders = lines // 6
        connection.execute(
            f"""CREATE TABLE activities AS
            SELECT account, date, activity, reference, quantity, CAST(NULL AS DECIMAL(18,4)) AS cost,
                   'bench' AS import_id
            FROM (
                SELECT printf('C%07d', CAST(floor({accounts} * pow(((hash(o) % 1000003) / 1000003.0), 3)) AS BIGINT))
                           AS account,
                       DATE '{AS_OF}' - CAST(hash(o) % 1095 AS INTEGER) AS date, printf('P%09d', o) AS reference,
                       kind.activity, CAST(CASE kind.activity WHEN 'order_line' THEN 6 ELSE 1 END AS DECIMAL(18,4))
                           AS quantity
                FROM range({orders}) t(o)
                CROSS JOIN (VALUES ('order'), ('order_line'), ('delivery')) kind(activity)
                UNION ALL
                SELECT printf('C%07d', CAST(floor({accounts} * pow(((hash(o) % 1000003) / 1000003.0), 3)) AS BIGINT)),
                       DATE '{AS_OF}' - CAST(hash(o) % 1095 AS INTEGER), printf('P%09d', o), 'rush_order', 1
                FROM range({orders}) t(o) WHERE hash(o) % 20 = 0
            )"""
        )
        connection.execute(
            f"""CREATE TABLE deliveries AS
            SELECT printf('E%09d', o) AS delivery,
                   printf('C%07d', CAST(floor({accounts} * pow(((hash(o) % 1000003) / 1000003.0), 3)) AS BIGINT))
                       AS account,
                   printf('P%09d', o) AS order_ref,
                   DATE '{AS_OF}' - CAST(hash(o) % 1095 AS INTEGER) + 3 AS promised_date,
                   DATE '{AS_OF}' - CAST(hash(o) % 1095 AS INTEGER) + 3 + CAST(hash(o * 7) % 10 AS INTEGER) - 6
                       AS delivered_date,
                   hash(o * 3) % 20 <> 0 AS in_full, CAST(NULL AS DECIMAL(18,4)) AS quantity_ordered,
                   CAST(NULL AS DECIMAL(18,4)) AS quantity_delivered, 'bench' AS import_id
            FROM range({orders}) t(o)"""
        )
        connection.execute(
            f"""CREATE TABLE accounts AS SELECT printf('C%07d', i) AS code,
                   CASE WHEN i % 3 = 0 THEN CAST(NULL AS DOUBLE) ELSE 1e6 / (1 + i) END AS estimated_wallet,
                   i < 200 AS is_key_account FROM range({accounts}) t(i)"""
        )
        for table in ("invoice_lines", "activities", "deliveries", "accounts"):
            connection.execute(f"COPY {table} TO '{DATA / f'{table}-{lines}.parquet'}' (FORMAT parquet)")
    return store


ENGINE = """
import datetime as dt, json, sys, duckdb
from pathlib import Path
from kam_engine.analysis import analyze_portfolio
from kam_engine.backends import open_facts
from kam_engine.config import AnalysisPolicy, RetentionConfig
from kam_engine.facts import FactsStore
store = FactsStore(Path(sys.argv[1]))
with duckdb.connect(sys.argv[1], read_only=True) as c:
    accounts = c.sql("SELECT * FROM accounts").to_arrow_table()
tables = open_facts(store, accounts)
# The baselines compute no retention models: compare like with like (argv[3] == "retention" adds them).
policy = AnalysisPolicy(retention=RetentionConfig(enabled=len(sys.argv) > 3 and sys.argv[3] == "retention"))
try:
    result = analyze_portfolio(tables, as_of=dt.date.fromisoformat(sys.argv[2]), policy=policy)
finally:  # as `kam analyze` does (and the SQL script, leaving its `with duckdb.connect`)
    tables.backend.disconnect()
summary = result.summary
print(json.dumps({"revenue": summary["revenue"], "accounts": summary["accounts"], "hhi": summary["hhi"],
                  "gini": summary["gini"], "peak_share": summary["whale"]["peak_share"], **summary["abc"]}))
"""


def timed(arguments: list[str]) -> tuple[float, float, str]:
    """Run Python in a fresh process under /usr/bin/time: (wall seconds, peak RSS MiB, its output)."""
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", sys.executable, *arguments], check=True, capture_output=True, text=True
    )
    wall, peak_kib = result.stderr.strip().splitlines()[-1].split()
    return float(wall), int(peak_kib) / 1024, result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=30_000_000)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1, help="Runs of the engine and SQL (median reported).")
    parser.add_argument("--skip-pandas", action="store_true", help="Leave out the (slow) pandas baseline.")
    parser.add_argument(
        "--skip-retention", action="store_true", help="Leave out the engine run with the retention models."
    )
    options = parser.parse_args()
    store = generate(options.lines, options.accounts)
    suffix = str(options.lines)
    runs = {
        "engine": ["-c", ENGINE, str(store), AS_OF],
        "duckdb_sql": [str(HERE / "baselines" / "portfolio_sql.py"), str(store), AS_OF],
        "engine_with_retention": ["-c", ENGINE, str(store), AS_OF, "retention"],
        "pandas": [str(HERE / "baselines" / "portfolio_pandas.py"), str(DATA), suffix, AS_OF],
    }
    if options.skip_pandas:
        del runs["pandas"]
    if options.skip_retention:
        del runs["engine_with_retention"]
    results: dict[str, object] = {}
    seconds: dict[str, float] = {}
    # The median of several runs, taken in turns (engine, SQL, engine, SQL, ...): these
    # machines are shared and noisy, and a slow minute then slows both sides alike. pandas
    # runs once, last: its 21 GiB push the facts store out of the page cache.
    measurements: dict[str, list[tuple[float, float, str]]] = {name: [] for name in runs}
    for _round in range(options.repeat):
        for name, arguments in runs.items():
            if name != "pandas":
                measurements[name].append(timed(arguments))
    if "pandas" in runs:
        measurements["pandas"].append(timed(runs["pandas"]))
    for name, measured in measurements.items():
        walls = sorted(wall for wall, _peak, _output in measured)
        seconds[name] = walls[len(walls) // 2]
        results[name] = {
            "seconds_median": round(seconds[name], 2),
            "seconds_all": [round(wall, 2) for wall in walls],
            "peak_rss_mib": round(max(peak for _wall, peak, _output in measured)),
            "output": measured[0][2],
        }
    results["ratio_engine_to_sql"] = round(seconds["engine"] / seconds["duckdb_sql"], 2)
    # The ratio within each round too: the two runs of a round saw the same machine.
    results["ratio_engine_to_sql_per_round"] = [
        round(engine[0] / sql[0], 2)
        for engine, sql in zip(measurements["engine"], measurements["duckdb_sql"], strict=True)
    ]
    # Both sides must have computed the same portfolio: compare what they print.
    engine_figures = json.loads(measurements["engine"][0][2])
    sql_figures = json.loads(measurements["duckdb_sql"][0][2])
    results["same_figures"] = all(
        abs(engine_figures[key] - sql_figures[key]) <= 1e-6 * max(1.0, abs(sql_figures[key])) for key in sql_figures
    )
    if "pandas" in seconds:
        results["ratio_engine_to_pandas"] = round(seconds["engine"] / seconds["pandas"], 2)
    print(json.dumps({"lines": options.lines, "accounts": options.accounts, **results}, indent=2))


if __name__ == "__main__":
    main()
