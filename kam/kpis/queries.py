"""Reads of the kpis app, including what the engine needs from the web database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.utils import timezone

from kam.key_accounts.models import Account
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis, ServiceLevelSnapshot
from kam.service.models import ServiceCase
from kam.touchpoints.models import Touchpoint
from kam_engine.facts import FactsStore


def accounts_for_engine() -> pa.Table:
    """The account columns the engine reads, as Arrow (code, estimated wallet, key-account flag)."""
    # Imported here: the engine brings Ibis, which web pages need not load.
    from kam_engine.backends import ACCOUNT_SCHEMA

    rows = list(Account.objects.order_by("code").values_list("code", "estimated_wallet", "is_key_account"))
    return pa.table(
        {
            "code": [code for code, _wallet, _key in rows],
            "estimated_wallet": [float(wallet) if wallet is not None else None for _code, wallet, _key in rows],
            "is_key_account": [key for _code, _wallet, key in rows],
        },
        schema=ACCOUNT_SCHEMA,
    )


def latest_portfolio_analysis() -> PortfolioAnalysis | None:
    """The most recent analysis, or None before the first ``kam analyze``."""
    return PortfolioAnalysis.objects.order_by("-as_of").first()


def latest_account_analysis(account: Account) -> AccountAnalysis | None:
    """The account's figures from the most recent analysis that covered it."""
    return AccountAnalysis.objects.filter(account=account).order_by("-as_of").first()


# --- service levels -----------------------------------------------------------------------

SERVICE_WINDOW_DAYS = 90
"""Days the service-level scorecard and the late-delivery alerts look back."""


@dataclass(frozen=True, slots=True)
class LateDelivery:
    """A delivery due in the window that came late, came short or has not come."""

    delivery: str
    account: str
    promised_date: dt.date
    delivered_date: dt.date | None
    in_full: bool | None

    @property
    def reason(self) -> str:
        """``not_delivered``, ``late`` (also when short) or ``not_in_full``."""
        if self.delivered_date is None:
            return "not_delivered"
        return "late" if self.delivered_date > self.promised_date else "not_in_full"


def service_window(as_of: dt.date, days: int = SERVICE_WINDOW_DAYS) -> tuple[dt.datetime, dt.datetime]:
    """The window's first and after-last moments in the current time zone: ``days`` days ending on ``as_of``."""
    start = dt.datetime.combine(as_of - dt.timedelta(days=days - 1), dt.time.min)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start), timezone.make_aware(end)


def _local_times(values: list[dt.datetime | None]) -> pa.Array[Any]:
    """Aware datetimes as naive local times of the current time zone (what the engine compares days on)."""
    local: Any = pa.array(values, type=pa.timestamp("us", tz="UTC")).cast(
        pa.timestamp("us", tz=timezone.get_current_timezone_name())
    )
    result: pa.Array[Any] = pc.local_timestamp(local)
    return result


