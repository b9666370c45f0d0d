"""The demo company's service levels: Spain's working calendar and the policies of ``kam demo``."""

from __future__ import annotations

import datetime as dt

from kam.service.actions import do_add_holiday, do_save_calendar, do_save_policy
from kam.service.choices import AppliesTo, CaseType, Clock
from kam.service.models import Holiday

# Spain's national holidays of 2025 and 2026 (regional ones are left out).
SPAIN_HOLIDAYS = (
    (dt.date(2025, 1, 1), "Año Nuevo"),
    (dt.date(2025, 1, 6), "Epifanía del Señor"),
    (dt.date(2025, 4, 18), "Viernes Santo"),
    (dt.date(2025, 5, 1), "Fiesta del Trabajo"),
    (dt.date(2025, 8, 15), "Asunción de la Virgen"),
    (dt.date(2025, 11, 1), "Todos los Santos"),
    (dt.date(2025, 12, 6), "Día de la Constitución"),
    (dt.date(2025, 12, 8), "Inmaculada Concepción"),
    (dt.date(2025, 12, 25), "Natividad del Señor"),
    (dt.date(2026, 1, 1), "Año Nuevo"),
    (dt.date(2026, 1, 6), "Epifanía del Señor"),
    (dt.date(2026, 4, 3), "Viernes Santo"),
    (dt.date(2026, 5, 1), "Fiesta del Trabajo"),
    (dt.date(2026, 8, 15), "Asunción de la Virgen"),
    (dt.date(2026, 10, 12), "Fiesta Nacional de España"),
    (dt.date(2026, 12, 8), "Inmaculada Concepción"),
    (dt.date(2026, 12, 25), "Natividad del Señor"),
)

# (case type, first response and resolution hours for key accounts, then for the other accounts, clock)
DEMO_POLICIES = (
    (CaseType.COMPLAINT, (4, 24), (8, 72), Clock.BUSINESS),
    (CaseType.CLAIM, (8, 40), (16, 80), Clock.BUSINESS),
    (CaseType.DELIVERY, (4, 24), (8, 48), Clock.BUSINESS),
    (CaseType.ORDER_ISSUE, (4, 16), (8, 40), Clock.BUSINESS),
    (CaseType.SUPPORT, (8, 40), (16, 80), Clock.BUSINESS),
    (CaseType.RETURN, (8, 72), (24, 120), Clock.BUSINESS),
    (CaseType.INVOICE_DISPUTE, (16, 80), (24, 120), Clock.BUSINESS),
)


def set_up_service_levels() -> None:
    """The ES default calendar (Europe/Madrid, Monday to Friday 09:00–18:00) and the demo's policies.

    Run again, it changes nothing.
    """
    calendar = do_save_calendar(
        "ES",
        "España",
        countries="ES, Spain, España",
        time_zone="Europe/Madrid",
        weekdays="1111100",
        opens=dt.time(9),
        closes=dt.time(18),
        is_default=True,
        acting_user=None,
    )
    known = set(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))
    for day, name in SPAIN_HOLIDAYS:
        if day not in known:
            do_add_holiday(calendar, day, name, acting_user=None)
    for case_type, key, other, clock in DEMO_POLICIES:
        do_save_policy(case_type, AppliesTo.KEY, key[0], key[1], clock, 0.8, acting_user=None)
        do_save_policy(case_type, AppliesTo.OTHER, other[0], other[1], clock, 0.8, acting_user=None)
    # Strategic accounts answer complaints faster still.
    do_save_policy(CaseType.COMPLAINT, AppliesTo.STRATEGIC, 2, 16, Clock.BUSINESS, 0.75, acting_user=None)
