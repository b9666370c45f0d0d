"""Benchmark: the whole ``kam snapshot`` (service levels + KPI snapshots) on SQLite, 200,000 accounts.

Builds, in a temporary data directory (fresh SQLite database and facts store), N accounts
(every tenth a key account, owned by one of 50 KAMs) with one portfolio analysis each
through ``bulk_create``, then times ``call_command("snapshot")`` — the command as the nightly
job runs it. Runs 20,000 accounts first as the baseline and reports the ratio.

    .venv/bin/python bench/snapshot_accounts.py [--accounts 200000] [--baseline 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = dt.date(2025, 12, 31)


def run(accounts: int) -> float:
    """Build ``accounts`` accounts with analyses in this process's data dir and time ``kam snapshot``."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    django.setup()
    from django.core.management import call_command

    from kam.key_accounts.models import Account
    from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
    from kam.scorecards.models import KpiSnapshot
    from kam.users.models import User

    call_command("init", quiet=True)
    kams = User.objects.bulk_create(
        [User(username=f"kam{index:02d}", role="key_account_manager") for index in range(50)]
    )
    Account.objects.bulk_create(
        [
            Account(
                code=f"A{index:06d}",
                name=f"Account {index}",
                is_key_account=index % 10 == 0,
                owner=kams[index % 50] if index % 10 == 0 else None,
                phase=("growth", "maintenance", "cost_reduction")[index % 3] if index % 10 == 0 else "",
            )
            for index in range(accounts)
        ],
        batch_size=5000,
    )
    portfolio = PortfolioAnalysis.objects.create(as_of=AS_OF)
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    AccountAnalysis.objects.bulk_create(
        [
            AccountAnalysis(
                portfolio=portfolio,
                account_id=pk,
                as_of=AS_OF,
                revenue=Decimal(10_000 + pk % 5000),
                gross_margin=Decimal(3_000 + pk % 700),
                margin_pct=0.3,
                growth_yoy=((pk % 61) - 30) / 100,
                share_of_wallet=0.2,
                cost_to_serve_pct=0.05,
                customer_profit=Decimal(2_000),
                orders=20,
                lines=80,
                recency_days=pk % 400,
                details={"costs_by_activity": {"rush_order": {"quantity": 2, "cost": 100.0}}},
            )
            for pk in ids
        ],
        batch_size=5000,
    )
    started = time.perf_counter()
    call_command("snapshot", date=AS_OF, json=True, stdout=io.StringIO())
    elapsed = time.perf_counter() - started
    rows = KpiSnapshot.objects.filter(as_of=AS_OF).count()
    print(f"accounts={accounts} kpi_rows={rows} seconds={elapsed:.2f}", flush=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one run, in a child process
    arguments = parser.parse_args()
    if arguments.one:
        sys.path.insert(0, str(HERE.parent))
        run(arguments.one)
        return
    times = {}
    for count in (arguments.baseline, arguments.accounts):
        with tempfile.TemporaryDirectory() as folder:
            # Each size in its own process and data dir: settings read KAM_DATA_DIR once.
            output = subprocess.run(
                [sys.executable, __file__, "--one", str(count)],
                env={**os.environ, "KAM_DATA_DIR": folder},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            print(output.strip())
            times[count] = float(output.strip().rsplit("seconds=", 1)[1])
    ratio = times[arguments.accounts] / times[arguments.baseline]
    print(
        f"kam snapshot: {times[arguments.baseline]:.2f} s for {arguments.baseline:,} accounts, "
        f"{times[arguments.accounts]:.2f} s for {arguments.accounts:,} (ratio {ratio:.2f} for 10× the accounts)"
    )


if __name__ == "__main__":
    main()
