"""Service levels from deliveries: on time, in full, on time in full, delays."""

from __future__ import annotations

import datetime as dt

import ibis
from ibis.expr import types as ir

from kam_engine.config import PeriodConfig
from kam_engine.periods import months_before

__all__ = ["service_levels"]


def service_levels(deliveries: ir.Table, *, as_of: dt.date, period: PeriodConfig) -> ir.Table:
    """Measure each account's deliveries promised in the window.

    A delivery still open after its promised date counts as late; one not yet due is left
    out of every rate.

    Returns
    -------
    ir.Table
        account, deliveries, delivered, on_time_rate, in_full_rate, otif_rate, average_delay_days.
    """
    start = months_before(as_of, period.months)
    due = deliveries.filter(
        (deliveries.promised_date > start)
        & (deliveries.promised_date <= as_of)
        & (deliveries.delivered_date.notnull() | (deliveries.promised_date < as_of))
    )
    delivered = due.delivered_date.notnull()
    on_time = delivered & (due.delivered_date <= due.promised_date)
    in_full = delivered & due.in_full.fill_null(True)
    delay = ibis.greatest(due.delivered_date.delta(due.promised_date, unit="day"), 0).cast("float64")
    grouped = due.group_by("account").aggregate(
        deliveries=due.account.count(),
        delivered=due.account.count(where=delivered),
        on_time=due.account.count(where=on_time),
        in_full=due.account.count(where=in_full),
        otif=due.account.count(where=on_time & in_full),
        average_delay_days=delay.mean(where=delivered),
    )
    count = grouped.deliveries.cast("float64")
    return grouped.select(
        "account",
        "deliveries",
        "delivered",
        on_time_rate=grouped.on_time.cast("float64") / count,
        in_full_rate=ibis.ifelse(
            grouped.delivered > 0, grouped.in_full.cast("float64") / grouped.delivered.cast("float64"), None
        ),
        otif_rate=grouped.otif.cast("float64") / count,
        average_delay_days=grouped.average_delay_days,
    )
