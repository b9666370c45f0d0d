"""The account list (home page) and the account page, as each persona sees them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from kam.key_accounts.models import Account
from kam.key_accounts.tests.fixtures import account_row, import_accounts
from kam.users.models import User

ACCOUNT_LIST_URL = "/"


def shown_account_codes(content: bytes) -> list[str]:
    """The codes of the account rows of a rendered list, in page order."""
    return re.findall(r'data-account-code="([^"]+)"', content.decode())


def shown_contact_codes(content: bytes) -> list[str]:
    return re.findall(r'data-contact-code="([^"]+)"', content.decode())


def shown_team_members(content: bytes) -> list[str]:
    return re.findall(r'data-team-member="([^"]+)"', content.decode())


def import_numbered_accounts(owner: str, count: int) -> list[str]:
    """Import ``count`` accounts P001… owned by ``owner``; return their codes."""
    codes = [f"P{number:03d}" for number in range(1, count + 1)]
    import_accounts(*(account_row(code, f"Prospect {code}", owner=owner, segment="Prospects") for code in codes))
    return codes


# --- login required ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/ACME/"])
def test_pages_redirect_anonymous_visitors_to_login(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


# --- the list ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected_codes"),
    [
        ("director", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA", "ECHO"]),
        ("kam_alice", ["ACME", "ACME-IB", "BOREAL"]),
        ("kam_bob", ["BOREAL", "COBALT", "DELTA"]),
        ("team_tina", ["ACME"]),
    ],
)
@pytest.mark.usefixtures("accounts")
def test_list_shows_exactly_the_accounts_the_user_sees(
    client: Client, request: pytest.FixtureRequest, persona: str, expected_codes: list[str]
) -> None:
    # given
    client.force_login(request.getfixturevalue(persona))

    # when
    response = client.get(ACCOUNT_LIST_URL)

    # then
    assert response.status_code == 200
    assert shown_account_codes(response.content) == expected_codes


@pytest.mark.usefixtures("accounts")
def test_list_tells_a_user_without_accounts_how_accounts_appear(client: Client, outsider_olga: User) -> None:
    client.force_login(outsider_olga)

    response = client.get(ACCOUNT_LIST_URL)

    assert shown_account_codes(response.content) == []
    assert (
        "You have no accounts yet. Accounts you own or whose team you are on appear here." in response.content.decode()
    )


@pytest.mark.usefixtures("accounts")
def test_list_shows_the_columns_of_an_account_with_translated_labels(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(ACCOUNT_LIST_URL, {"q": "ACME-IB"})

    row = re.search(r'<tr data-account-code="ACME-IB">(.*?)</tr>', response.content.decode(), re.DOTALL)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.DOTALL)
    ]
    assert cells == [
        "ACME-IB",
        "Acme Ibérica",
        "Star / development",
        "Growth",
        "Industrial",
        "ES",
        "Alice Anders",
        "★Yes",
    ]


@pytest.mark.parametrize(
    ("query", "expected_codes"),
    [
        ("foods", ["BOREAL"]),  # in the name
        ("acme-ib", ["ACME-IB"]),  # in the code
        ("ACME", ["ACME", "ACME-IB"]),  # in both, whatever the case
        ("  delta ", ["DELTA"]),  # surrounding spaces ignored
        ("nothing like this", []),
    ],
)
@pytest.mark.usefixtures("accounts")
def test_search_matches_code_and_name(client: Client, director: User, query: str, expected_codes: list[str]) -> None:
    client.force_login(director)

    response = client.get(ACCOUNT_LIST_URL, {"q": query})

    assert shown_account_codes(response.content) == expected_codes


@pytest.mark.parametrize(
    ("filters", "expected_codes"),
    [
        pytest.param({"tier": "strategic"}, ["ACME", "COBALT"], id="tier"),
        pytest.param({"segment": "Industrial"}, ["ACME", "ACME-IB"], id="segment"),
        pytest.param({"key_accounts_only": "on"}, ["ACME", "ACME-IB", "COBALT"], id="key_accounts_only"),
        pytest.param(
            {"tier": "strategic", "key_accounts_only": "on", "q": "cobalt"}, ["COBALT"], id="combined_with_search"
        ),
    ],
)
@pytest.mark.usefixtures("accounts")
def test_filters_narrow_the_list(
    client: Client, director: User, filters: dict[str, str], expected_codes: list[str]
) -> None:
    client.force_login(director)

    response = client.get(ACCOUNT_LIST_URL, filters)

    assert shown_account_codes(response.content) == expected_codes


@pytest.mark.usefixtures("accounts")
def test_owner_filter_shows_the_accounts_of_one_manager(client: Client, director: User, kam_bob: User) -> None:
    client.force_login(director)

    response = client.get(ACCOUNT_LIST_URL, {"owner": str(kam_bob.pk)})

    assert shown_account_codes(response.content) == ["COBALT", "DELTA"]


@pytest.mark.usefixtures("accounts")
def test_filter_choices_come_from_the_accounts_the_user_sees(client: Client, kam_bob: User) -> None:
    # given: bob sees his COBALT (Retail) and DELTA (Logistics), and alice's BOREAL (Food) as team member
    client.force_login(kam_bob)

    # when
    response = client.get(ACCOUNT_LIST_URL)

    # then
    form = response.context["form"]
    assert [value for value, _label in form.fields["segment"].choices] == ["", "Food", "Logistics", "Retail"]
    assert [user.username for user in form.fields["owner"].queryset] == ["alice", "bob"]


@pytest.mark.usefixtures("accounts")
def test_filtering_by_a_manager_the_user_cannot_see_reveals_nothing(
    client: Client, kam_alice: User, kam_bob: User
) -> None:
    # given: alice sees no account of bob's
    client.force_login(kam_alice)

    # when
    response = client.get(ACCOUNT_LIST_URL, {"owner": str(kam_bob.pk)})

    # then: the filter is rejected and the list stays hers
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "owner": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert shown_account_codes(response.content) == ["ACME", "ACME-IB", "BOREAL"]


@pytest.mark.parametrize(
    ("sort", "expected_codes"),
    [
        ("name", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA", "ECHO"]),
        ("-name", ["ECHO", "DELTA", "COBALT", "BOREAL", "ACME-IB", "ACME"]),
        ("code", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA", "ECHO"]),
        ("-code", ["ECHO", "DELTA", "COBALT", "BOREAL", "ACME-IB", "ACME"]),
        ("not-a-column", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA", "ECHO"]),
    ],
)
@pytest.mark.usefixtures("accounts")
def test_list_sorts_by_name_or_code(client: Client, director: User, sort: str, expected_codes: list[str]) -> None:
    client.force_login(director)

    response = client.get(ACCOUNT_LIST_URL, {"sort": sort})

    assert shown_account_codes(response.content) == expected_codes


def test_sorting_by_code_and_name_differ_when_names_do_not_follow_codes(client: Client, director: User) -> None:
    # given
    import_accounts(account_row("A2", "Alpha"), account_row("A1", "Beta"))
    client.force_login(director)

    # when
    by_name = client.get(ACCOUNT_LIST_URL, {"sort": "name"})
    by_code = client.get(ACCOUNT_LIST_URL, {"sort": "code"})

    # then
    assert shown_account_codes(by_name.content) == ["A2", "A1"]
    assert shown_account_codes(by_code.content) == ["A1", "A2"]


@pytest.mark.usefixtures("accounts")
def test_list_pages_by_fifty(client: Client, kam_alice: User) -> None:
    # given: alice sees her 3 accounts and 55 more, 58 in all
    codes = import_numbered_accounts("alice", 55)
    client.force_login(kam_alice)

    # when
    first = client.get(ACCOUNT_LIST_URL)
    second = client.get(ACCOUNT_LIST_URL, {"page": "2"})

    # then
    assert shown_account_codes(first.content) == ["ACME", "ACME-IB", "BOREAL", *codes[:47]]
    assert shown_account_codes(second.content) == codes[47:]
    assert "58 accounts" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.usefixtures("accounts")
def test_page_links_keep_search_and_sort(client: Client, kam_alice: User) -> None:
    import_numbered_accounts("alice", 55)
    client.force_login(kam_alice)

    response = client.get(ACCOUNT_LIST_URL, {"q": "prospect", "sort": "-code"})

    assert 'href="?q=prospect&amp;sort=-code&amp;page=2"' in response.content.decode()
    assert shown_account_codes(response.content)[:2] == ["P055", "P054"]


@pytest.mark.usefixtures("accounts")
def test_htmx_request_gets_only_the_table(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(ACCOUNT_LIST_URL, {"q": "acme"}, headers={"HX-Request": "true"})

    content = response.content.decode()
    assert response.status_code == 200
    assert [template.name for template in response.templates] == [
        "key_accounts/partials/account_table.html",
        "includes/pagination.html",
    ]
    assert "<html" not in content
    assert 'id="account-filter"' not in content
    assert shown_account_codes(response.content) == ["ACME", "ACME-IB"]
    assert response["Vary"] == "HX-Request, Accept-Language, Cookie"


@pytest.mark.usefixtures("accounts")
def test_htmx_history_restore_gets_the_full_page(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get(ACCOUNT_LIST_URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert response.templates[0].name == "key_accounts/account_list.html"
    assert 'id="account-filter"' in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(
    client: Client, director: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    # given: 50 rows on the page, every one with an owner and a parent
    import_accounts(account_row("GROUP", "Group", owner="diana"))
    import_accounts(
        *(
            account_row(f"S{number:02d}", f"Subsidiary {number:02d}", parent="GROUP", owner="diana")
            for number in range(60)
        )
    )
    client.force_login(director)

    # when / then: session, user, segment choices, owner choices, count, page
    with django_assert_max_num_queries(6):
        response = client.get(ACCOUNT_LIST_URL)
    assert len(shown_account_codes(response.content)) == 50


# --- the account page ---------------------------------------------------------------


def test_account_page_shows_the_account_its_contacts_and_team(
    client: Client, kam_alice: User, team_tina: User, accounts: dict[str, Account]
) -> None:
    # given
    client.force_login(kam_alice)

    # when
    response = client.get("/accounts/ACME/")

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Acme Group</h1>" in content
    assert shown_contact_codes(response.content) == ["JL", "MR", "PS"]
    assert shown_team_members(response.content) == ["alice", "tina"]
    for label in (
        "Strategic",
        "Growth",
        "Cooperative",
        "Interdependent",
        "Enterprise",
        "Economic buyer",
        "Technical buyer",
        "Supporter",
        "Critic",
        "Logistics",
        "Reports to Marta Ruiz",
        "2,500,000.00",
        "since March 1, 2021",
    ):
        assert label in content, label
    assert '<a href="/accounts/ACME-IB/">Acme Ibérica</a>' in content


def test_account_page_links_to_a_visible_parent(client: Client, kam_alice: User, accounts: dict[str, Account]) -> None:
    client.force_login(kam_alice)

    response = client.get("/accounts/ACME-IB/")

    assert '<a href="/accounts/ACME/">Acme Group</a>' in response.content.decode()


def test_account_page_lists_only_visible_subsidiaries(
    client: Client, team_tina: User, accounts: dict[str, Account]
) -> None:
    # given: tina is on ACME's team but not on its subsidiary's
    client.force_login(team_tina)

    # when
    response = client.get("/accounts/ACME/")

    # then
    assert response.status_code == 200
    assert list(response.context["subsidiaries"]) == []
    assert "/accounts/ACME-IB/" not in response.content.decode()


@pytest.mark.parametrize("code", ["COBALT", "NO-SUCH-CODE"])
@pytest.mark.usefixtures("accounts")
def test_account_page_is_404_for_another_managers_account_and_unknown_codes(
    client: Client, kam_alice: User, code: str
) -> None:
    client.force_login(kam_alice)

    response = client.get(f"/accounts/{code}/")

    assert response.status_code == 404


def test_account_page_query_count_is_bounded(
    client: Client,
    director: User,
    team_tina: User,
    accounts: dict[str, Account],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    # given: ACME has 3 contacts, 2 team members and a subsidiary; 20 more subsidiaries
    import_accounts(*(account_row(f"SUB{number:02d}", f"Sub {number:02d}", parent="ACME") for number in range(20)))
    client.force_login(director)

    # when / then: session, user, account, contacts, team, subsidiaries, latest analysis,
    # overdue plan actions, follow-ups due, next actions, next meetings, open alerts,
    # and +3: the history, the latest survey answer and our latest assessment
    with django_assert_max_num_queries(15):
        response = client.get("/accounts/ACME/")
    assert response.status_code == 200
