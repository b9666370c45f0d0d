"""Django settings for OpenKAM, read from environment variables.

Every variable is documented in ``docs/configuration.md`` and ``.env.example``.
Helpers fail loudly on malformed values instead of silently falling back.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """Return the variable, or the contents of the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Parse a boolean variable; anything unrecognised is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Parse a whole-number variable; anything else (or below ``minimum``) is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    """Parse a decimal-number variable; anything else (or outside ``minimum``–``maximum``) is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ImproperlyConfigured(f"{name}={raw!r} must be between {minimum} and {maximum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Parse a comma-separated list variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DATA_DIR = Path(env_str("KAM_DATA_DIR", "var")).expanduser().resolve()
DEBUG = env_bool("KAM_DEBUG", default=False)
# An insecure key is only acceptable for local development; `kam check --deploy` flags it.
SECRET_KEY = env_str("KAM_SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = env_list("KAM_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("KAM_CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": dj_database_url.parse(
        env_str("KAM_DATABASE_URL", f"sqlite:///{DATA_DIR / 'kam.sqlite3'}"),
        # Connections are kept for KAM_DB_CONN_MAX_AGE seconds and checked before reuse, so the
        # web app reconnects by itself after the database server drops them (a restart, a failover).
        conn_max_age=env_int("KAM_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

FACTS_URL = env_str("KAM_FACTS_URL", f"duckdb://{DATA_DIR / 'facts.duckdb'}")
# A contact not touched for this many days is flagged on the relationship map.
CONTACT_STALE_DAYS = env_int("KAM_CONTACT_STALE_DAYS", 90, minimum=1)
# `kam snapshot` alerts a key account's team when its revenue growth year on year is at or below this (−0.10: −10 %).
DECLINE_ALERT_THRESHOLD = env_float("KAM_DECLINE_ALERT_THRESHOLD", -0.10, minimum=-1.0, maximum=0.0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # The REST API (kam/api.py); installed so that its docs page uses the bundled Swagger UI, not a CDN.
    "ninja",
    "axes",
    "kam.core",
    "kam.users",
    "kam.key_accounts",
    "kam.imports",
    "kam.kpis",
    "kam.selection",
    "kam.plans",
    "kam.touchpoints",
    "kam.opportunities",
    "kam.service",
    "kam.alerts",
    "kam.scorecards",
    "kam.incentives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kam" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "key_accounts:account_list"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out username + address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lockout: this many failed sign-ins of one username from one address lock that pair out.
AXES_ENABLED = env_bool("KAM_LOGIN_LOCKOUT", default=True)
AXES_FAILURE_LIMIT = env_int("KAM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KAM_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kam.users.views.locked_out"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env_str("KAM_LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"KAM_LANGUAGE={LANGUAGE_CODE!r} is not one of: en, es")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("KAM_TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# kam backup writes the web database as JSON with every microsecond kept (Django's cuts to milliseconds).
SERIALIZATION_MODULES = {"exact_json": "kam.core.exact_json"}

# KAM_HTTPS=true: the app is served over HTTPS only (directly or behind a TLS-terminating proxy).
HTTPS = env_bool("KAM_HTTPS", default=False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("KAM_SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if HTTPS and not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("KAM_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("KAM_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KAM_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env_bool("KAM_HSTS_PRELOAD", default=False)
BEHIND_PROXY = env_bool("KAM_BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    # The proxy terminates TLS and says so in X-Forwarded-Proto (it must overwrite a client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the app, each appending to X-Forwarded-For: the sign-in lockout
# counts the client's address, not the proxy's (kam.core.proxies).
KAM_PROXY_COUNT = env_int("KAM_PROXY_COUNT", 1 if BEHIND_PROXY else 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "kam.core.proxies.client_address"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Alerts are e-mailed. By default each message is written to a file under the data folder
# (nothing is lost, nothing needs a mail server); set the SMTP backend and host for real mail.
EMAIL_BACKEND = env_str("KAM_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(env_str("KAM_EMAIL_FILE_PATH", str(DATA_DIR / "mail"))).expanduser()
EMAIL_HOST = env_str("KAM_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KAM_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("KAM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("KAM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KAM_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("KAM_EMAIL_FROM", "openkam@localhost")
# Links in e-mails (alerts) point here; empty leaves the link out.
SITE_URL = env_str("KAM_SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KAM_LOG_LEVEL", "WARNING")},
}
