"""Deployment checks run by ``kam check --deploy``: the settings that must not reach production.

Errors make the command exit non-zero; the SQLite web database is only a warning (it is fine
for one office on one machine, but PostgreSQL is what production should run on).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - the known default we refuse
MINIMUM_SECRET_KEY_LENGTH = 50


@register(Tags.security, deploy=True)
def check_secret_key(*, app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Sequence[CheckMessage]:
    key = settings.SECRET_KEY
    if key == DEVELOPMENT_SECRET_KEY or len(key) < MINIMUM_SECRET_KEY_LENGTH or len(set(key)) < 5:
        return [
            Error(
                "KAM_SECRET_KEY is the development default or too short.",
                hint=f"Set KAM_SECRET_KEY (or KAM_SECRET_KEY_FILE) to a random value of at least "
                f"{MINIMUM_SECRET_KEY_LENGTH} characters, "
                "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="kam.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_debug(*, app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Sequence[CheckMessage]:
    if settings.DEBUG:
        return [Error("KAM_DEBUG is on.", hint="Unset KAM_DEBUG (or set it to false) in production.", id="kam.E002")]
    return []


@register(Tags.security, deploy=True)
def check_allowed_hosts(*, app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Sequence[CheckMessage]:
    if any(host == "*" or host.startswith("*") for host in settings.ALLOWED_HOSTS):
        return [
            Error(
                "KAM_ALLOWED_HOSTS contains a wildcard.",
                hint="List the host names the web app is reached by, e.g. KAM_ALLOWED_HOSTS=kam.example.com.",
                id="kam.E003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_secure_cookies(*, app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Sequence[CheckMessage]:
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        return [
            Error(
                "The session and CSRF cookies may be sent without HTTPS.",
                hint="Serve the app over HTTPS and set KAM_HTTPS=true (secure cookies, HSTS, redirect to HTTPS).",
                id="kam.E004",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_database(*, app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> Sequence[CheckMessage]:
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return [
            Warning(
                "The web database is SQLite.",
                hint="Fine for a trial or one small office; production should use PostgreSQL "
                "(KAM_DATABASE_URL=postgresql://…), see docs/configuration.md.",
                id="kam.W001",
            )
        ]
    return []
