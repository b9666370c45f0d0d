"""Locust scenario of bench/load_test.py: KAMs and directors browsing the web app, 1–3 s between pages.

Each simulated person signs in with a session (the login form, its CSRF token), as one of the
KAMs of ``KAM_LOAD_PEOPLE`` (a JSON file written by bench/load_test.py) or — every tenth
person — as the director, then browses: their home page, the portfolio, and the overview,
timeline, plan, service and scorecard pages of accounts they own (the director: any owned
account). Requests are named by page, not by URL, so that locust reports one line per page.

    locust -f bench/locustfile.py --headless -u 50 -r 2 -t 145s --host http://127.0.0.1:8765
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PEOPLE: dict[str, Any] = json.loads(Path(os.environ["KAM_LOAD_PEOPLE"]).read_text())
KAMS = sorted(PEOPLE["kams"])
OWNED = sorted(code for codes in PEOPLE["kams"].values() for code in codes)
_NUMBERS = itertools.count()
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Every request by page as [seconds since the run began, response time in ms], written at the end to
# KAM_LOAD_TIMES (if set): bench/load_test.py computes percentiles over several pages, and over the part
# of the run after the last person signed in.
TIMES: dict[str, list[tuple[float, float]]] = {}
_BEGAN = time.monotonic()


def _record(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    finished = time.monotonic() - _BEGAN
    TIMES.setdefault(name, []).append((finished - response_time / 1000, response_time))


def _write_times(**_: Any) -> None:
    if "KAM_LOAD_TIMES" in os.environ:
        Path(os.environ["KAM_LOAD_TIMES"]).write_text(json.dumps(TIMES))


events.request.add_listener(_record)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_write_times)  # type: ignore[no-untyped-call]


class Person(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        number = next(_NUMBERS)
        if number % 10 == 0:
            self.username, self.accounts = "director", OWNED
        else:
            self.username = KAMS[number % len(KAMS)]
            self.accounts = PEOPLE["kams"][self.username]
        self.random = random.Random(number)  # noqa: S311 - choosing pages, not secrets
        page = self.client.get("/login/", name="login form")
        match = _CSRF.search(page.text)
        with self.client.post(
            "/login/",
            data={
                "username": self.username,
                "password": PEOPLE["password"],
                "csrfmiddlewaretoken": match.group(1) if match else "",
                "next": "/home/",
            },
            headers={"Referer": f"{self.host}/login/"},
            name="login",
            catch_response=True,
        ) as response:
            # A successful login redirects to /home/ (followed); a failed one shows the form again.
            if not response.url or not response.url.endswith("/home/"):
                response.failure(f"login of {self.username} failed: ended on {response.url}")

    def _account_page(self, page: str) -> None:
        code = self.random.choice(self.accounts)
        self.client.get(f"/accounts/{code}/{page}", name=f"account {page or 'overview'}")

    @task(3)
    def home(self) -> None:
        self.client.get("/home/", name="home")

    @task(1)
    def portfolio(self) -> None:
        self.client.get("/portfolio/", name="portfolio")

    @task(3)
    def overview(self) -> None:
        self._account_page("")

    @task(2)
    def timeline(self) -> None:
        self._account_page("timeline/")

    @task(2)
    def plan(self) -> None:
        self._account_page("plan/")

    @task(2)
    def service(self) -> None:
        self._account_page("service/")

    @task(2)
    def scorecard(self) -> None:
        self._account_page("scorecard/")
