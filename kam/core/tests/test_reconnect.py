"""The web app reconnects by itself after PostgreSQL drops its connection (a restart, a failover)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory

from kam.users.models import User

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="needs PostgreSQL"
    ),
]


def _get(path: str, cookie: str) -> int:
    """One request through Django's real WSGI handler (the test client skips the connection
    housekeeping done at the start of each request)."""
    environ = RequestFactory().get(path).environ | {"HTTP_COOKIE": cookie, "wsgi.input": io.BytesIO()}
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    response = WSGIHandler()(environ, start_response)
    b"".join(response)
    response.close()
    return int(statuses[0].split()[0])


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_a_request_after_the_connection_was_terminated_succeeds(kam_alice: User) -> None:
    # given: a signed-in user, and the app's persistent connection
    assert (settings.DATABASES["default"]["CONN_MAX_AGE"] or 0) > 0
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    client = Client()
    client.force_login(kam_alice)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    assert _get("/home/", cookie) == 200
    pid = _backend_pid()

    # when: PostgreSQL drops that connection
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        terminated = other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()
    assert terminated == (True,)

    # then: the next request reconnects and succeeds
    assert _get("/home/", cookie) == 200
    assert _backend_pid() != pid
