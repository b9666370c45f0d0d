"""The REST API of service cases: list, read, open, first response and resolution through the actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kam.alerts.models import Alert
from kam.key_accounts.actions import do_add_team_member
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.service.models import ServiceCase
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]

COMPLAINT = {"type": "complaint", "subject": "Wrong labels on 40 cartons", "priority": "high", "contact": "PS"}


def open_case(client: Client, headers: dict[str, str], **fields: str) -> dict[str, object]:
    response = client.post(
        "/api/v1/accounts/ACME/cases", {**COMPLAINT, **fields}, content_type="application/json", headers=headers
    )
    assert response.status_code == 201, response.json()
    body: dict[str, object] = response.json()
    return body


def test_a_team_member_opens_a_complaint_and_the_team_is_alerted(
    client: Client, accounts: dict[str, Account], team_tina: User, api_headers: Headers
) -> None:
    body = open_case(client, api_headers(team_tina))

    case = ServiceCase.objects.get()
    assert (body["id"], body["account"], body["type"], body["status"], body["contact"]) == (
        case.pk,
        "ACME",
        "complaint",
        "open",
        "PS",
    )
    assert case.created_by == team_tina
    assert list(Alert.objects.values_list("kind", flat=True)) == ["complaint"]


def test_a_viewer_on_the_team_reads_cases_but_may_not_open_one(
    client: Client, accounts: dict[str, Account], kam_alice: User, viewer_victor: User, api_headers: Headers
) -> None:
    do_add_team_member(accounts["ACME"], viewer_victor, role=TeamRole.FINANCE, acting_user=None)
    open_case(client, api_headers(kam_alice))
    headers = api_headers(viewer_victor)

    listed = client.get("/api/v1/cases", headers=headers)
    refused = client.post("/api/v1/accounts/ACME/cases", COMPLAINT, content_type="application/json", headers=headers)

    assert listed.json()["count"] == 1
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the account's managers and team members may work its service cases."}
    assert ServiceCase.objects.count() == 1


def test_a_case_of_an_account_one_cannot_see_is_404(
    client: Client, accounts: dict[str, Account], kam_alice: User, kam_bob: User, api_headers: Headers
) -> None:
    case_id = open_case(client, api_headers(kam_alice))["id"]
    headers = api_headers(kam_bob)

    read = client.get(f"/api/v1/cases/{case_id}", headers=headers)
    resolved = client.post(f"/api/v1/cases/{case_id}/resolve", {}, content_type="application/json", headers=headers)

    assert (read.status_code, resolved.status_code) == (404, 404)
    assert read.json() == {"detail": "No case with this number."}
    assert client.get("/api/v1/cases", headers=headers).json()["count"] == 0
    assert ServiceCase.objects.get().status == "open"


def test_the_first_response_then_the_resolution_stop_the_clocks(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)
    case_id = open_case(client, headers)["id"]

    answered = client.post(
        f"/api/v1/cases/{case_id}/first-response", {}, content_type="application/json", headers=headers
    )
    resolved = client.post(
        f"/api/v1/cases/{case_id}/resolve",
        {"note": "Relabelled on site"},
        content_type="application/json",
        headers=headers,
    )
    again = client.post(f"/api/v1/cases/{case_id}/resolve", {}, content_type="application/json", headers=headers)

    assert (answered.status_code, answered.json()["status"]) == (200, "in_progress")
    assert (resolved.status_code, resolved.json()["status"], resolved.json()["resolution"]) == (
        200,
        "resolved",
        "Relabelled on site",
    )
    assert again.status_code == 422
    assert again.json()["detail"] == "Status: the case is already resolved."


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Delivery late", "Wrong labels on 40 cartons"]),
        ("open=true", ["Delivery late"]),
        ("open=false", ["Wrong labels on 40 cartons"]),
        ("status=resolved", ["Wrong labels on 40 cartons"]),
        ("type=delivery", ["Delivery late"]),
        ("account=COBALT", []),
    ],
)
def test_the_case_list_filters(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers, query: str, expected: list[str]
) -> None:
    headers = api_headers(kam_alice)
    first = open_case(client, headers, opened_at="2026-01-05T10:00:00+01:00")["id"]
    client.post(f"/api/v1/cases/{first}/resolve", {}, content_type="application/json", headers=headers)
    open_case(client, headers, type="delivery", subject="Delivery late", opened_at="2026-01-06T10:00:00+01:00")

    response = client.get(f"/api/v1/cases?{query}", headers=headers)

    assert [row["subject"] for row in response.json()["results"]] == expected


def test_an_invalid_case_is_422(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/cases",
        {**COMPLAINT, "type": "gossip"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "Type: gossip is not a case type."
    assert ServiceCase.objects.count() == 0
