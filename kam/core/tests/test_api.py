"""The REST API's shared machinery (``kam.core.api``): unreadable bodies and NUL characters in bodies."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from kam.core.management.commands.openapi import current_schema
from kam.key_accounts.models import Account
from kam.touchpoints.models import Meeting
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]

MEETING = {"held_at": "2026-03-05T09:00:00+01:00", "objective": "negotiate", "goal": "Agree the 2026 price list"}
NUL = "must not contain the NUL character."


def test_a_nul_character_anywhere_in_a_json_body_is_422_naming_each_field(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    """PostgreSQL cannot store text with a NUL byte: keys and strings are checked however deeply nested."""
    body = {
        **MEETING,
        "goal": "Agree\x00",
        "our_attendees": ["alice", "b\x00b"],
        "extra": {"nested": [{"deep": "x\x00"}], "fine": "ok"},
        "k\x00ey": "ok",
    }

    response = client.post(
        "/api/v1/accounts/ACME/meetings", body, content_type="application/json", headers=api_headers(kam_alice)
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "goal", "message": NUL},
        {"field": "our_attendees.1", "message": NUL},
        {"field": "extra.nested.0.deep", "message": NUL},
        {"field": "k\x00ey", "message": NUL},
    ]
    assert Meeting.objects.count() == 0


def test_a_json_body_that_is_a_string_with_a_nul_character_is_422(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/meetings",
        json.dumps("\x00"),
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json() == {"detail": f"body: {NUL}", "errors": [{"field": "body", "message": NUL}]}


def test_a_body_without_nul_characters_passes_the_parser(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/meetings",
        {**MEETING, "our_attendees": ["alice"], "goal": "Agree the price list \\x00 (not a NUL)"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 201
    assert Meeting.objects.get().goal == "Agree the price list \\x00 (not a NUL)"


def test_a_body_that_is_not_json_is_400(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/meetings", "{not json", content_type="application/json", headers=api_headers(kam_alice)
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    assert Meeting.objects.count() == 0


def test_the_schema_documents_the_400_of_every_operation_with_a_body() -> None:
    schema = current_schema()

    with_body = [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    undocumented = [
        (method, path) for method, path in with_body if "400" not in schema["paths"][path][method]["responses"]
    ]

    assert with_body
    assert undocumented == []
