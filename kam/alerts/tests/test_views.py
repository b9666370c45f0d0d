"""The alert pages as each persona sees them: my alerts, one alert, acknowledging and resolving in
place with htmx and without, the top bar's count, the alerts on the account page and the home page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kam.alerts.actions import do_resolve_alert, raise_alert
from kam.alerts.choices import AlertKind, AlertStatus, Severity
from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.users.models import User

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def shown_alerts(content: bytes) -> list[tuple[str, str]]:
    """(alert number, status) of each alert listed, in order."""
    return re.findall(r'data-alert="(\d+)" data-status="([a-z]+)"', content.decode())


def _alert(account: Account, key: str, *, title: str = "Late delivery") -> Alert:
    alert = raise_alert(
        account=account, kind=AlertKind.LATE_DELIVERY, event_key=key, title=title, severity=Severity.WARNING
    )
    assert alert is not None
    return alert


def test_the_alert_pages_need_a_login(client: Client, acme_alert: Alert) -> None:
    response = client.get("/alerts/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/alerts/"


def test_my_alerts_lists_key_accounts_first_then_the_newest(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    boreal = _alert(accounts["BOREAL"], "delivery:D1:late")
    acme_old = _alert(accounts["ACME"], "delivery:D2:late")
    acme_new = _alert(accounts["ACME"], "delivery:D3:late")
    _alert(accounts["COBALT"], "delivery:D4:late")  # bob's: alice is not told
    client.force_login(kam_alice)

    response = client.get("/alerts/")

    assert response.status_code == 200
    assert shown_alerts(response.content) == [
        (str(acme_new.pk), "open"),
        (str(acme_old.pk), "open"),
        (str(boreal.pk), "open"),
    ]


def test_my_alerts_filter_by_status(client: Client, acme_alert: Alert, kam_alice: User) -> None:
    do_resolve_alert(acme_alert, "Called the customer", acting_user=kam_alice)
    client.force_login(kam_alice)

    assert shown_alerts(client.get("/alerts/").content) == []
    assert shown_alerts(client.get("/alerts/?status=resolved").content) == [(str(acme_alert.pk), "resolved")]
    assert shown_alerts(client.get("/alerts/?status=all").content) == [(str(acme_alert.pk), "resolved")]
    assert shown_alerts(client.get("/alerts/?status=nonsense").content) == []


def test_a_director_sees_every_alert(client: Client, accounts: dict[str, Account], director: User) -> None:
    cobalt = _alert(accounts["COBALT"], "delivery:D4:late")
    client.force_login(director)

    assert shown_alerts(client.get("/alerts/").content) == [(str(cobalt.pk), "open")]


def test_the_detail_says_what_happened_and_who_was_told_and_marks_mine_read(
    client: Client, acme_alert: Alert, kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.get(f"/alerts/{acme_alert.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Negative touchpoint: Angry about the late March order</h1>" in content
    assert f'<a href="{acme_alert.link}" data-event-link>See the event</a>' in content
    assert re.findall(r'data-recipient="([a-z]+)"', content) == ["alice", "tina"]
    assert list(acme_alert.notices.filter(read_at__isnull=False).values_list("recipient__username", flat=True)) == [
        "alice"
    ]


@pytest.mark.parametrize("persona", ["kam_bob", "outsider_olga", "viewer_victor"])
def test_people_who_do_not_see_the_account_get_404(
    client: Client, acme_alert: Alert, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(f"/alerts/{acme_alert.pk}/").status_code == 404
    assert client.post(f"/alerts/{acme_alert.pk}/acknowledge/").status_code == 404
    assert client.post(f"/alerts/{acme_alert.pk}/resolve/", {"note": "Not mine"}).status_code == 404
    acme_alert.refresh_from_db()
    assert acme_alert.status == AlertStatus.OPEN


def test_resolving_with_htmx_returns_the_alert_resolved(client: Client, acme_alert: Alert, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(
        f"/alerts/{acme_alert.pk}/resolve/", {"note": "Sent a new pallet", "next": "/home/"}, headers=HTMX
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "alerts-changed"
    assert content.lstrip().startswith(f'<li id="alert-{acme_alert.pk}"')
    assert shown_alerts(response.content) == [(str(acme_alert.pk), "resolved")]
    assert "Alert resolved." in content
    assert "Sent a new pallet" in content
    acme_alert.refresh_from_db()
    assert (acme_alert.status, acme_alert.resolved_by) == (AlertStatus.RESOLVED, kam_alice)


def test_resolving_without_a_note_with_htmx_shows_the_error_in_place(
    client: Client, acme_alert: Alert, kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(f"/alerts/{acme_alert.pk}/resolve/", {"note": " "}, headers=HTMX)

    assert response.status_code == 200
    assert '<p class="message message--error" role="alert">Note: say how the alert was dealt with.</p>' in (
        response.content.decode()
    )
    assert shown_alerts(response.content) == [(str(acme_alert.pk), "open")]


def test_resolving_without_javascript_redirects_back_with_a_message(
    client: Client, acme_alert: Alert, kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(f"/alerts/{acme_alert.pk}/resolve/", {"note": "Done", "next": "/accounts/ACME/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/ACME/"
    page = client.get("/accounts/ACME/").content.decode()
    assert '<li class="message message--success">Alert resolved.</li>' in page
    assert "No open alert on this account." in page


def test_a_next_of_another_site_is_ignored(client: Client, acme_alert: Alert, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(f"/alerts/{acme_alert.pk}/acknowledge/", {"next": "https://evil.example/"})

    assert response["Location"] == f"/alerts/{acme_alert.pk}/"


def test_acknowledging_a_resolved_alert_without_javascript_says_why(
    client: Client, acme_alert: Alert, kam_alice: User
) -> None:
    do_resolve_alert(acme_alert, "Done", acting_user=kam_alice)
    client.force_login(kam_alice)

    response = client.post(f"/alerts/{acme_alert.pk}/acknowledge/", follow=True)

    assert (
        '<li class="message message--error">This alert is already resolved; there is nothing left to acknowledge.</li>'
        in response.content.decode()
    )


def test_acknowledging_with_htmx_keeps_the_resolve_form(client: Client, acme_alert: Alert, team_tina: User) -> None:
    client.force_login(team_tina)

    response = client.post(f"/alerts/{acme_alert.pk}/acknowledge/", headers=HTMX)

    content = response.content.decode()
    assert shown_alerts(response.content) == [(str(acme_alert.pk), "acknowledged")]
    assert "data-acknowledge" not in content
    assert "data-resolve" in content


def test_the_badge_counts_my_unread_alerts(client: Client, acme_alert: Alert, kam_alice: User) -> None:
    client.force_login(kam_alice)

    badge = client.get("/alerts/badge/", headers=HTMX).content.decode()
    client.get(f"/alerts/{acme_alert.pk}/")
    after = client.get("/alerts/badge/", headers=HTMX).content.decode()

    assert 'data-alerts-badge="1"' in badge
    assert '<span class="alerts-badge__count">1</span>' in badge
    assert 'data-alerts-badge="0"' in after
    assert "alerts-badge__count" not in after


def test_mark_all_read_empties_the_badge(client: Client, acme_alert: Alert, team_tina: User) -> None:
    client.force_login(team_tina)

    response = client.post("/alerts/read/")

    assert response.status_code == 302
    assert acme_alert.notices.get(recipient=team_tina).read_at is not None


def test_the_account_page_lists_its_open_alerts_with_the_actions(
    client: Client, acme_alert: Alert, kam_alice: User
) -> None:
    client.force_login(kam_alice)

    content = client.get("/accounts/ACME/").content.decode()

    assert shown_alerts(content.encode()) == [(str(acme_alert.pk), "open")]
    assert '<span class="count" data-alert-count>1</span>' in content
    assert f'action="/alerts/{acme_alert.pk}/resolve/"' in content


def test_the_home_page_lists_my_alerts_unread_first(
    client: Client, accounts: dict[str, Account], acme_alert: Alert, kam_alice: User
) -> None:
    read = _alert(accounts["ACME"], "delivery:D9:late")
    client.force_login(kam_alice)
    client.get(f"/alerts/{read.pk}/")

    content = client.get("/home/").content.decode()

    assert shown_alerts(content.encode()) == [(str(acme_alert.pk), "open"), (str(read.pk), "open")]
    assert '<span class="count" data-my-alert-count>2</span>' in content
