"""Which policy applies (tier → all key accounts → other accounts → none), who sets policies and calendars."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.service.actions import ServiceLevelError, do_add_holiday, do_delete_policy, do_save_calendar, do_save_policy
from kam.service.calendars import BUILT_IN, calendar_for_country, engine_calendars
from kam.service.models import ServiceLevelPolicy, WorkingCalendar
from kam.service.policies import policy_for
from kam.service.tests.fixtures import EPIPHANY
from kam.users.models import User

pytestmark = pytest.mark.django_db


def _scope(account: Account, case_type: str) -> str | None:
    policy = policy_for(account, case_type)
    return None if policy is None else policy.applies_to


@pytest.mark.usefixtures("service_levels")
def test_the_most_specific_policy_applies(accounts: dict[str, Account]) -> None:
    assert _scope(accounts["ACME"], "complaint") == "strategic"  # key account, strategic tier
    assert _scope(accounts["ACME-IB"], "complaint") == "key"  # key account, star: no star policy
    assert _scope(accounts["BOREAL"], "complaint") == "other"  # status tier, but not a key account
    assert _scope(accounts["COBALT"], "support") == "other"  # key account: no key policy for support
    assert _scope(accounts["ACME"], "claim") is None  # no policy at all


def test_an_accounts_calendar_is_that_of_its_country_else_the_default_else_built_in(
    es_calendar: WorkingCalendar, director: User
) -> None:
    france = do_save_calendar("FR", "France", countries="FR, France", closes=dt.time(17, 30), acting_user=director)

    assert calendar_for_country("fr") == france
    assert calendar_for_country("España") == es_calendar
    assert calendar_for_country("DE") == es_calendar  # the default
    assert calendar_for_country("") == es_calendar
    calendars = engine_calendars()
    assert sorted(calendars) == ["ES", "FR", BUILT_IN]
    assert calendars["ES"].holidays == (EPIPHANY,)
    assert (calendars[BUILT_IN].opens.hour, calendars[BUILT_IN].closes.hour) == (9, 17)


@pytest.mark.django_db
def test_without_calendars_the_built_in_week_applies(db: None) -> None:
    assert calendar_for_country("ES") is None
    assert list(engine_calendars()) == [BUILT_IN]


def test_a_new_default_calendar_replaces_the_former_one(es_calendar: WorkingCalendar, director: User) -> None:
    portugal = do_save_calendar(
        "PT", "Portugal", countries="PT", time_zone="Europe/Lisbon", is_default=True, acting_user=director
    )

    es_calendar.refresh_from_db()
    assert (es_calendar.is_default, portugal.is_default) == (False, True)


def test_only_directors_and_administrators_set_service_levels(
    accounts: dict[str, Account], kam_alice: User, director: User, administrator: User
) -> None:
    with pytest.raises(PermissionDenied):
        do_save_policy("complaint", "key", 4, 24, "business", acting_user=kam_alice)
    with pytest.raises(PermissionDenied):
        do_save_calendar("ES", "Spain", acting_user=kam_alice)

    policy = do_save_policy("complaint", "key", "4", "24.5", "business", 0.75, acting_user=director)
    do_save_policy("complaint", "key", 6, "24.5", "business", 0.75, acting_user=administrator)

    policy.refresh_from_db()
    assert (policy.response_hours, policy.resolution_hours, policy.at_risk_share) == (
        Decimal("6.00"),
        Decimal("24.50"),
        0.75,
    )
    assert list(
        AuditRecord.objects.filter(object_type="service.servicelevelpolicy")
        .order_by("pk")
        .values_list("action", "changes")
    ) == [
        (
            "service_policy.create",
            {
                "case_type": [None, "complaint"],
                "applies_to": [None, "key"],
                "response_hours": [None, "4.00"],
                "resolution_hours": [None, "24.50"],
                "clock": [None, "business"],
                "at_risk_share": [None, 0.75],
            },
        ),
        ("service_policy.update", {"response_hours": ["4.00", "6.00"]}),
    ]
    with pytest.raises(PermissionDenied):
        do_delete_policy(policy, acting_user=kam_alice)
    do_delete_policy(policy, acting_user=director)
    assert ServiceLevelPolicy.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("gossip", "key", 4, 24, "business"), "Case type: gossip is not a case type."),
        (("complaint", "everyone", 4, 24, "business"), "Applies to: everyone is not a group of accounts."),
        (
            ("complaint", "key", 0, 24, "business"),
            "First response within: give a positive number of hours, or leave it empty.",
        ),
        (
            ("complaint", "key", None, None, "business"),
            "Targets: give a first response or a resolution target, or delete the policy.",
        ),
        (("complaint", "key", 4, 24, "lunar"), "Clock: lunar is not calendar or business hours."),
    ],
)
def test_a_policy_that_cannot_be_stored_is_refused_naming_the_field(
    director: User, arguments: tuple[object, ...], message: str
) -> None:
    with pytest.raises(ServiceLevelError) as error:
        do_save_policy(*arguments, acting_user=director)  # type: ignore[arg-type]

    assert str(error.value) == message
    assert ServiceLevelPolicy.objects.count() == 0


def test_a_holiday_twice_is_refused(es_calendar: WorkingCalendar, director: User) -> None:
    with pytest.raises(ServiceLevelError, match=r"^Date: 2026-01-06 is already a holiday of Spain\.$"):
        do_add_holiday(es_calendar, EPIPHANY, acting_user=director)
