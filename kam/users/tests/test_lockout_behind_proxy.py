"""Behind a reverse proxy the sign-in lockout counts the client's address, not the proxy's."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from kam.core.proxies import client_address
from kam.users.actions import do_set_password
from kam.users.models import User

PASSWORD = "a-long-test-password-42"
PROXY = "10.0.0.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", PROXY),  # no proxy configured: the header is the client's, ignored
        (1, None, PROXY),  # no header: the connection's address
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own entry on the left is not trusted
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (2, "203.0.113.9", PROXY),  # fewer entries than proxies: not written by ours
        (1, "not-an-address", PROXY),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_is_the_nth_forwarded_address_from_the_right(
    proxies: int, forwarded: str | None, expected: str
) -> None:
    headers = {"REMOTE_ADDR": PROXY} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
    request = RequestFactory().get("/", **headers)  # type: ignore[arg-type]

    with override_settings(KAM_PROXY_COUNT=proxies):
        assert client_address(request) == expected


@override_settings(KAM_PROXY_COUNT=1)
def test_behind_one_proxy_a_locked_out_client_does_not_lock_out_the_others(client: Client, kam_alice: User) -> None:
    # given: five failed sign-ins of alice from one client, all through the proxy
    do_set_password(kam_alice, PASSWORD, acting_user=None)
    statuses = [
        client.post(
            "/login/",
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4",
        ).status_code
        for _ in range(5)
    ]

    # when: alice signs in from another client through the same proxy, and again from the locked one
    elsewhere = client.post(
        "/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    locked = Client().post(
        "/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )

    # then
    assert statuses == [200, 200, 200, 200, 429]
    assert elsewhere.status_code == 302
    assert locked.status_code == 429
