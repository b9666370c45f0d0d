"""The account team tab: the team actions (who may, what is refused, the audit trail) and the page."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kam.core.models import AuditRecord
from kam.key_accounts.actions import do_assign_team_member, do_remove_team_member, do_update_team_member
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account, AccountTeamMember
from kam.users.actions import do_create_user
from kam.users.choices import Department, Role
from kam.users.models import User

HTMX = {"HX-Request": "true"}


def team_url(code: str) -> str:
    return f"/accounts/{code}/team/"


def add_url(code: str) -> str:
    return f"/accounts/{code}/team/members/"


def edit_url(code: str, username: str) -> str:
    return f"/accounts/{code}/team/members/{username}/"


def remove_url(code: str, username: str) -> str:
    return f"/accounts/{code}/team/members/{username}/remove/"


def member(code: str, username: str) -> AccountTeamMember:
    return AccountTeamMember.objects.get(account__code=code, user__username=username)


def team_of(code: str) -> list[tuple[str, str, str]]:
    return list(
        AccountTeamMember.objects.filter(account__code=code)
        .order_by("user__username")
        .values_list("user__username", "role", "department")
    )


def field_errors(content: bytes, name: str) -> list[str]:
    html = content.decode()
    block = re.search(rf'data-field="{name}">(.*?)</div>', html, re.S)
    assert block is not None
    return [re.sub(r"\s+", " ", error).strip() for error in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def departments(content: bytes) -> list[str]:
    return re.findall(r'data-team-department="([^"]+)"', content.decode())


def shown_members(content: bytes) -> list[str]:
    return re.findall(r'data-team-member="([^"]+)"', content.decode())


@pytest.fixture
def finance_fiona(db: None) -> User:
    return do_create_user(
        "fiona",
        None,
        role=Role.TEAM_MEMBER,
        department=Department.FINANCE,
        first_name="Fiona",
        last_name="Fuentes",
        acting_user=None,
    )


@pytest.fixture
def former_felix(db: None) -> User:
    felix = do_create_user(
        "felix", None, role=Role.TEAM_MEMBER, first_name="Felix", last_name="Former", acting_user=None
    )
    felix.is_active = False
    felix.save(update_fields=["is_active"])
    return felix


# --- actions --------------------------------------------------------------------------


def test_the_kam_adds_a_member_in_their_own_department_and_it_is_audited(
    accounts: dict[str, Account], kam_alice: User, finance_fiona: User
) -> None:
    added = do_assign_team_member(accounts["ACME"], finance_fiona, role=TeamRole.FINANCE, acting_user=kam_alice)

    assert (added.account, added.user, added.role, added.department) == (
        accounts["ACME"],
        finance_fiona,
        "finance",
        "finance",
    )
    record = AuditRecord.objects.get(action="account_team_member.create", actor=kam_alice)
    assert record.object_id == str(added.pk)
    assert record.changes == {
        "account": [None, accounts["ACME"].pk],
        "user": [None, finance_fiona.pk],
        "role": [None, "finance"],
        "department": [None, "finance"],
    }


def test_a_director_adds_a_member_with_another_department(
    accounts: dict[str, Account], director: User, finance_fiona: User
) -> None:
    added = do_assign_team_member(
        accounts["COBALT"],
        finance_fiona,
        role=TeamRole.EXECUTIVE_SPONSOR,
        department=Department.MANAGEMENT,
        acting_user=director,
    )

    assert (added.role, added.department) == ("executive_sponsor", "management")


def test_someone_already_on_the_team_is_refused_on_the_user_field(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    with pytest.raises(ValidationError) as raised:
        do_assign_team_member(accounts["ACME"], team_tina, role=TeamRole.SALES, acting_user=kam_alice)

    assert raised.value.message_dict == {"user": ["User: Tina Torres is already on the team of this account."]}
    assert member("ACME", "tina").role == "logistics"


def test_an_inactive_user_is_refused_on_the_user_field(
    accounts: dict[str, Account], kam_alice: User, former_felix: User
) -> None:
    with pytest.raises(ValidationError) as raised:
        do_assign_team_member(accounts["ACME"], former_felix, role=TeamRole.SALES, acting_user=kam_alice)

    assert raised.value.message_dict == {"user": ["User: Felix Former is inactive and cannot join the team."]}
    assert not AccountTeamMember.objects.filter(user=former_felix).exists()


def test_unknown_role_and_department_are_refused_on_their_fields(
    accounts: dict[str, Account], kam_alice: User, finance_fiona: User
) -> None:
    with pytest.raises(ValidationError) as raised:
        do_assign_team_member(accounts["ACME"], finance_fiona, role="wizard", department="magic", acting_user=kam_alice)

    assert raised.value.message_dict == {
        "role": ["Role on the account: wizard is not a known choice."],
        "department": ["Department: magic is not a known choice."],
    }


def test_only_managers_of_the_account_may_change_its_team(
    accounts: dict[str, Account], kam_bob: User, team_tina: User, viewer_victor: User, finance_fiona: User
) -> None:
    audited = AuditRecord.objects.count()
    tina = member("ACME", "tina")

    for user in (kam_bob, team_tina, viewer_victor):
        with pytest.raises(PermissionDenied):
            do_assign_team_member(accounts["ACME"], finance_fiona, role=TeamRole.FINANCE, acting_user=user)
        with pytest.raises(PermissionDenied):
            do_update_team_member(tina, role=TeamRole.SALES, acting_user=user)
        with pytest.raises(PermissionDenied):
            do_remove_team_member(tina, acting_user=user)

    assert AuditRecord.objects.count() == audited
    assert team_of("ACME") == [("alice", "key_account_manager", "sales"), ("tina", "logistics", "logistics")]


def test_updating_a_member_audits_before_and_after_of_what_changed(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    updated = do_update_team_member(
        member("ACME", "tina"), role=TeamRole.SERVICE, department=Department.LOGISTICS, acting_user=kam_alice
    )

    assert (updated.role, updated.department) == ("service", "logistics")
    record = AuditRecord.objects.get(action="account_team_member.update")
    assert (record.actor, record.changes) == (kam_alice, {"role": ["logistics", "service"]})


def test_an_update_that_changes_nothing_is_not_audited(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    do_update_team_member(member("ACME", "tina"), role=TeamRole.LOGISTICS, acting_user=kam_alice)

    assert not AuditRecord.objects.filter(action="account_team_member.update").exists()


def test_an_update_with_an_unknown_department_is_refused(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    with pytest.raises(ValidationError) as raised:
        do_update_team_member(member("ACME", "tina"), department="magic", acting_user=kam_alice)

    assert raised.value.message_dict == {"department": ["Department: magic is not a known choice."]}
    assert member("ACME", "tina").department == "logistics"


def test_removing_a_member_records_the_values_they_had(
    accounts: dict[str, Account], director: User, team_tina: User
) -> None:
    tina = member("ACME", "tina")

    do_remove_team_member(tina, acting_user=director)

    assert not AccountTeamMember.objects.filter(pk=tina.pk).exists()
    record = AuditRecord.objects.get(action="account_team_member.delete")
    assert (record.actor, record.object_id) == (director, str(tina.pk))
    assert record.changes == {
        "account": [accounts["ACME"].pk, None],
        "user": [team_tina.pk, None],
        "role": ["logistics", None],
        "department": ["logistics", None],
    }


# --- the page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_team_tab_redirects_anonymous_visitors_to_login(client: Client) -> None:
    response = client.get(team_url("ACME"))

    assert (response.status_code, response["Location"]) == (302, "/login/?next=/accounts/ACME/team/")


@pytest.mark.usefixtures("team_tina")
def test_an_outsider_gets_404_for_the_tab_and_its_forms(client: Client, outsider_olga: User) -> None:
    client.force_login(outsider_olga)

    assert client.get(team_url("ACME")).status_code == 404
    assert client.post(add_url("ACME"), {"user": outsider_olga.pk, "role": "sales"}).status_code == 404
    assert client.post(edit_url("ACME", "tina"), {"member-0-role": "sales"}).status_code == 404
    assert client.post(remove_url("ACME", "tina")).status_code == 404
    assert len(team_of("ACME")) == 2


@pytest.mark.usefixtures("team_tina")
def test_the_kam_sees_the_team_grouped_by_department_with_the_forms(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(team_url("ACME"))

    assert response.status_code == 200
    html = response.content.decode()
    assert departments(response.content) == ["sales", "logistics"]
    assert shown_members(response.content) == ["alice", "tina"]
    assert 'aria-current="page">Team<' in html
    assert "they need not be in sales" in html
    assert "Team member" in html  # tina's own role as a user
    assert "Add a team member" in html
    assert "hx-confirm=" in html
    assert f'name="member-{member("ACME", "tina").pk}-role"' in html


def test_the_user_select_offers_active_users_not_yet_on_the_team(
    client: Client, kam_alice: User, team_tina: User, finance_fiona: User, former_felix: User
) -> None:
    client.force_login(kam_alice)

    html = client.get(team_url("ACME")).content.decode()

    select = re.search(r'<select name="user".*?</select>', html, re.S)
    assert select is not None
    offered = re.findall(r'<option value="(\d+)"', select.group(0))
    assert str(finance_fiona.pk) in offered
    assert {str(kam_alice.pk), str(team_tina.pk), str(former_felix.pk)}.isdisjoint(offered)


def test_a_team_member_reads_the_team_but_gets_no_forms_and_403_on_posting(
    client: Client, team_tina: User, finance_fiona: User
) -> None:
    client.force_login(team_tina)

    page = client.get(team_url("ACME"))
    added = client.post(add_url("ACME"), {"user": finance_fiona.pk, "role": "finance"}, headers=HTMX)
    edited = client.post(edit_url("ACME", "tina"), {}, headers=HTMX)
    removed = client.post(remove_url("ACME", "alice"))

    assert page.status_code == 200
    assert shown_members(page.content) == ["alice", "tina"]
    html = page.content.decode()
    assert "Add a team member" not in html
    assert "hx-confirm=" not in html
    assert "<form" not in html.split('id="account-team"')[1]
    assert (added.status_code, edited.status_code, removed.status_code) == (403, 403, 403)
    assert len(team_of("ACME")) == 2


def test_a_viewer_on_the_team_reads_it_but_may_not_add(
    client: Client, accounts: dict[str, Account], kam_alice: User, viewer_victor: User, finance_fiona: User
) -> None:
    do_assign_team_member(accounts["ACME"], viewer_victor, role=TeamRole.OTHER, acting_user=kam_alice)
    client.force_login(viewer_victor)

    assert client.get(team_url("ACME")).status_code == 200
    assert client.post(add_url("ACME"), {"user": finance_fiona.pk, "role": "finance"}).status_code == 403


@pytest.mark.usefixtures("accounts")
def test_adding_with_htmx_returns_the_region_with_the_new_member(
    client: Client, kam_alice: User, finance_fiona: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(
        add_url("ACME"), {"user": finance_fiona.pk, "role": "finance", "department": ""}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="account-team"')
    assert "<html" not in html
    assert "Fiona Fuentes is now on the team." in html
    assert departments(response.content) == ["sales", "finance"]
    assert member("ACME", "fiona").department == "finance"


@pytest.mark.usefixtures("accounts")
def test_adding_without_htmx_redirects_to_the_tab(client: Client, director: User, finance_fiona: User) -> None:
    client.force_login(director)

    response = client.post(add_url("ECHO"), {"user": finance_fiona.pk, "role": "sales", "department": "sales"})

    assert (response.status_code, response["Location"]) == (302, "/accounts/ECHO/team/")
    assert team_of("ECHO") == [("fiona", "sales", "sales")]


@pytest.mark.usefixtures("team_tina")
def test_adding_someone_already_on_the_team_is_shown_on_the_user_field(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)
    tina = member("ACME", "tina").user

    htmx = client.post(add_url("ACME"), {"user": tina.pk, "role": "sales"}, headers=HTMX)
    plain = client.post(add_url("ACME"), {"user": tina.pk, "role": "sales"})

    assert htmx.status_code == 200
    assert field_errors(htmx.content, "user") == ["User: Tina Torres is already on the team of this account."]
    assert plain.status_code == 422
    assert "<html" in plain.content.decode()
    assert member("ACME", "tina").role == "logistics"


@pytest.mark.usefixtures("accounts")
def test_adding_an_inactive_user_is_shown_on_the_user_field(
    client: Client, kam_alice: User, former_felix: User
) -> None:
    client.force_login(kam_alice)

    response = client.post(add_url("ACME"), {"user": former_felix.pk, "role": "sales"}, headers=HTMX)

    assert field_errors(response.content, "user") == ["User: Felix Former is inactive and cannot join the team."]
    assert not AccountTeamMember.objects.filter(user=former_felix).exists()


@pytest.mark.usefixtures("team_tina")
def test_changing_a_member_in_place_with_htmx_moves_them_to_their_new_department(
    client: Client, kam_alice: User
) -> None:
    client.force_login(kam_alice)
    prefix = f"member-{member('ACME', 'tina').pk}"

    response = client.post(
        edit_url("ACME", "tina"),
        {f"{prefix}-role": "service", f"{prefix}-department": "customer_service"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="account-team"')
    assert "Tina Torres saved." in response.content.decode()
    assert departments(response.content) == ["sales", "customer_service"]
    assert (member("ACME", "tina").role, member("ACME", "tina").department) == ("service", "customer_service")
    assert AuditRecord.objects.get(action="account_team_member.update").changes == {
        "role": ["logistics", "service"],
        "department": ["logistics", "customer_service"],
    }


@pytest.mark.usefixtures("team_tina")
def test_an_invalid_change_is_shown_on_the_member_row_and_nothing_is_saved(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)
    prefix = f"member-{member('ACME', 'tina').pk}"

    response = client.post(edit_url("ACME", "tina"), {f"{prefix}-role": "wizard", f"{prefix}-department": "finance"})

    assert response.status_code == 422
    html = response.content.decode()
    row = re.search(r'data-team-member="tina".*?</tr>', html, re.S)
    assert row is not None
    assert "Select a valid choice" in row.group(0)
    assert member("ACME", "tina").role == "logistics"


@pytest.mark.usefixtures("team_tina")
def test_removing_a_member_with_htmx_and_without(client: Client, kam_alice: User, director: User) -> None:
    client.force_login(kam_alice)

    response = client.post(remove_url("ACME", "tina"), headers=HTMX)

    assert response.status_code == 200
    assert "Tina Torres is no longer on the team." in response.content.decode()
    assert shown_members(response.content) == ["alice"]
    assert client.post(remove_url("ACME", "tina")).status_code == 404

    client.force_login(director)
    plain = client.post(remove_url("ACME", "alice"))

    assert (plain.status_code, plain["Location"]) == (302, "/accounts/ACME/team/")
    assert team_of("ACME") == []
    assert AuditRecord.objects.filter(action="account_team_member.delete").count() == 2


@pytest.mark.usefixtures("accounts")
def test_an_empty_team_says_so(client: Client, director: User) -> None:
    client.force_login(director)

    response = client.get(team_url("ECHO"))

    assert response.status_code == 200
    assert "Nobody is on this account's team yet." in response.content.decode()
    assert departments(response.content) == []


@pytest.mark.usefixtures("team_tina")
def test_the_tab_answers_htmx_with_the_fragment(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(team_url("ACME"), headers=HTMX)

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="account-team"')
    assert "HX-Request" in response["Vary"]
