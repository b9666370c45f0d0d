"""The relationship map: the contact actions (who may, what is refused, the audit trail) and the page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kam.core.models import AuditRecord
from kam.key_accounts.actions import do_add_contact, do_add_team_member, do_mark_contact_left, do_update_contact
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account, Contact
from kam.users.models import User

# MR (economic buyer) was last met 95 days before, JL (the champion) 76 days before.
TODAY = dt.datetime(2025, 4, 20, 12, 0, tzinfo=dt.UTC)
HTMX = {"HX-Request": "true"}


def map_url(code: str) -> str:
    return f"/accounts/{code}/map/"


def add_url(code: str) -> str:
    return f"/accounts/{code}/map/contacts/"


def contact(account: str, code: str) -> Contact:
    return Contact.objects.get(account__code=account, code=code)


def findings(content: bytes) -> list[str]:
    return re.findall(r'data-finding="([^"]+)"', content.decode())


def chart_people(content: bytes) -> list[str]:
    return re.findall(r'data-person="([^"]+)"', content.decode())


def field_errors(content: bytes, name: str) -> list[str]:
    html = content.decode()
    block = re.search(rf'data-field="{name}">(.*?)</div>', html, re.S)
    assert block is not None
    return [re.sub(r"\s+", " ", error).strip() for error in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


ECONOMIC_BUYER: dict[str, Any] = {
    "code": "LS",
    "first_name": "Lena",
    "last_name": "Silva",
    "title": "CFO",
    "buying_role": "economic_buyer",
    "influence": 5,
}


# --- actions --------------------------------------------------------------------------


def test_the_kam_adds_a_contact_and_the_audit_trail_records_it(accounts: dict[str, Account], kam_alice: User) -> None:
    added = do_add_contact(accounts["BOREAL"], ECONOMIC_BUYER, acting_user=kam_alice)

    assert (added.account, added.code, str(added), added.influence, added.is_active) == (
        accounts["BOREAL"],
        "LS",
        "Lena Silva",
        5,
        True,
    )
    record = AuditRecord.objects.get(action="contact.create", actor=kam_alice)
    assert record.object_id == str(added.pk)
    assert record.changes["code"] == [None, "LS"]
    assert record.changes["buying_role"] == [None, "economic_buyer"]
    assert record.changes["account"] == [None, accounts["BOREAL"].pk]


def test_a_director_may_add_a_contact_to_any_account(accounts: dict[str, Account], director: User) -> None:
    do_add_contact(accounts["COBALT"], ECONOMIC_BUYER, acting_user=director)

    assert list(accounts["COBALT"].contacts.order_by("code").values_list("code", flat=True)) == ["AD", "LS"]


@pytest.mark.parametrize("persona", ["team_tina", "viewer_victor", "kam_bob"])
def test_only_managers_of_the_account_may_add_contacts(
    accounts: dict[str, Account], request: pytest.FixtureRequest, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    audited = AuditRecord.objects.count()

    with pytest.raises(PermissionDenied):
        do_add_contact(accounts["ACME"], ECONOMIC_BUYER, acting_user=user)

    assert not Contact.objects.filter(code="LS").exists()
    assert AuditRecord.objects.count() == audited


def test_a_team_member_may_neither_edit_nor_mark_a_contact_as_left(
    accounts: dict[str, Account], team_tina: User
) -> None:
    with pytest.raises(PermissionDenied):
        do_update_contact(contact("ACME", "PS"), {"influence": 4}, acting_user=team_tina)
    with pytest.raises(PermissionDenied):
        do_mark_contact_left(contact("ACME", "PS"), acting_user=team_tina)

    assert (contact("ACME", "PS").influence, contact("ACME", "PS").is_active) == (2, True)


def test_a_reporting_cycle_is_refused(accounts: dict[str, Account], kam_alice: User) -> None:
    # PS reports to JL, who reports to MR: MR cannot report to PS.
    with pytest.raises(ValidationError) as refused:
        do_update_contact(contact("ACME", "MR"), {"reports_to": contact("ACME", "PS")}, acting_user=kam_alice)

    assert refused.value.message_dict == {
        "reports_to": [
            "Reports to: Paula Sanz already reports, directly or not, to Marta Ruiz; that would make a cycle."
        ]
    }
    assert contact("ACME", "MR").reports_to is None


def test_a_contact_cannot_report_to_themselves(accounts: dict[str, Account], kam_alice: User) -> None:
    with pytest.raises(ValidationError) as refused:
        do_update_contact(contact("ACME", "JL"), {"reports_to": contact("ACME", "JL")}, acting_user=kam_alice)

    assert refused.value.message_dict == {"reports_to": ["Reports to: a contact cannot report to themselves."]}


def test_the_manager_must_be_a_contact_of_the_same_account(accounts: dict[str, Account], kam_alice: User) -> None:
    with pytest.raises(ValidationError) as refused:
        do_add_contact(
            accounts["ACME"], {**ECONOMIC_BUYER, "reports_to": contact("COBALT", "AD")}, acting_user=kam_alice
        )

    assert refused.value.message_dict == {
        "reports_to": ["Reports to: the manager must be a contact of the same account."]
    }


def test_a_code_already_used_in_the_account_is_refused_but_free_in_another(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        do_add_contact(accounts["ACME"], {**ECONOMIC_BUYER, "code": "MR"}, acting_user=kam_alice)
    do_add_contact(accounts["BOREAL"], {**ECONOMIC_BUYER, "code": "MR"}, acting_user=kam_alice)

    assert refused.value.message_dict == {"code": ["Code: MR is already used by another contact of this account."]}
    assert Contact.objects.filter(code="MR").count() == 2


@pytest.mark.parametrize("influence", [0, 6])
def test_influence_must_be_from_1_to_5(accounts: dict[str, Account], kam_alice: User, influence: int) -> None:
    with pytest.raises(ValidationError) as refused:
        do_add_contact(accounts["BOREAL"], {**ECONOMIC_BUYER, "influence": influence}, acting_user=kam_alice)

    assert refused.value.message_dict == {"influence": ["Influence: must be a whole number from 1 to 5."]}


def test_editing_a_contact_audits_only_what_changed(accounts: dict[str, Account], kam_alice: User) -> None:
    edited = do_update_contact(contact("ACME", "PS"), {"influence": 4, "attitude": "critic"}, acting_user=kam_alice)
    do_update_contact(edited, {"influence": 4}, acting_user=kam_alice)

    assert contact("ACME", "PS").influence == 4
    assert list(AuditRecord.objects.filter(action="contact.update").values_list("changes", flat=True)) == [
        {"influence": [2, 4]}
    ]


def test_marking_the_champion_as_left_keeps_the_contact_and_flags_the_departure(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    do_mark_contact_left(contact("ACME", "JL"), acting_user=kam_alice)

    assert contact("ACME", "JL").is_active is False
    record = AuditRecord.objects.get(action="contact.leave")
    assert (record.actor, record.changes) == (kam_alice, {"is_active": [True, False]})
    with pytest.raises(ValidationError):
        do_mark_contact_left(contact("ACME", "JL"), acting_user=kam_alice)


# --- the page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_map_redirects_anonymous_visitors_to_login(client: Client) -> None:
    response = client.get(map_url("ACME"))

    assert (response.status_code, response["Location"]) == (302, "/login/?next=/accounts/ACME/map/")


@pytest.mark.usefixtures("accounts")
def test_an_outsider_gets_404_for_the_map_and_its_forms(client: Client, outsider_olga: User) -> None:
    client.force_login(outsider_olga)

    assert client.get(map_url("ACME")).status_code == 404
    assert client.post(add_url("ACME"), ECONOMIC_BUYER).status_code == 404
    assert client.post("/accounts/ACME/map/contacts/MR/left/").status_code == 404
    assert contact("ACME", "MR").is_active is True


@time_machine.travel(TODAY, tick=False)
@pytest.mark.usefixtures("accounts")
def test_the_map_shows_the_org_chart_the_coverage_and_every_contact(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(map_url("ACME"))

    assert response.status_code == 200
    html = response.content.decode()
    assert chart_people(response.content) == ["MR", "JL", "PS"]
    # nested: PS under JL under MR
    assert re.search(r'data-person="MR".*?<ul>.*?data-person="JL".*?<ul>.*?data-person="PS"', html, re.S)
    assert findings(response.content) == ["stale_contacts"]
    assert "Stale: 1 contact not met for more than 90 days: Marta Ruiz." in html
    assert 'data-map-status="3"' in html
    assert "A supportive key player" in html
    assert "95 days ago" in html
    assert "76 days ago" in html
    assert re.findall(r'data-contact-code="([^"]+)"', html) == ["JL", "MR", "PS"]
    assert 'aria-current="page">Relationship map<' in html
    assert "Add a contact" in html


@pytest.mark.usefixtures("accounts")
def test_an_account_without_contacts_warns_there_is_no_economic_buyer(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(map_url("BOREAL"))

    assert findings(response.content) == ["no_economic_buyer", "no_champion"]
    html = response.content.decode()
    assert "No economic buyer: nobody here is recorded as the person who releases the budget." in html
    assert "Map status 0 of 3" in html


def test_a_team_member_reads_the_map_but_gets_no_form_and_403_on_posting(
    client: Client, accounts: dict[str, Account], team_tina: User
) -> None:
    client.force_login(team_tina)

    page = client.get(map_url("ACME"))
    posted = client.post(add_url("ACME"), ECONOMIC_BUYER, headers=HTMX)
    left = client.post("/accounts/ACME/map/contacts/MR/left/")

    assert page.status_code == 200
    assert chart_people(page.content) == ["MR", "JL", "PS"]
    assert "Add a contact" not in page.content.decode()
    assert "Mark as left the company" not in page.content.decode()
    assert (posted.status_code, left.status_code) == (403, 403)
    assert list(accounts["ACME"].contacts.order_by("code").values_list("code", flat=True)) == ["JL", "MR", "PS"]


def test_a_viewer_on_the_team_reads_the_map_but_may_not_add(
    client: Client, accounts: dict[str, Account], viewer_victor: User
) -> None:
    do_add_team_member(accounts["ACME"], viewer_victor, role=TeamRole.OTHER, acting_user=None)
    client.force_login(viewer_victor)

    assert client.get(map_url("ACME")).status_code == 200
    assert client.post(add_url("ACME"), ECONOMIC_BUYER).status_code == 403


@pytest.mark.usefixtures("accounts")
def test_adding_an_economic_buyer_with_htmx_returns_the_region_without_the_warning(
    client: Client, kam_alice: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(add_url("BOREAL"), ECONOMIC_BUYER, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="relationship-map"')
    assert "<html" not in html
    assert findings(response.content) == ["no_champion", "single_threaded"]
    assert chart_people(response.content) == ["LS"]
    assert "Lena Silva added." in html
    assert contact("BOREAL", "LS").buying_role == "economic_buyer"


@pytest.mark.usefixtures("accounts")
def test_adding_without_htmx_redirects_to_the_map(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(add_url("BOREAL"), ECONOMIC_BUYER)

    assert (response.status_code, response["Location"]) == (302, "/accounts/BOREAL/map/")


@pytest.mark.usefixtures("accounts")
def test_an_influence_out_of_range_is_shown_on_its_field_and_nothing_is_saved(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(add_url("BOREAL"), {**ECONOMIC_BUYER, "influence": 7}, headers=HTMX)

    assert response.status_code == 200
    assert field_errors(response.content, "influence") == ["Ensure this value is less than or equal to 5."]
    assert "The contact was not saved: correct the fields marked below." in response.content.decode()
    assert findings(response.content) == ["no_economic_buyer", "no_champion"]
    assert not Contact.objects.filter(code="LS").exists()


@pytest.mark.usefixtures("accounts")
def test_a_duplicate_code_is_shown_on_the_code_field(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(add_url("ACME"), {**ECONOMIC_BUYER, "code": "MR"})

    assert response.status_code == 422
    assert field_errors(response.content, "code") == ["Code: MR is already used by another contact of this account."]


@pytest.mark.usefixtures("accounts")
def test_a_cycle_made_in_the_edit_form_is_shown_on_the_reports_to_field(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)
    form = client.get(map_url("ACME") + "?edit=MR", headers=HTMX)
    marta = contact("ACME", "MR")

    response = client.post(
        "/accounts/ACME/map/contacts/MR/",
        {"code": "MR", "last_name": "Ruiz", "first_name": "Marta", "reports_to": contact("ACME", "PS").pk},
        headers=HTMX,
    )

    assert "Edit Marta Ruiz" in form.content.decode()
    assert 'value="Chief Procurement Officer"' in form.content.decode()
    assert field_errors(response.content, "reports_to") == [
        "Reports to: Paula Sanz already reports, directly or not, to Marta Ruiz; that would make a cycle."
    ]
    assert contact("ACME", "MR").reports_to is None
    assert contact("ACME", "MR").title == marta.title


@pytest.mark.usefixtures("accounts")
def test_editing_a_contact_in_the_form_saves_it(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post(
        "/accounts/ACME/map/contacts/PS/",
        {"code": "PS", "first_name": "Paula", "last_name": "Sanz", "influence": 4, "attitude": "supporter"},
        headers=HTMX,
    )

    assert "Paula Sanz saved." in response.content.decode()
    saved = contact("ACME", "PS")
    assert (saved.influence, saved.attitude, saved.title, saved.reports_to) == (4, "supporter", "", None)


@pytest.mark.usefixtures("accounts")
def test_marking_the_champion_as_left_shows_champion_departed(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post("/accounts/ACME/map/contacts/JL/left/", headers=HTMX)

    html = response.content.decode()
    assert "Jorge López is recorded as having left the customer." in html
    assert "champion_departed" in findings(response.content)
    assert "Champion gone: Jorge López has left the customer; find a new one." in html
    assert chart_people(response.content) == ["MR", "JL", "PS"]
