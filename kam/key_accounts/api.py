"""REST API of accounts, their contacts and their teams.

Reads go through ``visible_accounts`` / ``access_account_by_code`` (an account one cannot see is
a 404, as if it did not exist); writes go through the actions, which check who may make them.
The account itself is read-only here except for its phase and relationship stage, the two
fields the UI changes through actions; the rest comes from the ERP import.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user, apply_ordering
from kam.key_accounts.actions import do_add_contact, do_change_phase, do_change_stage, do_update_contact
from kam.key_accounts.models import Account, AccountTeamMember, Contact
from kam.key_accounts.queries import access_account_by_code, visible_accounts
from kam.key_accounts.schemas import (
    ACCOUNT_ORDERING,
    AccountFilters,
    AccountOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    PhaseChangeIn,
    StageChangeIn,
    TeamMemberOut,
)
from kam.kpis.models import AccountAnalysis
from kam.users.models import User

router = Router(tags=["accounts"])


@router.get("/accounts", response={200: list[AccountOut], **READ_ERRORS}, summary="List accounts")
@paginate(PageNumberPagination)
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> QuerySet[Account]:
    """The accounts you see: directors every one; others those they own or are on the team of."""
    accounts = visible_accounts(acting_user(request))
    if filters.is_key_account is not None:
        accounts = accounts.filter(is_key_account=filters.is_key_account)
    for name in ("tier", "phase", "status"):
        value = getattr(filters, name)
        if value is not None:
            accounts = accounts.filter(**{name: value})
    if filters.owner is not None:
        accounts = accounts.filter(owner__username=filters.owner)
    if filters.q:
        accounts = accounts.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q))
    if filters.ordering and filters.ordering.removeprefix("-") == "revenue":
        latest = AccountAnalysis.objects.filter(account=OuterRef("pk")).order_by("-as_of").values("revenue")[:1]
        accounts = accounts.annotate(latest_revenue=Subquery(latest))
    return apply_ordering(accounts, filters.ordering, ACCOUNT_ORDERING, tiebreak=("code",))


@router.get("/accounts/{code}", response={200: AccountOut, **READ_ERRORS}, summary="Get an account")
def get_account(request: HttpRequest, code: str) -> Account:
    """One account by its code (the customer's id in your ERP)."""
    return access_account_by_code(acting_user(request), code)


@router.post("/accounts/{code}/phase", response={200: AccountOut, **WRITE_ERRORS}, summary="Change the phase")
def change_phase(request: HttpRequest, code: str, payload: PhaseChangeIn) -> Account:
    """Move the account to another phase (its KAM or a director), saying why."""
    user = acting_user(request)
    account = do_change_phase(
        access_account_by_code(user, code), payload.phase, reason=payload.reason, acting_user=user
    )
    return access_account_by_code(user, account.code)


@router.post("/accounts/{code}/stage", response={200: AccountOut, **WRITE_ERRORS}, summary="Change the stage")
def change_stage(request: HttpRequest, code: str, payload: StageChangeIn) -> Account:
    """Move the account to another relationship stage (its KAM or a director); a drop alerts the team."""
    user = acting_user(request)
    account = do_change_stage(
        access_account_by_code(user, code), payload.stage, reason=payload.reason, acting_user=user
    )
    return access_account_by_code(user, account.code)


# --- contacts -----------------------------------------------------------------------------------


def _contacts(account: Account) -> QuerySet[Contact]:
    return account.contacts.select_related("reports_to", "relationship_owner").order_by(
        "last_name", "first_name", "code"
    )


def _contact_values(account: Account, values: dict[str, Any]) -> dict[str, Any]:
    """Turn the codes and usernames of the request into the contact and user they name."""
    errors: dict[str, str] = {}
    if "reports_to" in values and values["reports_to"] is not None:
        manager = account.contacts.filter(code=values["reports_to"]).first()
        if manager is None:
            errors["reports_to"] = _("Reports to: %(code)s is not a contact of this account.") % {
                "code": values["reports_to"]
            }
        values["reports_to"] = manager
    if "relationship_owner" in values and values["relationship_owner"] is not None:
        owner = User.objects.filter(username=values["relationship_owner"]).first()
        if owner is None:
            errors["relationship_owner"] = _("Relationship owner: there is no user %(username)s.") % {
                "username": values["relationship_owner"]
            }
        values["relationship_owner"] = owner
    if errors:
        raise ValidationError(errors)
    return values


@router.get(
    "/accounts/{code}/contacts", response={200: list[ContactOut], **READ_ERRORS}, summary="List an account's contacts"
)
@paginate(PageNumberPagination)
def list_contacts(request: HttpRequest, code: str, is_active: bool | None = None) -> QuerySet[Contact]:
    """The people of the customer's buying centre; ``is_active=false`` lists those who left."""
    contacts = _contacts(access_account_by_code(acting_user(request), code))
    return contacts if is_active is None else contacts.filter(is_active=is_active)


@router.post(
    "/accounts/{code}/contacts", response={201: ContactOut, **WRITE_ERRORS}, summary="Add a contact to an account"
)
def create_contact(request: HttpRequest, code: str, payload: ContactIn) -> Status[Contact]:
    """Add a person to the buying centre (the account's KAM or a director)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    contact = do_add_contact(account, _contact_values(account, payload.dict()), acting_user=user)
    return Status(201, _contacts(account).get(pk=contact.pk))


@router.patch(
    "/accounts/{code}/contacts/{contact_code}",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Change a contact",
)
def update_contact(request: HttpRequest, code: str, contact_code: str, payload: ContactPatch) -> Contact:
    """Change the fields sent; the others keep their value (the account's KAM or a director)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    contact = _contacts(account).filter(code=contact_code).first()
    if contact is None:
        raise Http404(_("No contact with this code on this account."))
    values = _contact_values(account, payload.dict(exclude_unset=True))
    do_update_contact(contact, values, acting_user=user)
    return _contacts(account).get(pk=contact.pk)


# --- the account team ---------------------------------------------------------------------------


@router.get(
    "/accounts/{code}/team", response={200: list[TeamMemberOut], **READ_ERRORS}, summary="List an account's team"
)
@paginate(PageNumberPagination)
def list_team(request: HttpRequest, code: str) -> QuerySet[AccountTeamMember]:
    """Our people on the account's cross-functional team, by role."""
    account = access_account_by_code(acting_user(request), code)
    return account.team.select_related("user").order_by("role", "user__username")
