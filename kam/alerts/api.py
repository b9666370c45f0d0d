"""REST API of alerts: the alerts one was told of (directors: all), acknowledge and resolve them."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from kam.alerts.actions import do_acknowledge_alert, do_resolve_alert
from kam.alerts.models import Alert
from kam.alerts.queries import ALL, access_alert, alerts_for_user
from kam.alerts.schemas import AlertOut, ResolveAlertIn
from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user

router = Router(tags=["alerts"])


class AlertFilters(Schema):
    """Filters of the alert list."""

    status: str = Field("open", pattern="^(open|acknowledged|resolved|all)$", description="open (default), …, all.")
    account: str | None = Field(None, description="An account's code.")


@router.get("/alerts", response={200: list[AlertOut], **READ_ERRORS}, summary="List alerts")
@paginate(PageNumberPagination)
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> QuerySet[Alert]:
    """The alerts you were told of (directors: every alert), key accounts first, then the newest."""
    alerts = alerts_for_user(acting_user(request), filters.status if filters.status != ALL else ALL)
    if filters.account is not None:
        alerts = alerts.filter(account__code=filters.account)
    return alerts.select_related("acknowledged_by")


@router.get("/alerts/{alert_id}", response={200: AlertOut, **READ_ERRORS}, summary="Get an alert")
def get_alert(request: HttpRequest, alert_id: int) -> Alert:
    """One alert, if you see its account."""
    return access_alert(acting_user(request), alert_id)


@router.post("/alerts/{alert_id}/acknowledge", response={200: AlertOut, **WRITE_ERRORS}, summary="Acknowledge")
def acknowledge_alert(request: HttpRequest, alert_id: int) -> Alert:
    """Say that someone of the account team is on it (the account's managers and team)."""
    user = acting_user(request)
    do_acknowledge_alert(access_alert(user, alert_id), acting_user=user)
    return access_alert(user, alert_id)


@router.post("/alerts/{alert_id}/resolve", response={200: AlertOut, **WRITE_ERRORS}, summary="Resolve an alert")
def resolve_alert(request: HttpRequest, alert_id: int, payload: ResolveAlertIn) -> Alert:
    """Close the alert with a note saying how it was dealt with."""
    user = acting_user(request)
    do_resolve_alert(access_alert(user, alert_id), payload.note, acting_user=user)
    return access_alert(user, alert_id)
