"""The REST API of analyses: read-only figures, following the account's visibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]


def test_an_accounts_latest_analysis(
    client: Client, analyses: dict[dt.date, PortfolioAnalysis], kam_alice: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/accounts/ACME/analysis", headers=api_headers(kam_alice))

    body = response.json()
    assert response.status_code == 200
    assert (body["account"], body["as_of"], body["revenue"], body["abc_class"]) == (
        "ACME",
        "2025-12-31",
        "500000.00",
        "A",
    )


def test_an_account_without_analysis_is_404(
    client: Client, analyses: dict[dt.date, PortfolioAnalysis], director: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/accounts/ECHO/analysis", headers=api_headers(director))

    assert response.status_code == 404
    assert response.json() == {"detail": "No analysis of this account yet."}


def test_the_portfolio_summary_is_for_directors(
    client: Client, analyses: dict[dt.date, PortfolioAnalysis], director: User, kam_bob: User, api_headers: Headers
) -> None:
    directors = client.get("/api/v1/portfolio/analysis", headers=api_headers(director)).json()
    bobs = client.get("/api/v1/portfolio/analysis", headers=api_headers(kam_bob)).json()

    assert directors["as_of"] == bobs["as_of"] == "2025-12-31"
    assert directors["summary"] == analyses[dt.date(2025, 12, 31)].summary
    assert bobs["summary"] is None


def test_the_account_analyses_list_only_visible_accounts_by_rank(
    client: Client, analyses: dict[dt.date, PortfolioAnalysis], kam_bob: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/portfolio/analysis/accounts", headers=api_headers(kam_bob))

    assert [row["account"] for row in response.json()["results"]] == ["COBALT", "BOREAL", "DELTA"]


def test_accounts_order_by_their_latest_revenue(
    client: Client, analyses: dict[dt.date, PortfolioAnalysis], director: User, api_headers: Headers
) -> None:
    headers = api_headers(director)

    down = client.get("/api/v1/accounts?ordering=-revenue", headers=headers).json()["results"]
    up = client.get("/api/v1/accounts?ordering=revenue", headers=headers).json()["results"]

    # ECHO has no analysis: last either way.
    assert [row["code"] for row in down] == ["ACME", "COBALT", "BOREAL", "ACME-IB", "DELTA", "ECHO"]
    assert [row["code"] for row in up] == ["DELTA", "ACME-IB", "BOREAL", "COBALT", "ACME", "ECHO"]


def test_there_is_no_portfolio_analysis_before_the_first_run(
    client: Client, accounts: dict[str, Account], director: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/portfolio/analysis", headers=api_headers(director))

    assert response.status_code == 404
    assert response.json() == {"detail": "No analysis yet: run `kam analyze`."}
