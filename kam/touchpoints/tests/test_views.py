"""The meetings tab as each persona sees it: reading, logging in the page with htmx, reminders."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.touchpoints.models import Meeting
from kam.users.models import User

pytestmark = pytest.mark.django_db

ACME_MEETINGS = "/accounts/ACME/meetings/"
HTMX = {"HX-Request": "true"}


def shown_meetings(content: bytes) -> list[str]:
    return re.findall(r'data-objective="([^"]+)"', content.decode())


def shown_follow_ups(content: bytes) -> list[str]:
    return re.findall(r'<li class="(reminder[^"]*)" data-follow-up', content.decode())


def _form(account: Account, **fields: object) -> dict[str, object]:
    return {
        "held_at": "2026-03-02T10:00",
        "objective": "learn_needs",
        "goal": "Understand the capacity plan",
        "their_attendees": [account.contacts.get(code="MR").pk],
        "goal_met": "unknown",
        "follow_up_on": "2026-03-10",
        **fields,
    }


def test_the_meetings_tab_needs_a_login(client: Client, accounts: dict[str, Account]) -> None:
    response = client.get(ACME_MEETINGS)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={ACME_MEETINGS}"


@pytest.mark.parametrize("persona", ["outsider_olga", "viewer_victor"])
def test_people_who_do_not_see_the_account_get_404(
    client: Client, accounts: dict[str, Account], persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(ACME_MEETINGS).status_code == 404
    assert client.post(ACME_MEETINGS, _form(accounts["ACME"])).status_code == 404
    assert Meeting.objects.count() == 0


def test_alice_sees_acmes_meetings_newest_first_with_the_tab_current(
    client: Client, acme_meeting: Meeting, kam_alice: User
) -> None:
    client.force_login(kam_alice)
    client.post(
        ACME_MEETINGS, _form(acme_meeting.account, held_at="2026-03-20T09:00", objective="present", follow_up_on="")
    )

    response = client.get(ACME_MEETINGS)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="/accounts/ACME/meetings/" aria-current="page">Meetings</a>' in content
    assert shown_meetings(response.content) == ["present", "learn_needs"]
    assert "Log a meeting" in content


def test_logging_a_meeting_with_htmx_returns_the_region_with_it(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(ACME_MEETINGS, _form(accounts["ACME"]), headers=HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="meetings"' in content
    assert "Meeting logged." in content
    assert shown_meetings(response.content) == ["learn_needs"]
    meeting = Meeting.objects.get()
    assert list(meeting.their_attendees.values_list("code", flat=True)) == ["MR"]
    assert meeting.created_by == kam_alice
    assert AuditRecord.objects.filter(action="meeting.log", object_id=str(meeting.pk)).count() == 1


def test_logging_without_htmx_redirects_to_the_tab(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(ACME_MEETINGS, _form(accounts["ACME"]))

    assert response.status_code == 302
    assert response["Location"] == ACME_MEETINGS


def test_team_tina_logs_a_meeting_on_acme(client: Client, accounts: dict[str, Account], team_tina: User) -> None:
    client.force_login(team_tina)

    response = client.post(ACME_MEETINGS, _form(accounts["ACME"], our_attendees=[team_tina.pk]), headers=HTMX)

    assert response.status_code == 200
    assert list(Meeting.objects.get().our_attendees.all()) == [team_tina]


def test_a_missing_goal_shows_the_form_again_with_the_error(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(ACME_MEETINGS, _form(accounts["ACME"], goal=""), headers=HTMX)

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Meeting.objects.count() == 0


def test_a_contact_of_another_account_cannot_be_chosen(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)
    anne = accounts["COBALT"].contacts.get(code="AD")

    response = client.post(ACME_MEETINGS, _form(accounts["ACME"], their_attendees=[anne.pk]), headers=HTMX)

    assert f"Select a valid choice. {anne.pk} is not one of the available choices." in response.content.decode()
    assert Meeting.objects.count() == 0


@time_machine.travel("2026-03-12 12:00 +0100", tick=False)
def test_an_overdue_follow_up_is_highlighted(client: Client, acme_meeting: Meeting, kam_alice: User) -> None:
    client.force_login(kam_alice)
    client.post(ACME_MEETINGS, _form(acme_meeting.account, held_at="2026-03-11T10:00", follow_up_on="2026-03-12"))
    client.post(ACME_MEETINGS, _form(acme_meeting.account, held_at="2026-03-11T11:00", follow_up_on="2026-03-20"))

    response = client.get(ACME_MEETINGS)

    assert shown_follow_ups(response.content) == ["reminder reminder--overdue", "reminder reminder--today", "reminder"]
    assert "<strong>Overdue</strong>" in response.content.decode()


def test_marking_a_follow_up_done_removes_its_reminder(client: Client, acme_meeting: Meeting, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(f"{ACME_MEETINGS}{acme_meeting.pk}/follow-up-done/", headers=HTMX)

    assert "Follow-up done." in response.content.decode()
    assert shown_follow_ups(response.content) == []
    assert Meeting.objects.get().follow_up_done is True


def test_editing_a_meeting_in_the_page_saves_it(client: Client, acme_meeting: Meeting, kam_alice: User) -> None:
    client.force_login(kam_alice)
    edit_url = f"{ACME_MEETINGS}{acme_meeting.pk}/edit/"

    form = client.get(edit_url, headers=HTMX)
    response = client.post(
        edit_url, _form(acme_meeting.account, goal="Map the buying centre", goal_met="yes"), headers=HTMX
    )

    assert "Edit the meeting" in form.content.decode()
    assert 'value="2026-03-02T10:00"' in form.content.decode()
    assert "Meeting saved." in response.content.decode()
    assert Meeting.objects.get().goal == "Map the buying centre"


def test_bob_may_not_edit_a_meeting_of_an_account_he_does_not_see(
    client: Client, acme_meeting: Meeting, kam_bob: User
) -> None:
    client.force_login(kam_bob)

    assert client.get(f"{ACME_MEETINGS}{acme_meeting.pk}/edit/").status_code == 404
    assert client.get(f"/accounts/BOREAL/meetings/{acme_meeting.pk}/edit/").status_code == 404
