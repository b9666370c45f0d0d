"""The REST API of touchpoints and meetings: lists with filters, logging, correcting meetings and completing
their follow-ups through the actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kam.alerts.models import Alert, AlertNotice
from kam.core.models import AuditRecord
from kam.key_accounts.actions import do_add_team_member
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.touchpoints.actions import do_complete_follow_up, do_log_touchpoint
from kam.touchpoints.models import Meeting, Touchpoint
from kam.touchpoints.tests.fixtures import touchpoint_details
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]

NEGATIVE_CALL = {
    "happened_at": "2026-03-02T10:30:00+01:00",
    "department": "logistics",
    "channel": "phone",
    "type": "delivery",
    "summary": "The pallets arrived broken again",
    "sentiment": "negative",
    "contact": "JL",
}


def test_logging_a_negative_touchpoint_raises_the_alert_as_in_the_ui(
    client: Client, accounts: dict[str, Account], kam_alice: User, team_tina: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/touchpoints",
        NEGATIVE_CALL,
        content_type="application/json",
        headers=api_headers(team_tina),
    )

    assert response.status_code == 201
    body = response.json()
    touchpoint = Touchpoint.objects.get()
    assert body == {
        "id": touchpoint.pk,
        "account": "ACME",
        "contact": "JL",
        "user": "tina",
        "department": "logistics",
        "channel": "phone",
        "type": "delivery",
        "happened_at": "2026-03-02T09:30:00Z",
        "summary": "The pallets arrived broken again",
        "sentiment": "negative",
        "created_at": body["created_at"],
    }
    alert = Alert.objects.get()
    assert (alert.event_key, alert.kind, alert.severity, alert.account.code) == (
        f"touchpoint:{touchpoint.pk}:negative",
        "negative_experience",
        "critical",
        "ACME",
    )
    # The KAM is told; tina, who logged it, is not.
    assert sorted(AlertNotice.objects.values_list("recipient__username", flat=True)) == ["alice"]


def test_a_viewer_on_no_team_gets_404_and_nothing_is_logged(
    client: Client, accounts: dict[str, Account], viewer_victor: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/touchpoints",
        NEGATIVE_CALL,
        content_type="application/json",
        headers=api_headers(viewer_victor),
    )

    assert response.status_code == 404
    assert Touchpoint.objects.count() == 0
    assert Alert.objects.count() == 0


def test_a_viewer_on_the_team_sees_but_may_not_log(
    client: Client, accounts: dict[str, Account], viewer_victor: User, api_headers: Headers
) -> None:
    do_add_team_member(accounts["ACME"], viewer_victor, role=TeamRole.FINANCE, acting_user=None)
    headers = api_headers(viewer_victor)

    listed = client.get("/api/v1/accounts/ACME/touchpoints", headers=headers)
    logged = client.post(
        "/api/v1/accounts/ACME/touchpoints", NEGATIVE_CALL, content_type="application/json", headers=headers
    )

    assert listed.status_code == 200
    assert logged.status_code == 403
    assert logged.json() == {"detail": "Only the account's managers and team members may log its touchpoints."}
    assert Touchpoint.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"channel": "pigeon"}, "", "Channel: pigeon is not a channel."),
        ({"summary": " "}, "", "Summary: say what the touchpoint was about."),
        ({"happened_at": "2026-03-02T10:30:00"}, "", "When: give the date and time of the touchpoint."),
        ({"happened_at": "yesterday"}, "happened_at", "Input should be a valid datetime or date, input is too short"),
        # No local date in Madrid: the audit record's name of the touchpoint answered 500 (schemathesis).
        ({"happened_at": "0001-01-01T00:00:00Z"}, "happened_at", "this moment has no date in the company's time zone."),
        ({"contact": "AD"}, "contact", "AD is not a contact of this account."),
        ({"user": "nobody"}, "user", "There is no user nobody."),
    ],
)
def test_an_invalid_touchpoint_is_422_and_raises_nothing(
    client: Client,
    accounts: dict[str, Account],
    kam_alice: User,
    api_headers: Headers,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/touchpoints",
        {**NEGATIVE_CALL, **change},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert Touchpoint.objects.count() == 0
    assert Alert.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Third", "Second", "First"]),
        ("sentiment=negative", ["Second"]),
        ("department=finance", ["Third"]),
        ("since=2026-03-02T00:00:00Z", ["Third", "Second"]),
        ("until=2026-03-02T00:00:00Z", ["First"]),
        ("since=2026-03-02T00:00:00Z&until=2026-03-03T00:00:00Z", ["Second"]),
    ],
)
def test_the_touchpoint_list_filters(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers, query: str, expected: list[str]
) -> None:
    import datetime as dt

    acme = accounts["ACME"]
    for day, summary, extra in [
        (1, "First", {}),
        (2, "Second", {"sentiment": "negative"}),
        (3, "Third", {"department": "finance"}),
    ]:
        moment = dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC)
        do_log_touchpoint(acme, touchpoint_details(happened_at=moment, summary=summary, **extra), acting_user=kam_alice)

    response = client.get(f"/api/v1/accounts/ACME/touchpoints?{query}", headers=api_headers(kam_alice))

    assert response.status_code == 200
    assert [row["summary"] for row in response.json()["results"]] == expected


def test_the_kam_logs_a_meeting(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/meetings",
        {
            "held_at": "2026-03-05T09:00:00+01:00",
            "objective": "negotiate",
            "goal": "Agree the 2026 price list",
            "our_attendees": ["alice"],
            "their_attendees": ["MR", "JL"],
            "goal_met": "yes",
        },
        content_type="application/json",
        headers=api_headers(kam_alice),
    )
    listed = client.get("/api/v1/accounts/ACME/meetings", headers=api_headers(kam_alice))

    assert response.status_code == 201
    meeting = Meeting.objects.get()
    assert (response.json()["our_attendees"], response.json()["their_attendees"]) == (["alice"], ["JL", "MR"])
    assert (meeting.objective, meeting.goal_met, meeting.created_by) == ("negotiate", "yes", kam_alice)
    assert [row["id"] for row in listed.json()["results"]] == [meeting.pk]


def test_an_invalid_meeting_is_422(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/meetings",
        {"held_at": "2026-03-05T09:00:00+01:00", "objective": "party", "goal": "x"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "Objective: party is not a meeting objective."
    assert Meeting.objects.count() == 0


def meeting_url(meeting: Meeting, suffix: str = "", code: str = "ACME") -> str:
    return f"/api/v1/accounts/{code}/meetings/{meeting.pk}{suffix}"


def test_a_team_member_reads_a_meeting(
    client: Client, acme_meeting: Meeting, team_tina: User, api_headers: Headers
) -> None:
    response = client.get(meeting_url(acme_meeting), headers=api_headers(team_tina))

    assert response.status_code == 200
    assert response.json() == {
        "id": acme_meeting.pk,
        "account": "ACME",
        "held_at": "2026-03-02T09:00:00Z",
        "objective": "learn_needs",
        "goal": "Understand the 2026 capacity plan",
        "outcome": "Two new lines planned for Q3",
        "goal_met": "yes",
        "next_step": "Send the sizing study",
        "follow_up_on": "2026-03-10",
        "follow_up_done": False,
        "our_attendees": ["alice"],
        "their_attendees": ["MR"],
    }


def test_a_team_member_corrects_a_meeting_and_a_new_follow_up_date_reopens_it(
    client: Client, acme_meeting: Meeting, kam_alice: User, team_tina: User, api_headers: Headers
) -> None:
    do_complete_follow_up(acme_meeting, acting_user=kam_alice)

    response = client.patch(
        meeting_url(acme_meeting),
        {"follow_up_on": "2026-03-12", "their_attendees": ["MR", "JL"], "our_attendees": ["alice", "tina"]},
        content_type="application/json",
        headers=api_headers(team_tina),
    )

    assert response.status_code == 200
    body = response.json()
    assert {name: body[name] for name in ("goal", "follow_up_on", "follow_up_done")} == {
        "goal": "Understand the 2026 capacity plan",
        "follow_up_on": "2026-03-12",
        "follow_up_done": False,
    }
    assert (body["our_attendees"], body["their_attendees"]) == (["alice", "tina"], ["JL", "MR"])
    contacts = {contact.code: contact.pk for contact in acme_meeting.account.contacts.all()}
    record = AuditRecord.objects.get(action="meeting.update")
    assert (record.actor, record.object_id) == (team_tina, str(acme_meeting.pk))
    assert record.changes == {
        "follow_up_on": ["2026-03-10", "2026-03-12"],
        "follow_up_done": [True, False],
        "our_attendees": [[kam_alice.pk], sorted([kam_alice.pk, team_tina.pk])],
        "their_attendees": [[contacts["MR"]], sorted([contacts["MR"], contacts["JL"]])],
    }


def test_a_viewer_on_the_team_may_not_correct_a_meeting_or_complete_its_follow_up(
    client: Client, acme_meeting: Meeting, viewer_victor: User, api_headers: Headers
) -> None:
    do_add_team_member(acme_meeting.account, viewer_victor, role=TeamRole.FINANCE, acting_user=None)
    headers = api_headers(viewer_victor)

    read = client.get(meeting_url(acme_meeting), headers=headers)
    patched = client.patch(meeting_url(acme_meeting), {"goal": "x"}, content_type="application/json", headers=headers)
    completed = client.post(meeting_url(acme_meeting, "/follow-up/complete"), headers=headers)

    assert (read.status_code, patched.status_code, completed.status_code) == (200, 403, 403)
    assert patched.json() == {"detail": "Only the account's managers and team members may log its meetings."}
    acme_meeting.refresh_from_db()
    assert (acme_meeting.goal, acme_meeting.follow_up_done) == ("Understand the 2026 capacity plan", False)


def test_a_meeting_of_an_account_one_cannot_see_or_of_another_account_is_404(
    client: Client, acme_meeting: Meeting, kam_alice: User, kam_bob: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_bob)

    read = client.get(meeting_url(acme_meeting), headers=headers)
    patched = client.patch(meeting_url(acme_meeting), {"goal": "x"}, content_type="application/json", headers=headers)
    completed = client.post(meeting_url(acme_meeting, "/follow-up/complete"), headers=headers)
    elsewhere = client.get(meeting_url(acme_meeting, code="BOREAL"), headers=api_headers(kam_alice))

    assert (read.status_code, patched.status_code, completed.status_code) == (404, 404, 404)
    assert read.json() == {"detail": "No account with this code."}
    assert (elsewhere.status_code, elsewhere.json()) == (404, {"detail": "No such meeting for this account."})
    acme_meeting.refresh_from_db()
    assert (acme_meeting.goal, acme_meeting.follow_up_done) == ("Understand the 2026 capacity plan", False)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"objective": "party"}, "", "Objective: party is not a meeting objective."),
        ({"follow_up_on": "2026-03-01"}, "", "Follow-up date: it cannot be before the meeting."),
        ({"goal_met": "maybe"}, "", "Goal met: maybe is not yes, no or unknown."),
        ({"held_at": None}, "held_at", "Input should be a valid datetime"),
        ({"held_at": "0001-01-01T00:00:00Z"}, "held_at", "this moment has no date in the company's time zone."),
        ({"our_attendees": ["nobody"]}, "our_attendees", "There is no user nobody."),
        ({"their_attendees": ["AD"]}, "their_attendees", "AD is not a contact of this account."),
    ],
)
def test_an_invalid_meeting_correction_is_422_and_changes_nothing(
    client: Client,
    acme_meeting: Meeting,
    kam_alice: User,
    api_headers: Headers,
    change: dict[str, object],
    field: str,
    message: str,
) -> None:
    response = client.patch(
        meeting_url(acme_meeting), change, content_type="application/json", headers=api_headers(kam_alice)
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not AuditRecord.objects.filter(action="meeting.update").exists()


def test_a_team_member_completes_a_follow_up_once(
    client: Client, acme_meeting: Meeting, team_tina: User, api_headers: Headers
) -> None:
    headers = api_headers(team_tina)

    completed = client.post(meeting_url(acme_meeting, "/follow-up/complete"), headers=headers)
    again = client.post(meeting_url(acme_meeting, "/follow-up/complete"), headers=headers)

    assert completed.status_code == 200
    assert (completed.json()["follow_up_on"], completed.json()["follow_up_done"]) == ("2026-03-10", True)
    assert (again.status_code, again.json()["detail"]) == (
        422,
        "Follow-up done: the follow-up of this meeting is already done.",
    )
    record = AuditRecord.objects.get(action="meeting.complete_follow_up")
    assert (record.actor, record.changes) == (team_tina, {"follow_up_done": [False, True]})
