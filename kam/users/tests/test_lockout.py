"""Sign-in lockout (django-axes): five failures of one username from one address lock that pair out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kam.users.actions import do_set_password
from kam.users.models import User

PASSWORD = "a-long-test-password-42"


def _fail(client: Client, username: str = "alice", address: str = "10.0.0.1") -> int:
    response = client.post("/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)
    return response.status_code


def test_five_failures_lock_the_username_out_with_a_clear_message(client: Client, kam_alice: User) -> None:
    # given
    do_set_password(kam_alice, PASSWORD, acting_user=None)

    # when
    statuses = [_fail(client) for _ in range(5)]
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")

    # then: the fifth failure already answers with the lockout; the right password does not get through
    assert statuses == [200, 200, 200, 200, 429]
    content = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in content
    assert "15 minutes" in content
    assert 'name="username"' in content
    assert not response.wsgi_request.user.is_authenticated


def test_the_lockout_is_per_username_and_address(client: Client, kam_alice: User, kam_bob: User) -> None:
    do_set_password(kam_alice, PASSWORD, acting_user=None)
    do_set_password(kam_bob, PASSWORD, acting_user=None)
    for _ in range(5):
        _fail(client)

    other_address = client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    other_user = client.post("/login/", {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")

    assert other_address.status_code == 302
    assert other_user.status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(client: Client, kam_alice: User) -> None:
    do_set_password(kam_alice, PASSWORD, acting_user=None)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _fail(client)

    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")

    assert response.status_code == 302


def test_a_success_resets_the_count_of_failures(client: Client, kam_alice: User) -> None:
    do_set_password(kam_alice, PASSWORD, acting_user=None)
    for _ in range(4):
        _fail(client)
    assert (
        client.post("/login/", {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1").status_code == 302
    )
    client.post("/logout/")

    assert [_fail(client) for _ in range(4)] == [200, 200, 200, 200]


@pytest.mark.django_db
def test_the_lockout_page_is_served_in_the_user_s_language(client: Client) -> None:
    client.cookies["django_language"] = "es"
    for _ in range(5):
        response = client.post("/login/", {"username": "nobody", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")

    # The lockout message is marked for translation; `make messages` adds it to the Spanish catalogue.
    assert response.status_code == 429
    assert "<h1>Iniciar sesión</h1>" in response.content.decode()
