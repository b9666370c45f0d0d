"""Service-level clocks: due times, elapsed time and state of response and resolution targets.

A clock counts either calendar hours (24 × 7) or the business hours of a working calendar
(working days, opening hours, holidays, in the calendar's time zone). Everything here is
vectorised over numpy arrays, so that a million cases are evaluated in a few seconds; the
scalar helpers (:func:`deadline`, :func:`elapsed_hours`) wrap the same code for one case.

Business time is counted with a cumulative function ``C(t)``: the business seconds from a
fixed epoch to ``t``. ``C`` is the number of whole working days before ``t``'s day times the
length of a working day, plus the part of ``t``'s own day inside opening hours. Elapsed time
is ``C(end) − C(start)``, and the deadline ``h`` hours after ``start`` is ``C⁻¹(C(start) + h)``;
both use :func:`numpy.busday_count` and :func:`numpy.busday_offset`, which honour weekmasks
and holidays in C.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

__all__ = [
    "CALENDAR_HOURS",
    "ClockState",
    "WorkingCalendar",
    "add_hours",
    "calendar_from_days",
    "deadline",
    "elapsed_hours",
    "evaluate_clocks",
    "hours_between",
]

Timestamps = npt.NDArray[np.datetime64]
Floats = npt.NDArray[np.float64]

_SECOND = np.timedelta64(1, "s")
_DAY_SECONDS = 86_400
_EPOCH = np.datetime64("1970-01-01", "D")


class ClockState(enum.StrEnum):
    """Where a clock stands at a moment."""

    MET = "met"
    """Stopped (responded / resolved) by its due time."""
    BREACHED = "breached"
    """Stopped after its due time, or still running past it."""
    AT_RISK = "at_risk"
    """Running, with at least the at-risk share of its time used."""
    RUNNING = "running"
    """Running, with time to spare."""
    NONE = "none"
    """No target: nothing to measure."""


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Working days, opening hours and holidays of a country, in its time zone.

    Parameters
    ----------
    weekmask:
        Seven ``1``/``0`` flags from Monday to Sunday (``"1111100"`` is Monday to Friday).
    opens, closes:
        Opening hours of every working day (local time); ``closes`` must be after ``opens``.
    holidays:
        Days on which the clock stands still.
    time_zone:
        IANA name; due times are computed in local time and returned in UTC.
    """

    weekmask: str = "1111100"
    opens: dt.time = dt.time(9)
    closes: dt.time = dt.time(17)
    holidays: tuple[dt.date, ...] = field(default=())
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        if len(self.weekmask) != 7 or set(self.weekmask) - {"0", "1"} or "1" not in self.weekmask:
            raise ValueError(f"weekmask {self.weekmask!r}: give seven 1/0 flags, Monday to Sunday, at least one 1")
        if self._seconds(self.closes) <= self._seconds(self.opens):
            raise ValueError(f"opening hours {self.opens}–{self.closes}: closing must be after opening")
        ZoneInfo(self.time_zone)  # raises for an unknown zone

    @staticmethod
    def _seconds(moment: dt.time) -> int:
        return moment.hour * 3600 + moment.minute * 60 + moment.second

    @property
    def day_seconds(self) -> int:
        """Length of a working day in seconds."""
        return self._seconds(self.closes) - self._seconds(self.opens)

    def _calendar(self) -> np.busdaycalendar:
        return np.busdaycalendar(weekmask=self.weekmask, holidays=np.array(self.holidays, dtype="datetime64[D]"))


CALENDAR_HOURS: None = None
"""Pass as the calendar to count calendar hours (24 × 7)."""


# -- time zones ----------------------------------------------------------------------------


def _to_local(utc: Timestamps, time_zone: str) -> Timestamps:
    """UTC instants (naive datetime64) as local wall-clock times (naive datetime64[s])."""
    index = pd.DatetimeIndex(utc.astype("datetime64[s]")).tz_localize("UTC").tz_convert(time_zone)
    return np.asarray(index.tz_localize(None).to_numpy(dtype="datetime64[s]"))


