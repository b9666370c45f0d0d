"""A team member logs a negative touchpoint from the home page; the account's KAM sees the alert
on her home page (and its count in the top bar), resolves it there with a note, and it is gone
from her open alerts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kam.alerts.choices import AlertKind, AlertStatus, Severity
from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.touchpoints.models import Touchpoint
from kam.users.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_negative_touchpoint_alerts_the_kam_who_resolves_it_on_her_home_page(
    page: Page,
    live_server: Any,
    kam_alice: User,
    team_tina: User,
    accounts: dict[str, Account],
    screenshots: Path,
) -> None:
    sign_in(page, live_server.url, team_tina)
    page.goto(f"{live_server.url}/home/")
    page.evaluate("window.loggedWithoutReload = true")
    form = page.locator("[data-quick-touchpoint]")
    form.get_by_label("Account").select_option("ACME")
    form.get_by_label("Channel").select_option("phone")
    form.get_by_label("Type").select_option("delivery")
    form.get_by_label("Sentiment").select_option("negative")
    form.get_by_label("Summary").fill("Two pallets arrived broken; the plant stopped a line")
    form.get_by_role("button", name="Log the touchpoint").click()

    expect(page.get_by_text("Touchpoint logged on Acme Group.")).to_be_visible()
    assert page.evaluate("window.loggedWithoutReload") is True
    touchpoint = Touchpoint.objects.get()
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.event_key) == (
        AlertKind.NEGATIVE_EXPERIENCE,
        Severity.CRITICAL,
        f"touchpoint:{touchpoint.pk}:negative",
    )
    page.get_by_role("button", name="Log out").click()

    sign_in(page, live_server.url, kam_alice)
    expect(page.locator("[data-alerts-badge]")).to_have_attribute("data-alerts-badge", "1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    item = page.locator(f'[data-my-alerts] [data-alert="{alert.pk}"]')
    expect(item).to_contain_text("Negative touchpoint: Two pallets arrived broken; the plant stopped a line")
    expect(item).to_have_attribute("data-severity", "critical")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "home-alerts.png"), full_page=True)

    page.evaluate("window.resolvedWithoutReload = true")
    item.get_by_label("How was it dealt with?").fill("Replacement pallets sent by express; called the plant manager")
    item.get_by_role("button", name="Resolve").click()

    resolved = page.locator(f'[data-alert="{alert.pk}"]')
    expect(resolved).to_have_attribute("data-status", "resolved")
    expect(resolved.get_by_text("Alert resolved.")).to_be_visible()
    expect(page.locator("[data-alerts-badge]")).to_have_attribute("data-alerts-badge", "0")
    assert page.evaluate("window.resolvedWithoutReload") is True
    page.screenshot(path=str(screenshots / "home-alert-resolved.png"), full_page=True)

    page.goto(f"{live_server.url}/alerts/")
    expect(page.get_by_text("No alert here.")).to_be_visible()
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by, alert.resolution_note) == (
        AlertStatus.RESOLVED,
        kam_alice,
        "Replacement pallets sent by express; called the plant manager",
    )
