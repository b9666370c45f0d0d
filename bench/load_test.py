"""Load test: 50 simulated people browsing the web app served by gunicorn on PostgreSQL.

Builds once (cached) a PostgreSQL database ``kam_load`` and its data directory
``bench/data/load/`` (facts store, demo files): the demo company generator at a custom size —
20,000 accounts, about 2,000,000 invoice lines, 20 KAMs who own about 200 accounts each and a
director — imported through ``kam demo --no-serve``, which also runs ``kam analyze``,
``kam select`` and ``kam snapshot`` (six month ends), so every page has data. Then it serves the
app with ``kam serve`` (gunicorn, 2 × cores + 1 workers) on 127.0.0.1 and runs locust headless
(``bench/locustfile.py``) twice in the same run: the baseline with 5 users, then 50 users, each
signing in with a session (two people arrive a second: 25 s until all 50 are in) and then
browsing their home page, their accounts' pages and the portfolio with 1–3 s of think time for
2 minutes. It prints, per page and overall, requests, failures and the 50th/95th/99th
percentiles of both runs and the ratio of p95 at 50 users to p95 at 5: once over the whole runs
and once over the part after the last person signed in.

    .venv/bin/python bench/load_test.py [--users 50] [--baseline-users 5] [--spawn-rate 2] [--seconds 120] [--rebuild]

Every request goes to 127.0.0.1. The database is kept between runs (``--rebuild`` makes it anew).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data" / "load"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/kam_load"
ACCOUNTS = 20_000
INVOICE_LINES = 2_000_000
KAMS = 20  # the demo gives the top fifth of the accounts to KAMs: 4,000 / 20 = 200 each
CASES = 2_000
SEED = 42
PASSWORD = "openkam-demo"  # noqa: S105 - the demo's shared password (kam.core.management.commands.demo)
TARGET_P95_MS = 300.0
STARTUP_SECONDS = 300


def _server_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return f"{base}/postgres", name


def _environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "KAM_DATABASE_URL": url,
        "KAM_DATA_DIR": str(DATA),
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "PYTHONPATH": str(ROOT),
    }


# The build runs in its own process: the demo generator at a size of our own, then `kam demo`.
_BUILD = f"""
import django
django.setup()
from django.core.management import call_command
from kam_engine import demo_company
demo_company.SIZES["load"] = demo_company.DemoSize(customers={ACCOUNTS}, invoice_lines={INVOICE_LINES}, kams={KAMS})
demo_company._PRODUCT_COUNTS["load"] = 400
demo_company._CASE_COUNTS["load"] = {CASES}
call_command("demo", size="load", seed={SEED}, no_serve=True)
"""


def build(url: str, *, rebuild: bool) -> None:
    """Make the database and data directory, unless a complete earlier build is there."""
    marker = DATA / "built.json"
    wanted = {"accounts": ACCOUNTS, "invoice_lines": INVOICE_LINES, "kams": KAMS, "seed": SEED, "url": url}
    if not rebuild and marker.exists() and json.loads(marker.read_text()) == wanted:
        print(f"using the database built earlier ({marker})", file=sys.stderr)
        return
    server, name = _server_url(url)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", _BUILD], check=True, env=_environment(url), cwd=ROOT)
    # Fresh statistics for the planner, as autovacuum would gather them in time (it is off on some servers:
    # without them PostgreSQL scans whole tables for a KAM's 200 accounts).
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    print(f"built the load database in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    marker.write_text(json.dumps(wanted))


def write_people(url: str) -> Path:
    """The logins locust uses: every KAM with the codes of the accounts they own (the director browses them all)."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            """
            SELECT u.username, a.code
            FROM users_user u JOIN key_accounts_account a ON a.owner_id = u.id
            WHERE u.role = 'key_account_manager' AND u.is_active
            ORDER BY u.username, a.code
            """
        ).fetchall()
        owned_count = connection.execute("SELECT count(*) FROM key_accounts_account WHERE owner_id IS NOT NULL")
        print(f"accounts with an owner: {owned_count.fetchone()[0]:,}", file=sys.stderr)  # type: ignore[index]
    kams: dict[str, list[str]] = {}
    for username, code in rows:
        kams.setdefault(username, []).append(code)
    people = {"password": PASSWORD, "kams": kams}
    path = DATA / "people.json"
    path.write_text(json.dumps(people))
    return path


def serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    log = (DATA / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "kam"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=_environment(url),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    # `kam serve` collects the static files first, then gunicorn boots its workers: minutes on a busy machine.
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=30) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(1)
    stop(process)
    raise SystemExit(f"gunicorn did not answer within {STARTUP_SECONDS} s; see bench/data/load/gunicorn.log")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


LOGIN = ("login form", "login")


def run_locust(port: int, users: int, spawn_rate: int, seconds: int, people: Path) -> dict[str, Any]:
    """One headless locust run: the people arrive at ``spawn_rate`` a second, then all browse for ``seconds``."""
    duration = f"{-(-users // spawn_rate) + seconds}s"
    prefix = DATA / f"locust_{users}u"
    times = DATA / f"times_{users}u.json"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        duration,
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print("$ " + " ".join(command), file=sys.stderr)
    began = time.monotonic()
    load_before = os.getloadavg()[0]
    environment = {**os.environ, "KAM_LOAD_PEOPLE": str(people), "KAM_LOAD_TIMES": str(times)}
    subprocess.run(command, env=environment, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    load_after = os.getloadavg()[0]
    with Path(f"{prefix}_stats.csv").open(newline="") as handle:
        failures = {row["Name"]: int(row["Failure Count"]) for row in csv.DictReader(handle)}
    return {
        "users": users,
        "seconds": time.monotonic() - began,
        "load": (load_before, load_after),
        "requests": json.loads(times.read_text()),
        "failures": failures,
    }


def _row(times: list[float], failures: int) -> tuple[int, int, float, float, float]:
    if not times:
        return (0, failures, 0.0, 0.0, 0.0)
    p50, p95, p99 = (float(value) for value in np.percentile(times, [50, 95, 99]))
    return (len(times), failures, p50, p95, p99)


def signed_in_at(run: dict[str, Any]) -> float:
    """Seconds into the run when the last person's sign-in had answered."""
    return max((began + elapsed / 1000 for began, elapsed in run["requests"].get("login", [])), default=0.0)


