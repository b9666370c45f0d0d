"""State changes of the key-account domain. Every write is atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.core.upserts import UpsertResult, index_by, layer_by_parent, upsert_objects
from kam.key_accounts.choices import (
    AccountStatus,
    Attitude,
    BuyingRole,
    ChangeSource,
    HistoryField,
    Phase,
    RelationshipLevel,
    RelationshipStage,
    TeamRole,
)
from kam.key_accounts.models import (
    Account,
    AccountAssessment,
    AccountChange,
    AccountTeamMember,
    Contact,
    Product,
    ProductLine,
    SurveyResponse,
)
from kam.key_accounts.queries import can_manage_account
from kam.users.choices import Department
from kam.users.models import User

Row = Mapping[str, Any]

_ACCOUNT_TEXT = ("name", "industry", "segment", "country", "size", "status", "tier", "phase")
_ACCOUNT_STAGES = ("relationship_stage", "target_stage")
_CONTACT_TEXT = (
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "buying_role",
    "attitude",
    "relationship_level",
)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _usernames_to_ids(usernames: Iterable[Any]) -> dict[str, int]:
    wanted = {str(name) for name in usernames if name}
    return dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))


def _add(total: UpsertResult, part: UpsertResult) -> UpsertResult:
    return UpsertResult(
        created=total.created + part.created,
        updated=total.updated + part.updated,
        unchanged=total.unchanged + part.unchanged,
    )


# --- the account's history (``AccountChange``) ----------------------------------------------

HISTORY_FIELDS: tuple[str, ...] = tuple(HistoryField.values)


def _history_text(name: str, value: Any, usernames: Mapping[int, str]) -> str:
    """A tracked field's value as the history stores it: codes, ``true``/``false``, the KAM's user name."""
    if value is None or value == "":
        return ""
    if name == HistoryField.IS_KEY_ACCOUNT:
        return "true" if value else "false"
    if name == HistoryField.OWNER:
        return usernames.get(value, str(value))
    return str(value)


def record_account_changes(
    changes: Iterable[tuple[Account, Mapping[str, Any], Mapping[str, Any]]],
    *,
    source: ChangeSource,
    reason: str,
    acting_user: User | None,
    usernames: Mapping[int, str] | None = None,
) -> list[AccountChange]:
    """Write one history row per tracked field (``HISTORY_FIELDS``) whose value differs.

    ``changes`` holds (account, before, after), values as ``snapshot_fields`` gives them (the
    KAM by user id); fields missing from ``after`` did not change. Every action that changes a
    tracked field calls this inside its transaction. One query, and one more to name the KAMs
    when ``usernames`` (user id → user name) is not given and a KAM changed.
    """
    pending = [
        (account, name, before.get(name), after[name])
        for account, before, after in changes
        for name in HISTORY_FIELDS
        if name in after and _history_text(name, before.get(name), {}) != _history_text(name, after[name], {})
    ]
    if not pending:
        return []
    if usernames is None:
        owners = {value for _account, name, *values in pending if name == HistoryField.OWNER for value in values}
        owners.discard(None)
        usernames = dict(User.objects.filter(pk__in=owners).values_list("pk", "username")) if owners else {}
    now = timezone.now()
    changed_by = acting_user if acting_user is not None and acting_user.pk else None
    rows = [
        AccountChange(
            account=account,
            field=name,
            old_value=_history_text(name, old, usernames),
            new_value=_history_text(name, new, usernames),
            changed_at=now,
            changed_by=changed_by,
            reason=reason,
            source=source,
        )
        for account, name, old, new in pending
    ]
    return AccountChange.objects.bulk_create(rows, batch_size=1000)


# --- alerts of events recorded here (``kam.alerts``) -----------------------------------------

# The relationship stages from the lowest (falling apart) to the highest.
_STAGE_RANK: dict[str, int] = {
    stage.value: rank
    for rank, stage in enumerate(
        (
            RelationshipStage.DISINTEGRATING,
            RelationshipStage.EXPLORATORY,
            RelationshipStage.BASIC,
            RelationshipStage.COOPERATIVE,
            RelationshipStage.INTERDEPENDENT,
            RelationshipStage.INTEGRATED,
        )
    )
}


def is_stage_drop(before: str, after: str) -> bool:
    """Whether moving from stage ``before`` to ``after`` goes down (disintegrating is the lowest)."""
    return before in _STAGE_RANK and after in _STAGE_RANK and _STAGE_RANK[after] < _STAGE_RANK[before]


def _raise_stage_drop(account: Account, before: str, after: str, acting_user: User | None) -> None:
    """Alert the account team when the relationship stage moves down (a lower rank in ``_STAGE_RANK``).

    The import and ``do_change_stage`` both call this: the event key (account, move, day) makes
    the same drop recorded twice on one day a single alert.
    """
    if not is_stage_drop(before, after):
        return
    # The alerts app builds on this one; imported here so that key_accounts does not import it at load time.
    from kam.alerts.actions import raise_alert
    from kam.alerts.choices import AlertKind, Severity

    labels = {"from": RelationshipStage(before).label, "to": RelationshipStage(after).label}
    raise_alert(
        account=account,
        kind=AlertKind.STAGE_DROP,
        event_key=f"account:{account.pk}:stage:{before}-{after}:{timezone.localdate().isoformat()}",
        title=_("Relationship stage dropped from %(from)s to %(to)s") % labels,
        severity=Severity.CRITICAL if after == RelationshipStage.DISINTEGRATING else Severity.WARNING,
        link=account.get_absolute_url(),
        acting_user=acting_user,
    )


def _raise_contact_departed(contact: Contact, account: Account, acting_user: User | None) -> None:
    """Alert the account team that a contact left the customer; a champion (or coach) lost is critical."""
    from kam.alerts.actions import raise_alert
    from kam.alerts.choices import AlertKind, Severity

    champion = contact.attitude == Attitude.CHAMPION or contact.buying_role == BuyingRole.COACH
    names = {"contact": contact, "account": account.name}
    if champion:
        kind, severity = AlertKind.CHAMPION_LOST, Severity.CRITICAL
        title = _("Champion lost: %(contact)s has left %(account)s") % names
    else:
        kind, severity = AlertKind.CONTACT_DEPARTED, Severity.WARNING
        title = _("Contact departed: %(contact)s has left %(account)s") % names
    role = contact.get_buying_role_display()
    raise_alert(
        account=account,
        kind=kind,
        event_key=f"contact:{contact.pk}:departed",
        title=title,
        detail=" · ".join(str(part) for part in (contact.title, role, contact.get_attitude_display()) if part),
        severity=severity,
        link=reverse("key_accounts:relationship_map", kwargs={"code": account.code}),
        acting_user=acting_user,
    )


@transaction.atomic
def do_import_accounts(
    rows: Sequence[Row], provided: Iterable[str], *, acting_user: User | None, file_name: str = ""
) -> UpsertResult:
    """Create or update accounts by code; only the provided fields are written.

    A parent may be another row of the same file: parents are written first. The
    importer has already rejected unknown parents and cycles. Changes of the tracked fields
    of existing accounts go into their history, with the reason "import <file_name>".
    """
    provided = set(provided)
    users = _usernames_to_ids(row.get("owner") for row in rows) if "owner" in provided else {}
    codes = [row["code"] for row in rows]
    parent_codes = {row["parent"] for row in rows if "parent" in provided and row["parent"]}
    # The owners come in the same query: their user names are the history's before-values.
    known = {
        account.code: account
        for account in Account.objects.filter(code__in={*codes, *parent_codes}).select_related("owner")
    }
    usernames = {account.owner.pk: account.owner.username for account in known.values() if account.owner is not None}
    usernames.update({pk: username for username, pk in users.items()})
    # Before-values of the tracked fields (the objects are updated in place): for the history and
    # for the alert of a stage that drops.
    in_file = set(codes)
    before = {code: snapshot_fields(account, HISTORY_FIELDS) for code, account in known.items() if code in in_file}
    layers, _cycle = (
        layer_by_parent(rows, key=("code",), parent=("parent",)) if "parent" in provided else ([list(rows)], [])
    )
    result = UpsertResult()
    for layer in layers:
        values: list[dict[str, Any]] = []
        for row in layer:
            item: dict[str, Any] = {"code": row["code"]}
            for name in (*_ACCOUNT_TEXT, *_ACCOUNT_STAGES):
                if name in provided:
                    item[name] = _text(row[name])
            if "status" in provided and not row["status"]:
                item["status"] = AccountStatus.CUSTOMER
            if "is_key_account" in provided and row["is_key_account"] is not None:
                item["is_key_account"] = row["is_key_account"]
            for name in ("key_account_since", "estimated_wallet"):
                if name in provided:
                    item[name] = row[name]
            if "owner" in provided:
                item["owner_id"] = users.get(row["owner"]) if row["owner"] else None
            if "parent" in provided:
                item["parent_id"] = known[row["parent"]].pk if row["parent"] else None
            values.append(item)
        existing: dict[Hashable, Account] = {(code,): account for code, account in known.items()}
        part, objects = upsert_objects(
            Account, values, key=("code",), existing=existing, actor=acting_user, action="account"
        )
        known.update({account.code: account for account in objects.values()})
        result = _add(result, part)
    reason = _("import %(file)s") % {"file": file_name} if file_name else _("import")
    record_account_changes(
        ((known[code], stored, snapshot_fields(known[code], HISTORY_FIELDS)) for code, stored in before.items()),
        source=ChangeSource.IMPORT,
        reason=reason,
        acting_user=acting_user,
        usernames=usernames,
    )
    if "relationship_stage" in provided:
        for code, stored in before.items():
            stage = known[code].relationship_stage
            _raise_stage_drop(known[code], stored[HistoryField.RELATIONSHIP_STAGE], stage, acting_user)
    return result


@transaction.atomic
def do_create_accounts_from_codes(codes: Iterable[str], *, acting_user: User | None) -> int:
    """Create bare accounts (name = code) for codes met in facts, when the mapping allows it."""
    rows = [{"code": code, "name": code} for code in sorted(set(codes))]
    result, _objects = upsert_objects(Account, rows, key=("code",), existing={}, actor=acting_user, action="account")
    return result.created


@transaction.atomic
def do_import_contacts(rows: Sequence[Row], provided: Iterable[str], *, acting_user: User | None) -> UpsertResult:
    """Create or update contacts by (account code, contact code); managers are written first."""
    provided = set(provided)
    accounts = dict(Account.objects.filter(code__in={row["account"] for row in rows}).values_list("code", "pk"))
    owners = (
        _usernames_to_ids(row.get("relationship_owner") for row in rows) if "relationship_owner" in provided else {}
    )
    known = index_by(Contact.objects.filter(account_id__in=accounts.values()), "account_id", "code")
    # Who is active before the import: a contact the file marks inactive has left the customer.
    active_before = {key for key, contact in known.items() if contact.is_active}
    layers, _cycle = (
        layer_by_parent(rows, key=("account", "code"), parent=("account", "reports_to"))
        if "reports_to" in provided
        else ([list(rows)], [])
    )
    result = UpsertResult()
    for layer in layers:
        values: list[dict[str, Any]] = []
        for row in layer:
            account_id = accounts[row["account"]]
            item: dict[str, Any] = {"account_id": account_id, "code": row["code"]}
            for name in _CONTACT_TEXT:
                if name in provided:
                    item[name] = _text(row[name])
            for name in ("influence", "last_contact_at"):
                if name in provided:
                    item[name] = row[name]
            if "is_active" in provided and row["is_active"] is not None:
                item["is_active"] = row["is_active"]
            if "relationship_owner" in provided:
                owner = row["relationship_owner"]
                item["relationship_owner_id"] = owners.get(owner) if owner else None
            if "reports_to" in provided:
                item["reports_to_id"] = known[(account_id, row["reports_to"])].pk if row["reports_to"] else None
            values.append(item)
        part, objects = upsert_objects(
            Contact, values, key=("account_id", "code"), existing=known, actor=acting_user, action="contact"
        )
        known.update(objects)
        result = _add(result, part)
    if "is_active" in provided:
        departed = [known[key] for key in active_before if not known[key].is_active]
        if departed:
            by_id = {account.pk: account for account in Account.objects.filter(pk__in={c.account_id for c in departed})}
            for contact in departed:
                _raise_contact_departed(contact, by_id[contact.account_id], acting_user)
    return result


@transaction.atomic
def do_import_products(rows: Sequence[Row], provided: Iterable[str], *, acting_user: User | None) -> UpsertResult:
    """Create or update products by code; product lines named in the file are created as needed."""
    provided = set(provided)
    lines: dict[str, ProductLine] = {}
    if "product_line" in provided:
        line_rows: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["product_line"]:
                name = row.get("product_line_name") or row["product_line"]
                line_rows[row["product_line"]] = {"code": row["product_line"], "name": name}
        existing_lines = index_by(ProductLine.objects.filter(code__in=list(line_rows)), "code")
        # Only name new lines from the file; an existing line keeps its name unless the file names it.
        line_values = [
            item for code, item in line_rows.items() if (code,) not in existing_lines or "product_line_name" in provided
        ]
        _lines_result, line_objects = upsert_objects(
            ProductLine, line_values, key=("code",), existing=existing_lines, actor=acting_user, action="product_line"
        )
        lines = {line.code: line for line in (*existing_lines.values(), *line_objects.values())}
    values: list[dict[str, Any]] = []
    for row in rows:
        item: dict[str, Any] = {"code": row["code"], "name": _text(row["name"])}
        if "product_line" in provided:
            item["product_line_id"] = lines[row["product_line"]].pk if row["product_line"] else None
        for name in ("list_price", "unit_cost"):
            if name in provided:
                item[name] = row[name]
        if "is_active" in provided and row["is_active"] is not None:
            item["is_active"] = row["is_active"]
        values.append(item)
    existing = index_by(Product.objects.filter(code__in=[row["code"] for row in rows]), "code")
    result, _objects = upsert_objects(
        Product, values, key=("code",), existing=existing, actor=acting_user, action="product"
    )
    return result


@transaction.atomic
def do_add_team_member(
    account: Account,
    user: User,
    *,
    role: str,
    department: str | None = None,
    acting_user: User | None,
) -> AccountTeamMember:
    """Put ``user`` on the account's team with ``role`` (one membership per person and account)."""
    if role not in TeamRole.values:
        raise ValidationError(_("Unknown team role %(role)s.") % {"role": role})
    if AccountTeamMember.objects.filter(account=account, user=user).exists():
        raise ValidationError(_("%(user)s is already on the team of %(account)s.") % {"user": user, "account": account})
    member = AccountTeamMember.objects.create(
        account=account, user=user, role=role, department=department or user.department
    )
    record_audit(
        actor=acting_user,
        action="account_team_member.create",
        instance=member,
        changes={"account": [None, account.pk], "user": [None, user.pk], "role": [None, role]},
    )
    return member


