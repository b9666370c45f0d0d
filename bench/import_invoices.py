"""Benchmark: `kam import invoices` on a generated 10-million-line CSV.

Compares, in the same run, the whole `kam import` process (read, validate every row,
check every account code, de-duplicate against the store, write) with a baseline that
only loads the same CSV into a DuckDB table with DuckDB's own parallel CSV reader and
no validation. Prints lines/s for both and the ratio; results go to docs/performance.md.

    uv run python bench/import_invoices.py [--lines 10000000] [--accounts 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def generate(lines: int, accounts: int) -> tuple[Path, Path]:
    """Write (once) the accounts file and the invoice-line CSV with DuckDB."""
    DATA.mkdir(exist_ok=True)
    accounts_csv = DATA / f"accounts-{accounts}.csv"
    invoices_csv = DATA / f"invoices-{lines}.csv"
    with duckdb.connect() as connection:
        connection.execute("SET enable_progress_bar = false")
        if not accounts_csv.exists():
            connection.execute(
                f"COPY (SELECT printf('C%07d', i) AS code, 'Customer ' || i AS name FROM range({accounts}) t(i)) "
                f"TO '{accounts_csv}' (HEADER)"
            )
        if not invoices_csv.exists():
            connection.execute(
                f"""COPY (
                    SELECT printf('F%09d', i // 5) AS invoice, CAST(i % 5 + 1 AS VARCHAR) AS line,
                           printf('C%07d', hash(i // 5) % {accounts}) AS account,
                           printf('P%05d', hash(i) % 5000) AS product,
                           DATE '2023-01-01' + CAST(hash(i // 5) % 1095 AS INTEGER) AS date,
                           1 + hash(i) % 20 AS quantity,
                           round((hash(i) % 100000) / 100.0, 2) AS net_revenue,
                           round((hash(i) % 100000) / 80.0, 2) AS list_revenue,
                           round((hash(i) % 100000) / 140.0, 2) AS cost
                    FROM range({lines}) t(i)
                ) TO '{invoices_csv}' (HEADER)"""
            )
    return accounts_csv, invoices_csv


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS of the children in MiB)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kib / 1024


def baseline(invoices_csv: Path, folder: Path) -> float:
    """DuckDB's own parallel CSV load, no checks: the floor any importer is measured against."""
    script = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('SET enable_progress_bar = false'); "
        'c.execute("CREATE TABLE invoice_lines AS SELECT * FROM read_csv(?, header=true)", [sys.argv[2]])'
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", script, str(folder / "baseline.duckdb"), str(invoices_csv)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    options = parser.parse_args()
    accounts_csv, invoices_csv = generate(options.lines, options.accounts)
    kam = str(Path(sys.executable).with_name("kam"))
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "KAM_DATA_DIR": folder}
        subprocess.run([kam, "init", "--quiet"], check=True, env=env)
        subprocess.run([kam, "import", "accounts", str(accounts_csv)], check=True, env=env, stdout=subprocess.DEVNULL)
        ours, peak = timed([kam, "import", "invoices", str(invoices_csv)], env)
        floor = baseline(invoices_csv, Path(folder))
        again, _ = timed([kam, "import", "invoices", str(invoices_csv)], env)
    result = {
        "lines": options.lines,
        "file_mib": round(invoices_csv.stat().st_size / 2**20),
        "kam_import_s": round(ours, 2),
        "kam_import_lines_per_s": round(options.lines / ours),
        "kam_import_peak_rss_mib": round(peak),
        "reimport_same_file_s": round(again, 2),
        "duckdb_read_csv_s": round(floor, 2),
        "duckdb_read_csv_lines_per_s": round(options.lines / floor),
        "ratio_kam_to_duckdb": round(ours / floor, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