def _to_utc(local: Timestamps, time_zone: str) -> Timestamps:
    """Local wall-clock times as UTC instants; a time that does not exist (DST gap) moves forward."""
    index = pd.DatetimeIndex(local.astype("datetime64[s]"))
    aware = index.tz_localize(time_zone, ambiguous=np.zeros(len(index), dtype=bool), nonexistent="shift_forward")
    return np.asarray(aware.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[s]"))


# -- business time -------------------------------------------------------------------------


def _business_seconds_since_epoch(local: Timestamps, calendar: WorkingCalendar) -> npt.NDArray[np.int64]:
    """``C(t)``: business seconds from the epoch to each local time (NaT → 0, masked by callers)."""
    seconds = local.astype("datetime64[s]")
    days = seconds.astype("datetime64[D]")
    valid = ~np.isnat(days)
    days = np.where(valid, days, _EPOCH)
    busdays = calendar._calendar()
    whole_days = np.busday_count(_EPOCH, days, busdaycal=busdays).astype(np.int64)
    time_of_day = (seconds - days.astype("datetime64[s]")).astype("timedelta64[s]").astype(np.int64)
    time_of_day = np.where(valid, time_of_day, 0)
    opens = WorkingCalendar._seconds(calendar.opens)
    inside = np.clip(time_of_day - opens, 0, calendar.day_seconds)
    inside = np.where(np.is_busday(days, busdaycal=busdays), inside, 0)
    result: npt.NDArray[np.int64] = whole_days * calendar.day_seconds + inside
    return result


def _from_business_seconds(total: npt.NDArray[np.int64], calendar: WorkingCalendar) -> Timestamps:
    """``C⁻¹``: the earliest local time with ``total`` business seconds since the epoch.

    A deadline that falls exactly at the end of a working day is that day's closing time,
    not the next day's opening.
    """
    length = calendar.day_seconds
    total = np.maximum(total, 1)  # deadlines at the epoch itself do not occur in practice
    whole = (total - 1) // length
    rest = total - whole * length
    busdays = calendar._calendar()
    first = np.busday_offset(_EPOCH, 0, roll="forward", busdaycal=busdays)
    days = np.busday_offset(first, whole, roll="forward", busdaycal=busdays)
    opens = WorkingCalendar._seconds(calendar.opens)
    result: Timestamps = days.astype("datetime64[s]") + (opens + rest).astype("timedelta64[s]")
    return result


def hours_between(start: Timestamps, end: Timestamps, calendar: WorkingCalendar | None) -> Floats:
    """Hours from ``start`` to ``end`` (UTC, datetime64) on the clock; NaN where either is missing.

    Negative when ``end`` is before ``start``.
    """
    start = np.asarray(start, dtype="datetime64[s]")
    end = np.asarray(end, dtype="datetime64[s]")
    missing = np.isnat(start) | np.isnat(end)
    if calendar is None:
        hours = (end - start).astype("timedelta64[s]").astype(np.float64) / 3600.0
    else:
        begin = _business_seconds_since_epoch(_to_local(start, calendar.time_zone), calendar)
        finish = _business_seconds_since_epoch(_to_local(end, calendar.time_zone), calendar)
        hours = (finish - begin).astype(np.float64) / 3600.0
    result: Floats = np.where(missing, np.nan, hours)
    return result


def add_hours(start: Timestamps, hours: Floats, calendar: WorkingCalendar | None) -> Timestamps:
    """The moment ``hours`` clock hours after each ``start`` (UTC, datetime64); NaT where either is missing."""
    start = np.asarray(start, dtype="datetime64[s]")
    hours = np.asarray(hours, dtype=np.float64)
    missing = np.isnat(start) | np.isnan(hours)
    seconds = np.rint(np.where(missing, 0.0, hours) * 3600.0).astype(np.int64)
    if calendar is None:
        due = start + seconds.astype("timedelta64[s]")
    else:
        base = _business_seconds_since_epoch(_to_local(np.where(missing, _EPOCH, start), calendar.time_zone), calendar)
        due = _to_utc(_from_business_seconds(base + seconds, calendar), calendar.time_zone)
    result: Timestamps = np.where(missing, np.datetime64("NaT", "s"), due)
    return result


# -- scalar helpers for one case -------------------------------------------------------------


def _instant(moment: dt.datetime) -> np.datetime64:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone: give an aware datetime")
    return np.datetime64(moment.astimezone(dt.UTC).replace(tzinfo=None), "s")


def deadline(start: dt.datetime, hours: float, calendar: WorkingCalendar | None) -> dt.datetime:
    """The moment ``hours`` clock hours after ``start`` (aware), in UTC."""
    due = add_hours(np.array([_instant(start)]), np.array([hours], dtype=np.float64), calendar)[0]
    seconds = int(due.astype("datetime64[s]").astype(np.int64))
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def elapsed_hours(start: dt.datetime, end: dt.datetime, calendar: WorkingCalendar | None) -> float:
    """Clock hours from ``start`` to ``end`` (both aware)."""
    return float(hours_between(np.array([_instant(start)]), np.array([_instant(end)]), calendar)[0])


# -- many cases at once ----------------------------------------------------------------------

_CLOCK_COLUMNS = ("response", "resolution")


def _column(table: pa.Table, name: str, dtype: str) -> npt.NDArray[np.generic]:
    values = table.column(name)
    if pa.types.is_timestamp(values.type):
        values = values.cast(pa.timestamp("s", tz=values.type.tz))
        return np.asarray(values.to_numpy(zero_copy_only=False)).astype("datetime64[s]")
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=dtype)


def _states(
    stop: Timestamps, target: Floats, share: Floats, due: Timestamps, now_elapsed: Floats
) -> npt.NDArray[np.object_]:
    stopped = ~np.isnat(stop)
    has_target = ~np.isnan(target)
    late = np.where(stopped, stop > due, now_elapsed > target)
    risky = ~stopped & (now_elapsed >= share * target)
    states = np.full(stop.shape, ClockState.RUNNING.value, dtype=object)
    states[risky] = ClockState.AT_RISK.value
    states[stopped] = ClockState.MET.value
    states[late & has_target] = ClockState.BREACHED.value
    states[~has_target] = ClockState.NONE.value
    return states


