"""The REST API of service cases: list, read, open, correct, answer, resolve, close and reopen through the actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kam.alerts.models import Alert
from kam.core.models import AuditRecord
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


def test_a_team_member_corrects_a_case_and_only_the_fields_sent_change(
    client: Client, accounts: dict[str, Account], kam_alice: User, team_tina: User, api_headers: Headers
) -> None:
    case_id = open_case(client, api_headers(kam_alice))["id"]

    response = client.patch(
        f"/api/v1/cases/{case_id}",
        {"priority": "urgent", "owner": "tina", "status": "waiting_customer", "contact": None},
        content_type="application/json",
        headers=api_headers(team_tina),
    )

    assert response.status_code == 200
    body = response.json()
    assert {name: body[name] for name in ("id", "subject", "type", "priority", "owner", "status", "contact")} == {
        "id": case_id,
        "subject": "Wrong labels on 40 cartons",
        "type": "complaint",
        "priority": "urgent",
        "owner": "tina",
        "status": "waiting_customer",
        "contact": None,
    }
    case = ServiceCase.objects.get()
    record = AuditRecord.objects.get(action="service_case.update")
    assert (record.actor, record.object_id) == (team_tina, str(case_id))
    assert record.changes == {
        "contact": [accounts["ACME"].contacts.get(code="PS").pk, None],
        "owner": [None, team_tina.pk],
        "priority": ["high", "urgent"],
        "status": ["open", "waiting_customer"],
    }
    assert (case.priority, case.owner, case.status, case.contact) == ("urgent", team_tina, "waiting_customer", None)


def test_a_viewer_on_the_team_may_not_correct_close_or_reopen_a_case(
    client: Client, accounts: dict[str, Account], kam_alice: User, viewer_victor: User, api_headers: Headers
) -> None:
    do_add_team_member(accounts["ACME"], viewer_victor, role=TeamRole.FINANCE, acting_user=None)
    case_id = open_case(client, api_headers(kam_alice))["id"]
    headers = api_headers(viewer_victor)

    patched = client.patch(
        f"/api/v1/cases/{case_id}", {"priority": "low"}, content_type="application/json", headers=headers
    )
    closed = client.post(f"/api/v1/cases/{case_id}/close", {}, content_type="application/json", headers=headers)
    reopened = client.post(f"/api/v1/cases/{case_id}/reopen", headers=headers)

    assert (patched.status_code, closed.status_code, reopened.status_code) == (403, 403, 403)
    assert patched.json() == {"detail": "Only the account's managers and team members may work its service cases."}
    case = ServiceCase.objects.get()
    assert (case.priority, case.status) == ("high", "open")


def test_correcting_closing_or_reopening_a_case_of_an_account_one_cannot_see_is_404(
    client: Client, accounts: dict[str, Account], kam_alice: User, kam_bob: User, api_headers: Headers
) -> None:
    case_id = open_case(client, api_headers(kam_alice))["id"]
    headers = api_headers(kam_bob)

    patched = client.patch(
        f"/api/v1/cases/{case_id}", {"priority": "low"}, content_type="application/json", headers=headers
    )
    closed = client.post(f"/api/v1/cases/{case_id}/close", {}, content_type="application/json", headers=headers)
    reopened = client.post(f"/api/v1/cases/{case_id}/reopen", headers=headers)

    assert (patched.status_code, closed.status_code, reopened.status_code) == (404, 404, 404)
    assert patched.json() == {"detail": "No case with this number."}
    case = ServiceCase.objects.get()
    assert (case.priority, case.status) == ("high", "open")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"status": "resolved"}, "", "Status: resolve, close or reopen the case with its own buttons."),
        ({"priority": "whenever"}, "", "Priority: whenever is not a priority."),
        ({"subject": None}, "subject", "Input should be a valid string"),
        ({"owner": "nobody"}, "owner", "There is no user nobody."),
        ({"contact": "AD"}, "contact", "AD is not a contact of this account."),
    ],
)
def test_an_invalid_case_correction_is_422_and_changes_nothing(
    client: Client,
    accounts: dict[str, Account],
    kam_alice: User,
    api_headers: Headers,
    change: dict[str, object],
    field: str,
    message: str,
) -> None:
    headers = api_headers(kam_alice)
    case_id = open_case(client, headers)["id"]

    response = client.patch(f"/api/v1/cases/{case_id}", change, content_type="application/json", headers=headers)

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not AuditRecord.objects.filter(action="service_case.update").exists()


def test_the_kam_closes_a_case_then_reopens_it(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)
    case_id = open_case(client, headers, opened_at="2026-01-05T10:00:00+01:00")["id"]
    close = f"/api/v1/cases/{case_id}/close"

    closed = client.post(close, {"at": "2026-01-06T09:00:00+01:00"}, content_type="application/json", headers=headers)
    closed_again = client.post(close, {}, content_type="application/json", headers=headers)
    reopened = client.post(f"/api/v1/cases/{case_id}/reopen", headers=headers)
    reopened_again = client.post(f"/api/v1/cases/{case_id}/reopen", headers=headers)

    assert closed.status_code == 200
    # Never answered: the resolution (at closing) answered the customer.
    assert (closed.json()["status"], closed.json()["first_response_at"], closed.json()["resolved_at"]) == (
        "closed",
        "2026-01-06T08:00:00Z",
        "2026-01-06T08:00:00Z",
    )
    assert (closed_again.status_code, closed_again.json()["detail"]) == (422, "Status: the case is already closed.")
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["first_response_at"], reopened.json()["resolved_at"]) == (
        "in_progress",
        "2026-01-06T08:00:00Z",
        None,
    )
    assert (reopened_again.status_code, reopened_again.json()["detail"]) == (422, "Status: the case is open already.")
    records = AuditRecord.objects.filter(object_type="service.servicecase", object_id=str(case_id)).order_by("id")
    assert list(records.values_list("action", flat=True)) == [
        "service_case.open",
        "service_case.close",
        "service_case.reopen",
    ]
    assert records.get(action="service_case.reopen").changes["status"] == ["closed", "in_progress"]
