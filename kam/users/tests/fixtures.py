"""The fixed cast of personas, created through the real actions.

| fixture          | role                | sees                                           |
|------------------|---------------------|------------------------------------------------|
| administrator    | administrator       | every account; staff (Django admin)            |
| director         | director            | every account                                  |
| kam_alice        | key account manager | her accounts (owner)                           |
| kam_bob          | key account manager | his accounts, and one of alice's as team member|
| team_tina        | team member         | the one account of alice's whose team she is on|
| viewer_victor    | viewer              | nothing: no account was granted to him         |
| outsider_olga    | key account manager | nothing: she owns no account                   |

Personas have no usable password; tests log in with ``client.force_login``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kam.key_accounts.actions import do_add_team_member
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.users.actions import do_create_token, do_create_user
from kam.users.choices import Department, Role
from kam.users.models import User


@pytest.fixture
def administrator(db: None) -> User:
    return do_create_user("adam", None, role=Role.ADMINISTRATOR, first_name="Adam", last_name="Admin", acting_user=None)


@pytest.fixture
def director(db: None) -> User:
    return do_create_user(
        "diana",
        None,
        role=Role.DIRECTOR,
        department=Department.MANAGEMENT,
        first_name="Diana",
        last_name="Director",
        acting_user=None,
    )


@pytest.fixture
def kam_alice(db: None) -> User:
    return do_create_user(
        "alice", None, role=Role.KEY_ACCOUNT_MANAGER, first_name="Alice", last_name="Anders", acting_user=None
    )


@pytest.fixture
def kam_bob(db: None) -> User:
    return do_create_user(
        "bob", None, role=Role.KEY_ACCOUNT_MANAGER, first_name="Bob", last_name="Berg", acting_user=None
    )


@pytest.fixture
def team_tina(accounts: dict[str, Account]) -> User:
    """A logistics planner on the team of alice's group account (ACME) only."""
    tina = do_create_user(
        "tina",
        None,
        role=Role.TEAM_MEMBER,
        department=Department.LOGISTICS,
        first_name="Tina",
        last_name="Torres",
        acting_user=None,
    )
    do_add_team_member(accounts["ACME"], tina, role=TeamRole.LOGISTICS, acting_user=None)
    return tina


@pytest.fixture
def viewer_victor(db: None) -> User:
    return do_create_user("victor", None, role=Role.VIEWER, first_name="Victor", last_name="Vega", acting_user=None)


@pytest.fixture
def outsider_olga(db: None) -> User:
    return do_create_user(
        "olga", None, role=Role.KEY_ACCOUNT_MANAGER, first_name="Olga", last_name="Ortiz", acting_user=None
    )


@pytest.fixture
def api_headers(db: None) -> Callable[[User], dict[str, str]]:
    """``api_headers(user)``: the headers of a REST API call made with a new token of ``user``."""

    def make(user: User) -> dict[str, str]:
        created = do_create_token(user, "tests", acting_user=None)
        return {"Authorization": f"Bearer {created.plaintext}"}

    return make
