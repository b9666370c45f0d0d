"""The REST API's shared machinery: page-number pagination, ordering and the error responses.

Every error the API returns is JSON ``{"detail": "<a sentence>"}`` with a 4xx status; validation
errors (422) add ``"errors": [{"field": …, "message": …}]`` naming each field that is wrong.
The actions' own errors (``TouchpointError``, ``CaseError``…) are validation errors too: they are
mapped to 422 in ``install_error_handlers``, in one place. A body that is not JSON at all is 400
(django-ninja's ``{"detail": "Cannot parse request body"}``); a NUL character in a query
parameter or anywhere in a JSON body is 422 (PostgreSQL cannot store or compare one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, QuerySet
from django.db.models import Model as DjangoModel
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from kam.users.models import User

Model = TypeVar("Model", bound=DjangoModel)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


# The default of a PATCH field that may be left out but not sent as null: bodies of changes are read
# with ``exclude_unset``, so this default never reaches an action (``Any``: it types as the field's type).
NOT_SENT: Any = None


def _shown_in_local_time(value: dt.datetime) -> dt.datetime:
    # Objects print their moments in the company's time zone (audit records name them so): a moment
    # at the ends of the calendar (0001-01-01T00:00Z in Madrid) has no local date there and answered 500.
    if timezone.is_aware(value):
        try:
            timezone.localtime(value)
        except OverflowError:
            message = _("this moment has no date in the company's time zone.")
            raise PydanticCustomError("datetime_local_range", message) from None
    return value


# A date-time field of a body whose moment must have a local date (naive ones are left to the actions).
LocalDateTime = Annotated[dt.datetime, AfterValidator(_shown_in_local_time)]


class ErrorOut(Schema):
    """An error: ``detail`` says what is wrong in a sentence, in the caller's language."""

    detail: str


class FieldErrorOut(Schema):
    """What is wrong with one field of the request."""

    field: str
    message: str


class ValidationErrorOut(Schema):
    """A request we cannot accept (422): a sentence, and what is wrong with each field."""

    detail: str
    errors: list[FieldErrorOut] = []


# The error responses every operation may give, for the OpenAPI schema. Writes may have a body,
# and django-ninja answers 400 for one that is not JSON at all (before any of our code runs).
READ_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: ErrorOut, 403: ErrorOut}


