"""The portfolio page and the account page's figures, as each persona sees them."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from kam.kpis.models import PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST, OLDER
from kam.users.models import User

PORTFOLIO_URL = "/portfolio/"

Analyses = dict[dt.date, PortfolioAnalysis]


def shown_account_codes(content: bytes) -> list[str]:
    """The codes of the table's rows, in page order."""
    return re.findall(r'<tr data-account-code="([^"]+)"', content.decode())


def text_of(html: str) -> str:
    """The text of an HTML fragment, its markup and runs of spaces collapsed (no-break spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip(" ")


def summary_figures(content: bytes) -> dict[str, list[str]]:
    """The portfolio summary as {label: [value, note…]}."""
    summary = re.search(r"<dl class=\"stats\" data-summary>(.*?)</dl>", content.decode(), re.DOTALL)
    assert summary is not None
    return {
        text_of(label): [text_of(value) for value in re.findall(r"<dd[^>]*>(.*?)</dd>", values, re.DOTALL)]
        for label, values in re.findall(r"<dt>(.*?)</dt>(.*?)</div>", summary.group(1), re.DOTALL)
    }


def chart_data(content: bytes, name: str) -> Any:
    found = re.search(rf'<script id="{name}-data" type="application/json">(.*?)</script>', content.decode())
    assert found is not None, f"no {name} chart data"
    return json.loads(found.group(1))


# --- access -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_redirects_anonymous_visitors_to_login(client: Client) -> None:
    response = client.get(PORTFOLIO_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={PORTFOLIO_URL}"


@pytest.mark.usefixtures("analyses")
def test_the_top_navigation_links_to_the_portfolio(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    content = client.get(PORTFOLIO_URL).content.decode()

    assert '<a href="/portfolio/" aria-current="page">Portfolio</a>' in content


# --- what each persona sees -------------------------------------------------------------


@pytest.mark.usefixtures("analyses")
def test_the_director_sees_the_portfolio_summary_and_every_analysed_account(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL)

    assert response.status_code == 200
    assert shown_account_codes(response.content) == ["ACME", "COBALT", "BOREAL", "ACME-IB", "DELTA"]
    assert summary_figures(response.content) == {
        "Accounts with sales": ["5"],
        "Revenue": ["1,000,000"],
        "Gross margin": ["270,000", "27.0% of revenue"],
        "Cost to serve": ["74,600", "7.5% of revenue"],
        "Customer profit": ["195,400", "19.5% of revenue"],
        "Top 20% of accounts": ["50.0%", "of revenue"],
        "Accounts making 80%": ["2", "of 5 accounts"],
        "ABC classes": ["A 2 B 2 C 1"],
        "HHI": ["3,584", "concentration, 0–10,000"],
        "Gini": ["0.52", "inequality of revenue, 0–1"],
        "Whale curve peak": ["104%", "of the profit, at 3 accounts"],
        "Loss-making accounts": ["2", "losing 8,000 in all"],
    }


@pytest.mark.usefixtures("analyses")
def test_the_director_gets_the_three_charts_data(client: Client, director: User) -> None:
    client.force_login(director)

    content = client.get(PORTFOLIO_URL).content

    pareto, whale, shapiro = (chart_data(content, name) for name in ("pareto", "whale", "shapiro"))
    assert pareto["points"] == [[0.0, 0.0], [0.2, 0.5], [0.4, 0.8], [0.6, 0.92], [0.8, 0.98], [1.0, 1.0]]
    assert pareto["threshold"] == 0.8
    assert whale["points"] == [
        [0.0, 0.0],
        [0.2, 0.614125],
        [0.4, 0.875128],
        [0.6, 1.040942],
        [0.8, 1.030706],
        [1.0, 1.0],
    ]
    assert whale["peak"] == [0.6, 1.040942]
    assert whale["labels"]["peak"] == "Peak: 104% of the profit with 3 accounts"
    assert [(group["key"], group["codes"]) for group in shapiro["groups"]] == [
        ("carriage_trade", ["ACME"]),
        ("passive", ["COBALT"]),
        ("aggressive", ["ACME-IB", "DELTA"]),
        ("bargain_basement", ["BOREAL"]),
    ]
    aggressive = shapiro["groups"][2]
    assert aggressive["x"] == [3.5, 2.5]
    assert aggressive["y"] == [0.85, 0.7]
    assert aggressive["revenue"] == [60000.0, 20000.0]
    assert aggressive["names"] == ["Acme Ibérica", "Delta Logistics"]
    assert aggressive["urls"] == ["/accounts/ACME-IB/", "/accounts/DELTA/"]
    assert shapiro["cutoffs"] == {"price": 1.0, "cost": 1.0}


@pytest.mark.usefixtures("analyses")
def test_a_kam_sees_only_her_accounts_and_no_portfolio_wide_figures(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(PORTFOLIO_URL)

    content = response.content.decode()
    assert shown_account_codes(response.content) == ["ACME", "BOREAL", "ACME-IB"]
    assert "data-summary" not in content
    assert 'id="pareto-data"' not in content
    assert 'id="whale-data"' not in content
    assert "The portfolio-wide summary and curves are shown to directors." in content
    shapiro = chart_data(response.content, "shapiro")
    assert [(group["key"], group["codes"]) for group in shapiro["groups"]] == [
        ("carriage_trade", ["ACME"]),
        ("aggressive", ["ACME-IB"]),
        ("bargain_basement", ["BOREAL"]),
    ]


@pytest.mark.parametrize(
    ("persona", "expected_codes"),
    [
        ("administrator", ["ACME", "COBALT", "BOREAL", "ACME-IB", "DELTA"]),
        ("kam_bob", ["COBALT", "BOREAL", "DELTA"]),
        ("team_tina", ["ACME"]),
        ("viewer_victor", []),
    ],
)
@pytest.mark.usefixtures("analyses")
def test_the_table_lists_exactly_the_analysed_accounts_the_user_sees(
    client: Client, request: pytest.FixtureRequest, persona: str, expected_codes: list[str]
) -> None:
    client.force_login(request.getfixturevalue(persona))

    response = client.get(PORTFOLIO_URL)

    assert shown_account_codes(response.content) == expected_codes


@pytest.mark.usefixtures("analyses")
def test_a_user_without_analysed_accounts_is_told_so_and_gets_an_empty_matrix(
    client: Client, viewer_victor: User
) -> None:
    client.force_login(viewer_victor)

    content = client.get(PORTFOLIO_URL).content.decode()

    assert "None of your accounts is in this analysis: it covers accounts with sales in its window." in content
    assert 'id="shapiro-data"' not in content
    assert "No data to draw: no account in this analysis has these figures." in content


@pytest.mark.usefixtures("analyses")
def test_a_row_shows_the_account_figures(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL)

    row = re.search(r'<tr data-account-code="ACME-IB">(.*?)</tr>', response.content.decode(), re.DOTALL)
    assert row is not None
    cells = [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.DOTALL)]
    assert cells == [
        "ACME-IB",
        "Acme Ibérica",
        "B",
        "60,000",
        "25.0%",
        "21,000",
        "35.0%",
        "-6,000",
        "—",
        "—",
        "—",
        "Aggressive",
    ]


# --- sorting and paging -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected_codes"),
    [
        ("code", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA"]),
        ("-code", ["DELTA", "COBALT", "BOREAL", "ACME-IB", "ACME"]),
        ("name", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA"]),
        ("-name", ["DELTA", "COBALT", "BOREAL", "ACME-IB", "ACME"]),
        ("abc", ["ACME", "COBALT", "ACME-IB", "BOREAL", "DELTA"]),
        ("-abc", ["DELTA", "ACME-IB", "BOREAL", "ACME", "COBALT"]),
        ("revenue", ["DELTA", "ACME-IB", "BOREAL", "COBALT", "ACME"]),
        ("-revenue", ["ACME", "COBALT", "BOREAL", "ACME-IB", "DELTA"]),
        ("margin", ["DELTA", "COBALT", "ACME-IB", "ACME", "BOREAL"]),
        ("-margin", ["BOREAL", "ACME", "ACME-IB", "COBALT", "DELTA"]),
        ("cost_to_serve", ["DELTA", "COBALT", "BOREAL", "ACME-IB", "ACME"]),
        ("-cost_to_serve", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA"]),
        ("cost_to_serve_pct", ["COBALT", "ACME", "BOREAL", "DELTA", "ACME-IB"]),
        ("-cost_to_serve_pct", ["ACME-IB", "DELTA", "BOREAL", "ACME", "COBALT"]),
        ("profit", ["ACME-IB", "DELTA", "BOREAL", "COBALT", "ACME"]),
        ("-profit", ["ACME", "COBALT", "BOREAL", "DELTA", "ACME-IB"]),
        # Missing figures go last in either direction (ACME-IB has no growth, wallet or OTIF).
        ("growth", ["DELTA", "BOREAL", "ACME", "COBALT", "ACME-IB"]),
        ("-growth", ["COBALT", "ACME", "BOREAL", "DELTA", "ACME-IB"]),
        ("wallet", ["COBALT", "ACME", "BOREAL", "ACME-IB", "DELTA"]),
        ("-wallet", ["BOREAL", "ACME", "COBALT", "ACME-IB", "DELTA"]),
        ("otif", ["DELTA", "COBALT", "BOREAL", "ACME", "ACME-IB"]),
        ("-otif", ["ACME", "BOREAL", "COBALT", "DELTA", "ACME-IB"]),
        # Quadrants in the matrix's order: carriage trade, passive, aggressive, bargain basement.
        ("quadrant", ["ACME", "COBALT", "ACME-IB", "DELTA", "BOREAL"]),
        ("-quadrant", ["BOREAL", "ACME-IB", "DELTA", "COBALT", "ACME"]),
    ],
)
@pytest.mark.usefixtures("analyses")
def test_sorting_by_each_column_gives_the_expected_order(
    client: Client, director: User, sort: str, expected_codes: list[str]
) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL, {"sort": sort})

    assert shown_account_codes(response.content) == expected_codes


@pytest.mark.parametrize("sort", ["owner__password", "-", "", "revenue,code", "-quadrant "])
@pytest.mark.usefixtures("analyses")
def test_an_unknown_sort_key_falls_back_to_revenue_largest_first(client: Client, director: User, sort: str) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL, {"sort": sort})

    assert response.status_code == 200
    assert shown_account_codes(response.content) == ["ACME", "COBALT", "BOREAL", "ACME-IB", "DELTA"]
    assert 'aria-sort="descending"' in response.content.decode()
    assert response.content.decode().count("aria-sort=") == 1


@pytest.mark.usefixtures("analyses")
def test_headers_sort_metrics_largest_first_texts_a_to_z_and_toggle_the_current_column(
    client: Client, director: User
) -> None:
    client.force_login(director)

    content = client.get(PORTFOLIO_URL, {"as_of": "2025-12-31", "page": "1"}).content.decode()

    links = dict(re.findall(r'<a class="sort[^"]*" href="([^"]+)"[^>]*data-sort-key="([^"]+)"', content))
    assert {key: html.unescape(href) for href, key in links.items()} == {
        "code": "?as_of=2025-12-31&sort=code",
        "name": "?as_of=2025-12-31&sort=name",
        "abc": "?as_of=2025-12-31&sort=abc",
        "revenue": "?as_of=2025-12-31&sort=revenue",  # the current sort, reversed
        "margin": "?as_of=2025-12-31&sort=-margin",
        "cost_to_serve": "?as_of=2025-12-31&sort=-cost_to_serve",
        "cost_to_serve_pct": "?as_of=2025-12-31&sort=-cost_to_serve_pct",
        "profit": "?as_of=2025-12-31&sort=-profit",
        "growth": "?as_of=2025-12-31&sort=-growth",
        "wallet": "?as_of=2025-12-31&sort=-wallet",
        "otif": "?as_of=2025-12-31&sort=-otif",
        "quadrant": "?as_of=2025-12-31&sort=quadrant",
    }


@pytest.mark.usefixtures("analyses")
def test_an_htmx_request_gets_only_the_table(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL, {"sort": "profit"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert shown_account_codes(response.content) == ["ACME-IB", "DELTA", "BOREAL", "COBALT", "ACME"]
    assert "<html" not in content
    assert "data-summary" not in content
    assert 'id="shapiro-data"' not in content
    assert response["Vary"] == "HX-Request, Accept-Language, Cookie"


@pytest.mark.usefixtures("analyses")
def test_the_table_pages_by_fifty(client: Client, director: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kam.kpis.views.ANALYSES_PER_PAGE", 2)
    client.force_login(director)

    second = client.get(PORTFOLIO_URL, {"sort": "code", "page": "2"})

    assert shown_account_codes(second.content) == ["BOREAL", "COBALT"]
    assert 'href="?sort=code&amp;page=3"' in second.content.decode()
    assert "Page 2 of 3" in second.content.decode()


# --- history --------------------------------------------------------------------------------


@pytest.mark.usefixtures("analyses")
def test_the_date_selector_lists_every_analysed_date_latest_first(client: Client, director: User) -> None:
    client.force_login(director)

    content = client.get(PORTFOLIO_URL).content.decode()

    assert re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', content) == [
        ("2025-12-31", " selected", "Dec. 31, 2025"),
        ("2024-12-31", "", "Dec. 31, 2024"),
    ]


@pytest.mark.usefixtures("analyses")
def test_choosing_an_older_date_shows_that_analysis(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL, {"as_of": OLDER.isoformat()})

    content = response.content.decode()
    assert "As of Dec. 31, 2024" in content
    assert '<option value="2024-12-31" selected>' in content
    assert shown_account_codes(response.content) == ["ACME", "COBALT", "BOREAL", "ACME-IB"]
    assert summary_figures(response.content)["Revenue"] == ["860,861"]


@pytest.mark.parametrize("as_of", ["2023-06-30", "yesterday", "2025-02-30"])
@pytest.mark.usefixtures("analyses")
def test_a_date_that_was_never_analysed_shows_the_latest(client: Client, director: User, as_of: str) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL, {"as_of": as_of})

    assert response.status_code == 200
    assert f"As of {LATEST:%b}. {LATEST.day}, {LATEST.year}" in response.content.decode()
    assert shown_account_codes(response.content) == ["ACME", "COBALT", "BOREAL", "ACME-IB", "DELTA"]


@pytest.mark.usefixtures("accounts")
def test_the_page_without_any_analysis_says_how_to_make_one(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(PORTFOLIO_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "No analysis yet" in content
    assert '<pre class="command"><code>kam analyze</code></pre>' in content
    assert "plotly.min.js" not in content


# --- charts and query counts -----------------------------------------------------------------


@pytest.mark.usefixtures("analyses")
def test_only_pages_with_charts_load_plotly(client: Client, director: User) -> None:
    client.force_login(director)

    portfolio = client.get(PORTFOLIO_URL).content.decode()
    account_list = client.get("/").content.decode()

    assert '<script src="/static/vendor/plotly.min.js" defer></script>' in portfolio
    assert '<script src="/static/core/charts.js" defer></script>' in portfolio
    assert "plotly.min.js" not in account_list


# A KAM runs one more: the top bar asks whether they score in a rating round (directors always see Selection).
@pytest.mark.parametrize(("persona", "queries"), [("director", 7), ("kam_alice", 8)])
@pytest.mark.usefixtures("analyses")
def test_the_page_runs_a_fixed_number_of_queries(
    client: Client,
    request: pytest.FixtureRequest,
    django_assert_num_queries: DjangoAssertNumQueries,
    persona: str,
    queries: int,
) -> None:
    client.force_login(request.getfixturevalue(persona))

    # session, user, dates, the analysis, count, the page's rows (accounts joined), the matrix
    with django_assert_num_queries(queries):
        client.get(PORTFOLIO_URL)


# --- the account page ---------------------------------------------------------------------------


def figures_of(content: bytes) -> dict[str, list[str]]:
    section = re.search(r'<dl class="stats stats--compact">(.*?)</dl>', content.decode(), re.DOTALL)
    assert section is not None
    return {
        text_of(label): [text_of(value) for value in re.findall(r"<dd[^>]*>(.*?)</dd>", values, re.DOTALL)]
        for label, values in re.findall(r"<dt>(.*?)</dt>(.*?)</div>", section.group(1), re.DOTALL)
    }


@pytest.mark.usefixtures("analyses")
def test_the_account_page_shows_the_latest_figures(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get("/accounts/ACME/")

    content = response.content.decode()
    assert "Analysis as of Dec. 31, 2025" in content
    assert figures_of(response.content) == {
        "Revenue": ["500,000.00", "previous period 454,545"],
        "Growth": ["10.0%", "year on year"],
        "Gross margin": ["150,000.00", "30.0% of revenue"],
        "Cost to serve": ["30,000.00", "6.0% of revenue"],
        "Customer profit": ["120,000.00", "margin minus cost to serve"],
        "ABC class": ["A", "rank 1 by revenue"],
        "RFM": ["555", "recency · frequency · value"],
        "Share of wallet": ["20.0%", "of the estimated wallet"],
        "On time in full": ["95.0%", "on time 98.0% · in full 97.0%"],
        "Shapiro quadrant": ["Carriage trade", "price index 1.10 · cost index 1.20"],
    }


@pytest.mark.usefixtures("analyses")
def test_the_account_page_breaks_the_cost_to_serve_down_by_activity(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get("/accounts/ACME/")

    table = re.search(r"<table[^>]*data-cost-breakdown>(.*?)</table>", response.content.decode(), re.DOTALL)
    assert table is not None
    rows = [
        [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.DOTALL)
    ]
    assert rows == [
        ["Activity", "Quantity", "Cost", "Share of cost"],
        ["Deliveries", "150", "6,000.00", "20.0%"],
        ["Visits", "20", "3,600.00", "12.0%"],
        ["Orders", "120", "3,000.00", "10.0%"],
        ["Rush orders", "10", "1,200.00", "4.0%"],
        ["Payment terms and rebates", "—", "16,200.00", "54.0%"],
        ["Cost to serve", "", "30,000.00", "6.0% of revenue"],
    ]
    costs = chart_data(response.content, "costs")
    assert costs["labels"] == ["Payment terms and rebates", "Rush orders", "Orders", "Visits", "Deliveries"]
    assert costs["values"] == [16200.0, 1200.0, 3000.0, 3600.0, 6000.0]
    assert costs["muted"] == [True, False, False, False, False]
    monthly = chart_data(response.content, "monthly")
    assert monthly["months"][:2] == ["Jan 2025", "Feb 2025"]
    assert monthly["values"] == [41000.0 + 1000 * month for month in range(12)]


@pytest.mark.usefixtures("analyses")
def test_an_account_never_analysed_says_so(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get("/accounts/ECHO/")

    content = response.content.decode()
    assert (
        "This account has not been analysed yet: an analysis (kam analyze) covers the accounts with sales "
        "in its window." in content
    )
    assert "plotly.min.js" not in content


# --- Spanish -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("analyses")
def test_figures_are_formatted_for_the_spanish_locale(client: Client, director: User) -> None:
    client.force_login(director)
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})

    response = client.get(PORTFOLIO_URL)

    # Spanish groups thousands with a no-break space, and puts one before the percent sign.
    figures = summary_figures(response.content)
    assert figures["Facturación"] == ["1\xa0000\xa0000"]
    assert figures["Margen bruto"] == ["270\xa0000", "27,0\xa0% de la facturación"]
    assert chart_data(response.content, "pareto")["separators"] == ",\xa0"
    content = response.content.decode()
    assert "periodo de 12 meses" in content
    assert "5 cuentas analizadas" in content
