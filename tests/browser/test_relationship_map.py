"""A KAM fills a gap in a buying centre on the relationship map: the "no economic buyer" warning
goes away as soon as she adds one with the in-page form, without reloading the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kam.key_accounts.models import Account, Contact
from kam.users.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kam_adds_the_economic_buyer_and_the_warning_disappears_without_a_reload(
    page: Page, live_server: Any, kam_alice: User, accounts: dict[str, Account], screenshots: Path
) -> None:
    sign_in(page, live_server.url, kam_alice)
    page.goto(f"{live_server.url}/accounts/BOREAL/")
    page.get_by_role("navigation", name="Account workspace").get_by_role("link", name="Relationship map").click()

    expect(page.get_by_role("heading", name="Coverage")).to_be_visible()
    warning = page.locator('[data-finding="no_economic_buyer"]')
    expect(warning).to_have_text("No economic buyer: nobody here is recorded as the person who releases the budget.")
    expect(page.get_by_text("Map status 0 of 3")).to_be_visible()
    # Set on the window: a full page load would lose it.
    page.evaluate("window.stillTheSamePage = true")

    form = page.locator("#contact-form")
    form.get_by_label("Code").fill("LS")
    form.get_by_label("First name").fill("Lena")
    form.get_by_label("Last name").fill("Silva")
    form.get_by_label("Job title").fill("Chief Financial Officer")
    form.get_by_label("Buying role").select_option(label="Economic buyer")
    form.get_by_label("Influence").fill("5")
    form.get_by_label("Attitude to us").select_option(label="Supporter")
    form.get_by_label("Our relationship owner").select_option(label="Alice Anders")
    form.get_by_label("Relationship level").select_option(label="Regular contact")
    form.get_by_role("button", name="Add contact").click()

    expect(page.get_by_role("status")).to_have_text("Lena Silva added.")
    expect(warning).to_have_count(0)
    expect(page.locator('[data-person="LS"]')).to_contain_text("Economic buyer")
    expect(page.get_by_text("Map status 3 of 3")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url == f"{live_server.url}/accounts/BOREAL/map/"
    assert Contact.objects.get(account__code="BOREAL", code="LS").buying_role == "economic_buyer"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "relationship-map.png"), full_page=True)

    # A mistake is shown on its field, still without a reload.
    form = page.locator("#contact-form")
    form.get_by_label("Code").fill("LS")
    form.get_by_label("Last name").fill("Other")
    form.get_by_role("button", name="Add contact").click()
    expect(page.locator('[data-field="code"] .errorlist')).to_have_text(
        "Code: LS is already used by another contact of this account."
    )
    assert page.evaluate("window.stillTheSamePage") is True
