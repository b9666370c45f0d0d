"""The opportunities tab and the pipeline page as each persona sees them."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from kam.key_accounts.models import Account
from kam.opportunities.choices import Stage
from kam.opportunities.models import Opportunity
from kam.users.models import User

pytestmark = pytest.mark.django_db

ACME_OPPORTUNITIES = "/accounts/ACME/opportunities/"
HTMX = {"HX-Request": "true"}


def shown_gaps(content: bytes) -> list[str]:
    return re.findall(r"<li data-gap>([^<]+)</li>", content.decode())


def shown_kams(content: bytes) -> list[str]:
    return re.findall(r'<tr data-kam="([^"]*)">', content.decode())


def _form(account: Account, **fields: object) -> dict[str, object]:
    return {
        "name": "Line extension",
        "stage": "qualification",
        "amount": "40000",
        "probability": "",
        "expected_close_on": "2026-07-31",
        "buying_influences": [account.contacts.get(code="PS").pk],
        **fields,
    }


def test_alice_sees_the_pipeline_table_with_weighted_amounts_and_coverage_flags(
    client: Client, acme_retrofit: Opportunity, kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.get(ACME_OPPORTUNITIES)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="/accounts/ACME/opportunities/" aria-current="page">Opportunities</a>' in content
    assert '<td class="num" data-weighted>50,000.00</td>' in content
    assert "1 open opportunity: 100,000.00, weighted 50,000.00." in content
    assert shown_gaps(response.content) == ["No technical buyer is among the buying influences: who screens the offer?"]
    assert "Add an opportunity" in content


def test_adding_an_opportunity_with_htmx_returns_the_region_with_it(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(ACME_OPPORTUNITIES, _form(accounts["ACME"]), headers=HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert "Opportunity added." in content
    assert '<td class="num" data-weighted>10,000.00</td>' in content
    assert shown_gaps(response.content) == [
        "No economic buyer is among the buying influences: who releases the money?",
        "No coach or champion is among the buying influences: nobody guides us inside.",
        "No user buyer is among the buying influences: who will use what we sell?",
    ]
    opportunity = Opportunity.objects.get()
    assert (opportunity.stage, opportunity.probability, opportunity.created_by) == ("qualification", 25, kam_alice)


def test_team_tina_reads_acmes_opportunities_but_may_not_change_them(
    client: Client, acme_retrofit: Opportunity, team_tina: User
) -> None:
    client.force_login(team_tina)

    page = client.get(ACME_OPPORTUNITIES)
    added = client.post(ACME_OPPORTUNITIES, _form(acme_retrofit.account), headers=HTMX)
    edited = client.post(f"{ACME_OPPORTUNITIES}{acme_retrofit.pk}/edit/", _form(acme_retrofit.account), headers=HTMX)
    closed = client.post(f"{ACME_OPPORTUNITIES}{acme_retrofit.pk}/close/", {"outcome": "won"}, headers=HTMX)

    assert page.status_code == 200
    assert "Plant retrofit" in page.content.decode()
    assert "Add an opportunity" not in page.content.decode()
    assert (added.status_code, edited.status_code, closed.status_code) == (403, 403, 403)
    assert Opportunity.objects.get().stage == Stage.PROPOSAL


@pytest.mark.parametrize("persona", ["outsider_olga", "viewer_victor"])
def test_people_who_do_not_see_the_account_get_404(
    client: Client, acme_retrofit: Opportunity, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(ACME_OPPORTUNITIES).status_code == 404
    assert client.get(f"{ACME_OPPORTUNITIES}{acme_retrofit.pk}/edit/").status_code == 404
    assert client.post(f"{ACME_OPPORTUNITIES}{acme_retrofit.pk}/close/", {"outcome": "won"}).status_code == 404


def test_editing_an_opportunity_in_the_page_changes_its_stage(
    client: Client, acme_retrofit: Opportunity, kam_alice: User
) -> None:
    client.force_login(kam_alice)
    edit_url = f"{ACME_OPPORTUNITIES}{acme_retrofit.pk}/edit/"

    form = client.get(edit_url, headers=HTMX)
    response = client.post(
        edit_url, _form(acme_retrofit.account, name="Plant retrofit", stage="negotiation"), headers=HTMX
    )

    assert "Edit “Plant retrofit”" in form.content.decode()
    assert "Opportunity saved." in response.content.decode()
    saved = Opportunity.objects.get()
    assert (saved.stage, saved.probability) == ("negotiation", 75)


def test_closing_an_opportunity_as_won(client: Client, acme_retrofit: Opportunity, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(f"{ACME_OPPORTUNITIES}{acme_retrofit.pk}/close/", {"outcome": "won"}, headers=HTMX)

    assert "“Plant retrofit” closed as won." in response.content.decode()
    assert shown_gaps(response.content) == []
    assert (Opportunity.objects.get().stage, Opportunity.objects.get().probability) == ("won", 100)


def test_the_pipeline_page_needs_a_login(client: Client) -> None:
    response = client.get("/pipeline/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/pipeline/"


@time_machine.travel("2026-03-15 12:00 +0100", tick=False)
def test_directors_see_every_kams_pipeline_and_kams_only_their_own(
    client: Client, accounts: dict[str, Account], acme_retrofit: Opportunity, director: User, kam_alice: User
) -> None:
    client.force_login(director)
    client.post(
        "/accounts/COBALT/opportunities/",
        {"name": "Stores", "stage": "negotiation", "amount": "40000", "expected_close_on": "2026-04-10"},
    )

    as_director = client.get("/pipeline/")
    client.force_login(kam_alice)
    as_alice = client.get("/pipeline/")

    assert shown_kams(as_director.content) == ["alice", "bob"]
    director_page = as_director.content.decode()
    assert re.search(
        r'<tr data-month="2026-04">\s*<th scope="row">April 2026</th>\s*'
        r'<td class="num">0.00</td><td class="num">30,000.00</td>\s*'
        r'<td class="num">40,000.00</td>\s*<td class="num strong">30,000.00</td>',
        director_page,
    )
    assert re.search(
        r'<tr data-month="2026-06">\s*<th scope="row">June 2026</th>\s*<td class="num">50,000.00</td>', director_page
    )
    assert shown_kams(as_alice.content) == ["alice"]
    assert "Stores" not in as_alice.content.decode()
    assert '<td class="num strong">50,000.00</td>' in as_alice.content.decode()


def test_someone_who_owns_no_account_sees_an_empty_pipeline(
    client: Client, acme_retrofit: Opportunity, outsider_olga: User
) -> None:
    client.force_login(outsider_olga)

    response = client.get("/pipeline/")

    assert response.status_code == 200
    assert "No open opportunity on the accounts you answer for." in response.content.decode()
