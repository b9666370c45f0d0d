"""Who sees which account: the permission rule of the whole product."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from pytest_django.fixtures import DjangoAssertNumQueries

from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code, visible_accounts
from kam.users.models import User

EVERY_ACCOUNT = {"ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA", "ECHO"}

VISIBILITY = [
    ("administrator", EVERY_ACCOUNT),
    ("director", EVERY_ACCOUNT),
    ("kam_alice", {"ACME", "ACME-IB", "BOREAL"}),
    # bob owns COBALT and DELTA, and is on BOREAL's team.
    ("kam_bob", {"BOREAL", "COBALT", "DELTA"}),
    # tina is on ACME's team only: the subsidiary ACME-IB is not shared with her.
    ("team_tina", {"ACME"}),
    ("viewer_victor", set()),
    ("outsider_olga", set()),
]


@pytest.fixture
def cast(
    accounts: dict[str, Account],
    administrator: User,
    director: User,
    team_tina: User,
    viewer_victor: User,
    outsider_olga: User,
) -> None:
    """Every persona and every account exist, whoever the test looks at."""


@pytest.mark.usefixtures("cast")
@pytest.mark.parametrize(("persona", "expected_codes"), VISIBILITY)
def test_each_persona_sees_exactly_their_accounts(
    request: pytest.FixtureRequest, persona: str, expected_codes: set[str]
) -> None:
    # given
    user = request.getfixturevalue(persona)

    # when
    codes = list(visible_accounts(user).values_list("code", flat=True))

    # then
    assert sorted(codes) == sorted(expected_codes)


@pytest.mark.usefixtures("accounts")
def test_anonymous_sees_no_account() -> None:
    assert list(visible_accounts(AnonymousUser())) == []


def test_a_deactivated_manager_sees_none_of_their_accounts(kam_alice: User, accounts: dict[str, Account]) -> None:
    # given
    kam_alice.is_active = False

    # when
    codes = list(visible_accounts(kam_alice).values_list("code", flat=True))

    # then
    assert codes == []


def test_an_account_reached_by_ownership_and_team_is_listed_once(kam_alice: User, accounts: dict[str, Account]) -> None:
    # given: alice owns ACME and is also on its team (see the accounts fixture)

    # when
    codes = list(visible_accounts(kam_alice).filter(code="ACME").values_list("code", flat=True))

    # then
    assert codes == ["ACME"]


@pytest.mark.usefixtures("cast")
@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("kam_alice", "ACME"),
        ("kam_bob", "BOREAL"),
        ("team_tina", "ACME"),
        ("director", "ECHO"),
        ("administrator", "DELTA"),
    ],
)
def test_access_by_code_returns_a_visible_account(request: pytest.FixtureRequest, persona: str, code: str) -> None:
    user = request.getfixturevalue(persona)

    account = access_account_by_code(user, code)

    assert account.code == code


@pytest.mark.usefixtures("cast")
@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("kam_alice", "COBALT"),
        ("kam_bob", "ACME"),
        ("team_tina", "ACME-IB"),
        ("viewer_victor", "ACME"),
        ("outsider_olga", "ECHO"),
        ("kam_alice", "NO-SUCH-CODE"),
        ("director", "NO-SUCH-CODE"),
    ],
)
def test_access_by_code_raises_404_for_hidden_and_unknown_accounts_alike(
    request: pytest.FixtureRequest, persona: str, code: str
) -> None:
    user = request.getfixturevalue(persona)

    with pytest.raises(Http404) as raised:
        access_account_by_code(user, code)

    assert str(raised.value) == "No account with this code."


@pytest.mark.usefixtures("accounts")
def test_access_by_code_raises_404_for_anonymous() -> None:
    with pytest.raises(Http404):
        access_account_by_code(AnonymousUser(), "ACME")


def test_visible_accounts_joins_owner_and_parent_in_one_query(
    kam_alice: User, accounts: dict[str, Account], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        rows = [
            (account.owner.username if account.owner else None, account.parent.code if account.parent else None)
            for account in visible_accounts(kam_alice)
        ]

    assert rows == [
        ("alice", None),
        ("alice", "ACME"),
        ("alice", None),
    ]
