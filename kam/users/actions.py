"""State changes for users. Every write is atomic and audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kam.core.audit import build_audit_record, record_audit, snapshot_fields
from kam.core.models import AuditRecord
from kam.core.upserts import UpsertResult, index_by, upsert_objects
from kam.users.choices import Department, Role
from kam.users.models import User

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
