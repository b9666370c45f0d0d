"""The REST API's shapes of alerts (in and out)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kam.alerts.models import Alert


class AlertOut(Schema):
    """Something the account team must know: an SLA breach, a bad experience, a purchase decline…"""

    id: int
    account: str = Field(description="The account's code.")
    kind: str
    severity: str
    title: str
    detail: str
    occurred_at: dt.datetime
    status: str
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None = Field(None, description="A username.")
    resolved_at: dt.datetime | None
    resolved_by: str | None = Field(None, description="A username.")
    resolution_note: str

    @staticmethod
    def resolve_account(obj: Alert) -> str:
        return obj.account.code

    @staticmethod
    def resolve_acknowledged_by(obj: Alert) -> str | None:
        return obj.acknowledged_by.username if obj.acknowledged_by is not None else None

    @staticmethod
    def resolve_resolved_by(obj: Alert) -> str | None:
        return obj.resolved_by.username if obj.resolved_by is not None else None


class ResolveAlertIn(Schema):
    """Close the alert, saying how it was dealt with."""

    note: str
