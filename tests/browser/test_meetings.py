"""A KAM logs a meeting on the account's meetings tab: it appears without a page reload, with
its follow-up reminder, and the meeting is stored with its attendee and audit record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.touchpoints.models import Meeting
from kam.users.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kam_logs_a_meeting_and_sees_its_follow_up_reminder(
    page: Page, live_server: Any, kam_alice: User, accounts: dict[str, Account], screenshots: Path
) -> None:
    today = timezone.localdate()
    follow_up_on = today + dt.timedelta(days=7)
    sign_in(page, live_server.url, kam_alice)

    page.get_by_role("link", name="Acme Group").click()
    page.get_by_role("navigation", name="Account workspace").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Log a meeting")).to_be_visible()
    expect(page.get_by_text("No meeting logged yet.")).to_be_visible()
    # A full reload would drop this marker: the meeting must arrive by htmx.
    page.evaluate("window.loggedWithoutReload = true")

    form = page.locator("[data-meeting-form]")
    form.get_by_label("When").fill(f"{today.isoformat()}T10:00")
    form.get_by_label("Objective").select_option("learn_needs")
    form.get_by_label("Goal", exact=True).fill("Understand the 2027 capacity plan")
    form.get_by_label("Marta Ruiz").check()
    form.get_by_label("Next step").fill("Send the sizing study")
    form.get_by_label("Follow-up date").fill(follow_up_on.isoformat())
    form.get_by_role("button", name="Log the meeting").click()

    expect(page.get_by_text("Meeting logged.")).to_be_visible()
    rows = page.locator("[data-meetings] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-objective", "learn_needs")
    expect(rows.first.locator('[data-attendee="MR"]')).to_have_text("Marta Ruiz")
    reminder = page.locator("[data-follow-ups] [data-follow-up]")
    expect(reminder).to_have_count(1)
    expect(reminder).to_contain_text("Send the sizing study")
    assert page.evaluate("window.loggedWithoutReload") is True
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "meetings.png"), full_page=True)

    meeting = Meeting.objects.get()
    assert (meeting.account.code, meeting.objective, meeting.follow_up_on) == ("ACME", "learn_needs", follow_up_on)
    assert list(meeting.their_attendees.values_list("code", flat=True)) == ["MR"]
    assert AuditRecord.objects.filter(action="meeting.log", actor=kam_alice).count() == 1


def test_a_kam_adds_an_opportunity_and_sees_its_weighted_amount_and_red_flags(
    page: Page, live_server: Any, kam_alice: User, accounts: dict[str, Account], screenshots: Path
) -> None:
    sign_in(page, live_server.url, kam_alice)
    page.goto(f"{live_server.url}/accounts/ACME/opportunities/")
    page.evaluate("window.addedWithoutReload = true")

    form = page.locator("[data-opportunity-form]")
    form.get_by_label("Name").fill("Plant retrofit")
    form.get_by_label("Stage").select_option("proposal")
    form.get_by_label("Amount").fill("100000")
    form.get_by_label("Expected close date").fill((timezone.localdate() + dt.timedelta(days=60)).isoformat())
    form.get_by_label("Marta Ruiz").check()
    form.get_by_role("button", name="Add the opportunity").click()

    expect(page.get_by_text("Opportunity added.")).to_be_visible()
    row = page.locator("[data-opportunities] tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("[data-weighted]")).to_have_text("50,000.00")
    expect(row.locator("[data-gap]")).to_have_text(
        [
            "No coach or champion is among the buying influences: nobody guides us inside.",
            "No technical buyer is among the buying influences: who screens the offer?",
            "No user buyer is among the buying influences: who will use what we sell?",
        ]
    )
    assert page.evaluate("window.addedWithoutReload") is True
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "opportunities.png"), full_page=True)

    page.goto(f"{live_server.url}/pipeline/")
    expect(page.locator('[data-kam="alice"]')).to_contain_text("50,000.00")
    page.screenshot(path=str(screenshots / "pipeline.png"), full_page=True)
