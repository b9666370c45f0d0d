"""Retention and concentration in a recorded analysis: stored figures, churn alerts, the pages, the command.

The hand-built latest analysis of ``fixtures`` gets retention figures:

| code    | key | P(alive) | expected purchases | CLV    | declining |
|---------|-----|----------|--------------------|--------|-----------|
| ACME    | yes | 0.20     | 1.5                | 12,000 | yes       |
| ACME-IB | yes | 0.40     | 3.0                | 8,000  | yes       |
| COBALT  | no  | 0.90     | 6.0                | 30,000 | no        |
| BOREAL  | no  | 0.10     | 0.4                | 500    | yes       |
| DELTA   | no  | —        | —                  | —      | —         |
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from django.test import Client

from kam.alerts.choices import AlertKind, Severity
from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.kpis.actions import do_record_portfolio_analysis
from kam.kpis.management.commands.analyze import Command
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
from kam.kpis.tests.fixtures import _LATEST_ROWS, LATEST, _result
from kam.kpis.tests.test_views import figures_of, text_of
from kam.users.models import User
from kam_engine.analysis import PortfolioResult
from kam_engine.config import AnalysisPolicy

pytestmark = pytest.mark.django_db

# code: probability alive, expected purchases, expected margin per purchase, CLV, declining, margin share
RETENTION: dict[str, tuple[Any, ...]] = {
    "ACME": (0.2, 1.5, 8_000.0, 12_000.0, True, 0.5),
    "ACME-IB": (0.4, 3.0, 2_666.666, 8_000.0, True, 0.1),
    "COBALT": (0.9, 6.0, 5_000.0, 30_000.0, False, 0.2),
    "BOREAL": (0.1, 0.4, 1_250.0, 500.0, True, 0.14),
    "DELTA": (None, None, None, None, None, 0.06),
}
REPORT: dict[str, Any] = {
    "accounts": 5,
    "repeat_accounts": 4,
    "bgnbd": {"r": 0.5, "alpha": 4.0, "a": 0.8, "b": 2.5, "log_likelihood": -120.0},
    "gamma_gamma": {"p": 6.0, "q": 4.0, "gamma": 15.0, "log_likelihood": -80.0},
    "declining_accounts": 3,
    "months": 12,
    "decline_probability_alive": 0.5,
    "warnings": [],
    "holdout": {
        "status": "done",
        "calibration_end": "2025-07-02",
        "weeks": 26,
        "accounts": 5,
        "by_frequency": [
            {"x": 0, "accounts": 1, "actual": 0.0, "predicted": 0.2},
            {"x": 1, "accounts": 3, "actual": 4.0, "predicted": 3.5},
            {"x": 2, "accounts": 1, "actual": 2.0, "predicted": 2.25},
        ],
    },
}
CONCENTRATION = {
    "by": "gross_margin",
    "total_margin": 300_000.0,
    "top1_share": 0.5,
    "top5_share": 1.0,
    "top10_share": 1.0,
    "accounts": [
        {"account": "ACME", "margin": 150_000.0, "share": 0.5},
        {"account": "COBALT", "margin": 60_000.0, "share": 0.2},
    ],
}


def retention_result(as_of: dt.date = LATEST, *, fitted: bool = True) -> PortfolioResult:
    """The fixtures' latest analysis with retention figures (all null when not ``fitted``)."""
    base = _result(_LATEST_ROWS, LATEST)
    codes = [str(code) for code in base.accounts.column("account").to_pylist()]
    columns = ("probability_alive", "expected_purchases_12m", "expected_margin_per_purchase", "clv")
    accounts = base.accounts
    for index, name in enumerate(columns):
        values = [RETENTION[code][index] if fitted else None for code in codes]
        accounts = accounts.append_column(name, pa.array(values, type=pa.float64()))
    accounts = accounts.append_column(
        "churn_risk",
        pa.array([None if not fitted or RETENTION[code][0] is None else 1 - RETENTION[code][0] for code in codes]),
    )
    accounts = accounts.append_column(
        "declining", pa.array([RETENTION[code][4] if fitted else None for code in codes], type=pa.bool_())
    )
    accounts = accounts.append_column("margin_share", pa.array([RETENTION[code][5] for code in codes]))
    accounts = accounts.append_column("purchases", pa.array([5, 4, 3, 2, 1]))
    accounts = accounts.append_column("repeat_purchases", pa.array([4, 3, 2, 1, 0]))
    accounts = accounts.append_column("t_x_weeks", pa.array([40.0, 30.0, 20.0, 10.0, 0.0]))
    accounts = accounts.append_column("T_weeks", pa.array([52.0] * 5))
    accounts = accounts.append_column("mean_repeat_margin", pa.array([100.0, 90.0, 80.0, 70.0, None]))
    report = (
        dict(REPORT) if fitted else {**REPORT, "bgnbd": None, "gamma_gamma": None, "warnings": ["BG/NBD not fitted"]}
    )
    summary = {**base.summary, "as_of": as_of.isoformat(), "concentration_risk": CONCENTRATION}
    return dataclasses.replace(base, as_of=as_of, accounts=accounts, summary=summary, retention=report)


def record(as_of: dt.date = LATEST, *, fitted: bool = True) -> PortfolioAnalysis:
    return do_record_portfolio_analysis(retention_result(as_of, fitted=fitted), AnalysisPolicy(), acting_user=None)


