"""Benchmark: service-level clocks of 1,000,000 cases, engine against pandas' CustomBusinessHour.

Generates the cases with numpy (fixed seed): three working calendars with their holidays and
time zones (Spain, Germany, the United States) and a share on calendar hours (24 × 7), targets
of whole hours, a share still waiting for the first response or the resolution. Times
``kam_engine.service_clock.evaluate_clocks`` (due times, hours, states and hours left of both
clocks) over all of them, median of ``--repeat`` runs.

The baseline is what one would write in pandas: for each case, the opening in local time plus
``pd.offsets.CustomBusinessHour(n=target, start, end, weekmask, holidays)``, back to UTC — the
due times of both clocks only (no states, no elapsed hours, so the baseline does less work).
Looping over a million cases that way takes many minutes, so it runs on a random sample of
``--sample`` cases and its time is extrapolated linearly to all of them (it is per-case work).

The sample's due times must equal ours exactly (to the second), or the script fails. One
convention differs and is normalised before comparing: a deadline landing exactly on closing
time is that day's closing for us and the next working day's opening for pandas — the same
business moment.

    .venv/bin/python bench/evaluate_slas.py [--cases 1000000] [--sample 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from kam_engine.service_clock import WorkingCalendar, evaluate_clocks

SEED = 20261202
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)

CALENDARS = {
    "ES": WorkingCalendar(
        weekmask="1111100",
        opens=dt.time(9),
        closes=dt.time(18),
        time_zone="Europe/Madrid",
        holidays=tuple(
            dt.date.fromisoformat(day)
            for day in (
                "2026-01-01",
                "2026-01-06",
                "2026-04-03",
                "2026-05-01",
                "2026-08-15",
                "2026-10-12",
                "2026-11-01",
                "2026-12-08",
                "2026-12-25",
            )
        ),
    ),
    "DE": WorkingCalendar(
        weekmask="1111100",
        opens=dt.time(8),
        closes=dt.time(16, 30),
        time_zone="Europe/Berlin",
        holidays=tuple(
            dt.date.fromisoformat(day)
            for day in (
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-01",
                "2026-05-14",
                "2026-10-03",
                "2026-12-25",
            )
        ),
    ),
    "US": WorkingCalendar(
        weekmask="1111110",
        opens=dt.time(8),
        closes=dt.time(17),
        time_zone="America/New_York",
        holidays=tuple(
            dt.date.fromisoformat(day)
            for day in ("2026-01-01", "2026-05-25", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25")
        ),
    ),
}
KEYS = np.array(["ES", "DE", "US", ""], dtype=object)  # "": calendar hours


def generate(cases: int, seed: int = SEED) -> pa.Table:
    """Cases opened over 2026 up to ``NOW``, on mixed calendars, some still open (never stopped after ``NOW``)."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2026-01-01T00:00:00", "s")
    span = int((np.datetime64(NOW.replace(tzinfo=None), "s") - start).astype(np.int64))
    opened = start + rng.integers(0, span, cases).astype("timedelta64[s]")
    calendar = KEYS[rng.choice(4, cases, p=[0.4, 0.25, 0.2, 0.15])]
    response_target = rng.choice(np.array([2.0, 4.0, 8.0, 24.0]), cases)
    resolution_target = rng.choice(np.array([16.0, 24.0, 40.0, 72.0]), cases)
    # Stops a random (calendar) time after opening; 20 % still unanswered, 35 % unresolved.
    responded = opened + (rng.exponential(6.0, cases) * 3600).astype("timedelta64[s]")
    resolved = responded + (rng.exponential(48.0, cases) * 3600).astype("timedelta64[s]")
    now = np.datetime64(NOW.replace(tzinfo=None), "s")
    open_response = (rng.random(cases) < 0.2) | (responded > now)
    open_resolution = open_response | (rng.random(cases) < 0.2) | (resolved > now)
    utc = pa.timestamp("s", tz="UTC")
    return pa.table(
        {
            "opened_at": pa.array(opened, type=pa.timestamp("s")).cast(utc),
            "first_response_at": pa.array(responded, type=pa.timestamp("s"), mask=open_response).cast(utc),
            "resolved_at": pa.array(resolved, type=pa.timestamp("s"), mask=open_resolution).cast(utc),
            "response_target_hours": response_target,
            "resolution_target_hours": resolution_target,
            "at_risk_share": np.full(cases, 0.8),
            "calendar": pa.array(calendar.tolist(), type=pa.string()),
        }
    )


def pandas_weekmask(calendar: WorkingCalendar) -> str:
    """Our 1/0 weekmask as pandas' day names ("Mon Tue Wed Thu Fri")."""
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return " ".join(name for name, flag in zip(names, calendar.weekmask, strict=True) if flag == "1")


