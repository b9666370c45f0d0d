"""The REST API of one opportunity: read it, change the fields sent, close it as won or lost, through the actions.

The pipeline list and adding opportunities are tested with the plans (``kam/plans/tests/test_api.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.opportunities.models import Opportunity
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]


def url(opportunity: Opportunity, suffix: str = "", code: str = "ACME") -> str:
    return f"/api/v1/accounts/{code}/opportunities/{opportunity.pk}{suffix}"


def test_a_team_member_reads_an_opportunity(
    client: Client, acme_retrofit: Opportunity, team_tina: User, api_headers: Headers
) -> None:
    response = client.get(url(acme_retrofit), headers=api_headers(team_tina))

    assert response.status_code == 200
    assert response.json() == {
        "id": acme_retrofit.pk,
        "account": "ACME",
        "name": "Plant retrofit",
        "stage": "proposal",
        "amount": "100000.00",
        "probability": 50,
        "expected_close_on": "2026-06-15",
        "closed_on": None,
        "owner": "alice",
        "product_lines": ["PUMPS"],
        "buying_influences": ["JL", "MR"],
    }


def test_the_kam_changes_the_fields_sent_and_a_new_stage_takes_its_probability(
    client: Client, acme_retrofit: Opportunity, kam_alice: User, api_headers: Headers
) -> None:
    response = client.patch(
        url(acme_retrofit),
        {"stage": "negotiation", "amount": "150000.00", "buying_influences": ["MR"]},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": acme_retrofit.pk,
        "account": "ACME",
        "name": "Plant retrofit",
        "stage": "negotiation",
        "amount": "150000.00",
        "probability": 75,
        "expected_close_on": "2026-06-15",
        "closed_on": None,
        "owner": "alice",
        "product_lines": ["PUMPS"],
        "buying_influences": ["MR"],
    }
    record = AuditRecord.objects.get(action="opportunity.update")
    jorge = acme_retrofit.account.contacts.get(code="JL")
    marta = acme_retrofit.account.contacts.get(code="MR")
    assert (record.actor, record.object_id) == (kam_alice, str(acme_retrofit.pk))
    assert record.changes == {
        "stage": ["proposal", "negotiation"],
        "amount": ["100000.00", "150000.00"],
        "probability": [50, 75],
        "buying_influences": [sorted([jorge.pk, marta.pk]), [marta.pk]],
    }


def test_a_team_member_may_not_change_or_close_an_opportunity(
    client: Client, acme_retrofit: Opportunity, team_tina: User, api_headers: Headers
) -> None:
    headers = api_headers(team_tina)

    patched = client.patch(url(acme_retrofit), {"amount": "1"}, content_type="application/json", headers=headers)
    closed = client.post(url(acme_retrofit, "/close"), {"won": True}, content_type="application/json", headers=headers)

    assert (patched.status_code, closed.status_code) == (403, 403)
    assert patched.json() == {
        "detail": "Only directors, administrators and the account's KAM may change its opportunities."
    }
    acme_retrofit.refresh_from_db()
    assert (acme_retrofit.amount, acme_retrofit.stage) == (Decimal("100000.00"), "proposal")


def test_an_opportunity_of_an_account_one_cannot_see_is_404(
    client: Client, acme_retrofit: Opportunity, kam_bob: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_bob)

    read = client.get(url(acme_retrofit), headers=headers)
    patched = client.patch(url(acme_retrofit), {"amount": "1"}, content_type="application/json", headers=headers)
    closed = client.post(url(acme_retrofit, "/close"), {"won": True}, content_type="application/json", headers=headers)

    assert (read.status_code, patched.status_code, closed.status_code) == (404, 404, 404)
    assert read.json() == {"detail": "No account with this code."}
    acme_retrofit.refresh_from_db()
    assert (acme_retrofit.amount, acme_retrofit.stage) == (Decimal("100000.00"), "proposal")


def test_an_opportunity_of_another_account_is_404(
    client: Client, accounts: dict[str, Account], acme_retrofit: Opportunity, kam_alice: User, api_headers: Headers
) -> None:
    response = client.get(url(acme_retrofit, code="BOREAL"), headers=api_headers(kam_alice))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such opportunity for this account."}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"stage": "dreaming"}, "", "Stage: dreaming is not a stage."),
        ({"probability": 150}, "", "Probability: a whole number from 0 to 100 (got 150)."),
        ({"name": None}, "name", "Input should be a valid string"),
        ({"product_lines": ["NOPE"]}, "product_lines", "Unknown product lines: NOPE."),
        ({"buying_influences": ["AD"]}, "buying_influences", "AD is not a contact of this account."),
        ({"owner": "nobody"}, "owner", "There is no user nobody."),
    ],
)
def test_an_invalid_change_of_an_opportunity_is_422_and_changes_nothing(
    client: Client,
    acme_retrofit: Opportunity,
    kam_alice: User,
    api_headers: Headers,
    change: dict[str, object],
    field: str,
    message: str,
) -> None:
    response = client.patch(url(acme_retrofit), change, content_type="application/json", headers=api_headers(kam_alice))

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not AuditRecord.objects.filter(action="opportunity.update").exists()


def test_the_kam_closes_an_opportunity_as_won_once(
    client: Client, acme_retrofit: Opportunity, kam_alice: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)
    close = url(acme_retrofit, "/close")

    won = client.post(close, {"won": True}, content_type="application/json", headers=headers)
    again = client.post(close, {"won": False}, content_type="application/json", headers=headers)
    unreadable = client.post(close, {"won": "perhaps"}, content_type="application/json", headers=headers)

    assert won.status_code == 200
    today = timezone.localdate().isoformat()
    assert (won.json()["stage"], won.json()["probability"], won.json()["closed_on"]) == ("won", 100, today)
    assert (again.status_code, again.json()["detail"]) == (422, "Stage: the opportunity is already closed (Won).")
    assert unreadable.status_code == 422
    assert unreadable.json()["errors"] == [
        {"field": "won", "message": "Input should be a valid boolean, unable to interpret input"}
    ]
    record = AuditRecord.objects.get(action="opportunity.won")
    assert (record.actor, record.changes) == (
        kam_alice,
        {"stage": ["proposal", "won"], "probability": [50, 100], "closed_on": [None, today]},
    )
