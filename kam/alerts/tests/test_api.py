"""The REST API of alerts: who sees which, acknowledging and resolving through the actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kam.alerts.models import Alert
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]


@pytest.mark.parametrize(
    ("persona", "count"),
    [("kam_alice", 1), ("team_tina", 1), ("director", 1), ("kam_bob", 0), ("viewer_victor", 0)],
)
def test_the_alert_list_shows_what_the_ui_shows(
    client: Client, acme_alert: Alert, api_headers: Headers, request: pytest.FixtureRequest, persona: str, count: int
) -> None:
    response = client.get("/api/v1/alerts", headers=api_headers(request.getfixturevalue(persona)))

    assert response.status_code == 200
    assert response.json()["count"] == count


def test_an_alert_of_an_account_one_cannot_see_is_404(
    client: Client, acme_alert: Alert, kam_bob: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_bob)

    read = client.get(f"/api/v1/alerts/{acme_alert.pk}", headers=headers)
    acknowledged = client.post(f"/api/v1/alerts/{acme_alert.pk}/acknowledge", headers=headers)

    assert (read.status_code, acknowledged.status_code) == (404, 404)
    assert read.json() == {"detail": "No alert with this number."}
    assert Alert.objects.get().status == "open"


def test_the_team_acknowledges_then_the_kam_resolves(
    client: Client, acme_alert: Alert, kam_alice: User, team_tina: User, api_headers: Headers
) -> None:
    acknowledged = client.post(f"/api/v1/alerts/{acme_alert.pk}/acknowledge", headers=api_headers(team_tina))
    resolved = client.post(
        f"/api/v1/alerts/{acme_alert.pk}/resolve",
        {"note": "Credit note sent"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )
    listed = {
        status: client.get(f"/api/v1/alerts?status={status}", headers=api_headers(kam_alice)).json()["count"]
        for status in ("open", "acknowledged", "resolved", "all")
    }

    assert (acknowledged.status_code, acknowledged.json()["status"], acknowledged.json()["acknowledged_by"]) == (
        200,
        "acknowledged",
        "tina",
    )
    assert (resolved.status_code, resolved.json()["status"], resolved.json()["resolved_by"]) == (
        200,
        "resolved",
        "alice",
    )
    assert resolved.json()["resolution_note"] == "Credit note sent"
    assert listed == {"open": 0, "acknowledged": 0, "resolved": 1, "all": 1}


def test_resolving_without_a_note_is_422(
    client: Client, acme_alert: Alert, kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        f"/api/v1/alerts/{acme_alert.pk}/resolve",
        {"note": " "},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "Note: say how the alert was dealt with.",
        "errors": [{"field": "", "message": "Note: say how the alert was dealt with."}],
    }
    assert Alert.objects.get().status == "open"


def test_an_unknown_status_filter_is_422(
    client: Client, acme_alert: Alert, kam_alice: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/alerts?status=closed", headers=api_headers(kam_alice))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
