"""REST API of service cases: list and read the cases of the accounts one sees; open, correct, answer, resolve,
close and reopen them through the actions."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user, one_or_404
from kam.key_accounts.queries import access_account_by_code, visible_accounts
from kam.service.actions import (
    CaseChanges,
    CaseDetails,
    do_close_case,
    do_open_case,
    do_record_first_response,
    do_reopen_case,
    do_resolve_case,
    do_update_case,
)
from kam.service.choices import OPEN_STATUSES
from kam.service.models import ServiceCase
from kam.service.schemas import CaseFilters, CaseIn, CaseOut, CasePatch, CloseCaseIn, FirstResponseIn, ResolveCaseIn
from kam.touchpoints.api import contact_by_code, user_by_username
from kam.users.models import User

router = Router(tags=["service cases"])


def _visible_cases(user: User) -> QuerySet[ServiceCase]:
    return ServiceCase.objects.filter(account__in=visible_accounts(user).values("pk")).select_related(
        "account", "owner", "contact"
    )


def _case(user: User, pk: int) -> ServiceCase:
    return one_or_404(_visible_cases(user), _("No case with this number."), pk=pk)


@router.get("/cases", response={200: list[CaseOut], **READ_ERRORS}, summary="List service cases")
@paginate(PageNumberPagination)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> QuerySet[ServiceCase]:
    """The cases of the accounts you see, newest first."""
    cases = _visible_cases(acting_user(request))
    if filters.account is not None:
        cases = cases.filter(account__code=filters.account)
    if filters.status is not None:
        cases = cases.filter(status=filters.status)
    if filters.type is not None:
        cases = cases.filter(type=filters.type)
    if filters.open is True:
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.open is False:
        cases = cases.exclude(status__in=OPEN_STATUSES)
    return cases.order_by("-opened_at", "-id")


@router.get("/cases/{case_id}", response={200: CaseOut, **READ_ERRORS}, summary="Get a service case")
def get_case(request: HttpRequest, case_id: int) -> ServiceCase:
    """One case, if you see its account."""
    return _case(acting_user(request), case_id)


@router.post("/accounts/{code}/cases", response={201: CaseOut, **WRITE_ERRORS}, summary="Open a service case")
def create_case(request: HttpRequest, code: str, payload: CaseIn) -> Status[ServiceCase]:
    """Open a case on the account (its managers and team, not viewers). A complaint raises an alert."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    details = CaseDetails(
        type=payload.type,
        subject=payload.subject,
        description=payload.description,
        opened_at=payload.opened_at,
        priority=payload.priority,
        owner=user_by_username(payload.owner, "owner"),
        department=payload.department,
        contact=contact_by_code(account, payload.contact, "contact"),
        reference=payload.reference,
        due_at=payload.due_at,
        code=payload.code,
    )
    case = do_open_case(account, details, acting_user=user)
    return Status(201, _case(user, case.pk))


@router.patch("/cases/{case_id}", response={200: CaseOut, **WRITE_ERRORS}, summary="Correct a service case")
def update_case(request: HttpRequest, case_id: int, payload: CasePatch) -> ServiceCase:
    """Change the fields sent; the others keep their value. A new promised due time moves the resolution target."""
    user = acting_user(request)
    case = _case(user, case_id)
    sent = payload.model_dump(exclude_unset=True)
    changes = CaseChanges(
        subject=sent.get("subject", case.subject),
        description=sent.get("description", case.description),
        priority=sent.get("priority", case.priority),
        owner=user_by_username(sent["owner"], "owner") if "owner" in sent else case.owner,
        department=sent.get("department", case.department),
        contact=contact_by_code(case.account, sent["contact"], "contact") if "contact" in sent else case.contact,
        status=sent.get("status", case.status),
        due_at=sent.get("due_at", case.due_at),
        reference=sent.get("reference", case.reference),
    )
    do_update_case(case, changes, acting_user=user)
    return _case(user, case_id)


@router.post(
    "/cases/{case_id}/first-response", response={200: CaseOut, **WRITE_ERRORS}, summary="Record the first response"
)
def record_first_response(request: HttpRequest, case_id: int, payload: FirstResponseIn) -> ServiceCase:
    """Record our first answer to the customer: the response clock stops."""
    user = acting_user(request)
    do_record_first_response(_case(user, case_id), payload.at, acting_user=user)
    return _case(user, case_id)


@router.post("/cases/{case_id}/resolve", response={200: CaseOut, **WRITE_ERRORS}, summary="Resolve a service case")
def resolve_case(request: HttpRequest, case_id: int, payload: ResolveCaseIn) -> ServiceCase:
    """Resolve the case: the resolution clock stops."""
    user = acting_user(request)
    do_resolve_case(_case(user, case_id), payload.at, payload.note, acting_user=user)
    return _case(user, case_id)


@router.post("/cases/{case_id}/close", response={200: CaseOut, **WRITE_ERRORS}, summary="Close a service case")
def close_case(request: HttpRequest, case_id: int, payload: CloseCaseIn) -> ServiceCase:
    """Close the case; one not resolved yet is resolved now (or at ``at``)."""
    user = acting_user(request)
    do_close_case(_case(user, case_id), payload.at, acting_user=user)
    return _case(user, case_id)


@router.post("/cases/{case_id}/reopen", response={200: CaseOut, **WRITE_ERRORS}, summary="Reopen a service case")
def reopen_case(request: HttpRequest, case_id: int) -> ServiceCase:
    """Reopen a resolved or closed case: its resolution clock runs again from the opening."""
    user = acting_user(request)
    do_reopen_case(_case(user, case_id), acting_user=user)
    return _case(user, case_id)
