"""Fixtures of the service app, built through its actions.

``es_calendar``: the default calendar, Spain (ES), Europe/Madrid, Monday to Friday 09:00–18:00
(nine hours a day), with Epiphany (Tuesday 6 January 2026) as a holiday.

``service_levels`` (by the system, as ``kam demo`` does):

| case type | applies to | first response | resolution | clock    |
|-----------|------------|----------------|------------|----------|
| complaint | strategic  | 4 h            | 24 h       | business |
| complaint | key        | 6 h            | 36 h       | business |
| complaint | other      | 8 h            | 72 h       | business |
| delivery  | other      | 24 h           | 48 h       | calendar |
| support   | other      | 8 h            | 40 h       | business |

Friday 2 January 2026 at 16:00 in Madrid (``FRIDAY_4PM``) is when most test cases open: two
business hours are left that day, the weekend and Epiphany stand still.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from kam.key_accounts.models import Account
from kam.service.actions import CaseDetails, do_add_holiday, do_save_calendar, do_save_policy
from kam.service.models import WorkingCalendar

FRIDAY_4PM = timezone.make_aware(dt.datetime(2026, 1, 2, 16, 0))
EPIPHANY = dt.date(2026, 1, 6)


def madrid(*parts: int) -> dt.datetime:
    """An aware datetime of Madrid (the tests' time zone)."""
    return timezone.make_aware(dt.datetime(*parts))  # type: ignore[arg-type]


def case_details(**fields: Any) -> CaseDetails:
    """A complaint about a late delivery, opened on Friday 2 January 2026 at 16:00, with ``fields`` changed."""
    values: dict[str, Any] = {
        "type": "complaint",
        "subject": "Pallets arrived damaged",
        "description": "Three pallets of order 4711 were crushed",
        "opened_at": FRIDAY_4PM,
        **fields,
    }
    return CaseDetails(**values)


@pytest.fixture
def es_calendar(db: None) -> WorkingCalendar:
    calendar = do_save_calendar(
        "ES",
        "Spain",
        countries="ES, Spain, España",
        time_zone="Europe/Madrid",
        opens=dt.time(9),
        closes=dt.time(18),
        is_default=True,
        acting_user=None,
    )
    do_add_holiday(calendar, EPIPHANY, "Epifanía del Señor", acting_user=None)
    return calendar


@pytest.fixture
def service_levels(es_calendar: WorkingCalendar, accounts: dict[str, Account]) -> None:
    for case_type, applies_to, response, resolution, clock in (
        ("complaint", "strategic", 4, 24, "business"),
        ("complaint", "key", 6, 36, "business"),
        ("complaint", "other", 8, 72, "business"),
        ("delivery", "other", 24, 48, "calendar"),
        ("support", "other", 8, 40, "business"),
    ):
        do_save_policy(case_type, applies_to, response, resolution, clock, 0.8, acting_user=None)