class PageNumberPagination(PaginationBase):
    """``?page=N&limit=M`` (limit 1–200, 50 by default) → ``{count, next, previous, results}``.

    ``next`` and ``previous`` are the full URLs of the neighbouring pages (None at the ends); a
    page past the end has no results.
    """

    class Input(Schema):
        page: int = Field(1, ge=1, description="The page, from 1.")
        limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Results per page, up to 200.")

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        results: list[Any]

    items_attribute = "results"

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page: int = pagination.page
        limit: int = pagination.limit
        count = self._items_count(queryset)
        start = (page - 1) * limit
        return {
            "count": count,
            "next": _page_url(request, page + 1, limit) if start + limit < count else None,
            "previous": _page_url(request, min(page - 1, -(-count // limit)), limit) if page > 1 else None,
            # A page past the end is not queried: a huge page's OFFSET overflows the database's integers.
            "results": list(queryset[start : start + limit]) if start < count else [],
        }


def _page_url(request: HttpRequest, page: int, limit: int) -> str | None:
    if page < 1:
        return None
    query = request.GET.copy()
    query["page"] = str(page)
    query["limit"] = str(limit)
    return request.build_absolute_uri(request.path + "?" + urlencode(sorted(query.items())))


class QueryParser(Parser):
    """django-ninja's parser, refusing (422) a NUL character in a query parameter or a JSON body.

    PostgreSQL can neither compare nor store text with a NUL byte. In a body every string is
    checked, keys included, however deeply nested; the error names the field (``lines.0.reason``).
    """

    def parse_querydict(self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest) -> Any:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise NinjaValidationError([_nul_error(("query", key))])
        return super().parse_querydict(data, list_fields, request)

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        # ("body", "payload", …): the shape of pydantic's locations, whatever the operation calls its body.
        errors = [_nul_error(("body", "payload", *location)) for location in _nul_locations(data, ())]
        if errors:
            # django-ninja turns any error of parse_body into its 400; ``http_error`` answers this cause instead.
            raise NinjaValidationError(errors)
        return data


def _nul_error(location: tuple[Any, ...]) -> dict[str, Any]:
    return {"loc": location, "msg": _("must not contain the NUL character."), "type": "string_nul"}


def _nul_locations(value: Any, location: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    """Where a parsed JSON value holds a string with a NUL character: each key or string's location."""
    if isinstance(value, str):
        if "\x00" in value:
            yield location
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield (*location, key)
            else:
                yield from _nul_locations(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_locations(item, (*location, index))


def apply_ordering(
    queryset: QuerySet[Any], ordering: str | None, allowed: Mapping[str, str], *, tiebreak: Sequence[str] = ("pk",)
) -> QuerySet[Any]:
    """Order by the field ``allowed[ordering]`` (``-`` first: descending; empty values last either way).

    ``tiebreak`` orders equal values, always ascending, so that pages never overlap.
    Without ``ordering`` the query keeps its default order.
    """
    if not ordering:
        return queryset
    field = F(allowed[ordering.removeprefix("-")])
    primary = field.desc(nulls_last=True) if ordering.startswith("-") else field.asc(nulls_last=True)
    return queryset.order_by(primary, *tiebreak)


def one_or_404(queryset: QuerySet[Model], message: str, **lookup: Any) -> Model:
    """The object of ``queryset`` matching ``lookup``; a 404 saying ``message`` when there is none.

    ``queryset`` is what the caller may see, so an object out of sight answers exactly as one
    that does not exist.
    """
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404(message)
    return found


def acting_user(request: HttpRequest) -> User:
    """The person the request authenticated (every operation requires one)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError
    return user


def _field_name(location: Sequence[Any]) -> str:
    # ("body", "payload", "summary") → "summary"; ("query", "limit") → "limit"; ("body", "payload") → "body".
    parts = [str(part) for part in location]
    if parts and parts[0] == "body":
        parts = parts[2:] or ["body"]
    elif parts:
        parts = parts[1:] or parts
    return ".".join(parts)


def _validation_response(api: NinjaAPI, request: HttpRequest, errors: list[tuple[str, str]]) -> HttpResponse:
    detail = " ".join(f"{field}: {message}" if field else message for field, message in errors)
    body = {
        "detail": detail or _("The request is not valid."),
        "errors": [{"field": f, "message": m} for f, m in errors],
    }
    return api.create_response(request, body, status=422)


def install_error_handlers(api: NinjaAPI, action_errors: Sequence[type[Exception]]) -> None:
    """Turn every expected failure into a 4xx ``{"detail": …}`` answer (see the module docstring).

    The handlers take ``exc: Any``: django-ninja types a handler's exception as "the class or an instance".
    """

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) if exc.args else _("Not found.")
        return api.create_response(request, {"detail": message}, status=404)

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) if exc.args else _("You may not do this.")
        return api.create_response(request, {"detail": message}, status=403)

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        message = _("Authentication required: send a valid API token (Authorization: Bearer …) or sign in.")
        return api.create_response(request, {"detail": message}, status=401)

    def request_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [(_field_name(error.get("loc", ())), str(error.get("msg", ""))) for error in exc.errors]
        return _validation_response(api, request, errors)

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc.__cause__, NinjaValidationError):  # a body QueryParser refused: 422, not ninja's 400
            return request_invalid(request, exc.__cause__)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    def django_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                (field if field != "__all__" else "", message)
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [("", message) for message in exc.messages]
        return _validation_response(api, request, errors)

    def action_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        return _validation_response(api, request, [("", str(exc))])

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(NinjaValidationError, request_invalid)
    api.add_exception_handler(DjangoValidationError, django_invalid)
    for error in action_errors:
        api.add_exception_handler(error, action_invalid)
