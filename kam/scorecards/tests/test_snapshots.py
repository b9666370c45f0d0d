"""The daily KPI snapshot: hand-computed values, the engine's health, per-KAM and portfolio rows."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST
from kam.scorecards.actions import do_record_kpi_snapshots
from kam.scorecards.choices import KpiScope
from kam.scorecards.models import KpiSnapshot
from kam.users.models import User
from kam_engine.health import relationship_health


def _row(account: Account) -> KpiSnapshot:
    return KpiSnapshot.objects.get(as_of=LATEST, scope=KpiScope.ACCOUNT, account=account)


def test_it_computes_the_kpis_of_an_account_by_hand(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    do_record_kpi_snapshots(LATEST)

    values = _row(accounts["ACME"]).values
    # 2024's gross margin: 454,545.45 − round(454,545.45 × 0.72, 2) = 127,272.73.
    assert values["margin_growth"] == round(150_000 / 127_272.73 - 1, 6)
    assert {
        key: values[key]
        for key in (
            "revenue",
            "gross_margin",
            "revenue_growth",
            "share_of_wallet_gain",
            "share_of_wallet_stability",
            "margin_pct",
            "cost_to_serve_ratio",
            "lines_per_order",
            "rush_order_share",
            "returns_rate",
            "retention",
            "buying_role_coverage",
            "contact_freshness",
            "otif",
            "sla_attainment",
            "satisfaction",
            "days_sales_outstanding",
            "pipeline_weighted",
            "pipeline_coverage",
            "whitespace_converted",
            "meetings_90d",
        )
    } == {
        "revenue": 500_000.0,
        "gross_margin": 150_000.0,
        "revenue_growth": 0.1,
        "share_of_wallet_gain": 0.02,  # 20 % − 18 %
        "share_of_wallet_stability": 0.02,
        "margin_pct": 0.3,
        "cost_to_serve_ratio": 0.06,
        "lines_per_order": 4.0,  # 200 lines ÷ 50 orders
        "rush_order_share": 0.2,  # 10 rush orders ÷ 50 orders
        "returns_rate": None,  # no return activity recorded
        "retention": 1.0,  # bought 3 days before
        "buying_role_coverage": 0.75,  # economic, user and technical buyers; no coach
        "contact_freshness": 0.0,  # last contacts in January and February: stale by December
        "otif": None,  # no service-level snapshot that day
        "sla_attainment": None,
        "satisfaction": None,
        "days_sales_outstanding": None,
        "pipeline_weighted": 0.0,
        "pipeline_coverage": 0.0,
        "whitespace_converted": None,
        "meetings_90d": 0,
    }


def test_the_health_in_the_snapshot_is_the_engines(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    do_record_kpi_snapshots(LATEST)

    row = _row(accounts["ACME"])
    engine = relationship_health(
        pa.table(
            {
                "account": ["ACME"],
                "growth_yoy": [0.10],
                "buying_roles_covered": [3.0],
                "buying_roles_required": [4.0],
                "contacts_fresh": [0.0],
                "contacts_active": [3.0],
            }
        )
    ).to_pylist()[0]
    assert row.health == round(engine["health"], 4)
    # (0.25 × 66.67 + 0.15 × 75 + 0.10 × 0) ÷ 0.50
    assert row.health == 55.8333
    assert row.health_components == {
        "purchase_trend": {"score": 66.6667, "contribution": 33.3333},
        "coverage": {"score": 75.0, "contribution": 22.5},
        "contact_freshness": {"score": 0.0, "contribution": 0.0},
    }


def test_it_writes_a_row_per_kam_and_one_for_the_portfolio(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis], kam_alice: User, kam_bob: User
) -> None:
    result = do_record_kpi_snapshots(LATEST)

    assert (result.accounts, result.kams, result.replaced) == (6, 2, False)
    alice = KpiSnapshot.objects.get(as_of=LATEST, scope=KpiScope.KAM, kam=kam_alice)
    assert alice.values["accounts"] == 3  # ACME, ACME-IB, BOREAL
    assert alice.values["revenue"] == 680_000.0  # summed
    assert alice.values["revenue_growth"] == 0.025  # mean of +10 % and −5 % (ACME-IB has none)
    bob = KpiSnapshot.objects.get(as_of=LATEST, scope=KpiScope.KAM, kam=kam_bob)
    assert bob.values["revenue"] == 320_000.0
    portfolio = KpiSnapshot.objects.get(as_of=LATEST, scope=KpiScope.PORTFOLIO)
    assert portfolio.values["accounts"] == 6
    assert portfolio.values["revenue"] == 1_000_000.0
    account_healths = [
        row.health for row in KpiSnapshot.objects.filter(as_of=LATEST, scope=KpiScope.ACCOUNT) if row.health is not None
    ]
    assert portfolio.health == round(sum(account_healths) / len(account_healths), 4)
    assert sum(count for _low, _high, count in portfolio.health_components["bands"]) == len(account_healths)


def test_it_replaces_the_rows_of_the_same_date(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis]
) -> None:
    do_record_kpi_snapshots(LATEST)
    first = {row.account_id: (row.values, row.health) for row in KpiSnapshot.objects.filter(scope=KpiScope.ACCOUNT)}

    result = do_record_kpi_snapshots(LATEST)

    assert result.replaced is True
    assert KpiSnapshot.objects.count() == 6 + 2 + 1
    again = {row.account_id: (row.values, row.health) for row in KpiSnapshot.objects.filter(scope=KpiScope.ACCOUNT)}
    assert again == first
    actions = list(
        AuditRecord.objects.filter(action__startswith="kpi_snapshot.").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["kpi_snapshot.create", "kpi_snapshot.replace"]


@pytest.mark.parametrize(
    ("_case", "kpi"),
    [("an account without analysis has no revenue", "revenue"), ("nor growth", "revenue_growth")],
)
def test_an_account_without_analysis_has_empty_figures(
    accounts: dict[str, Account], analyses: dict[dt.date, PortfolioAnalysis], _case: str, kpi: str
) -> None:
    do_record_kpi_snapshots(LATEST)

    assert _row(accounts["ECHO"]).values[kpi] is None
