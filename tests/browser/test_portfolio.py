"""A director opens the portfolio analysis: the three charts draw, the table re-sorts, and the
account page shows its figures."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kam.kpis.models import PortfolioAnalysis
from kam.users.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in_director(
    page: Page, live_server: Any, director: User, analyses: dict[dt.date, PortfolioAnalysis]
) -> Page:
    return sign_in(page, live_server.url, director)


def test_a_director_reads_the_portfolio_charts_and_sorts_the_table(signed_in_director: Page, screenshots: Path) -> None:
    page = signed_in_director

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()

    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()
    for chart in ("#pareto-chart", "#whale-chart", "#shapiro-chart"):
        expect(page.locator(f"{chart}.js-plotly-plot .scatterlayer .trace").first).to_be_attached()
    # The Shapiro matrix draws one trace per quadrant present: all four.
    expect(page.locator("#shapiro-chart .scatterlayer .trace")).to_have_count(4)
    rows = page.locator("#analysis-table tbody tr")
    expect(rows.first).to_have_attribute("data-account-code", "ACME")
    page.screenshot(path=str(screenshots / "portfolio.png"), full_page=True)

    page.locator("#analysis-table thead").get_by_role("link", name="Customer profit").click()

    expect(page).to_have_url(re.compile(r"/portfolio/\?sort=-profit$"))
    expect(rows.nth(0)).to_have_attribute("data-account-code", "ACME")
    expect(rows.nth(3)).to_have_attribute("data-account-code", "DELTA")
    expect(rows.nth(4)).to_have_attribute("data-account-code", "ACME-IB")
    page.locator("#analysis-table thead").get_by_role("link", name="Customer profit").click()

    expect(page).to_have_url(re.compile(r"/portfolio/\?sort=profit$"))
    expect(rows.nth(0)).to_have_attribute("data-account-code", "ACME-IB")
    expect(rows.nth(1)).to_have_attribute("data-account-code", "DELTA")


def test_the_account_page_draws_its_cost_breakdown_and_monthly_revenue(
    signed_in_director: Page, live_server: Any, screenshots: Path
) -> None:
    page = signed_in_director

    page.goto(f"{live_server.url}/accounts/ACME/")

    expect(page.get_by_role("heading", name="Figures")).to_be_visible()
    expect(page.locator("#costs-chart.js-plotly-plot .barlayer .trace")).to_have_count(1)
    expect(page.locator("#monthly-chart.js-plotly-plot .barlayer .trace")).to_have_count(1)
    # The sticky top bar would cover the top of the section in an element screenshot.
    page.add_style_tag(content=".topbar { position: static; }")
    page.locator("#figures").screenshot(path=str(screenshots / "account-figures.png"))
