"""The service-level scorecard: how well each account, and key accounts against the rest, are served.

Every figure is measured over a window of ``days`` days ending on ``as_of`` (both ends
included: the days ``as_of − days + 1`` … ``as_of``), from the cases opened, the touchpoints
held and the orders and deliveries of that window:

cases
    Service cases opened in the window.
complaints
    Cases of type ``complaint`` opened in the window.
complaint_rate
    Complaints per 100 orders: ``100 × complaints / orders``; null without orders.
repeat_complaints
    Complaints of the window opened at most ``days`` days after an earlier complaint of the
    same account (the earlier one may be older than the window).
response_hours_median, response_hours_p90, resolution_hours_median, resolution_hours_p90
    Median and 90th percentile of the clock hours to first response and to resolution of the
    window's cases that have them (linear interpolation between the closest ranks, as
    :func:`numpy.quantile`); null when no case has them.
clocks_met, clocks_measured, sla_attainment
    Each case has two clocks (response and resolution). A clock is *measured* when it is
    met or breached (a clock still running in time, or without a target, is not);
    attainment is ``met / measured``.
touchpoints, negative_touchpoints, negative_share
    Touchpoints held in the window, those of negative sentiment, and their share.
deliveries, otif_deliveries, otif_rate
    Deliveries due in the window and those on time in full, as given by the caller
    (see :func:`kam_engine.service.service_levels` for the definition); ``otif / deliveries``.

Group figures (``key``, ``other``, ``all``) are pooled over the group's cases, touchpoints,
orders and deliveries — not means of the account figures: the key accounts' median response
time is the median over every key-account case. The complaint rate of a group pools the
accounts whose orders are known and positive,
so that a group's complaint rate is the order-weighted mean of its accounts' rates.

The computation runs in DuckDB on the Arrow inputs; nothing loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

__all__ = ["GROUPS", "SCORECARD_FIGURES", "ServiceScorecard", "service_scorecard"]

GROUPS = ("key", "other", "all")
"""The portfolio groups of the scorecard, in display order."""

SCORECARD_FIGURES = (
    "cases",
    "complaints",
    "complaint_rate",
    "repeat_complaints",
    "response_hours_median",
    "response_hours_p90",
    "resolution_hours_median",
    "resolution_hours_p90",
    "clocks_met",
    "clocks_measured",
    "sla_attainment",
    "touchpoints",
    "negative_touchpoints",
    "negative_share",
    "orders",
    "deliveries",
    "otif_deliveries",
    "otif_rate",
)
"""The figures of every scorecard row (after ``account`` / ``group``), in this order."""

_STRING, _FLOAT, _INT, _TIME = pa.string(), pa.float64(), pa.int64(), pa.timestamp("us")


def _schema(*columns: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(list(columns))


_CASES_SCHEMA = _schema(
    ("account", _STRING),
    ("type", _STRING),
    ("opened_at", _TIME),
    ("response_hours", _FLOAT),
    ("resolution_hours", _FLOAT),
    ("response_state", _STRING),
    ("resolution_state", _STRING),
)
_TOUCHPOINTS_SCHEMA = _schema(("account", _STRING), ("happened_at", _TIME), ("sentiment", _STRING))
_ACCOUNTS_SCHEMA = _schema(
    ("account", _STRING), ("is_key", pa.bool_()), ("orders", _INT), ("deliveries", _INT), ("otif", _INT)
)


@dataclass(frozen=True, slots=True)
class ServiceScorecard:
    """The scorecard of one window.

    Attributes
    ----------
    as_of, days:
        The window: ``days`` days ending on ``as_of``.
    accounts:
        One row per input account, ordered by account: ``account``, ``is_key``, then
        :data:`SCORECARD_FIGURES`.
    groups:
        Three rows, ``key``, ``other`` and ``all``: ``group``, ``accounts`` (how many
        accounts the group has), then :data:`SCORECARD_FIGURES`.
    """

    as_of: dt.date
    days: int
    accounts: pa.Table
    groups: pa.Table


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns and types (time zones dropped: times are compared as given)."""
    columns = []
    for field in schema:
        values = table.column(field.name)
        if pa.types.is_timestamp(field.type) and pa.types.is_timestamp(values.type) and values.type.tz is not None:
            values = values.cast(pa.timestamp(values.type.unit))
        columns.append(values.cast(field.type))
    return pa.table(columns, schema=schema)


