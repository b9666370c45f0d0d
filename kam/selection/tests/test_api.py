"""The REST API of selection proposals: directors only; deciding through the action."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kam.key_accounts.models import Account
from kam.selection.models import ProposalLine, SelectionProposal
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]


def test_a_director_lists_and_reads_proposals(
    client: Client, proposal: SelectionProposal, director: User, api_headers: Headers
) -> None:
    headers = api_headers(director)

    listed = client.get("/api/v1/selection/proposals", headers=headers).json()
    detail = client.get(f"/api/v1/selection/proposals/{proposal.pk}", headers=headers).json()
    recommended = client.get(
        f"/api/v1/selection/proposals/{proposal.pk}/lines?is_recommended=true", headers=headers
    ).json()

    assert [row["id"] for row in listed["results"]] == [proposal.pk]
    assert (detail["id"], detail["is_feasible"]) == (proposal.pk, True)
    assert [(row["account"], row["kam"]) for row in recommended["results"]] == [("ACME", "alice"), ("BOREAL", "bob")]


def test_a_kam_sees_no_proposal(
    client: Client, proposal: SelectionProposal, kam_alice: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)

    listed = client.get("/api/v1/selection/proposals", headers=headers)
    detail = client.get(f"/api/v1/selection/proposals/{proposal.pk}", headers=headers)
    decided = client.post(
        f"/api/v1/selection/proposals/{proposal.pk}/decisions",
        {"decisions": [{"account": "BOREAL", "decision": "approved"}]},
        content_type="application/json",
        headers=headers,
    )

    assert listed.json()["count"] == 0
    assert (detail.status_code, decided.status_code) == (404, 404)
    assert detail.json() == {"detail": "No proposal with this number."}
    assert ProposalLine.objects.filter(decision="pending").count() == ProposalLine.objects.count()


def test_a_director_approves_and_the_account_becomes_key(
    client: Client, proposal: SelectionProposal, director: User, api_headers: Headers
) -> None:
    response = client.post(
        f"/api/v1/selection/proposals/{proposal.pk}/decisions",
        {"decisions": [{"account": "BOREAL", "decision": "approved"}]},
        content_type="application/json",
        headers=api_headers(director),
    )

    assert response.status_code == 200
    assert response.json() == {"decided": 1}
    boreal = Account.objects.get(code="BOREAL")
    assert (boreal.is_key_account, boreal.owner.username if boreal.owner else None) == (True, "bob")


def test_a_rejection_without_a_reason_is_422(
    client: Client, proposal: SelectionProposal, director: User, api_headers: Headers
) -> None:
    response = client.post(
        f"/api/v1/selection/proposals/{proposal.pk}/decisions",
        {"decisions": [{"account": "BOREAL", "decision": "rejected"}]},
        content_type="application/json",
        headers=api_headers(director),
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "Rejecting BOREAL needs a reason."
    assert ProposalLine.objects.get(proposal=proposal, account__code="BOREAL").decision == "pending"
