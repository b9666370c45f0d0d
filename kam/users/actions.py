"""State changes for users. Every write is atomic and audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.audit import build_audit_record, record_audit, snapshot_fields
from kam.core.models import AuditRecord
from kam.core.upserts import UpsertResult, index_by, upsert_objects
from kam.users.choices import Department, Role
from kam.users.models import ApiToken, User

_AUDITED_FIELDS = ("username", "first_name", "last_name", "email", "role", "department", "is_staff", "is_superuser")


@transaction.atomic
def do_create_user(
    username: str,
    password: str | None,
    *,
    role: str = Role.VIEWER,
    department: str = Department.SALES,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    check_password: bool = True,
    acting_user: User | None,
) -> User:
    """Create a login user; administrators also get access to the Django admin."""
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("A user named %(username)s already exists.") % {"username": username})
    if role not in Role.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": role})
    if department not in Department.values:
        raise ValidationError(_("Unknown department %(department)s.") % {"department": department})
    user = User(
        username=username,
        role=role,
        department=department,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=role == Role.ADMINISTRATOR,
    )
    if password:
        if check_password:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    after = snapshot_fields(user, _AUDITED_FIELDS)
    record_audit(
        actor=acting_user,
        action="user.create",
        instance=user,
        changes={name: [None, value] for name, value in after.items()},
    )
    return user


@transaction.atomic
def do_import_users(
    rows: Sequence[Mapping[str, Any]], provided: Iterable[str], *, acting_user: User | None
) -> UpsertResult:
    """Create or update users by username. New users get no password: an administrator sets one."""
    provided = set(provided)
    values: list[dict[str, Any]] = []
    for row in rows:
        item: dict[str, Any] = {"username": row["username"]}
        for name in ("first_name", "last_name", "email"):
            if name in provided:
                item[name] = row[name] or ""
        for name in ("role", "department"):
            if name in provided and row[name]:
                item[name] = row[name]
        values.append(item)
    existing = index_by(User.objects.filter(username__in=[row["username"] for row in rows]), "username")
    new_users = [item for item in values if (item["username"],) not in existing]
    for item in new_users:
        # An unusable password: the person cannot log in until someone sets one.
        item["password"] = make_password(None)
    result, _objects = upsert_objects(
        User, values, key=("username",), existing=existing, actor=acting_user, action="user", redact=("password",)
    )
    return result


@transaction.atomic
def do_set_password(user: User, password: str, *, check_password: bool = True, acting_user: User | None) -> None:
    """Set a user's password (validated unless ``check_password`` is false); the audit never holds it."""
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record_audit(actor=acting_user, action="user.set_password", instance=user, changes={"password": ["***", "***"]})


@transaction.atomic
def do_set_shared_password(users: Iterable[User], password: str, *, acting_user: User | None) -> int:
    """Give several users one password, hashed once (for the demo; hashing is slow by design)."""
    hashed = make_password(password)
    changed = list(users)
    for user in changed:
        user.password = hashed
    User.objects.bulk_update(changed, ["password"])
    AuditRecord.objects.bulk_create(
        build_audit_record(
            actor=acting_user, action="user.set_password", instance=user, changes={"password": ["***", "***"]}
        )
        for user in changed
    )
    return len(changed)


# --- API tokens -------------------------------------------------------------------------------

TOKEN_PREFIX = "okam_"  # noqa: S105  # a marker that makes leaked tokens easy to spot, not a secret
# How many characters of the secret are kept in clear to tell tokens apart ("okam_" and 7 more).
_SHOWN_PREFIX = 12
# Recording every use would write on every API call; once a minute says enough about "last used".
_USE_GRANULARITY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token we cannot create or revoke; the message names the field and says why."""


@dataclass(frozen=True, slots=True)
class CreatedToken:
    """A token just made, with its secret in clear: the only time anyone sees it."""

    token: ApiToken
    plaintext: str


def hash_token_secret(plaintext: str) -> str:
    """The SHA-256 hex digest under which a token's secret is stored (see ``ApiToken``)."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic(durable=True)
def do_create_token(user: User, name: str, *, acting_user: User | None) -> CreatedToken:
    """Make an API token for ``user``; the plaintext secret is returned here and never again.

    People make tokens for themselves; administrators (and the command line, ``acting_user``
    None) for anyone.
    """
    if acting_user is not None and acting_user.pk != user.pk and not acting_user.is_superuser:
        raise PermissionDenied(_("Only administrators may make API tokens for someone else."))
    name = name.strip()
    if not name:
        raise TokenError(_("Name: say what the token is for."))
    if len(name) > 100:
        raise TokenError(_("Name: use at most 100 characters."))
    if not user.is_active:
        raise TokenError(_("User: %(user)s is inactive.") % {"user": user})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=plaintext[:_SHOWN_PREFIX], secret_hash=hash_token_secret(plaintext)
    )
    record_audit(
        actor=acting_user,
        action="api_token.create",
        instance=token,
        changes={"user": [None, user.pk], "name": [None, name], "prefix": [None, token.prefix]},
    )
    return CreatedToken(token=token, plaintext=plaintext)


@transaction.atomic(durable=True)
def do_revoke_token(token: ApiToken, *, acting_user: User | None) -> ApiToken:
    """Revoke a token: from now on it opens nothing (401). A revoked token stays listed, greyed."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if acting_user is not None and acting_user.pk != token.user_id and not acting_user.is_superuser:
        raise PermissionDenied(_("Only the token's owner or an administrator may revoke it."))
    if token.revoked_at is not None:
        raise TokenError(_("This token is already revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    record_audit(
        actor=acting_user,
        action="api_token.revoke",
        instance=token,
        changes={"revoked_at": [None, str(token.revoked_at)]},
    )
    return token


def do_record_token_use(token: ApiToken, *, now: dt.datetime | None = None) -> None:
    """Note when the token was last used (at most once a minute; not audited: it changes no data)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= _USE_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
