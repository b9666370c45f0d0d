"""The Shapiro matrix draws the largest accounts only, and says so when it leaves some out."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from kam.kpis import views
from kam.kpis.models import AccountAnalysis
from kam.users.models import User


def _drawn_codes(content: str) -> list[str]:
    match = re.search(r'<script id="shapiro-data" type="application/json">(.*?)</script>', content, re.S)
    assert match is not None
    payload = json.loads(match.group(1))
    return [code for group in payload["groups"] for code in group["codes"]]


@pytest.mark.usefixtures("analyses")
def test_below_the_cap_every_account_with_both_indices_is_drawn_without_a_note(client: Client, director: User) -> None:
    client.force_login(director)
    latest = AccountAnalysis.objects.filter(portfolio__as_of=AccountAnalysis.objects.latest("as_of").as_of)
    expected = latest.filter(net_price_index__isnull=False, cost_to_serve_index__isnull=False).count()

    content = client.get("/portfolio/").content.decode()

    assert len(_drawn_codes(content)) == expected
    assert "data-shapiro-capped" not in content


@pytest.mark.usefixtures("analyses")
def test_above_the_cap_the_largest_accounts_by_revenue_are_drawn_and_the_page_says_how_many(
    client: Client, director: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "SHAPIRO_POINTS", 2)
    client.force_login(director)
    latest = AccountAnalysis.objects.filter(portfolio__as_of=AccountAnalysis.objects.latest("as_of").as_of)
    with_indices = latest.filter(net_price_index__isnull=False, cost_to_serve_index__isnull=False)
    largest = list(with_indices.order_by("-revenue", "account__code").values_list("account__code", flat=True)[:2])
    assert with_indices.count() > 2

    content = client.get("/portfolio/").content.decode()

    assert sorted(_drawn_codes(content)) == sorted(largest)
    note = re.search(r"<p [^>]*data-shapiro-capped>(.*?)</p>", content, re.S)
    assert note is not None
    assert " ".join(note.group(1).split()) == (
        f"The 2 largest accounts by revenue of the {with_indices.count()} with both indices; "
        "the table below lists them all."
    )
