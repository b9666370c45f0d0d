"""Headless Chromium (Debian's package) driven by Playwright, against a live server.

Outside CI the browser tests skip, saying why, when /usr/bin/chromium is missing; in CI
(CI=true) they fail instead: a silent skip is not a pass.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from kam.users.actions import do_set_password
from kam.users.models import User

CHROMIUM = os.environ.get("KAM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("KAM_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make for setup are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Folder for screenshots of the main pages (kept as CI artefacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Printed so that CI can tell where the artefacts are.
    print(f"\nscreenshots: {ARTIFACTS}")
    return ARTIFACTS


PASSWORD = "browser-test-password-2026"


def sign_in(page: Page, base_url: str, user: User) -> Page:
    """Give ``user`` a password and sign in through the login form, landing on the account list."""
    do_set_password(user, PASSWORD, acting_user=None)
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    return page