@transaction.atomic
def do_import_team_members(rows: Sequence[Row], provided: Iterable[str], *, acting_user: User | None) -> UpsertResult:
    """Create or update account-team memberships by (account code, username).

    Without a department column, a member's department is the person's own.
    """
    provided = set(provided)
    accounts = dict(Account.objects.filter(code__in={row["account"] for row in rows}).values_list("code", "pk"))
    users = {user.username: user for user in User.objects.filter(username__in={row["username"] for row in rows})}
    values = []
    for row in rows:
        user = users[row["username"]]
        item: dict[str, Any] = {"account_id": accounts[row["account"]], "user_id": user.pk, "role": row["role"]}
        if "department" in provided and row["department"]:
            item["department"] = row["department"]
        values.append(item)
    existing = index_by(AccountTeamMember.objects.filter(account_id__in=accounts.values()), "account_id", "user_id")
    departments = {user.pk: user.department for user in users.values()}
    for item in values:
        if (item["account_id"], item["user_id"]) not in existing and "department" not in item:
            item["department"] = departments[item["user_id"]]
    result, _objects = upsert_objects(
        AccountTeamMember,
        values,
        key=("account_id", "user_id"),
        existing=existing,
        actor=acting_user,
        action="account_team_member",
    )
    return result


# --- the relationship map: contacts edited one at a time ---------------------------------