def cases_for_scorecard(as_of: dt.date, days: int = SERVICE_WINDOW_DAYS) -> pa.Table:
    """The cases the scorecard reads: those opened in the window, and the ``days`` before (earlier complaints)."""
    start, end = service_window(as_of, days)
    rows = list(
        ServiceCase.objects.filter(opened_at__gte=start - dt.timedelta(days=days), opened_at__lt=end)
        .order_by()
        .values_list(
            "account__code",
            "type",
            "opened_at",
            "response_hours",
            "resolution_hours",
            "response_state",
            "resolution_state",
        )
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    return pa.table(
        {
            "account": pa.array(columns[0], type=pa.string()),
            "type": pa.array(columns[1], type=pa.string()),
            "opened_at": _local_times(list(columns[2])),
            "response_hours": pa.array(columns[3], type=pa.float64()),
            "resolution_hours": pa.array(columns[4], type=pa.float64()),
            "response_state": pa.array(columns[5], type=pa.string()),
            "resolution_state": pa.array(columns[6], type=pa.string()),
        }
    )


def touchpoints_for_scorecard(as_of: dt.date, days: int = SERVICE_WINDOW_DAYS) -> pa.Table:
    """The touchpoints held in the window: account, happened_at (local), sentiment."""
    start, end = service_window(as_of, days)
    rows = list(
        Touchpoint.objects.filter(happened_at__gte=start, happened_at__lt=end)
        .order_by()
        .values_list("account__code", "happened_at", "sentiment")
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 3
    return pa.table(
        {
            "account": pa.array(columns[0], type=pa.string()),
            "happened_at": _local_times(list(columns[1])),
            "sentiment": pa.array(columns[2], type=pa.string()),
        }
    )


# Deliveries due in the window, as kam_engine.service.service_levels counts them: one still open
# on its promised day is not due yet.
_DUE_DELIVERIES = "promised_date > ? AND promised_date <= ? AND (delivered_date IS NOT NULL OR promised_date < ?)"


def accounts_for_scorecard(store: FactsStore, as_of: dt.date, days: int = SERVICE_WINDOW_DAYS) -> pa.Table:
    """Every account with its key-account flag and, from the facts store, its orders and deliveries of the window.

    Orders are distinct orders (the order reference, else the invoice) of the invoice lines
    dated in the window; deliveries those due in the window, and ``otif`` those delivered on
    or before the promised day and in full.
    """
    first = as_of - dt.timedelta(days=days)
    connection = store.connect(read_only=True)
    try:
        orders = connection.execute(
            "SELECT account, count(DISTINCT coalesce(order_ref, invoice)) AS orders FROM invoice_lines "
            "WHERE date > ? AND date <= ? GROUP BY account",
            [first, as_of],
        ).fetchall()
        deliveries = connection.execute(
            "SELECT account, count(*) AS deliveries, count(*) FILTER (WHERE delivered_date <= promised_date "
            f"AND coalesce(in_full, true)) AS otif FROM deliveries WHERE {_DUE_DELIVERIES} GROUP BY account",
            [first, as_of, as_of],
        ).fetchall()
    finally:
        connection.close()
    order_counts = {account: int(count) for account, count in orders}
    delivery_counts = {account: (int(count), int(otif)) for account, count, otif in deliveries}
    rows = list(Account.objects.order_by("code").values_list("code", "is_key_account"))
    return pa.table(
        {
            "account": pa.array([code for code, _key in rows], type=pa.string()),
            "is_key": pa.array([key for _code, key in rows], type=pa.bool_()),
            "orders": pa.array([order_counts.get(code, 0) for code, _key in rows], type=pa.int64()),
            "deliveries": pa.array([delivery_counts.get(code, (0, 0))[0] for code, _key in rows], type=pa.int64()),
            "otif": pa.array([delivery_counts.get(code, (0, 0))[1] for code, _key in rows], type=pa.int64()),
        }
    )


def late_deliveries(
    store: FactsStore, as_of: dt.date, *, import_id: str | None = None, days: int = SERVICE_WINDOW_DAYS
) -> list[LateDelivery]:
    """The deliveries due in the window (optionally of one import) that came late, short, or not at all."""
    first = as_of - dt.timedelta(days=days)
    sql = (
        "SELECT delivery, account, promised_date, delivered_date, in_full FROM deliveries "
        f"WHERE {_DUE_DELIVERIES} AND (delivered_date IS NULL OR delivered_date > promised_date "
        "OR NOT coalesce(in_full, true))"
    )
    parameters: list[Any] = [first, as_of, as_of]
    if import_id is not None:
        sql += " AND import_id = ?"
        parameters.append(import_id)
    connection = store.connect(read_only=True)
    try:
        rows = connection.execute(f"{sql} ORDER BY promised_date, delivery", parameters).fetchall()
    finally:
        connection.close()
    return [LateDelivery(*row) for row in rows]


def latest_analysis_up_to(as_of: dt.date) -> PortfolioAnalysis | None:
    """The most recent analysis of ``as_of`` or earlier."""
    return PortfolioAnalysis.objects.filter(as_of__lte=as_of).order_by("-as_of").first()


def latest_snapshot_date() -> dt.date | None:
    """The date of the most recent ``kam snapshot``, or None before the first."""
    return ServiceLevelSnapshot.objects.order_by("-as_of").values_list("as_of", flat=True).first()
