"""The overview's history, phase and stage forms, and mutuality, as each persona sees and uses them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from kam.key_accounts.actions import do_add_team_member, do_change_phase, do_record_assessment, do_record_survey
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.users.models import User

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def shown_changes(content: bytes) -> list[str]:
    return re.findall(r'<li data-change="([^"]+)">', content.decode())


def test_the_overview_shows_the_history_newest_first_and_the_mutuality(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    acme = accounts["ACME"]
    with time_machine.travel("2026-03-05 09:00 +01:00", tick=False):
        do_change_phase(acme, "maintenance", reason="Budget frozen", acting_user=kam_alice)
    with time_machine.travel("2026-03-06 09:00 +01:00", tick=False):
        client.force_login(kam_alice)
        client.post("/accounts/ACME/stage/", {"relationship_stage": "integrated", "reason": "Shared plant"})
    client.force_login(kam_alice)  # the session of March has expired
    do_record_survey(acme, code="S-1", answered_on=dt.date(2026, 3, 1), satisfaction=9, nps=10, acting_user=kam_alice)
    do_record_assessment(acme, rating=5, note="Hard to reach", assessed_on=dt.date(2026, 3, 2), acting_user=kam_alice)

    response = client.get("/accounts/ACME/")

    content = response.content.decode()
    assert response.status_code == 200
    assert shown_changes(response.content) == ["relationship_stage", "phase"]
    for text in (
        "Cooperative → Integrated",
        "Growth → Maintenance",
        "Budget frozen",
        "Shared plant",
        "Alice Anders",
        "9/10",
        "would recommend us: 10/10",
        "5/10",
        "Hard to reach",
        'data-gap="4"',
        "+4",
        "The feeling is not mutual",
        'data-change-form="phase"',
        'data-change-form="stage"',
        "data-assessment-form",
    ):
        assert text in content, text


def test_a_team_member_sees_the_history_but_no_forms(
    client: Client, accounts: dict[str, Account], team_tina: User
) -> None:
    client.force_login(team_tina)

    response = client.get("/accounts/ACME/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "No change of phase, stage, tier or key account manager recorded yet." in content
    assert "data-change-form" not in content
    assert "data-assessment-form" not in content
    assert "data-not-mutual" not in content


def test_htmx_changes_the_stage_in_place(client: Client, accounts: dict[str, Account], kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(
        "/accounts/ACME/stage/", {"relationship_stage": "basic", "reason": "Lost the tender"}, headers=HTMX
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "key_accounts/partials/history_response.html"
    assert shown_changes(response.content) == ["relationship_stage"]
    assert "Relationship stage changed." in content
    assert 'id="account-management" hx-swap-oob="true"' in content
    assert Account.objects.get(code="ACME").relationship_stage == "basic"


def test_without_javascript_a_change_redirects_and_an_error_shows_the_page(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    client.force_login(kam_alice)

    done = client.post("/accounts/ACME/phase/", {"phase": "maintenance", "reason": "Budget frozen"})
    refused = client.post("/accounts/ACME/phase/", {"phase": "growth", "reason": ""})

    assert (done.status_code, done["Location"]) == (302, "/accounts/ACME/")
    assert refused.status_code == 422
    assert refused.templates[0].name == "key_accounts/account_detail.html"
    assert "This field is required." in refused.content.decode()
    assert Account.objects.get(code="ACME").phase == "maintenance"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("kam_bob", 404), ("outsider_olga", 404), ("team_tina", 403), ("viewer_victor", 403)],
)
def test_only_the_accounts_managers_may_post_changes(
    client: Client, accounts: dict[str, Account], request: pytest.FixtureRequest, persona: str, status: int
) -> None:
    do_add_team_member(
        accounts["ACME"], request.getfixturevalue("viewer_victor"), role=TeamRole.OTHER, acting_user=None
    )
    client.force_login(request.getfixturevalue(persona))

    responses = [
        client.post("/accounts/ACME/phase/", {"phase": "maintenance", "reason": "Mine"}),
        client.post("/accounts/ACME/stage/", {"relationship_stage": "basic", "reason": "Mine"}),
        client.post("/accounts/ACME/assessments/", {"rating": "5"}),
    ]

    assert [response.status_code for response in responses] == [status, status, status]
    acme = Account.objects.get(code="ACME")
    assert (acme.phase, acme.relationship_stage, acme.assessments.count()) == ("growth", "cooperative", 0)


def test_htmx_records_our_assessment_and_shows_the_gap(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    acme = accounts["ACME"]
    do_record_survey(acme, code="S-1", answered_on=dt.date(2026, 3, 1), satisfaction=3, acting_user=kam_alice)
    client.force_login(kam_alice)

    bad = client.post("/accounts/ACME/assessments/", {"rating": "11"}, headers=HTMX)
    response = client.post("/accounts/ACME/assessments/", {"rating": "8", "note": "Very committed"}, headers=HTMX)

    assert bad.status_code == 200
    assert "Ensure this value is less than or equal to 10." in bad.content.decode()
    content = response.content.decode()
    assert response.templates[0].name == "key_accounts/partials/account_mutuality.html"
    assert "Assessment recorded." in content
    assert 'data-gap="-5"' in content
    assert "The feeling is not mutual" in content
    assert list(acme.assessments.values_list("rating", "note", "assessed_by__username")) == [
        (8, "Very committed", "alice")
    ]
