"""Analysis windows: calendar months ending on an as-of date."""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = ["month_index", "months_before"]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day).

    A window of ``months`` months ending on ``as_of`` is ``months_before(as_of, months) < date <= as_of``.

    Examples
    --------
    >>> months_before(dt.date(2026, 10, 31), 12)
    datetime.date(2025, 10, 31)
    >>> months_before(dt.date(2024, 3, 31), 1)
    datetime.date(2024, 2, 29)
    """
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))


def month_index(day: dt.date) -> int:
    """Months since year 0, so that consecutive months differ by one."""
    return day.year * 12 + day.month - 1