def evaluate_clocks(
    cases: pa.Table,
    calendars: Mapping[str, WorkingCalendar],
    *,
    now: dt.datetime,
) -> pa.Table:
    """Due times, elapsed hours, state and hours left of each case's response and resolution clock.

    Parameters
    ----------
    cases:
        One row per case with ``opened_at``, ``first_response_at``, ``resolved_at`` (UTC
        timestamps; the stops may be null), ``response_target_hours``,
        ``resolution_target_hours`` (null: no target), ``at_risk_share`` (0–1) and
        ``calendar`` (a key of ``calendars``; null or empty: calendar hours). An optional
        ``due_at`` column (a promised resolution time) replaces the resolution target's
        due time where it is set.
    calendars:
        Working calendars by key.
    now:
        The moment running clocks are measured at (aware).

    Returns
    -------
    pa.Table
        For each clock (``response_`` and ``resolution_`` prefixes): ``due_at``,
        ``hours`` (clock hours from opening to the stop, null while running), ``state``
        (a :class:`ClockState`) and ``hours_left`` (clock hours from ``now`` to the due time
        while running; negative when overdue; null when stopped or without target), in the
        input's row order.
    """
    rows = cases.num_rows
    opened = _column(cases, "opened_at", "datetime64[s]").astype("datetime64[s]")
    keys: npt.NDArray[np.str_] = (
        np.array([key or "" for key in cases.column("calendar").to_pylist()], dtype=str)
        if "calendar" in cases.column_names
        else np.full(rows, "", dtype=str)
    )
    unknown = set(np.unique(keys).tolist()) - set(calendars) - {""}
    if unknown:
        raise KeyError(f"unknown calendar(s): {', '.join(sorted(unknown))}")
    share = _column(cases, "at_risk_share", "float64").astype(np.float64)
    moment = np.full(rows, _instant(now), dtype="datetime64[s]")
    columns: dict[str, Any] = {}
    for clock in _CLOCK_COLUMNS:
        stop_name = "first_response_at" if clock == "response" else "resolved_at"
        stop = _column(cases, stop_name, "datetime64[s]").astype("datetime64[s]")
        target = _column(cases, f"{clock}_target_hours", "float64").astype(np.float64)
        due = np.full(rows, np.datetime64("NaT", "s"))
        elapsed = np.full(rows, np.nan)
        now_elapsed = np.full(rows, np.nan)
        left = np.full(rows, np.nan)
        for key in np.unique(keys):
            rows_of = keys == key
            calendar = calendars.get(key) if key else None
            due[rows_of] = add_hours(opened[rows_of], target[rows_of], calendar)
            elapsed[rows_of] = hours_between(opened[rows_of], stop[rows_of], calendar)
            now_elapsed[rows_of] = hours_between(opened[rows_of], moment[rows_of], calendar)
            left[rows_of] = hours_between(moment[rows_of], due[rows_of], calendar)
        if clock == "resolution" and "due_at" in cases.column_names:
            promised = _column(cases, "due_at", "datetime64[s]").astype("datetime64[s]")
            has_promise = ~np.isnat(promised)
            due = np.where(has_promise, promised, due)
            for key in np.unique(keys[has_promise]):
                rows_of = has_promise & (keys == key)
                calendar = calendars.get(key) if key else None
                # a promise is a target in clock hours from opening, so at-risk and hours left follow it
                target[rows_of] = hours_between(opened[rows_of], promised[rows_of], calendar)
                left[rows_of] = hours_between(moment[rows_of], promised[rows_of], calendar)
        stopped = ~np.isnat(stop)
        states = _states(stop, target, share, due, now_elapsed)
        left = np.where(stopped | np.isnan(target), np.nan, left)
        columns[f"{clock}_due_at"] = pa.array(due, type=pa.timestamp("s"), from_pandas=True).cast(
            pa.timestamp("s", tz="UTC")
        )
        columns[f"{clock}_hours"] = pa.array(np.where(stopped, elapsed, np.nan), type=pa.float64(), from_pandas=True)
        columns[f"{clock}_state"] = pa.array(states, type=pa.string())
        columns[f"{clock}_hours_left"] = pa.array(left, type=pa.float64(), from_pandas=True)
    return pa.table(columns)


def calendar_from_days(
    *,
    weekmask: str,
    opens: dt.time,
    closes: dt.time,
    holidays: Sequence[dt.date],
    time_zone: str,
) -> WorkingCalendar:
    """A :class:`WorkingCalendar` from stored values (holidays sorted and de-duplicated)."""
    return WorkingCalendar(
        weekmask=weekmask, opens=opens, closes=closes, holidays=tuple(sorted(set(holidays))), time_zone=time_zone
    )
