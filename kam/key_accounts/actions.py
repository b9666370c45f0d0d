"""State changes of the key-account domain. Every write is atomic and audited."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.core.upserts import UpsertResult, index_by, layer_by_parent, upsert_objects
from kam.key_accounts.choices import AccountStatus, Attitude, BuyingRole, RelationshipLevel, TeamRole
from kam.key_accounts.models import Account, AccountTeamMember, Contact, Product, ProductLine
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


@transaction.atomic
def do_import_accounts(rows: Sequence[Row], provided: Iterable[str], *, acting_user: User | None) -> UpsertResult:
    """Create or update accounts by code; only the provided fields are written.

    A parent may be another row of the same file: parents are written first. The
    importer has already rejected unknown parents and cycles.
    """
    provided = set(provided)
    users = _usernames_to_ids(row.get("owner") for row in rows) if "owner" in provided else {}
    codes = [row["code"] for row in rows]
    parent_codes = {row["parent"] for row in rows if "parent" in provided and row["parent"]}
    known = {account.code: account for account in Account.objects.filter(code__in={*codes, *parent_codes})}
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
    """Record that the person has left the customer (kept on the map, greyed, for its history)."""
    contact = Contact.objects.select_for_update().select_related("account").get(pk=contact.pk)
    _check_manages(contact.account, acting_user)
    if not contact.is_active:
        raise ValidationError(_("%(contact)s is already recorded as having left the customer.") % {"contact": contact})
    contact.is_active = False
    contact.save(update_fields=["is_active", "updated_at"])
    record_audit(actor=acting_user, action="contact.leave", instance=contact, changes={"is_active": [True, False]})
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
