"""The service pages as each persona sees them: the account's tab, a case, the queue, the service levels."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from kam.key_accounts.actions import do_add_team_member
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.service.actions import do_open_case
from kam.service.models import ServiceCase, ServiceLevelPolicy
from kam.service.tests.fixtures import FRIDAY_4PM, case_details, madrid
from kam.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("service_levels")]

ACME_SERVICE = "/accounts/ACME/service/"
HTMX = {"HX-Request": "true"}


def shown(pattern: str, content: bytes) -> list[str]:
    return re.findall(pattern, content.decode())


def _form(**fields: object) -> dict[str, object]:
    return {
        "type": "complaint",
        "subject": "Pallets crushed",
        "priority": "high",
        "department": "customer_service",
        **fields,
    }


@pytest.mark.parametrize("persona", ["outsider_olga", "kam_bob"])
def test_a_kam_of_another_account_gets_404(
    client: Client, accounts: dict[str, Account], persona: str, request: pytest.FixtureRequest
) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=None)
    client.force_login(request.getfixturevalue(persona))

    assert client.get(ACME_SERVICE).status_code == 404
    assert client.get(f"{ACME_SERVICE}{case.pk}/").status_code == 404
    assert client.post(ACME_SERVICE, _form()).status_code == 404
    assert ServiceCase.objects.count() == 1


def test_a_viewer_on_the_team_reads_but_cannot_open_cases(
    client: Client, accounts: dict[str, Account], viewer_victor: User
) -> None:
    do_add_team_member(accounts["ACME"], viewer_victor, role=TeamRole.OTHER, acting_user=None)
    client.force_login(viewer_victor)

    response = client.get(ACME_SERVICE)

    assert response.status_code == 200
    assert "Open a case" not in response.content.decode()
    assert client.post(ACME_SERVICE, _form()).status_code == 403
    assert ServiceCase.objects.count() == 0


@time_machine.travel(FRIDAY_4PM, tick=False)
def test_alice_opens_a_case_with_htmx_and_sees_the_tab_current(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(ACME_SERVICE, _form(contact=accounts["ACME"].contacts.get(code="MR").pk), headers=HTMX)

    assert response.status_code == 200
    content = response.content.decode()
    assert content.strip().startswith('<div id="service-cases"')
    assert "Case opened." in content
    case = ServiceCase.objects.get()
    assert (case.subject, case.priority, case.contact.code, case.created_by) == (  # type: ignore[union-attr]
        "Pallets crushed",
        "high",
        "MR",
        kam_alice,
    )
    assert shown(r'data-clock="response" data-state="([a-z_]+)"', response.content) == ["running"]
    page = client.get(ACME_SERVICE).content.decode()
    assert '<a href="/accounts/ACME/service/" aria-current="page">Service</a>' in page


def test_without_htmx_opening_redirects_to_the_case(
    client: Client, kam_alice: User, accounts: dict[str, Account]
) -> None:
    client.force_login(kam_alice)

    response = client.post(ACME_SERVICE, _form())

    case = ServiceCase.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/accounts/ACME/service/{case.pk}/")


def test_a_bad_case_shows_the_error_in_the_form(client: Client, kam_alice: User, accounts: dict[str, Account]) -> None:
    client.force_login(kam_alice)

    response = client.post(ACME_SERVICE, _form(opened_at="2026-01-02T16:00", due_at="2026-01-01T10:00"), headers=HTMX)

    assert response.status_code == 200
    assert "Due: it cannot be before the case was opened." in response.content.decode()
    assert ServiceCase.objects.count() == 0


def test_recording_the_first_response_and_resolving_on_the_case_page(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
    client.force_login(kam_alice)
    url = f"{ACME_SERVICE}{case.pk}/"

    with time_machine.travel(madrid(2026, 1, 5, 12, 30), tick=False):
        answered = client.post(f"{url}respond/", {"at": "2026-01-05T12:00"}, headers=HTMX)
        early = client.post(f"{url}resolve/", {"at": "2026-01-02T10:00"}, headers=HTMX)
        resolved = client.post(f"{url}resolve/", {"note": "Credit note"})

    assert "First response recorded." in answered.content.decode()
    assert shown(r'data-clock="response" data-state="([a-z_]+)"', answered.content) == ["breached"]
    assert "Resolved: it cannot be before the case was opened." in early.content.decode()
    assert (resolved.status_code, resolved["Location"]) == (302, url)
    case.refresh_from_db()
    assert (case.status, case.resolution, case.resolution_state) == ("resolved", "Credit note", "met")


def test_the_queue_puts_key_accounts_first_then_the_least_time_left(
    client: Client, accounts: dict[str, Account], director: User, kam_alice: User
) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        boreal = do_open_case(accounts["BOREAL"], case_details(subject="Boreal"), acting_user=None)
        acme_support = do_open_case(
            accounts["ACME"], case_details(type="support", subject="Acme support"), acting_user=None
        )
        acme_complaint = do_open_case(accounts["ACME"], case_details(subject="Acme complaint"), acting_user=None)
    with time_machine.travel(madrid(2026, 1, 5, 9, 0), tick=False):
        cobalt = do_open_case(accounts["COBALT"], case_details(subject="Cobalt", opened_at=None), acting_user=None)
    with time_machine.travel(madrid(2026, 1, 5, 12, 0), tick=False):
        client.force_login(director)
        everyone = client.get("/service/queue/")
        client.force_login(kam_alice)
        alices = client.get("/service/queue/")

    # ACME's complaint is 1 h overdue (strategic: 4 h); COBALT's (strategic, opened Monday 09:00) has
    # 1 h left; ACME's support (other accounts: 8 h) 3 h left; BOREAL is no key account.
    order = [str(case.pk) for case in (acme_complaint, cobalt, acme_support, boreal)]
    assert shown(r'data-queue-case="(\d+)"', everyone.content) == order
    assert shown(r'data-queue-case="(\d+)" class="case--overdue"', everyone.content) == [str(acme_complaint.pk)]
    assert shown(r'data-queue-case="(\d+)"', alices.content) == [order[0], order[2], order[3]]


def test_a_director_edits_the_service_levels_and_a_kam_only_reads_them(
    client: Client, director: User, kam_alice: User
) -> None:
    client.force_login(kam_alice)
    read = client.get("/service/policies/")
    refused = client.post("/service/policies/", {"case_type": "claim", "applies_to": "key", "response_hours": "4"})

    assert read.status_code == 200
    assert "Set a service level" not in read.content.decode()
    assert shown(r'<tr data-case-type="([a-z_]+)">', read.content)[:4] == [
        "order_issue",
        "delivery",
        "support",
        "complaint",
    ]
    assert refused.status_code == 403

    client.force_login(director)
    saved = client.post(
        "/service/policies/",
        {
            "case_type": "claim",
            "applies_to": "key",
            "response_hours": "4",
            "resolution_hours": "",
            "clock": "calendar",
            "at_risk_share": "0.5",
        },
        headers=HTMX,
    )

    assert saved.status_code == 200
    assert "Service level saved." in saved.content.decode()
    assert "Set a service level" in saved.content.decode()
    policy = ServiceLevelPolicy.objects.get(case_type="claim")
    assert (policy.applies_to, str(policy.response_hours), policy.resolution_hours, policy.clock) == (
        "key",
        "4.00",
        None,
        "calendar",
    )


def test_the_case_page_shows_its_clocks_and_next_steps(
    client: Client, accounts: dict[str, Account], kam_alice: User, director: User
) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
    client.force_login(kam_alice)

    with time_machine.travel(madrid(2026, 1, 5, 10, 30), tick=False):
        page = client.get(f"{ACME_SERVICE}{case.pk}/")
        client.force_login(director)
        levels = client.get("/service/policies/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "Record the first response" in content
    assert shown(r'data-clock="([a-z]+)" data-state="[a-z_]+"', page.content) == ["response", "resolution"]
    assert shown(r'data-clock="[a-z]+" data-state="([a-z_]+)"', page.content) == ["at_risk", "running"]
    assert '<span class="small" data-response-left>0.5 h left</span>' in content
    assert shown(r'data-holiday="([0-9-]+)"', levels.content) == ["2026-01-06"]
    assert "Add or change a calendar" in levels.content.decode()
