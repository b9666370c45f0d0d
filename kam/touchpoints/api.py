"""REST API of touchpoints and meetings: list an account's, log new ones, correct meetings and complete
their follow-ups through the actions.

Logging a negative touchpoint or a complaint raises its alert for the account team, as in the UI
(``do_log_touchpoint`` does it).
"""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user, one_or_404
from kam.key_accounts.models import Account, Contact
from kam.key_accounts.queries import access_account_by_code
from kam.touchpoints.actions import (
    MeetingDetails,
    TouchpointDetails,
    do_complete_follow_up,
    do_log_meeting,
    do_log_touchpoint,
    do_update_meeting,
)
from kam.touchpoints.models import Meeting, Touchpoint
from kam.touchpoints.queries import account_meetings
from kam.touchpoints.schemas import (
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    TouchpointFilters,
    TouchpointIn,
    TouchpointOut,
)
from kam.users.models import User

router = Router(tags=["touchpoints"])


def _touchpoints(account: Account) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.filter(account=account).select_related("account", "contact", "user")


def _meeting(account: Account, pk: int) -> Meeting:
    return one_or_404(account_meetings(account), _("No such meeting for this account."), pk=pk)


def contact_by_code(account: Account, code: str | None, field: str) -> Contact | None:
    """The account's contact ``code`` (None for None); a 422 naming ``field`` when there is none."""
    if code is None:
        return None
    contact = account.contacts.filter(code=code).first()
    if contact is None:
        raise ValidationError({field: _("%(code)s is not a contact of this account.") % {"code": code}})
    return contact


def user_by_username(username: str | None, field: str) -> User | None:
    """The user ``username`` (None for None); a 422 naming ``field`` when there is none."""
    if username is None:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError({field: _("There is no user %(username)s.") % {"username": username}})
    return user


def contacts_by_codes(account: Account, codes: list[str], field: str) -> list[Contact]:
    """The account's contacts ``codes``, in their order, in one query; a 422 naming ``field`` for the first unknown."""
    found = {contact.code: contact for contact in account.contacts.filter(code__in=codes)}
    for code in codes:
        if code not in found:
            raise ValidationError({field: _("%(code)s is not a contact of this account.") % {"code": code}})
    return [found[code] for code in codes]


def users_by_usernames(usernames: list[str], field: str) -> list[User]:
    """The users ``usernames``, in their order, in one query; a 422 naming ``field`` for the first unknown."""
    found = {user.username: user for user in User.objects.filter(username__in=usernames)}
    for username in usernames:
        if username not in found:
            raise ValidationError({field: _("There is no user %(username)s.") % {"username": username}})
    return [found[username] for username in usernames]


@router.get(
    "/accounts/{code}/touchpoints",
    response={200: list[TouchpointOut], **READ_ERRORS},
    summary="List an account's touchpoints",
)
@paginate(PageNumberPagination)
def list_touchpoints(request: HttpRequest, code: str, filters: Query[TouchpointFilters]) -> QuerySet[Touchpoint]:
    """The account's touchpoints, newest first."""
    touchpoints = _touchpoints(access_account_by_code(acting_user(request), code))
    if filters.since is not None:
        touchpoints = touchpoints.filter(happened_at__gte=filters.since)
    if filters.until is not None:
        touchpoints = touchpoints.filter(happened_at__lt=filters.until)
    for name in ("sentiment", "department", "type"):
        value = getattr(filters, name)
        if value is not None:
            touchpoints = touchpoints.filter(**{name: value})
    return touchpoints.order_by("-happened_at", "-id")


