"""Service-level clocks: every rule on hand-checked cases (weekends, holidays, time zones, DST)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_engine.service_clock import (
    ClockState,
    WorkingCalendar,
    add_hours,
    deadline,
    elapsed_hours,
    evaluate_clocks,
    hours_between,
)

MADRID = ZoneInfo("Europe/Madrid")
# Tuesday 8 December 2026 is a holiday in Spain (Immaculate Conception).
SPAIN = WorkingCalendar(time_zone="Europe/Madrid", holidays=(dt.date(2026, 12, 8),))


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=MADRID)


def test_calendar_hours_count_every_hour() -> None:
    assert deadline(at(4, 16), 4, None) == at(4, 20)
    assert deadline(at(4, 16), 48, None) == at(6, 16)
    assert elapsed_hours(at(4, 16), at(6, 16, 30), None) == 48.5


def test_business_hours_stop_over_the_weekend() -> None:
    # Friday 4 December 16:00, 1 hour left that day; Monday 9:00 onwards.
    assert deadline(at(4, 16), 1, SPAIN) == at(4, 17)
    assert deadline(at(4, 16), 4, SPAIN) == at(7, 12)
    assert elapsed_hours(at(4, 16), at(7, 12), SPAIN) == 4.0


def test_business_hours_skip_a_holiday() -> None:
    # Monday 7 December 16:00 + 4 h: 1 h on Monday, Tuesday is a holiday, 3 h on Wednesday.
    assert deadline(at(7, 16), 4, SPAIN) == at(9, 12)
    # Friday 16:00 → Wednesday 10:00 across the weekend and the holiday: 1 + 8 + 1 hours.
    assert elapsed_hours(at(4, 16), at(9, 10), SPAIN) == 10.0


def test_a_deadline_at_the_end_of_a_day_is_that_days_closing_time() -> None:
    assert deadline(at(7, 9), 8, SPAIN) == at(7, 17)
    assert deadline(at(7, 9), 16, SPAIN) == at(9, 17)


def test_cases_opened_outside_hours_start_at_the_next_opening() -> None:
    assert deadline(at(5, 11), 2, SPAIN) == at(7, 11)  # a Saturday
    assert deadline(at(7, 20), 2, SPAIN) == at(9, 11)  # Monday evening; Tuesday is a holiday
    assert deadline(at(7, 6), 2, SPAIN) == at(7, 11)  # Monday before opening
    assert elapsed_hours(at(5, 11), at(6, 23), SPAIN) == 0.0


def test_the_calendar_keeps_local_hours_across_a_change_of_summer_time() -> None:
    # Madrid moves from UTC+2 to UTC+1 on Sunday 25 October 2026: opening stays 9:00 local.
    friday = dt.datetime(2026, 10, 23, 16, tzinfo=MADRID)
    due = deadline(friday, 2, SPAIN)
    assert due == dt.datetime(2026, 10, 26, 10, tzinfo=MADRID)
    assert due.utcoffset() == dt.timedelta(0)  # returned in UTC
    assert due.astimezone(dt.UTC).hour == 9


def test_opening_hours_and_weekmask_are_the_calendars() -> None:
    saturday_shop = WorkingCalendar(weekmask="1111110", opens=dt.time(8), closes=dt.time(14), time_zone="Europe/Madrid")
    assert deadline(at(4, 13), 3, saturday_shop) == at(5, 10)
    assert elapsed_hours(at(4, 13), at(7, 9), saturday_shop) == 1.0 + 6.0 + 1.0


def test_a_calendar_is_refused_when_it_cannot_work() -> None:
    with pytest.raises(ValueError, match="seven 1/0 flags"):
        WorkingCalendar(weekmask="11111")
    with pytest.raises(ValueError, match="at least one 1"):
        WorkingCalendar(weekmask="0000000")
    with pytest.raises(ValueError, match="closing must be after opening"):
        WorkingCalendar(opens=dt.time(17), closes=dt.time(9))
    with pytest.raises(ValueError, match="time zone"):
        deadline(dt.datetime(2026, 12, 4, 16), 1, SPAIN)  # naive


def test_missing_values_stay_missing() -> None:
    start = np.array(["2026-12-04T15:00:00", "NaT"], dtype="datetime64[s]")
    end = np.array(["NaT", "2026-12-04T16:00:00"], dtype="datetime64[s]")
    assert np.isnan(hours_between(start, end, SPAIN)).tolist() == [True, True]
    due = add_hours(start, np.array([np.nan, 1.0]), SPAIN)
    assert np.isnat(due).tolist() == [True, True]


def _cases(**columns: list[object]) -> pa.Table:
    utc = pa.timestamp("s", tz="UTC")
    types = {
        "opened_at": utc,
        "first_response_at": utc,
        "resolved_at": utc,
        "due_at": utc,
        "response_target_hours": pa.float64(),
        "resolution_target_hours": pa.float64(),
        "at_risk_share": pa.float64(),
        "calendar": pa.string(),
    }
    return pa.table({name: pa.array(values, type=types[name]) for name, values in columns.items()})


def test_evaluate_clocks_gives_due_times_states_and_time_left() -> None:
    now = at(7, 12)  # Monday noon
    cases = _cases(
        opened_at=[at(4, 16), at(4, 16), at(7, 9), at(7, 11), at(4, 16)],
        first_response_at=[at(4, 16, 30), at(7, 11), None, None, None],
        resolved_at=[None, None, None, None, None],
        due_at=[None, None, None, None, at(9, 17)],
        response_target_hours=[2.0, 2.0, 4.0, 8.0, None],
        resolution_target_hours=[16.0, 16.0, 16.0, None, 16.0],
        at_risk_share=[0.8, 0.8, 0.5, 0.8, 0.8],
        calendar=["ES", "ES", "ES", "ES", ""],
    )
    result = evaluate_clocks(cases, {"ES": SPAIN}, now=now).to_pylist()
    assert [row["response_state"] for row in result] == ["met", "breached", "at_risk", "running", "none"]
    assert [row["response_hours"] for row in result] == [0.5, 3.0, None, None, None]
    assert [row["response_hours_left"] for row in result] == [None, None, 1.0, 7.0, None]
    assert result[1]["response_due_at"] == at(7, 10).astimezone(dt.UTC)
    assert result[0]["resolution_due_at"] == at(9, 16).astimezone(dt.UTC)  # 1 h Friday + 8 h Monday + 7 h Wednesday
    assert [row["resolution_state"] for row in result] == ["running", "running", "running", "none", "running"]
    assert result[3]["resolution_due_at"] is None
    # a promised due time on calendar hours: 3 days less 4 h from Monday noon
    assert result[4]["resolution_due_at"] == at(9, 17).astimezone(dt.UTC)
    assert result[4]["resolution_hours_left"] == 53.0


def test_a_clock_stopped_after_its_due_time_is_breached_and_a_running_one_past_it_too() -> None:
    cases = _cases(
        opened_at=[at(1, 9), at(1, 9)],
        first_response_at=[at(1, 12), None],
        resolved_at=[at(3, 9), None],
        response_target_hours=[2.0, 2.0],
        resolution_target_hours=[8.0, 8.0],
        at_risk_share=[0.8, 0.8],
        calendar=["ES", "ES"],
    )
    result = evaluate_clocks(cases, {"ES": SPAIN}, now=at(2, 12)).to_pylist()
    assert [(row["response_state"], row["resolution_state"]) for row in result] == [
        ("breached", "breached"),
        ("breached", "breached"),
    ]
    assert result[0]["resolution_hours"] == 16.0
    assert result[1]["resolution_hours_left"] == -3.0


def test_an_unknown_calendar_is_named() -> None:
    cases = _cases(
        opened_at=[at(1, 9)],
        first_response_at=[None],
        resolved_at=[None],
        response_target_hours=[2.0],
        resolution_target_hours=[8.0],
        at_risk_share=[0.8],
        calendar=["PT"],
    )
    with pytest.raises(KeyError, match="PT"):
        evaluate_clocks(cases, {"ES": SPAIN}, now=at(2, 12))


def test_clock_states_are_the_documented_ones() -> None:
    assert [state.value for state in ClockState] == ["met", "breached", "at_risk", "running", "none"]


@settings(max_examples=200, deadline=None)
@given(
    start_minutes=st.integers(min_value=0, max_value=60 * 24 * 60),
    hours=st.floats(min_value=0.25, max_value=200, allow_nan=False).map(lambda value: round(value * 4) / 4),
)
def test_adding_hours_and_counting_them_back_agree(start_minutes: int, hours: float) -> None:
    start = at(1, 0, month=11) + dt.timedelta(minutes=start_minutes)
    due = deadline(start, hours, SPAIN)
    assert elapsed_hours(start, due, SPAIN) == pytest.approx(hours)
    assert elapsed_hours(start, due - dt.timedelta(minutes=1), SPAIN) < hours


def test_business_hours_match_pandas_custom_business_hours() -> None:
    offset = pd.offsets.CustomBusinessHour(start="09:00", end="17:00", holidays=["2026-12-08"])
    starts = [dt.datetime(2026, 12, 4, 16), dt.datetime(2026, 12, 7, 16, 30), dt.datetime(2026, 12, 5, 11)]
    for start in starts:
        for hours in (1, 4, 9, 30):
            ours = deadline(start.replace(tzinfo=MADRID), hours, SPAIN).astimezone(MADRID).replace(tzinfo=None)
            expected = pd.Timestamp(start) + hours * offset
            if ours.time() == dt.time(17):
                # the same business moment: pandas writes a deadline at closing time as the next opening
                assert offset.rollforward(pd.Timestamp(ours) + pd.Timedelta(seconds=1)) == expected, (start, hours)
            else:
                assert pd.Timestamp(ours) == expected, (start, hours)
