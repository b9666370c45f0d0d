"""The REST API of accounts, contacts and teams: who sees what, who may change what, lists and filters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kam.key_accounts.models import Account, Contact
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]


def codes(response_json: dict[str, object]) -> list[str]:
    results = response_json["results"]
    assert isinstance(results, list)
    return [row["code"] for row in results]


def test_a_kam_lists_the_accounts_she_owns_or_is_on_the_team_of(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/accounts", headers=api_headers(kam_alice))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["next"] is None
    assert body["previous"] is None
    assert codes(body) == ["ACME", "ACME-IB", "BOREAL"]


@pytest.mark.parametrize(
    ("persona", "expected", "_case"),
    [
        ("director", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA", "ECHO"], "a director sees every account"),
        ("kam_bob", ["BOREAL", "COBALT", "DELTA"], "a KAM sees his own and those whose team he is on"),
        ("team_tina", ["ACME"], "a team member sees the account whose team she is on"),
        ("viewer_victor", [], "a viewer granted nothing sees nothing"),
    ],
)
def test_each_persona_lists_the_accounts_the_ui_shows_them(
    client: Client,
    accounts: dict[str, Account],
    api_headers: Headers,
    request: pytest.FixtureRequest,
    persona: str,
    expected: list[str],
    _case: str,
) -> None:
    user = request.getfixturevalue(persona)

    response = client.get("/api/v1/accounts?ordering=code", headers=api_headers(user))

    assert response.status_code == 200
    assert response.json()["count"] == len(expected)
    assert codes(response.json()) == expected


def test_an_account_shows_its_fields(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/accounts/ACME-IB", headers=api_headers(kam_alice))

    body = response.json()
    assert response.status_code == 200
    assert {key: body[key] for key in ("code", "name", "parent", "owner", "tier", "phase", "is_key_account")} == {
        "code": "ACME-IB",
        "name": "Acme Ibérica",
        "parent": "ACME",
        "owner": "alice",
        "tier": "star",
        "phase": "growth",
        "is_key_account": True,
    }


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("kam_bob", "/api/v1/accounts/ACME"),
        ("team_tina", "/api/v1/accounts/COBALT"),
        ("viewer_victor", "/api/v1/accounts/ACME"),
        ("kam_alice", "/api/v1/accounts/ECHO/contacts"),
        ("kam_alice", "/api/v1/accounts/NOSUCH"),
    ],
)
def test_an_account_one_cannot_see_is_404_as_if_it_did_not_exist(
    client: Client,
    accounts: dict[str, Account],
    api_headers: Headers,
    request: pytest.FixtureRequest,
    persona: str,
    path: str,
) -> None:
    response = client.get(path, headers=api_headers(request.getfixturevalue(persona)))

    assert response.status_code == 404
    assert response.json() == {"detail": "No account with this code."}


def test_pages_link_to_each_other(
    client: Client, accounts: dict[str, Account], director: User, api_headers: Headers
) -> None:
    headers = api_headers(director)

    first = client.get("/api/v1/accounts?ordering=code&limit=4", headers=headers).json()
    second = client.get("/api/v1/accounts?ordering=code&limit=4&page=2", headers=headers).json()
    beyond = client.get("/api/v1/accounts?ordering=code&limit=4&page=3", headers=headers).json()

    assert (first["count"], codes(first), first["previous"]) == (6, ["ACME", "ACME-IB", "BOREAL", "COBALT"], None)
    assert first["next"] == "http://testserver/api/v1/accounts?limit=4&ordering=code&page=2"
    assert (codes(second), second["next"]) == (["DELTA", "ECHO"], None)
    assert second["previous"] == "http://testserver/api/v1/accounts?limit=4&ordering=code&page=1"
    assert (beyond["count"], beyond["results"], beyond["next"]) == (6, [], None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=201", "limit: Input should be less than or equal to 200"),
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("page=0", "page: Input should be greater than or equal to 1"),
        ("ordering=owner", "ordering: String should match pattern '^-?(code|name|revenue)$'"),
        ("is_key_account=maybe", "is_key_account: Input should be a valid boolean, unable to interpret input"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(
    client: Client, accounts: dict[str, Account], director: User, api_headers: Headers, query: str, expected: str
) -> None:
    response = client.get(f"/api/v1/accounts?{query}", headers=api_headers(director))

    assert response.status_code == 422
    assert response.json()["detail"] == expected
    assert response.json()["errors"][0]["field"] == query.split("=", maxsplit=1)[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("is_key_account=true", ["ACME", "ACME-IB", "COBALT"]),
        ("is_key_account=false", ["BOREAL", "DELTA", "ECHO"]),
        ("tier=strategic", ["ACME", "COBALT"]),
        ("phase=cost_reduction", ["DELTA"]),
        ("status=prospect", ["ECHO"]),
        ("owner=bob", ["COBALT", "DELTA"]),
        ("q=acme", ["ACME", "ACME-IB"]),
        ("q=retail", ["COBALT"]),
        ("ordering=-code", ["ECHO", "DELTA", "COBALT", "BOREAL", "ACME-IB", "ACME"]),
        ("ordering=name", ["ACME", "ACME-IB", "BOREAL", "COBALT", "DELTA", "ECHO"]),
        ("ordering=-name", ["ECHO", "DELTA", "COBALT", "BOREAL", "ACME-IB", "ACME"]),
        # No analysis yet: every revenue is empty, so the code decides.
        ("ordering=-revenue&is_key_account=true", ["ACME", "ACME-IB", "COBALT"]),
    ],
)
def test_the_account_list_filters_and_orders(
    client: Client, accounts: dict[str, Account], director: User, api_headers: Headers, query: str, expected: list[str]
) -> None:
    response = client.get(f"/api/v1/accounts?{query}", headers=api_headers(director))

    assert response.status_code == 200
    assert codes(response.json()) == expected


# --- phase and stage -------------------------------------------------------------------------------


def test_the_kam_changes_the_phase_through_the_action(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/phase",
        {"phase": "maintenance", "reason": "Volumes stable"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 200
    assert response.json()["phase"] == "maintenance"
    change = Account.objects.get(code="ACME").changes.get()
    assert (change.field, change.old_value, change.new_value, change.reason) == (
        "phase",
        "growth",
        "maintenance",
        "Volumes stable",
    )


def test_a_team_member_may_not_change_the_phase(
    client: Client, accounts: dict[str, Account], team_tina: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/phase",
        {"phase": "maintenance", "reason": "Volumes stable"},
        content_type="application/json",
        headers=api_headers(team_tina),
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the account's key account manager or a director may change it."}
    assert Account.objects.get(code="ACME").phase == "growth"


def test_a_stage_change_without_a_reason_is_422_naming_the_field(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/stage",
        {"stage": "basic", "reason": ""},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "reason", "message": "Reason: say why the account changes; it is kept in the account's history."}
    ]
    assert Account.objects.get(code="ACME").relationship_stage == "cooperative"


def test_a_missing_body_field_is_422_naming_it(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/phase",
        {"phase": "growth"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json() == {
        "detail": "reason: Field required",
        "errors": [{"field": "reason", "message": "Field required"}],
    }


def test_a_body_that_is_not_json_is_400(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/phase", "{not json", content_type="application/json", headers=api_headers(kam_alice)
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    assert Account.objects.get(code="ACME").phase == "growth"


# --- contacts and team -------------------------------------------------------------------------------


def test_the_contacts_of_an_account_are_listed_by_name(
    client: Client, accounts: dict[str, Account], team_tina: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/accounts/ACME/contacts", headers=api_headers(team_tina))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["code"], row["reports_to"], row["relationship_owner"]) for row in rows] == [
        ("JL", "MR", "alice"),
        ("MR", None, "alice"),
        ("PS", "JL", None),
    ]


def test_the_kam_adds_and_changes_a_contact(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)

    created = client.post(
        "/api/v1/accounts/ACME/contacts",
        {"code": "LG", "last_name": "García", "reports_to": "MR", "influence": 4, "buying_role": "influencer"},
        content_type="application/json",
        headers=headers,
    )
    changed = client.patch(
        "/api/v1/accounts/ACME/contacts/LG", {"title": "CFO"}, content_type="application/json", headers=headers
    )

    assert created.status_code == 201
    assert (created.json()["code"], created.json()["reports_to"], created.json()["influence"]) == ("LG", "MR", 4)
    assert changed.status_code == 200
    contact = Contact.objects.get(account__code="ACME", code="LG")
    assert (contact.title, contact.last_name, contact.reports_to.code if contact.reports_to else None) == (
        "CFO",
        "García",
        "MR",
    )


def test_a_team_member_may_not_add_a_contact(
    client: Client, accounts: dict[str, Account], team_tina: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/contacts",
        {"code": "LG", "last_name": "García"},
        content_type="application/json",
        headers=api_headers(team_tina),
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the account's key account manager or a director may edit its contacts."}
    assert not Contact.objects.filter(code="LG").exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"code": "MR", "last_name": "Ruiz"}, "code", "Code: MR is already used by another contact of this account."),
        (
            {"code": "LG", "last_name": "G", "influence": 9},
            "influence",
            "Influence: must be a whole number from 1 to 5.",
        ),
        (
            {"code": "LG", "last_name": "G", "reports_to": "AD"},
            "reports_to",
            "Reports to: AD is not a contact of this account.",
        ),
        (
            {"code": "LG", "last_name": "G", "relationship_owner": "zed"},
            "relationship_owner",
            "Relationship owner: there is no user zed.",
        ),
        ({"code": "LG"}, "last_name", "Field required"),
    ],
)
def test_an_invalid_contact_is_422_naming_the_field(
    client: Client,
    accounts: dict[str, Account],
    kam_alice: User,
    api_headers: Headers,
    body: dict[str, object],
    field: str,
    message: str,
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/contacts", body, content_type="application/json", headers=api_headers(kam_alice)
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert Contact.objects.filter(account__code="ACME").count() == 3


def test_an_unknown_contact_is_404(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.patch(
        "/api/v1/accounts/ACME/contacts/AD",
        {"title": "x"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No contact with this code on this account."}


def test_the_team_is_listed(
    client: Client, accounts: dict[str, Account], team_tina: User, api_headers: Headers
) -> None:
    response = client.get("/api/v1/accounts/ACME/team", headers=api_headers(team_tina))

    assert response.status_code == 200
    assert [(row["username"], row["role"]) for row in response.json()["results"]] == [
        ("alice", "key_account_manager"),
        ("tina", "logistics"),
    ]