def pandas_due_times(sample: pd.DataFrame) -> pd.DataFrame:
    """The due times of both clocks, case by case, with pandas' business-hour offsets."""
    results: dict[str, list[pd.Timestamp]] = {"response_due_at": [], "resolution_due_at": []}
    for row in sample.itertuples(index=False):
        opened = pd.Timestamp(row.opened_at)
        for clock, hours in (("response", row.response_target_hours), ("resolution", row.resolution_target_hours)):
            if not row.calendar:
                results[f"{clock}_due_at"].append(opened + pd.Timedelta(hours=hours))
                continue
            calendar = CALENDARS[row.calendar]
            offset = pd.offsets.CustomBusinessHour(
                n=int(hours),
                start=calendar.opens.strftime("%H:%M"),
                end=calendar.closes.strftime("%H:%M"),
                weekmask=pandas_weekmask(calendar),
                holidays=list(calendar.holidays),
            )
            local = opened.tz_convert(calendar.time_zone).tz_localize(None)
            due = (local + offset).tz_localize(calendar.time_zone, nonexistent="shift_forward", ambiguous=False)
            results[f"{clock}_due_at"].append(due.tz_convert("UTC"))
    return pd.DataFrame(results)


def closing_as_next_opening(due: pd.Series, keys: pd.Series) -> pd.Series:
    """Our due times with a deadline exactly at closing moved to the next working day's opening (pandas' way)."""
    moved = due.copy()
    for key, calendar in CALENDARS.items():
        rows = keys == key
        local = due[rows].dt.tz_convert(calendar.time_zone).dt.tz_localize(None)
        at_closing = local.dt.time == calendar.closes
        if not at_closing.any():
            continue
        day = pd.offsets.CustomBusinessDay(
            weekmask=pandas_weekmask(calendar),
            holidays=list(calendar.holidays),
        )
        opening = pd.Timedelta(hours=calendar.opens.hour, minutes=calendar.opens.minute)
        next_opening = local[at_closing].dt.normalize().map(lambda midnight, day=day: midnight + day) + opening
        shifted = next_opening.dt.tz_localize(calendar.time_zone, nonexistent="shift_forward", ambiguous=False)
        moved.loc[shifted.index] = shifted.dt.tz_convert("UTC")
    return moved


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    cases = generate(options.cases)
    engine, engine_times, clocks = timed(lambda: evaluate_clocks(cases, CALENDARS, now=NOW), options.repeat)

    picked = np.sort(np.random.default_rng(SEED + 1).choice(options.cases, options.sample, replace=False))
    sample = cases.take(pa.array(picked)).to_pandas()
    baseline, _times, expected = timed(lambda: pandas_due_times(sample), 1)

    ours = clocks.take(pa.array(picked)).to_pandas()
    mismatches: dict[str, int] = {}
    for column in ("response_due_at", "resolution_due_at"):
        normalised = closing_as_next_opening(ours[column].reset_index(drop=True), sample["calendar"])
        wrong = normalised.to_numpy() != expected[column].dt.tz_convert("UTC").to_numpy()
        mismatches[column] = int(wrong.sum())
        if wrong.any():
            first = int(np.flatnonzero(wrong)[0])
            sys.exit(
                f"FAIL: {column} differs from pandas on {int(wrong.sum())} of {options.sample} sampled cases; first: "
                f"case {int(picked[first])} ({sample['calendar'][first] or 'calendar hours'}) opened "
                f"{sample['opened_at'][first]}, ours {ours[column][first]}, pandas {expected[column][first]}"
            )
    per_case = baseline / options.sample
    extrapolated = per_case * options.cases
    print(
        json.dumps(
            {
                "cases": options.cases,
                "calendars": {
                    key or "calendar hours": int((cases.column("calendar").to_numpy(zero_copy_only=False) == key).sum())
                    for key in KEYS
                },
                "still_open_response": cases.column("first_response_at").null_count,
                "still_open_resolution": cases.column("resolved_at").null_count,
                "engine_evaluate_clocks_s": round(engine, 3),
                "engine_runs_s": [round(t, 3) for t in engine_times],
                "pandas_sample_cases": options.sample,
                "pandas_sample_s": round(baseline, 3),
                "pandas_extrapolated_s": round(extrapolated, 1),
                "pandas_extrapolated_note": (
                    f"{options.sample} cases timed, scaled linearly to {options.cases}; due times only"
                ),
                "ratio_pandas_over_engine": round(extrapolated / engine, 1),
                "due_time_mismatches": mismatches,
                "states": {
                    state: int(count)
                    for state, count in zip(
                        *np.unique(
                            clocks.column("resolution_state").to_numpy(zero_copy_only=False), return_counts=True
                        ),
                        strict=True,
                    )
                },
                "target_10s_met": engine < 10.0,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
