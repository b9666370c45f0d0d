"""Working calendars as the clock engine reads them, and the calendar an account's clocks run on.

Business-hour clocks run on the calendar whose ``countries`` name the account's country
(case-insensitively), else on the default calendar, else on a built-in Monday-to-Friday,
09:00–17:00 week in ``settings.TIME_ZONE`` (key :data:`BUILT_IN`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings

from kam.service.choices import Clock
from kam.service.models import Holiday, WorkingCalendar
from kam_engine.service_clock import WorkingCalendar as EngineCalendar
from kam_engine.service_clock import calendar_from_days

BUILT_IN = "~built-in"
"""Engine key of the built-in calendar used when no working calendar is stored."""


def built_in_calendar() -> EngineCalendar:
    """Monday to Friday, 09:00 to 17:00, no holidays, in the site's time zone."""
    return EngineCalendar(weekmask="1111100", opens=dt.time(9), closes=dt.time(17), time_zone=settings.TIME_ZONE)


def engine_calendar(calendar: WorkingCalendar, holidays: Iterable[dt.date]) -> EngineCalendar:
    """One stored calendar and its holidays as the engine's calendar."""
    return calendar_from_days(
        weekmask=calendar.weekdays,
        opens=calendar.opens,
        closes=calendar.closes,
        holidays=list(holidays),
        time_zone=calendar.time_zone,
    )


def engine_calendars() -> dict[str, EngineCalendar]:
    """Every stored calendar by code (two queries), plus the built-in one under :data:`BUILT_IN`."""
    days: dict[int, list[dt.date]] = {}
    for calendar_id, day in Holiday.objects.values_list("calendar_id", "date"):
        days.setdefault(calendar_id, []).append(day)
    calendars = {
        calendar.code: engine_calendar(calendar, days.get(calendar.pk, ()))
        for calendar in WorkingCalendar.objects.all()
    }
    calendars[BUILT_IN] = built_in_calendar()
    return calendars


def _countries(calendar: WorkingCalendar) -> set[str]:
    return {part.strip().casefold() for part in calendar.countries.split(",") if part.strip()}


@dataclass(frozen=True, slots=True)
class CalendarChooser:
    """Picks the calendar of an account's country among the stored calendars (loaded once)."""

    by_country: Mapping[str, WorkingCalendar]
    default: WorkingCalendar | None

    @classmethod
    def load(cls) -> CalendarChooser:
        by_country: dict[str, WorkingCalendar] = {}
        default = None
        for calendar in WorkingCalendar.objects.order_by("code"):
            for country in _countries(calendar):
                by_country.setdefault(country, calendar)
            if calendar.is_default:
                default = calendar
        return cls(by_country, default)

    def for_country(self, country: str) -> WorkingCalendar | None:
        """The calendar naming ``country``, else the default one; None: the built-in calendar."""
        return self.by_country.get(country.strip().casefold(), self.default) if country else self.default


def calendar_for_country(country: str) -> WorkingCalendar | None:
    """The stored calendar of an account in ``country`` (None: the built-in calendar)."""
    return CalendarChooser.load().for_country(country)


def clock_key(clock: str, calendar_code: str | None) -> str:
    """The engine's calendar key of a case: empty for calendar hours, else its calendar's code (or built-in)."""
    if clock != Clock.BUSINESS:
        return ""
    return calendar_code or BUILT_IN
