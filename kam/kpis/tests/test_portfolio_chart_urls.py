"""The Shapiro chart's account links, built without a reverse() per point, are exactly reverse()'s."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from kam.key_accounts.models import Account
from kam.users.models import User


@pytest.mark.usefixtures("analyses")
def test_the_shapiro_links_quote_codes_as_reverse_does(client: Client, director: User) -> None:
    # A code with characters a URL must quote (a space, an ampersand, an accent, a percent sign).
    code = "DÉLTA 1&2 %"
    Account.objects.filter(code="DELTA").update(code=code)
    client.force_login(director)

    content = client.get("/portfolio/").content.decode()

    match = re.search(r'<script id="shapiro-data" type="application/json">(.*?)</script>', content, re.S)
    assert match is not None
    groups = json.loads(match.group(1))["groups"]
    urls = {c: u for group in groups for c, u in zip(group["codes"], group["urls"], strict=True)}
    assert urls[code] == reverse("key_accounts:account_detail", kwargs={"code": code})
    assert urls[code] == "/accounts/D%C3%89LTA%201&2%20%25/"
    assert urls["ACME-IB"] == "/accounts/ACME-IB/"