def _figures(run: dict[str, Any], *, after: float = 0.0) -> dict[str, tuple[int, int, float, float, float]]:
    """Per page and overall: requests, failures, p50, p95, p99 (ms) of the requests begun ``after`` seconds in."""
    times: dict[str, list[float]] = {
        name: [elapsed for began, elapsed in requests if began >= after] for name, requests in run["requests"].items()
    }
    times = {name: values for name, values in times.items() if values}
    # Failures are locust's counts over the whole run (it does not time-stamp them).
    failures: dict[str, int] = run["failures"]
    rows = {name: _row(values, failures.get(name, 0)) for name, values in times.items()}
    pages = [name for name in times if name not in LOGIN]
    rows["all pages (login excluded)"] = _row(
        [value for name in pages for value in times[name]], sum(failures.get(name, 0) for name in pages)
    )
    rows["all requests"] = _row([value for values in times.values() for value in values], failures.get("Aggregated", 0))
    return rows


def report(baseline: dict[str, Any], loaded: dict[str, Any]) -> bool:
    """Print two tables — the whole runs, and the part after everyone signed in; True if both met the target."""
    for run in (baseline, loaded):
        print(
            f"{run['users']} users: {run['seconds']:.0f} s, load average {run['load'][0]:.2f} before, "
            f"{run['load'][1]:.2f} after; the last sign-in answered {signed_in_at(run):.1f} s in"
        )
    print("\nWhole runs (signing in included):")
    whole = _table(baseline, loaded, _figures(baseline), _figures(loaded))
    print("\nAfter everyone signed in (each run from its last sign-in):")
    browsing = _table(
        baseline,
        loaded,
        _figures(baseline, after=signed_in_at(baseline)),
        _figures(loaded, after=signed_in_at(loaded)),
    )
    return whole and browsing


def _table(
    baseline: dict[str, Any],
    loaded: dict[str, Any],
    small: dict[str, tuple[int, int, float, float, float]],
    large: dict[str, tuple[int, int, float, float, float]],
) -> bool:
    few, many = baseline["users"], loaded["users"]
    print(
        f"| page | requests ({few} / {many} users) | failures | p50 ms | p95 ms | p99 ms "
        f"| p95 ratio {many}/{few} | p95 at {many} under {TARGET_P95_MS:.0f} ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    met = True
    totals = ("all pages (login excluded)", "all requests")
    for name in sorted(large, key=lambda name: (name in totals, name in LOGIN, name)):
        count, failures, p50, p95, p99 = large[name]
        base = small.get(name, (0, 0, 0.0, 0.0, 0.0))
        ratio = f"{p95 / base[3]:.2f}" if base[3] else "—"
        under = p95 < TARGET_P95_MS
        if name not in LOGIN and name != "all requests":
            met = met and failures == 0 and under
        print(
            f"| {name} | {base[0]:,} / {count:,} | {base[1]} / {failures} | {base[2]:.0f} / {p50:.0f} "
            f"| {base[3]:.0f} / {p95:.0f} | {base[4]:.0f} / {p99:.0f} | {ratio} | {'yes' if under else 'NO'} |"
        )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("KAM_LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--baseline-users", type=int, default=5)
    parser.add_argument("--spawn-rate", type=int, default=2, help="people arriving (signing in) per second")
    parser.add_argument("--seconds", type=int, default=120, help="how long everyone browses, after the arrivals")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--build-only", action="store_true")
    options = parser.parse_args()
    if not options.database_url.startswith("postgresql://postgres@127.0.0.1"):
        raise SystemExit("the load test runs against the PostgreSQL server on 127.0.0.1 only")
    build(options.database_url, rebuild=options.rebuild)
    people = write_people(options.database_url)
    if options.build_only:
        return
    server = serve(options.database_url, options.port, options.workers)
    try:
        print(f"gunicorn: {options.workers} workers on 127.0.0.1:{options.port}", file=sys.stderr)
        few = options.baseline_users
        baseline = run_locust(options.port, few, min(options.spawn_rate, few), options.seconds, people)
        loaded = run_locust(options.port, options.users, options.spawn_rate, options.seconds, people)
    finally:
        stop(server)
    met = report(baseline, loaded)
    print(f"target (p95 < {TARGET_P95_MS:.0f} ms on every page, no failures): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
