"""The home page's quick-add of a touchpoint: my accounts to choose from, logged in place with htmx."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.touchpoints.models import Touchpoint
from kam.users.models import User

pytestmark = pytest.mark.django_db

QUICK_ADD = "/touchpoints/quick-add/"
HTMX = {"HX-Request": "true"}


def _form(**fields: str) -> dict[str, str]:
    return {
        "account": "ACME",
        "department": "logistics",
        "channel": "phone",
        "type": "delivery",
        "sentiment": "negative",
        "summary": "The truck came two days late",
        **fields,
    }


def offered_accounts(content: bytes) -> list[str]:
    select = re.search(r'<select name="account"[^>]*>(.*?)</select>', content.decode(), re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]+)"', select.group(1))


def test_tina_is_offered_the_accounts_of_her_team(client: Client, team_tina: User) -> None:
    client.force_login(team_tina)

    assert offered_accounts(client.get("/home/").content) == ["ACME"]


def test_alice_is_offered_the_accounts_she_owns_or_is_on_the_team_of(
    client: Client, accounts: dict[str, Account], kam_alice: User, kam_bob: User
) -> None:
    client.force_login(kam_bob)

    # Bob owns COBALT and DELTA and is on the BOREAL team.
    assert offered_accounts(client.get("/home/").content) == ["BOREAL", "COBALT", "DELTA"]


def test_a_quick_add_with_htmx_logs_the_touchpoint_now_and_raises_its_alert(client: Client, team_tina: User) -> None:
    client.force_login(team_tina)

    response = client.post(QUICK_ADD, _form(), headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="quick-touchpoint"')
    assert "Touchpoint logged on Acme Group." in content
    touchpoint = Touchpoint.objects.get()
    assert (touchpoint.account.code, touchpoint.user, touchpoint.created_by, touchpoint.sentiment) == (
        "ACME",
        team_tina,
        team_tina,
        "negative",
    )
    alert = Alert.objects.get()
    assert list(alert.notices.values_list("recipient__username", flat=True)) == ["alice"]


def test_a_quick_add_without_javascript_goes_back_home_with_a_message(client: Client, team_tina: User) -> None:
    client.force_login(team_tina)

    response = client.post(QUICK_ADD, _form(sentiment="neutral"), follow=True)

    assert response.redirect_chain == [("/home/", 302)]
    assert '<li class="message message--success">Touchpoint logged on Acme Group.</li>' in response.content.decode()
    assert Touchpoint.objects.count() == 1


def test_an_account_not_mine_is_refused(client: Client, accounts: dict[str, Account], team_tina: User) -> None:
    client.force_login(team_tina)

    response = client.post(QUICK_ADD, _form(account="COBALT"), headers=HTMX)

    assert response.status_code == 200
    assert "Select a valid choice. COBALT is not one of the available choices." in response.content.decode()
    assert Touchpoint.objects.count() == 0


def test_a_missing_summary_is_shown_in_place(client: Client, team_tina: User) -> None:
    client.force_login(team_tina)

    response = client.post(QUICK_ADD, _form(summary=""), headers=HTMX)

    assert "This field is required." in response.content.decode()
    assert Touchpoint.objects.count() == 0
