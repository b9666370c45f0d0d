"""Payout periods as people write them: a quarter (2026-Q3), a month (2026-09) or a year (2026)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    """A period that cannot be read; the message says which forms are accepted."""


@dataclass(frozen=True, slots=True)
class Period:
    """A payout period: its label and its first and last day."""

    label: str
    start: dt.date
    end: dt.date


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """Read ``YYYY-Qn``, ``YYYY-MM`` or ``YYYY``; anything else raises ``PeriodError``."""
    value = text.strip()
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        return Period(f"{year}-Q{quarter}", dt.date(year, first, 1), _month_end(year, first + 2))
    if (match := _MONTH.match(value)) and 1 <= int(match[2]) <= 12:
        year, month = int(match[1]), int(match[2])
        return Period(f"{year}-{month:02d}", dt.date(year, month, 1), _month_end(year, month))
    if match := _YEAR.match(value):
        year = int(match[1])
        return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise PeriodError(
        _("%(value)s is not a period: use a quarter (2026-Q3), a month (2026-09) or a year (2026).") % {"value": text}
    )


def last_full_quarter(on: dt.date) -> Period:
    """The last quarter that ended before ``on``."""
    quarter = (on.month - 1) // 3  # the current quarter is quarter + 1
    year = on.year if quarter else on.year - 1
    return parse_period(f"{year}-Q{quarter or 4}")