_QUERY = """
WITH acc AS (
    SELECT account, coalesce(is_key, false) AS is_key, orders, deliveries,
           CASE WHEN deliveries IS NOT NULL THEN otif END AS otif,
           CASE WHEN coalesce(is_key, false) THEN 'key' ELSE 'other' END AS grp
    FROM accounts_in
),
flagged AS (
    SELECT c.*,
           c.type = 'complaint' AS is_complaint,
           c.type = 'complaint' AND coalesce(
               c.opened_at - lag(c.opened_at) OVER (PARTITION BY c.account, c.type = 'complaint' ORDER BY c.opened_at)
                   <= to_days($days), false) AS is_repeat
    FROM cases_in c
),
win AS (
    SELECT f.*, a.grp FROM flagged f JOIN acc a USING (account)
    WHERE f.opened_at >= $start AND f.opened_at < $end
),
case_counts AS (
    SELECT account,
           count(*) AS cases,
           count(*) FILTER (WHERE is_complaint) AS complaints,
           count(*) FILTER (WHERE is_repeat) AS repeat_complaints,
           count(*) FILTER (WHERE response_state = 'met') + count(*) FILTER (WHERE resolution_state = 'met')
               AS clocks_met,
           count(*) FILTER (WHERE response_state IN ('met', 'breached'))
               + count(*) FILTER (WHERE resolution_state IN ('met', 'breached')) AS clocks_measured
    FROM win GROUP BY account
),
tp_counts AS (
    SELECT account, count(*) AS touchpoints, count(*) FILTER (WHERE sentiment = 'negative') AS negative_touchpoints
    FROM touchpoints_in JOIN acc USING (account)
    WHERE happened_at >= $start AND happened_at < $end
    GROUP BY account
),
hours AS (
    SELECT coalesce(account, '') AS account, coalesce(grp, 'all') AS grp, grouping(account, grp) AS level,
           quantile_cont(response_hours, 0.5) AS response_hours_median,
           quantile_cont(response_hours, 0.9) AS response_hours_p90,
           quantile_cont(resolution_hours, 0.5) AS resolution_hours_median,
           quantile_cont(resolution_hours, 0.9) AS resolution_hours_p90
    FROM win GROUP BY GROUPING SETS ((account, grp), (grp), ())
),
per_account AS (
    SELECT a.account, a.is_key, a.grp,
           coalesce(c.cases, 0) AS cases,
           coalesce(c.complaints, 0) AS complaints,
           coalesce(c.repeat_complaints, 0) AS repeat_complaints,
           coalesce(c.clocks_met, 0) AS clocks_met,
           coalesce(c.clocks_measured, 0) AS clocks_measured,
           coalesce(t.touchpoints, 0) AS touchpoints,
           coalesce(t.negative_touchpoints, 0) AS negative_touchpoints,
           a.orders, a.deliveries, a.otif AS otif_deliveries
    FROM acc a LEFT JOIN case_counts c USING (account) LEFT JOIN tp_counts t USING (account)
)
"""

_ACCOUNTS_SELECT = (
    _QUERY
    + """
SELECT p.account, p.is_key, p.cases, p.complaints,
       CASE WHEN p.orders > 0 THEN 100.0 * p.complaints / p.orders END AS complaint_rate,
       p.repeat_complaints,
       h.response_hours_median, h.response_hours_p90, h.resolution_hours_median, h.resolution_hours_p90,
       p.clocks_met, p.clocks_measured,
       CASE WHEN p.clocks_measured > 0 THEN p.clocks_met::DOUBLE / p.clocks_measured END AS sla_attainment,
       p.touchpoints, p.negative_touchpoints,
       CASE WHEN p.touchpoints > 0 THEN p.negative_touchpoints::DOUBLE / p.touchpoints END AS negative_share,
       p.orders, p.deliveries, p.otif_deliveries,
       CASE WHEN p.deliveries > 0 THEN p.otif_deliveries::DOUBLE / p.deliveries END AS otif_rate
FROM per_account p LEFT JOIN hours h ON h.level = 0 AND h.account = p.account
ORDER BY p.account
"""
)

