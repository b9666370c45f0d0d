"""Security invariants of the whole project: CSRF everywhere, a strong password hasher, no secret committed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[3]
# Not the project's own files: environments, local data, generated artefacts.
SKIPPED_DIRS = {".git", ".venv", ".tools", "var", "node_modules", "test-artifacts", "__pycache__", ".mypy_cache"}
SKIPPED_SUFFIXES = {
    ".mo",
    ".png",
    ".jpg",
    ".ico",
    ".woff",
    ".woff2",
    ".parquet",
    ".duckdb",
    ".sqlite3",
    ".xlsx",
    ".pdf",
}

SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}"),
    "password in a database URL": re.compile(r"\b(?:postgres(?:ql)?|mysql)://[^:/@\s]+:(?P<value>[^@\s]+)@"),
}
# Only in configuration: a literal password, key or token (reading it from the environment is fine).
SETTINGS_PATTERN = re.compile(
    r"^\s*[A-Z_]*(?:PASSWORD|SECRET_KEY|API_KEY|TOKEN)\s*[=:]\s*['\"]?(?P<value>[^\s'\"(]{8,})", re.MULTILINE
)
# Placeholders in examples and the public development key (`kam check --deploy` refuses it: kam.core.checks).
PLACEHOLDER = re.compile(r"^(?:password|secret|change-?me.*|insecure-development-key-change-me|…)$", re.IGNORECASE)


def is_settings_file(path: Path) -> bool:
    """Configuration files, where a literal password must never be."""
    return path.name.startswith((".env", "settings")) or path.suffix in {".env", ".ini", ".cfg", ".toml"}


def find_secrets(text: str, *, settings_file: bool = True) -> list[str]:
    """Return the names of the secret patterns found in ``text``.

    >>> find_secrets("KAM_SECRET_KEY=" + "x7Gq" * 10)
    ['password in settings']
    >>> find_secrets('SECRET_KEY = env_str("KAM_SECRET_KEY", "insecure-development-key-change-me")')
    []
    >>> find_secrets("KAM_DATABASE_URL=postgresql://kam:" + "secret@db/kam")
    []
    """
    patterns = dict(SECRET_PATTERNS)
    if settings_file:
        patterns["password in settings"] = SETTINGS_PATTERN
    found = []
    for name, pattern in patterns.items():
        for match in pattern.finditer(text):
            value = match.groupdict().get("value")
            if value is None or not PLACEHOLDER.match(value):
                found.append(name)
                break
    return found


def _project_text_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        if any(part in SKIPPED_DIRS for part in path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in SKIPPED_SUFFIXES or path.stat().st_size > 2_000_000:
            continue
        yield path


@pytest.mark.parametrize(
    ("sample", "name"),
    [
        ("-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE", "private key"),
        ("-----BEGIN " + "PRIVATE KEY-----", "private key"),
        ("key = 'AKIA" + "ABCDEFGHIJKLMNOP'", "AWS access key id"),
        ("aws_secret_access_key = " + "a" * 40, "AWS secret access key"),
        ('EMAIL_HOST_PASSWORD = "' + 'hunter2hunter2"', "password in settings"),
        ("KAM_DATABASE_URL=postgresql://kam:" + "s3cr3t@db:5432/kam", "password in a database URL"),
    ],
)
def test_the_scanner_finds_each_kind_of_secret(sample: str, name: str) -> None:
    assert name in find_secrets(sample)


def test_no_secret_is_committed() -> None:
    findings = []
    for path in _project_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        names = find_secrets(text, settings_file=is_settings_file(path))
        findings += [f"{path.relative_to(ROOT)}: {name}" for name in names]

    assert findings == []


def _views(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, object]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_view_is_exempt_from_csrf() -> None:
    exempt = [
        route
        for route, view in _views(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
        # django-ninja marks its router view exempt and checks CSRF itself for cookie-authenticated calls.
        and not getattr(view, "__module__", "").startswith("ninja.")
    ]

    assert exempt == []
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_passwords_use_django_s_default_hasher() -> None:
    # Not weakened anywhere, not even for the tests.
    assert not hasattr(settings, "PASSWORD_HASHERS") or settings.PASSWORD_HASHERS[0].endswith(
        ("PBKDF2PasswordHasher", "Argon2PasswordHasher", "ScryptPasswordHasher")
    )
    assert get_hasher().algorithm in {"pbkdf2_sha256", "argon2", "scrypt"}