@router.post(
    "/accounts/{code}/touchpoints",
    response={201: TouchpointOut, **WRITE_ERRORS},
    summary="Log a touchpoint",
)
def create_touchpoint(request: HttpRequest, code: str, payload: TouchpointIn) -> Status[Touchpoint]:
    """Log an interaction (the account's managers and team). A negative one or a complaint raises an alert."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    details = TouchpointDetails(
        happened_at=payload.happened_at,
        department=payload.department,
        channel=payload.channel,
        type=payload.type,
        summary=payload.summary,
        sentiment=payload.sentiment,
        contact=contact_by_code(account, payload.contact, "contact"),
        user=user_by_username(payload.user, "user"),
    )
    touchpoint = do_log_touchpoint(account, details, acting_user=user)
    return Status(201, _touchpoints(account).get(pk=touchpoint.pk))


@router.get(
    "/accounts/{code}/meetings", response={200: list[MeetingOut], **READ_ERRORS}, summary="List an account's meetings"
)
@paginate(PageNumberPagination)
def list_meetings(request: HttpRequest, code: str) -> QuerySet[Meeting]:
    """The account's meetings, newest first."""
    return account_meetings(access_account_by_code(acting_user(request), code)).order_by("-held_at", "-id")


@router.post("/accounts/{code}/meetings", response={201: MeetingOut, **WRITE_ERRORS}, summary="Log a meeting")
def create_meeting(request: HttpRequest, code: str, payload: MeetingIn) -> Status[Meeting]:
    """Log a meeting held or planned with the account (its managers and team)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    details = MeetingDetails(
        held_at=payload.held_at,
        objective=payload.objective,
        goal=payload.goal,
        our_attendees=users_by_usernames(payload.our_attendees, "our_attendees"),
        their_attendees=contacts_by_codes(account, payload.their_attendees, "their_attendees"),
        outcome=payload.outcome,
        goal_met=payload.goal_met,
        next_step=payload.next_step,
        follow_up_on=payload.follow_up_on,
    )
    meeting = do_log_meeting(account, details, acting_user=user)
    return Status(201, account_meetings(account).get(pk=meeting.pk))


@router.get(
    "/accounts/{code}/meetings/{meeting_id}", response={200: MeetingOut, **READ_ERRORS}, summary="Get a meeting"
)
def get_meeting(request: HttpRequest, code: str, meeting_id: int) -> Meeting:
    """One meeting of the account, with its attendees."""
    return _meeting(access_account_by_code(acting_user(request), code), meeting_id)


@router.patch(
    "/accounts/{code}/meetings/{meeting_id}", response={200: MeetingOut, **WRITE_ERRORS}, summary="Correct a meeting"
)
def update_meeting(request: HttpRequest, code: str, meeting_id: int, payload: MeetingPatch) -> Meeting:
    """Change the fields sent; the others keep their value. A new follow-up date re-opens the follow-up."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    meeting = _meeting(account, meeting_id)
    sent = payload.model_dump(exclude_unset=True)
    details = MeetingDetails(
        held_at=sent.get("held_at", meeting.held_at),
        objective=sent.get("objective", meeting.objective),
        goal=sent.get("goal", meeting.goal),
        our_attendees=(
            users_by_usernames(sent["our_attendees"], "our_attendees")
            if "our_attendees" in sent
            else list(meeting.our_attendees.all())
        ),
        their_attendees=(
            contacts_by_codes(account, sent["their_attendees"], "their_attendees")
            if "their_attendees" in sent
            else list(meeting.their_attendees.all())
        ),
        outcome=sent.get("outcome", meeting.outcome),
        goal_met=sent.get("goal_met", meeting.goal_met),
        next_step=sent.get("next_step", meeting.next_step),
        follow_up_on=sent.get("follow_up_on", meeting.follow_up_on),
    )
    do_update_meeting(meeting, details, acting_user=user)
    return _meeting(account, meeting_id)


@router.post(
    "/accounts/{code}/meetings/{meeting_id}/follow-up/complete",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Complete a meeting's follow-up",
)
def complete_follow_up(request: HttpRequest, code: str, meeting_id: int) -> Meeting:
    """Mark the meeting's follow-up done: its reminder goes away (the account's managers and team)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    do_complete_follow_up(_meeting(account, meeting_id), acting_user=user)
    return _meeting(account, meeting_id)