_GROUPS_SELECT = (
    _QUERY
    + """,
pooled AS (
    SELECT coalesce(grp, 'all') AS grp, count(*) AS accounts,
           sum(cases) AS cases, sum(complaints) AS complaints, sum(repeat_complaints) AS repeat_complaints,
           sum(complaints) FILTER (WHERE orders > 0) AS rated_complaints,
           sum(clocks_met) AS clocks_met, sum(clocks_measured) AS clocks_measured,
           sum(touchpoints) AS touchpoints, sum(negative_touchpoints) AS negative_touchpoints,
           sum(orders) AS orders, sum(deliveries) AS deliveries, sum(otif_deliveries) AS otif_deliveries
    FROM per_account GROUP BY GROUPING SETS ((grp), ())
),
labels AS (SELECT unnest(['key', 'other', 'all']) AS grp, generate_subscripts(['key', 'other', 'all'], 1) AS position)
SELECT l.grp AS "group", coalesce(p.accounts, 0) AS accounts,
       coalesce(p.cases, 0) AS cases, coalesce(p.complaints, 0) AS complaints,
       CASE WHEN p.orders > 0 THEN 100.0 * coalesce(p.rated_complaints, 0) / p.orders END AS complaint_rate,
       coalesce(p.repeat_complaints, 0) AS repeat_complaints,
       h.response_hours_median, h.response_hours_p90, h.resolution_hours_median, h.resolution_hours_p90,
       coalesce(p.clocks_met, 0) AS clocks_met, coalesce(p.clocks_measured, 0) AS clocks_measured,
       CASE WHEN p.clocks_measured > 0 THEN p.clocks_met::DOUBLE / p.clocks_measured END AS sla_attainment,
       coalesce(p.touchpoints, 0) AS touchpoints, coalesce(p.negative_touchpoints, 0) AS negative_touchpoints,
       CASE WHEN p.touchpoints > 0 THEN p.negative_touchpoints::DOUBLE / p.touchpoints END AS negative_share,
       p.orders, p.deliveries, p.otif_deliveries,
       CASE WHEN p.deliveries > 0 THEN p.otif_deliveries::DOUBLE / p.deliveries END AS otif_rate
FROM labels l
LEFT JOIN pooled p ON p.grp = l.grp
LEFT JOIN hours h ON h.level > 0 AND h.grp = l.grp
ORDER BY l.position
"""
)


def service_scorecard(
    cases: pa.Table, touchpoints: pa.Table, accounts: pa.Table, *, as_of: dt.date, days: int = 90
) -> ServiceScorecard:
    """Measure every account, and the key accounts against the rest, over ``days`` days up to ``as_of``.

    Parameters
    ----------
    cases:
        ``account``, ``type``, ``opened_at`` (timestamp; compared with the window's days as
        given, so pass local times), ``response_hours``, ``resolution_hours`` (clock hours,
        null while running), ``response_state``, ``resolution_state`` (values of
        :class:`kam_engine.service_clock.ClockState`). Cases older than the window may be
        given: they count only as earlier complaints for ``repeat_complaints``.
    touchpoints:
        ``account``, ``happened_at`` (timestamp), ``sentiment`` (``negative`` counts).
    accounts:
        ``account``, ``is_key``, ``orders`` (orders placed in the window), ``deliveries``
        (deliveries due in the window) and ``otif`` (those on time in full); the counts may
        be null (unknown). Cases and touchpoints of accounts not listed are left out.
    as_of:
        The last day of the window.
    days:
        The window's length in days, also the look-back of a repeat complaint.

    Returns
    -------
    ServiceScorecard
        The per-account and per-group tables (see the module docstring for each figure).
    """
    if days < 1:
        raise ValueError(f"days={days}: the window must be at least one day long")
    start = dt.datetime.combine(as_of - dt.timedelta(days=days - 1), dt.time.min)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min)
    connection = duckdb.connect()
    try:
        connection.register("cases_in", _conform(cases, _CASES_SCHEMA))
        connection.register("touchpoints_in", _conform(touchpoints, _TOUCHPOINTS_SCHEMA))
        connection.register("accounts_in", _conform(accounts, _ACCOUNTS_SCHEMA))
        parameters = {"start": start, "end": end, "days": days}
        per_account = connection.sql(_ACCOUNTS_SELECT, params=parameters).to_arrow_table()
        groups = connection.sql(_GROUPS_SELECT, params=parameters).to_arrow_table()
    finally:
        connection.close()
    return ServiceScorecard(as_of=as_of, days=days, accounts=_typed(per_account), groups=_typed(groups))


_COUNTS = frozenset(
    {
        "accounts",
        "cases",
        "complaints",
        "repeat_complaints",
        "clocks_met",
        "clocks_measured",
        "touchpoints",
        "negative_touchpoints",
        "orders",
        "deliveries",
        "otif_deliveries",
    }
)


def _typed(table: pa.Table) -> pa.Table:
    """Counts as int64 and figures as float64, whatever DuckDB's sums returned (HUGEINT, DECIMAL)."""
    fields: list[pa.Field[Any]] = []
    for field in table.schema:
        if field.name in _COUNTS:
            fields.append(pa.field(field.name, pa.int64()))
        elif field.name in SCORECARD_FIGURES:
            fields.append(pa.field(field.name, pa.float64()))
        else:
            fields.append(field)
    return table.cast(pa.schema(fields))
