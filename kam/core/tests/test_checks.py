"""`kam check --deploy`: each deployment check, and the command failing on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error, Warning
from django.test import override_settings

from kam.core import checks

KAM = str(Path(sys.executable).with_name("kam"))
GOOD_KEY = "kz3V0-PqL8xN2wR7tY5uI1oA9sD4fG6hJ0kL3zX8cV5bN7mQ2wE4rT6yU8iO"


@override_settings(SECRET_KEY="insecure-development-key-change-me")
def test_the_development_secret_key_is_an_error() -> None:
    assert [message.id for message in checks.check_secret_key(app_configs=None)] == ["kam.E001"]


@pytest.mark.parametrize("key", ["short", "a" * 60])
def test_a_short_or_repetitive_secret_key_is_an_error(key: str) -> None:
    with override_settings(SECRET_KEY=key):
        assert [message.id for message in checks.check_secret_key(app_configs=None)] == ["kam.E001"]


@override_settings(SECRET_KEY=GOOD_KEY)
def test_a_long_random_secret_key_passes() -> None:
    assert checks.check_secret_key(app_configs=None) == []


def test_debug_on_is_an_error() -> None:
    with override_settings(DEBUG=True):
        assert [message.id for message in checks.check_debug(app_configs=None)] == ["kam.E002"]
    with override_settings(DEBUG=False):
        assert checks.check_debug(app_configs=None) == []


@pytest.mark.parametrize(
    ("hosts", "ids"), [(["*"], ["kam.E003"]), (["*.example.com"], ["kam.E003"]), (["kam.example.com"], [])]
)
def test_a_wildcard_in_allowed_hosts_is_an_error(hosts: list[str], ids: list[str]) -> None:
    with override_settings(ALLOWED_HOSTS=hosts):
        assert [message.id for message in checks.check_allowed_hosts(app_configs=None)] == ids


@pytest.mark.parametrize(
    ("session", "csrf", "ids"), [(False, False, ["kam.E004"]), (True, False, ["kam.E004"]), (True, True, [])]
)
def test_cookies_without_https_are_an_error(session: bool, csrf: bool, ids: list[str]) -> None:
    with override_settings(SESSION_COOKIE_SECURE=session, CSRF_COOKIE_SECURE=csrf):
        assert [message.id for message in checks.check_secure_cookies(app_configs=None)] == ids


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_sqlite_in_production_is_only_a_warning() -> None:
    sqlite = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}
    postgres = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
    with override_settings(DATABASES=sqlite):
        messages = checks.check_database(app_configs=None)
    with override_settings(DATABASES=postgres):
        assert checks.check_database(app_configs=None) == []

    assert [(type(message), message.id) for message in messages] == [(Warning, "kam.W001")]
    assert not isinstance(messages[0], Error)


def _check_deploy(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their live server: not a deployment's
        if not key.startswith("KAM_") and key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment |= {"KAM_DATA_DIR": str(tmp_path), **variables}
    return subprocess.run([KAM, "check", "--deploy"], capture_output=True, text=True, env=environment, check=False)  # noqa: S603


def test_check_deploy_fails_on_the_development_defaults(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, KAM_ALLOWED_HOSTS="*", KAM_DEBUG="true")

    assert result.returncode != 0
    for check_id in ("kam.E001", "kam.E002", "kam.E003", "kam.E004", "kam.W001"):
        assert check_id in result.stderr


def test_check_deploy_passes_a_production_configuration(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, KAM_SECRET_KEY=GOOD_KEY, KAM_HTTPS="true", KAM_ALLOWED_HOSTS="kam.example.com")

    assert result.returncode == 0, result.stderr
    assert "kam.E" not in result.stderr + result.stdout
    # KAM_HTTPS also turns on HSTS and the redirect to HTTPS.
    assert "security.W004" not in result.stderr
    assert "security.W008" not in result.stderr
    # SQLite stays a warning: the check passes, and says so.
    assert "kam.W001" in result.stderr + result.stdout