@pytest.mark.usefixtures("accounts")
def test_the_retention_figures_and_report_are_stored() -> None:
    portfolio = record()

    acme = AccountAnalysis.objects.get(portfolio=portfolio, account__code="ACME")
    assert (acme.probability_alive, acme.churn_risk, acme.expected_purchases_12m) == (0.2, 0.8, 1.5)
    assert (acme.expected_margin_per_purchase, acme.clv, acme.declining, acme.margin_share) == (
        Decimal("8000.00"),
        Decimal("12000.00"),
        True,
        0.5,
    )
    assert acme.details["retention_summary"] == {"purchases": 5, "x": 4, "t_x": 40.0, "T": 52.0, "m_x": 100.0}
    delta = AccountAnalysis.objects.get(portfolio=portfolio, account__code="DELTA")
    assert (delta.probability_alive, delta.clv, delta.declining) == (None, None, None)
    assert delta.details["retention_summary"]["m_x"] is None
    assert portfolio.retention == REPORT
    assert portfolio.summary["concentration_risk"] == CONCENTRATION


@pytest.mark.usefixtures("accounts")
def test_declining_key_accounts_get_one_churn_alert_a_month() -> None:
    record()
    record()  # the same date again
    record(dt.date(2025, 12, 15))  # another date of the same month

    alerts = Alert.objects.filter(kind=AlertKind.PURCHASE_DECLINE).order_by("account__code")
    # BOREAL declines too but is no key account; COBALT is a key account still buying.
    assert [(alert.account.code, alert.severity) for alert in alerts] == [
        ("ACME", Severity.CRITICAL),
        ("ACME-IB", Severity.WARNING),
    ]
    acme = alerts[0]
    assert acme.event_key == f"account:{acme.account.pk}:churn:2025-12"
    assert acme.title == "Churn risk: 20.0% probability that the account is still buying"
    assert acme.detail == (
        "The analysis of 12/31/2025 (BG/NBD model) gives 20.0% probability that the account is still buying "
        "and 1.5 purchases expected in the next 12 months; lifetime value 12,000."
    )
    assert acme.link == "/accounts/ACME/"

    record(dt.date(2026, 1, 31))

    assert Alert.objects.filter(kind=AlertKind.PURCHASE_DECLINE).count() == 4


@pytest.mark.usefixtures("accounts")
def test_an_analysis_without_a_fit_is_stored_with_empty_figures_and_no_alert() -> None:
    portfolio = record(fitted=False)

    assert not AccountAnalysis.objects.filter(portfolio=portfolio, probability_alive__isnull=False).exists()
    assert not AccountAnalysis.objects.filter(portfolio=portfolio, declining__isnull=False).exists()
    assert portfolio.retention["warnings"] == ["BG/NBD not fitted"]
    assert Alert.objects.count() == 0


def test_the_account_page_shows_the_retention_figures(
    client: Client, kam_alice: User, accounts: dict[str, Account]
) -> None:
    record()
    client.force_login(kam_alice)

    figures = figures_of(client.get("/accounts/ACME/").content)

    assert figures["Probability still buying"] == ["20%", "declining: churn risk"]
    assert figures["Expected purchases"] == ["1.5", "next 12 months"]
    assert figures["Lifetime value"] == ["12,000", "discounted margin · 8,000 a purchase"]
    assert figures["Share of the margin"] == ["50.0%", "lost if the account left"]


def test_the_portfolio_page_shows_concentration_risk_and_the_holdout_check(
    client: Client, director: User, accounts: dict[str, Account]
) -> None:
    record()
    client.force_login(director)

    content = client.get("/portfolio/").content.decode()

    risk = re.search(r"<section[^>]*data-concentration-risk>(.*?)</section>", content, re.DOTALL)
    assert risk is not None
    assert re.findall(r"data-top(?:1|5|10)>(.*?)</dd>", risk.group(1)) == ["50.0%", "100.0%", "100.0%"]
    rows = re.findall(r'<tr data-account="([^"]+)">(.*?)</tr>', risk.group(1), re.DOTALL)
    assert [(code, text_of(cells)) for code, cells in rows] == [
        ("ACME", "Acme Group 150,000 50.0%"),
        ("COBALT", "Cobalt Retail 60,000 20.0%"),
    ]
    holdout = re.search(r"<table[^>]*data-holdout>(.*?)</table>", content, re.DOTALL)
    assert holdout is not None
    body = re.findall(r"<tr data-frequency=\"\d+\">(.*?)</tr>", holdout.group(1), re.DOTALL)
    assert [text_of(row) for row in body] == ["0 1 0 0.2", "1 3 4 3.5", "2+ 1 2 2.3"]
    assert text_of(re.search(r"<tfoot>(.*?)</tfoot>", holdout.group(1), re.DOTALL).group(1)) == "All 5 6 6.0"  # type: ignore[union-attr]
    assert re.search(r"data-declining>\s*3\s*</dd>", content)


def test_a_kam_does_not_see_the_portfolio_wide_retention_report(
    client: Client, kam_alice: User, accounts: dict[str, Account]
) -> None:
    record()
    client.force_login(kam_alice)

    content = client.get("/portfolio/").content.decode()

    assert "data-concentration-risk" not in content
    assert "data-holdout" not in content


def test_the_command_prints_the_risk_rows_and_the_retention_warning() -> None:
    summary = {
        **retention_result(fitted=False).summary,
        "retention": {"fitted": False, "warnings": ["BG/NBD not fitted: 3 customers: at least 10 are needed"]},
    }
    out = io.StringIO()
    command = Command(stdout=out)

    command._print_summary(summary)

    text = out.getvalue()
    assert "Margin at stake in the top 1 / 5 / 10 accounts │ 50.0% / 100.0% / 100.0%" in text
    assert "Retention models                               │ not fitted (see the warning below)" in text
    assert text.rstrip().endswith("Warning: BG/NBD not fitted: 3 customers: at least 10 are needed")