CONTACT_FIELDS = (
    "code",
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "reports_to",
    "buying_role",
    "influence",
    "attitude",
    "relationship_owner",
    "relationship_level",
    "last_contact_at",
)
_CONTACT_CHOICES = {
    "buying_role": (gettext_lazy("Buying role"), BuyingRole.values),
    "attitude": (gettext_lazy("Attitude to us"), Attitude.values),
    "relationship_level": (gettext_lazy("Relationship level"), RelationshipLevel.values),
}


def _check_manages(account: Account, acting_user: User) -> None:
    if not can_manage_account(acting_user, account):
        raise PermissionDenied(_("Only the account's key account manager or a director may edit its contacts."))


def _validate_contact(account: Account, contact: Contact | None, values: Mapping[str, Any]) -> None:
    """Raise a ``ValidationError`` keyed by field for everything wrong with ``values``."""
    errors: dict[str, str] = {}
    code = values.get("code") or ""
    if not code.strip():
        errors["code"] = _("Code: give the contact a code, unique within the account.")
    elif account.contacts.filter(code=code).exclude(pk=contact.pk if contact else 0).exists():
        errors["code"] = _("Code: %(code)s is already used by another contact of this account.") % {"code": code}
    if not (values.get("last_name") or "").strip():
        errors["last_name"] = _("Last name: give the contact's last name.")
    influence = values.get("influence")
    if influence is not None and not (isinstance(influence, int) and 1 <= influence <= 5):
        errors["influence"] = _("Influence: must be a whole number from 1 to 5.")
    for name, (label, allowed) in _CONTACT_CHOICES.items():
        if values.get(name) and values[name] not in allowed:
            errors[name] = _("%(field)s: %(value)s is not a known choice.") % {"field": label, "value": values[name]}
    manager = values.get("reports_to")
    if manager is not None:
        if manager.account_id != account.pk:
            errors["reports_to"] = _("Reports to: the manager must be a contact of the same account.")
        elif contact is not None and manager.pk == contact.pk:
            errors["reports_to"] = _("Reports to: a contact cannot report to themselves.")
        elif contact is not None:
            # Walk up from the new manager: meeting the contact again would close a cycle.
            seen: set[int] = set()
            current: Contact | None = manager
            while current is not None and current.pk not in seen:
                if current.reports_to_id == contact.pk:
                    errors["reports_to"] = _(
                        "Reports to: %(manager)s already reports, directly or not, to %(contact)s; "
                        "that would make a cycle."
                    ) % {"manager": manager, "contact": contact}
                    break
                seen.add(current.pk)
                current = current.reports_to
    if errors:
        raise ValidationError(errors)


