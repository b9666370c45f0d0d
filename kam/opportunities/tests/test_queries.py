"""The pipeline read helpers: the forecast by month on hand-made rows, and whose pipeline counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kam.key_accounts.models import Account
from kam.opportunities.actions import do_close_opportunity, do_create_opportunity
from kam.opportunities.choices import Stage
from kam.opportunities.queries import Bucket, PipelineTotals, forecast_by_month, open_pipeline_for, pipeline_by_kam
from kam.opportunities.tests.fixtures import opportunity_details
from kam.users.models import User

TODAY = dt.date(2026, 3, 15)


def test_the_forecast_adds_up_weighted_amounts_by_month_of_expected_close() -> None:
    rows = [
        (dt.date(2026, 3, 20), Decimal("1000.00"), 50),
        (dt.date(2026, 3, 31), Decimal("333.33"), 33),
        (dt.date(2026, 4, 1), Decimal("2000.00"), 25),
        (dt.date(2027, 2, 28), Decimal("10000.00"), 10),
        (dt.date(2027, 3, 1), Decimal("5000.00"), 50),
        (dt.date(2026, 3, 14), Decimal("800.00"), 75),
        (dt.date(2026, 3, 1), Decimal("100.00"), 10),
    ]

    forecast = forecast_by_month(rows, today=TODAY)

    assert [month for month, _bucket in forecast.months] == [
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 1),
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 1),
        dt.date(2026, 9, 1),
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        dt.date(2027, 2, 1),
    ]
    months = dict(forecast.months)
    assert months[dt.date(2026, 3, 1)] == Bucket(2, Decimal("1333.33"), Decimal("610.00"))
    assert months[dt.date(2026, 4, 1)] == Bucket(1, Decimal("2000.00"), Decimal("500.00"))
    assert months[dt.date(2026, 5, 1)] == Bucket(0, Decimal("0.00"), Decimal("0.00"))
    assert months[dt.date(2027, 2, 1)] == Bucket(1, Decimal("10000.00"), Decimal("1000.00"))
    assert forecast.overdue == Bucket(2, Decimal("900.00"), Decimal("610.00"))
    assert forecast.later == Bucket(1, Decimal("5000.00"), Decimal("2500.00"))
    assert forecast.total == Bucket(7, Decimal("19233.33"), Decimal("5220.00"))


def test_a_forecast_starting_in_december_runs_into_the_next_year() -> None:
    forecast = forecast_by_month([(dt.date(2027, 11, 30), Decimal("10.00"), 50)], today=dt.date(2026, 12, 1))

    assert forecast.months[-1] == (dt.date(2027, 11, 1), Bucket(1, Decimal("10.00"), Decimal("5.00")))
    assert forecast.later == Bucket()


@pytest.fixture
def pipeline(accounts: dict[str, Account], director: User) -> None:
    """ACME 100 000 at 50 %, ACME-IB 20 000 at 10 % (alice); COBALT 40 000 at 75 % (bob);
    ECHO 10 000 at 25 % (no KAM); a lost 5 000 on ACME that no longer counts."""

    def add(code: str, name: str, amount: str, stage: str, close_on: dt.date) -> None:
        do_create_opportunity(
            accounts[code],
            opportunity_details(name=name, amount=Decimal(amount), stage=stage, expected_close_on=close_on),
            acting_user=director,
        )

    add("ACME", "Retrofit", "100000", Stage.PROPOSAL, dt.date(2026, 6, 15))
    add("ACME-IB", "Spares", "20000", Stage.PROSPECTING, dt.date(2026, 3, 31))
    add("COBALT", "Stores", "40000", Stage.NEGOTIATION, dt.date(2026, 4, 10))
    add("ECHO", "Pilot", "10000", Stage.QUALIFICATION, dt.date(2027, 6, 1))
    add("ACME", "Old deal", "5000", Stage.NEGOTIATION, dt.date(2026, 5, 1))
    do_close_opportunity(accounts["ACME"].opportunities.get(name="Old deal"), won=False, acting_user=director)


@pytest.mark.usefixtures("pipeline")
def test_the_open_pipeline_counts_owned_accounts_for_kams_and_every_account_for_directors(
    kam_alice: User, kam_bob: User, director: User, team_tina: User, outsider_olga: User
) -> None:
    assert open_pipeline_for(kam_alice) == PipelineTotals(2, Decimal("120000.00"), Decimal("52000.00"))
    assert open_pipeline_for(kam_bob) == PipelineTotals(1, Decimal("40000.00"), Decimal("30000.00"))
    assert open_pipeline_for(director) == PipelineTotals(4, Decimal("170000.00"), Decimal("84500.00"))
    assert open_pipeline_for(team_tina) == PipelineTotals(0, Decimal("0.00"), Decimal("0.00"))
    assert open_pipeline_for(outsider_olga) == PipelineTotals(0, Decimal("0.00"), Decimal("0.00"))


@pytest.mark.usefixtures("pipeline")
def test_the_pipeline_is_grouped_per_kam_with_accounts_without_kam_last(
    kam_alice: User, kam_bob: User, director: User
) -> None:
    rows = pipeline_by_kam(director, today=TODAY)

    assert [row.kam for row in rows] == [kam_alice, kam_bob, None]
    assert [row.forecast.total.weighted for row in rows] == [
        Decimal("52000.00"),
        Decimal("30000.00"),
        Decimal("2500.00"),
    ]
    assert dict(rows[0].forecast.months)[dt.date(2026, 3, 1)] == Bucket(1, Decimal("20000.00"), Decimal("2000.00"))
    assert rows[2].forecast.later == Bucket(1, Decimal("10000.00"), Decimal("2500.00"))
    assert [row.kam for row in pipeline_by_kam(kam_bob, today=TODAY)] == [kam_bob]
