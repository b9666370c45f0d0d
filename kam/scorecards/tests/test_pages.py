"""Scorecard pages and the KPI catalogue: who sees and edits what."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST
from kam.scorecards.actions import do_record_kpi_snapshots
from kam.scorecards.models import PhaseKpi
from kam.users.models import User


def test_a_kam_sees_the_scorecard_of_their_account_with_its_lights(
    client: Client, kam_alice: User, accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    do_record_kpi_snapshots(LATEST)
    client.force_login(kam_alice)

    response = client.get("/accounts/ACME/scorecard/")

    assert response.status_code == 200
    html = response.content.decode()
    # ACME is in the growth phase: revenue growth 10 % against a 5 % target is green;
    # buying-role coverage 75 % against 100 % (amber from 0.75) is amber.
    assert 'data-kpi="revenue_growth"' in html
    assert 'data-kpi="otif"' not in html
    assert 'data-light="green" title="On target">10.0%' in html
    assert 'data-light="amber" title="Near target">75.0%' in html
    assert "<span data-health>55.8</span>" in html


def test_a_kam_gets_404_for_an_account_they_cannot_see(
    client: Client, kam_alice: User, accounts: dict[str, Account]
) -> None:
    client.force_login(kam_alice)

    assert client.get("/accounts/COBALT/scorecard/").status_code == 404


def test_a_kam_sees_their_own_scorecard_and_not_anothers(
    client: Client,
    kam_alice: User,
    kam_bob: User,
    accounts: dict[str, Account],
    analyses: dict[dt.date, PortfolioAnalysis],
) -> None:
    do_record_kpi_snapshots(LATEST)
    client.force_login(kam_alice)

    own = client.get("/scorecards/kam/alice/")

    assert own.status_code == 200
    html = own.content.decode()
    assert [code for code in ("ACME", "ACME-IB", "BOREAL", "COBALT") if f'data-account="{code}"' in html] == [
        "ACME",
        "ACME-IB",
        "BOREAL",
    ]
    assert client.get("/scorecards/kam/bob/").status_code == 404


def test_a_director_sees_every_kam_and_the_portfolio(
    client: Client,
    director: User,
    kam_bob: User,
    accounts: dict[str, Account],
    analyses: dict[dt.date, PortfolioAnalysis],
) -> None:
    do_record_kpi_snapshots(LATEST)
    client.force_login(director)

    assert client.get("/scorecards/kam/bob/").status_code == 200
    portfolio = client.get("/scorecards/")
    assert portfolio.status_code == 200
    assert 'data-account="ACME"' in portfolio.content.decode()


def test_the_portfolio_and_calibration_are_for_directors_only(
    client: Client, kam_alice: User, accounts: dict[str, Account]
) -> None:
    client.force_login(kam_alice)

    assert client.get("/scorecards/").status_code == 403
    assert client.get("/scorecards/health-calibration/").status_code == 403


def test_the_catalogue_has_the_default_kpis_of_each_phase(db: None) -> None:
    counts = {
        phase: PhaseKpi.objects.filter(phase=phase).count() for phase in ("growth", "maintenance", "cost_reduction")
    }

    assert counts == {"growth": 7, "maintenance": 7, "cost_reduction": 6}


def test_a_director_changes_a_target(client: Client, director: User) -> None:
    phase_kpi = PhaseKpi.objects.get(phase="maintenance", kpi="otif")
    client.force_login(director)
    prefix = f"kpi-{phase_kpi.pk}"

    response = client.post(
        f"/scorecards/catalogue/{phase_kpi.pk}/",
        {
            f"{prefix}-target": "0.97",
            f"{prefix}-amber_share": "0.8",
            f"{prefix}-is_active": "on",
            f"{prefix}-order": "5",
        },
    )

    assert response.status_code == 302
    phase_kpi.refresh_from_db()
    assert (phase_kpi.target, phase_kpi.amber_share, phase_kpi.is_active, phase_kpi.order) == (0.97, 0.8, True, 5)


def test_a_kam_reads_the_catalogue_but_cannot_change_it(client: Client, kam_alice: User) -> None:
    phase_kpi = PhaseKpi.objects.get(phase="maintenance", kpi="otif")
    client.force_login(kam_alice)
    prefix = f"kpi-{phase_kpi.pk}"

    page = client.get("/scorecards/catalogue/")
    response = client.post(
        f"/scorecards/catalogue/{phase_kpi.pk}/",
        {f"{prefix}-target": "0.5", f"{prefix}-amber_share": "0.8", f"{prefix}-order": "5"},
    )

    assert page.status_code == 200
    assert f"/scorecards/catalogue/{phase_kpi.pk}/" not in page.content.decode()
    assert response.status_code == 403
    phase_kpi.refresh_from_db()
    assert (phase_kpi.target, phase_kpi.amber_share) == (0.95, 0.9)