def _contact_values(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for name in CONTACT_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in ("reports_to", "relationship_owner", "influence", "last_contact_at"):
            cleaned[name] = value
        else:
            cleaned[name] = _text(value).strip()
    return cleaned


@transaction.atomic(durable=True)
def do_add_contact(account: Account, values: Mapping[str, Any], *, acting_user: User) -> Contact:
    """Add a person to the account's buying centre; ``values`` holds fields of ``CONTACT_FIELDS``."""
    _check_manages(account, acting_user)
    cleaned = _contact_values(values)
    _validate_contact(account, None, cleaned)
    contact = Contact.objects.create(account=account, **cleaned)
    record_audit(
        actor=acting_user,
        action="contact.create",
        instance=contact,
        changes=diff_snapshots({}, snapshot_fields(contact, ("account", *CONTACT_FIELDS, "is_active"))),
    )
    return contact


@transaction.atomic(durable=True)
def do_update_contact(contact: Contact, values: Mapping[str, Any], *, acting_user: User) -> Contact:
    """Change the fields given in ``values`` (of ``CONTACT_FIELDS``); the others keep their value."""
    contact = Contact.objects.select_for_update().select_related("account").get(pk=contact.pk)
    _check_manages(contact.account, acting_user)
    cleaned = _contact_values(values)
    merged = {name: getattr(contact, name) for name in CONTACT_FIELDS} | cleaned
    _validate_contact(contact.account, contact, merged)
    before = snapshot_fields(contact, CONTACT_FIELDS)
    for name, value in cleaned.items():
        setattr(contact, name, value)
    changes = diff_snapshots(before, snapshot_fields(contact, CONTACT_FIELDS))
    if changes:
        contact.save()
        record_audit(actor=acting_user, action="contact.update", instance=contact, changes=changes)
    return contact


@transaction.atomic(durable=True)
def do_mark_contact_left(contact: Contact, *, acting_user: User) -> Contact:
    """Record that the person has left the customer (kept on the map, greyed, for its history).

    The account team is alerted: contact departed, or champion lost (critical) for a champion or coach.
    """
    contact = Contact.objects.select_for_update().select_related("account").get(pk=contact.pk)
    _check_manages(contact.account, acting_user)
    if not contact.is_active:
        raise ValidationError(_("%(contact)s is already recorded as having left the customer.") % {"contact": contact})
    contact.is_active = False
    contact.save(update_fields=["is_active", "updated_at"])
    record_audit(actor=acting_user, action="contact.leave", instance=contact, changes={"is_active": [True, False]})
    _raise_contact_departed(contact, contact.account, acting_user)
    return contact


# --- the account team: members added, changed and removed by the account's managers -------

TEAM_MEMBER_FIELDS = ("account", "user", "role", "department")


def _check_manages_team(account: Account, acting_user: User) -> None:
    if not can_manage_account(acting_user, account):
        raise PermissionDenied(_("Only the account's key account manager or a director may change its team."))


def _validate_team_values(role: str, department: str) -> dict[str, str]:
    """Errors keyed by field for a role or department that is not a known choice."""
    errors: dict[str, str] = {}
    if role not in TeamRole.values:
        errors["role"] = _("Role on the account: %(value)s is not a known choice.") % {"value": role}
    if department not in Department.values:
        errors["department"] = _("Department: %(value)s is not a known choice.") % {"value": department}
    return errors


@transaction.atomic(durable=True)
def do_assign_team_member(
    account: Account,
    user: User,
    *,
    role: str,
    department: str = "",
    acting_user: User,
) -> AccountTeamMember:
    """Put ``user`` on the account's team, as one of its managers does from the team tab.

    Unlike ``do_add_team_member`` (imports, set-up), this checks that ``acting_user`` may manage
    the account and reports every problem keyed by field. Without ``department``, the member's
    department on the account is the person's own.
    """
    _check_manages_team(account, acting_user)
    department = department or user.department
    errors = _validate_team_values(role, department)
    if not user.is_active:
        errors["user"] = _("User: %(user)s is inactive and cannot join the team.") % {"user": user}
    elif AccountTeamMember.objects.filter(account=account, user=user).exists():
        errors["user"] = _("User: %(user)s is already on the team of this account.") % {"user": user}
    if errors:
        raise ValidationError(errors)
    member = AccountTeamMember.objects.create(account=account, user=user, role=role, department=department)
    record_audit(
        actor=acting_user,
        action="account_team_member.create",
        instance=member,
        changes=diff_snapshots({}, snapshot_fields(member, TEAM_MEMBER_FIELDS)),
    )
    return member


@transaction.atomic(durable=True)
def do_update_team_member(
    member: AccountTeamMember,
    *,
    role: str | None = None,
    department: str | None = None,
    acting_user: User,
) -> AccountTeamMember:
    """Change a member's role and/or department on the account; ``None`` keeps the current value."""
    member = AccountTeamMember.objects.select_for_update().select_related("account", "user").get(pk=member.pk)
    _check_manages_team(member.account, acting_user)
    new_role = member.role if role is None else role
    new_department = member.department if department is None else department
    errors = _validate_team_values(new_role, new_department)
    if errors:
        raise ValidationError(errors)
    before = snapshot_fields(member, ("role", "department"))
    member.role = new_role
    member.department = new_department
    changes = diff_snapshots(before, snapshot_fields(member, ("role", "department")))
    if changes:
        member.save(update_fields=["role", "department", "updated_at"])
        record_audit(actor=acting_user, action="account_team_member.update", instance=member, changes=changes)
    return member


@transaction.atomic(durable=True)
def do_remove_team_member(member: AccountTeamMember, *, acting_user: User) -> None:
    """Take a member off the account's team; the audit trail keeps the values they had."""
    member = AccountTeamMember.objects.select_for_update().select_related("account", "user").get(pk=member.pk)
    _check_manages_team(member.account, acting_user)
    before = snapshot_fields(member, TEAM_MEMBER_FIELDS)
    record_audit(
        actor=acting_user,
        action="account_team_member.delete",
        instance=member,
        changes={name: [value, None] for name, value in before.items()},
    )
    member.delete()


# --- phase and relationship stage, changed on the account page ---------------------------


def _check_manages_account(account: Account, acting_user: User) -> None:
    if not can_manage_account(acting_user, account):
        raise PermissionDenied(_("Only the account's key account manager or a director may change it."))


def _change_tracked_field(
    account: Account,
    name: str,
    value: str,
    *,
    allowed: Sequence[str],
    label: str,
    reason: str,
    acting_user: User,
) -> tuple[Account, str]:
    """Lock the account, check, set ``name`` to ``value``, audit it and record it in the history.

    Returns the locked account and the value it had before.
    """
    account = Account.objects.select_for_update().get(pk=account.pk)
    _check_manages_account(account, acting_user)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    before = getattr(account, name)
    if value not in allowed:
        errors[name] = _("%(field)s: %(value)s is not a known choice.") % {"field": label, "value": value}
    elif value == before:
        errors[name] = _("%(field)s: the account already has this value.") % {"field": label}
    if not reason:
        errors["reason"] = _("Reason: say why the account changes; it is kept in the account's history.")
    if errors:
        raise ValidationError(errors)
    setattr(account, name, value)
    account.save(update_fields=[name, "updated_at"])
    record_audit(
        actor=acting_user,
        action=f"account.change_{name}",
        instance=account,
        changes={name: [before, value], "reason": [None, reason]},
    )
    record_account_changes(
        [(account, {name: before}, {name: value})], source=ChangeSource.UI, reason=reason, acting_user=acting_user
    )
    return account, before


@transaction.atomic(durable=True)
def do_change_phase(account: Account, phase: str, *, reason: str, acting_user: User) -> Account:
    """Move the account to another phase (growth, maintenance, cost reduction), saying why."""
    account, _before = _change_tracked_field(
        account,
        HistoryField.PHASE,
        phase,
        allowed=Phase.values,
        label=str(HistoryField.PHASE.label),
        reason=reason,
        acting_user=acting_user,
    )
    return account


@transaction.atomic(durable=True)
def do_change_stage(account: Account, stage: str, *, reason: str, acting_user: User) -> Account:
    """Move the account to another relationship stage, saying why.

    A move down (disintegrating is the lowest) alerts the account team, once per move and day.
    """
    account, before = _change_tracked_field(
        account,
        HistoryField.RELATIONSHIP_STAGE,
        stage,
        allowed=RelationshipStage.values,
        label=str(HistoryField.RELATIONSHIP_STAGE.label),
        reason=reason,
        acting_user=acting_user,
    )
    _raise_stage_drop(account, before, stage, acting_user)
    return account


# --- surveys (the customer's rating of us) and our assessment of the customer --------------

SURVEY_FIELDS = ("code", "answered_on", "satisfaction", "nps", "contact", "comment")


def _survey_errors(satisfaction: Any, nps: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (isinstance(satisfaction, int) and 1 <= satisfaction <= 10):
        errors["satisfaction"] = _("Satisfaction: must be a whole number from 1 to 10.")
    if nps is not None and not (isinstance(nps, int) and 0 <= nps <= 10):
        errors["nps"] = _("Likelihood to recommend: must be a whole number from 0 to 10.")
    return errors


@transaction.atomic(durable=True)
def do_record_survey(
    account: Account,
    *,
    code: str,
    answered_on: dt.date,
    satisfaction: int,
    nps: int | None = None,
    contact: Contact | None = None,
    comment: str = "",
    acting_user: User,
) -> SurveyResponse:
    """Record one answer of the customer to a satisfaction survey, typed in by one of the account's managers."""
    _check_manages_account(account, acting_user)
    code = (code or "").strip()
    errors = _survey_errors(satisfaction, nps)
    if not code:
        errors["code"] = _("Code: give the answer a code, unique within the account.")
    elif SurveyResponse.objects.filter(account=account, code=code).exists():
        errors["code"] = _("Code: %(code)s is already used by another survey answer of this account.") % {"code": code}
    if contact is not None and contact.account_id != account.pk:
        errors["contact"] = _("Contact: must be a contact of the same account.")
    if errors:
        raise ValidationError(errors)
    survey = SurveyResponse.objects.create(
        account=account,
        code=code,
        answered_on=answered_on,
        satisfaction=satisfaction,
        nps=nps,
        contact=contact,
        comment=(comment or "").strip(),
    )
    record_audit(
        actor=acting_user,
        action="survey_response.create",
        instance=survey,
        changes=diff_snapshots({}, snapshot_fields(survey, ("account", *SURVEY_FIELDS))),
    )
    return survey


@transaction.atomic
def do_import_surveys(
    rows: Sequence[Row], provided: Iterable[str], *, acting_user: User | None, file_name: str = ""
) -> UpsertResult:
    """Create or update survey answers by (account code, answer code).

    The importer has already rejected unknown accounts and contacts and values out of range,
    so a file is written whole or not at all; the same file again changes nothing.
    """
    provided = set(provided)
    accounts = dict(Account.objects.filter(code__in={row["account"] for row in rows}).values_list("code", "pk"))
    contacts: dict[tuple[int, str], int] = {}
    if "contact" in provided:
        contacts = {
            (account_id, code): pk
            for account_id, code, pk in Contact.objects.filter(account_id__in=accounts.values()).values_list(
                "account_id", "code", "pk"
            )
        }
    values: list[dict[str, Any]] = []
    for row in rows:
        account_id = accounts[row["account"]]
        item: dict[str, Any] = {
            "account_id": account_id,
            "code": row["code"],
            "answered_on": row["answered_on"],
            "satisfaction": row["satisfaction"],
        }
        if "nps" in provided:
            item["nps"] = row["nps"]
        if "contact" in provided:
            item["contact_id"] = contacts[(account_id, row["contact"])] if row["contact"] else None
        if "comment" in provided:
            item["comment"] = _text(row["comment"])
        values.append(item)
    existing = index_by(SurveyResponse.objects.filter(account_id__in=accounts.values()), "account_id", "code")
    result, _objects = upsert_objects(
        SurveyResponse,
        values,
        key=("account_id", "code"),
        existing=existing,
        actor=acting_user,
        action="survey_response",
    )
    return result


@transaction.atomic(durable=True)
def do_record_assessment(
    account: Account,
    *,
    rating: int,
    note: str = "",
    assessed_on: dt.date | None = None,
    acting_user: User,
) -> AccountAssessment:
    """Record our view of how much the customer values and commits to the relationship (1–10)."""
    _check_manages_account(account, acting_user)
    if not (isinstance(rating, int) and 1 <= rating <= 10):
        raise ValidationError({"rating": _("Rating: must be a whole number from 1 to 10.")})
    assessment = AccountAssessment.objects.create(
        account=account,
        assessed_on=assessed_on or timezone.localdate(),
        rating=rating,
        assessed_by=acting_user,
        note=(note or "").strip(),
    )
    record_audit(
        actor=acting_user,
        action="account_assessment.create",
        instance=assessment,
        changes=diff_snapshots(
            {}, snapshot_fields(assessment, ("account", "assessed_on", "rating", "assessed_by", "note"))
        ),
    )
    return assessment
