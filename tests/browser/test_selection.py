"""A director reviews a key-account proposal in the browser: the matrix draws, one account is
rejected with a reason, the rest approved at once, and the accounts become key with KAM and phase."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from kam.key_accounts.models import Account
from kam.selection.choices import Decision
from kam.selection.models import ProposalLine, SelectionProposal
from kam.users.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_director_approves_the_proposed_portfolio(
    page: Page, live_server: Any, director: User, proposal: SelectionProposal, screenshots: Path
) -> None:
    sign_in(page, live_server.url, director)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Selection").click()
    page.get_by_role("link", name=str(proposal)).click()

    expect(page.get_by_role("heading", name=str(proposal))).to_be_visible()
    # One trace per quadrant present (star, status, streamline), bubbles drawn by Plotly.
    expect(page.locator("#matrix-chart .scatterlayer .trace")).to_have_count(3)
    proposed = page.locator("[data-recommended] > tbody > tr")
    expect(proposed).to_have_count(2)
    expect(proposed.nth(0)).to_have_attribute("data-account-code", "ACME")
    page.screenshot(path=str(screenshots / "selection-proposal.png"), full_page=True)

    boreal = page.locator('[data-decide="BOREAL"]')
    boreal.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Say why you reject it.")).to_be_visible()
    page.locator('[data-decide="BOREAL"]').get_by_placeholder("Reason (needed to reject)").fill("Plant closes in 2026")
    page.locator('[data-decide="BOREAL"]').get_by_role("button", name="Reject").click()
    expect(page.locator('[data-account-code="BOREAL"] [data-decision="rejected"]')).to_be_visible()

    page.get_by_role("button", name="Approve the 3 pending recommendations").click()

    expect(page.get_by_text("3 decisions recorded.")).to_be_visible()
    expect(page.locator('[data-account-code="ACME"] [data-decision="approved"]')).to_be_visible()
    acme = Account.objects.select_related("owner").get(code="ACME")
    assert (acme.is_key_account, acme.tier, acme.phase) == (True, "star", "growth")
    assert acme.owner is not None
    assert acme.owner.username == "alice"
    assert Account.objects.get(code="BOREAL").is_key_account is False
    assert ProposalLine.objects.get(proposal=proposal, account__code="BOREAL").decision_reason == "Plant closes in 2026"
    assert set(
        ProposalLine.objects.filter(proposal=proposal, decision=Decision.APPROVED).values_list(
            "account__code", flat=True
        )
    ) == {"ACME", "COBALT", "ACME-IB"}

    page.goto(f"{live_server.url}/accounts/ACME/")
    expect(page.get_by_text("Star / development").first).to_be_visible()
