"""``kam health-calibration``: bands of a small hand-built history, and a clear message without one."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.core.management import call_command

from kam.key_accounts.models import Account
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST, OLDER
from kam.scorecards.actions import do_record_kpi_snapshots
from kam.scorecards.choices import KpiScope
from kam.scorecards.models import KpiSnapshot


def _history(accounts: dict[str, Account]) -> None:
    """Health at OLDER set by hand; BOREAL's revenue falls from 126,315.79 to 100,000 (−21 %)."""
    do_record_kpi_snapshots(OLDER)
    rows = KpiSnapshot.objects.filter(as_of=OLDER, scope=KpiScope.ACCOUNT)
    rows.update(health=None)
    for code, health in (("ACME", 30.0), ("COBALT", 50.0), ("BOREAL", 70.0), ("ACME-IB", 90.0)):
        rows.filter(account=accounts[code]).update(health=health)
    AccountAnalysis.objects.filter(as_of=LATEST, account=accounts["BOREAL"]).update(revenue=100_000)


def test_it_reports_the_bands_of_the_history(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    _history(accounts)
    out = io.StringIO()

    call_command("health_calibration", "--from", "2024-12-31", "--to", "2025-12-31", "--json", stdout=out)

    printed = json.loads(out.getvalue())
    assert printed["problem"] is None
    assert printed["accounts"] == 4
    assert [(band["band_from"], band["accounts"], band["lost"], band["loss_rate"]) for band in printed["bands"]] == [
        (0.0, 1, 0, 0.0),
        (40.0, 1, 0, 0.0),
        (60.0, 1, 1, 1.0),
        (80.0, 1, 0, 0.0),
    ]


def test_it_prints_the_bands_as_a_table(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    _history(accounts)
    out = io.StringIO()

    call_command("health_calibration", stdout=out)

    text = out.getvalue()
    assert "Health of 2024-12-31 against revenue of 2024-12-31 and 2025-12-31" in text
    assert "60–80" in text
    assert "100.0 %" in text


def test_it_says_plainly_when_there_is_no_history(db: None) -> None:
    out = io.StringIO()

    call_command("health_calibration", stdout=out)

    assert out.getvalue().strip() == "Not enough history: no KPI snapshot has been taken yet."


def test_it_says_plainly_when_one_analysis_covers_both_dates(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    do_record_kpi_snapshots(LATEST)
    out = io.StringIO()

    call_command("health_calibration", "--from", "2025-12-31", "--to", "2026-03-31", stdout=out)

    assert out.getvalue().strip() == (
        "Not enough history: the revenue needs an analysis up to 2025-12-31 and a later one up to 2026-03-31."
    )
