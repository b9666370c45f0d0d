"""A KAM writes a key account plan in the browser: creates it, adds an objective and an action
(HTMX, no reload), exports the PDF; then two sessions edit the diagnosis at once and the later
save is refused, showing both values and keeping the input."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.plans.models import AccountPlan, PlanAction
from kam.plans.tests.fixtures import make_plan
from kam.users.models import User
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_kam_creates_a_plan_adds_an_objective_and_an_action_and_exports_it(
    page: Page,
    live_server: Any,
    kam_alice: User,
    team_tina: User,
    analyses: dict[dt.date, PortfolioAnalysis],
    screenshots: Path,
) -> None:
    sign_in(page, live_server.url, kam_alice)
    page.goto(f"{live_server.url}/accounts/ACME/")
    page.get_by_role("navigation", name="Account workspace").get_by_role("link", name="Plan").click()
    expect(page.get_by_text("This account has no key account plan yet.")).to_be_visible()

    create = page.locator("#new-plan-form")
    create.get_by_label("Title").fill("ACME 2026")
    create.get_by_label("Period start").fill("2026-01-01")
    create.get_by_label("Period end").fill("2026-12-31")
    create.get_by_role("button", name="Create plan").click()
    expect(page.get_by_text("Plan “ACME 2026” created as a draft.")).to_be_visible()
    plan = AccountPlan.objects.get(account__code="ACME")

    page.get_by_text("Add an objective").click()
    objective = page.locator("#objective-form")
    objective.get_by_label("Objective").fill("Grow revenue to 600k")
    objective.get_by_label("KPI").select_option("revenue")
    objective.get_by_label("Baseline").fill("400000")
    objective.get_by_label("Target").fill("600000")
    objective.get_by_role("button", name="Add objective").click()
    expect(page.locator('[data-objective="Grow revenue to 600k"] [data-progress]')).to_have_text("50 %")

    # A marker on the window survives only if the action is added without reloading the page.
    page.evaluate("window.planMarker = 'still here'")
    form = page.locator("#action-form")
    form.get_by_label("Action").fill("Audit delivery routes")
    form.get_by_label("Owner").select_option(label="Tina Torres")
    form.get_by_label("Due date").fill("2031-03-01")
    form.get_by_role("button", name="Add action").click()
    row = page.locator('#action-rows tr[data-action="Audit delivery routes"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("Tina Torres")
    assert page.evaluate("window.planMarker") == "still here"
    expect(page.locator("#action-form").get_by_label("Action")).to_have_value("")
    assert PlanAction.objects.get(plan=plan).owner == team_tina

    row.get_by_label("Status of Audit delivery routes").select_option("in_progress")
    expect(page.locator('#action-rows tr[data-action="Audit delivery routes"] select')).to_have_value("in_progress")
    assert page.evaluate("window.planMarker") == "still here"
    page.screenshot(path=str(screenshots / "plan.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"plan-ACME-{plan.pk}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(pdf_page.extract_text() for pdf_page in pages).split())
    assert "Grow revenue to 600k" in text
    assert "Audit delivery routes" in text


def test_two_sessions_editing_the_diagnosis_do_not_overwrite_each_other(
    browser: Browser,
    live_server: Any,
    kam_alice: User,
    director: User,
    accounts: dict[str, Account],
    screenshots: Path,
) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)
    alice_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    diana_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        alice = sign_in(alice_context.new_page(), live_server.url, kam_alice)
        diana = sign_in(diana_context.new_page(), live_server.url, director)
        for page in (alice, diana):
            page.goto(f"{live_server.url}/accounts/ACME/plan/")
            expect(page.locator("#diagnosis-form")).to_be_visible()

        diana.locator("#diagnosis-form").get_by_label("Strengths").fill("Only local stockist")
        diana.get_by_role("button", name="Save diagnosis").click()
        expect(diana.get_by_text("Diagnosis saved.")).to_be_visible()

        alice.locator("#diagnosis-form").get_by_label("Strengths").fill("Best delivery times")
        alice.locator("#diagnosis-form").get_by_label("Threats").fill("New entrant from Asia")
        alice.get_by_role("button", name="Save diagnosis").click()

        expect(alice.get_by_role("heading", name="Someone else changed this plan")).to_be_visible()
        expect(alice.get_by_text("Not saved: Diana Director changed this plan after you opened it")).to_be_visible()
        strengths = alice.locator('[data-conflict-field="strengths"]')
        expect(strengths.locator("[data-theirs]")).to_have_text("Only local stockist")
        expect(strengths.locator("[data-yours]")).to_have_text("Best delivery times")
        expect(alice.locator("#diagnosis-form").get_by_label("Threats")).to_have_value("New entrant from Asia")
        alice.screenshot(path=str(screenshots / "plan-conflict.png"), full_page=True)
        plan.refresh_from_db()
        assert (plan.strengths, plan.threats, plan.revision) == ("Only local stockist", "", 2)

        # Having seen Diana's change, alice saves again on purpose: now it goes through.
        alice.get_by_role("button", name="Save diagnosis").click()
        expect(alice.get_by_text("Diagnosis saved.")).to_be_visible()
        plan.refresh_from_db()
        assert (plan.strengths, plan.threats, plan.revision) == ("Best delivery times", "New entrant from Asia", 3)
    finally:
        alice_context.close()
        diana_context.close()
