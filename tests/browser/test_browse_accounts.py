"""A KAM signs in, finds an account by typing, opens it and switches to Spanish."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kam.key_accounts.models import Account
from kam.users.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in_alice(page: Page, live_server: Any, kam_alice: User, accounts: dict[str, Account]) -> Page:
    return sign_in(page, live_server.url, kam_alice)


def test_a_kam_sees_only_her_accounts_and_searches_them(signed_in_alice: Page, screenshots: Path) -> None:
    page = signed_in_alice

    rows = page.locator("#account-table tbody tr")
    expect(rows).to_have_count(3)
    page.screenshot(path=str(screenshots / "account-list.png"), full_page=True)
    page.get_by_label("Search").fill("ibér")

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme Ibérica")
    expect(page).to_have_url(re.compile(r"\?q=ib%C3%A9r"))


def test_a_kam_opens_an_account_and_reads_it_in_spanish(signed_in_alice: Page, screenshots: Path) -> None:
    page = signed_in_alice

    page.get_by_role("link", name="Acme Group").click()
    expect(page.get_by_role("heading", name="Acme Group")).to_be_visible()
    page.screenshot(path=str(screenshots / "account-detail.png"), full_page=True)
    page.get_by_role("button", name="Español").click()

    expect(page.get_by_role("navigation", name="Principal").get_by_role("link", name="Cuentas")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.screenshot(path=str(screenshots / "account-detail-es.png"), full_page=True)
