"""Opening and working cases: targets copied from the policy, clocks on business hours, alerts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from kam.alerts.models import Alert, AlertNotice
from kam.core.models import AuditRecord
from kam.key_accounts.actions import do_add_team_member
from kam.key_accounts.choices import TeamRole
from kam.key_accounts.models import Account
from kam.service.actions import (
    CaseChanges,
    CaseError,
    do_close_case,
    do_open_case,
    do_record_first_response,
    do_reopen_case,
    do_resolve_case,
    do_update_case,
)
from kam.service.models import ServiceCase, WorkingCalendar
from kam.service.tests.fixtures import FRIDAY_4PM, case_details, madrid
from kam.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("service_levels")]

UTC = dt.UTC


@time_machine.travel(FRIDAY_4PM, tick=False)
def test_a_strategic_complaint_runs_on_business_hours_across_the_weekend_and_epiphany(
    accounts: dict[str, Account], kam_alice: User, es_calendar: WorkingCalendar
) -> None:
    case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)

    case.refresh_from_db()
    assert (case.policy.case_type, case.policy.applies_to) == ("complaint", "strategic")  # type: ignore[union-attr]
    assert (case.response_target_hours, case.resolution_target_hours, case.clock) == (4.0, 24.0, "business")
    assert case.calendar == es_calendar
    # Friday 16–18 (2 h), Monday 09–11 (2 h): Monday 5 January at 11:00 in Madrid.
    assert case.response_due_at == dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    # Friday 2 h, Monday 9 h, Epiphany stands still, Wednesday 9 h, Thursday 4 h: Thursday 8 January at 13:00.
    assert case.resolution_due_at == dt.datetime(2026, 1, 8, 12, 0, tzinfo=UTC)
    assert (case.response_state, case.resolution_state) == ("running", "running")
    assert (case.status, case.department, case.created_by) == ("open", "customer_service", kam_alice)
    (complaint,) = Alert.objects.all()
    assert (complaint.kind, complaint.event_key, complaint.severity) == (
        "complaint",
        f"case:{case.pk}:complaint",
        "critical",
    )
    assert complaint.title == "Complaint: Pallets arrived damaged"
    assert complaint.link == f"/accounts/ACME/service/{case.pk}/"
    (record,) = AuditRecord.objects.filter(object_type="service.servicecase")
    assert (record.action, record.actor, record.changes["status"]) == ("service_case.open", kam_alice, [None, "open"])


@time_machine.travel(FRIDAY_4PM, tick=False)
def test_calendar_hours_count_the_weekend(accounts: dict[str, Account], kam_bob: User) -> None:
    case = do_open_case(accounts["DELTA"], case_details(type="delivery", subject="Late truck"), acting_user=kam_bob)

    assert (case.policy.applies_to, case.clock) == ("other", "calendar")  # type: ignore[union-attr]
    assert case.response_due_at == dt.datetime(2026, 1, 3, 15, 0, tzinfo=UTC)  # Saturday 16:00 in Madrid
    assert case.resolution_due_at == dt.datetime(2026, 1, 4, 15, 0, tzinfo=UTC)
    assert Alert.objects.count() == 0


@time_machine.travel(FRIDAY_4PM, tick=False)
def test_a_promised_due_time_overrides_the_resolution_target(accounts: dict[str, Account], kam_alice: User) -> None:
    promised = madrid(2026, 1, 3, 12, 0)

    case = do_open_case(accounts["ACME"], case_details(due_at=promised), acting_user=kam_alice)

    assert case.resolution_due_at == dt.datetime(2026, 1, 3, 11, 0, tzinfo=UTC)
    assert case.response_due_at == dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def test_a_late_first_response_is_breached_and_alerted_once(
    accounts: dict[str, Account], kam_alice: User, team_tina: User
) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)

    with time_machine.travel(madrid(2026, 1, 5, 12, 30), tick=False):
        case = do_record_first_response(case, madrid(2026, 1, 5, 12, 0), acting_user=team_tina)

    case.refresh_from_db()
    assert (case.status, case.response_state, case.response_hours) == ("in_progress", "breached", 5.0)
    assert case.resolution_state == "running"
    (breach,) = Alert.objects.filter(kind="sla_breach")
    assert (breach.event_key, breach.severity) == (f"case:{case.pk}:response_breach", "critical")
    assert breach.title == "First response late: Pallets arrived damaged"
    assert breach.occurred_at == madrid(2026, 1, 5, 12, 0)
    assert sorted(AlertNotice.objects.filter(alert=breach).values_list("recipient__username", flat=True)) == ["alice"]


def test_a_first_response_in_time_is_met_and_resolving_late_breaches_the_resolution(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
    with time_machine.travel(madrid(2026, 1, 2, 17, 30), tick=False):
        case = do_record_first_response(case, madrid(2026, 1, 2, 17, 0), acting_user=kam_alice)
    assert (case.response_state, case.response_hours) == ("met", 1.0)

    with time_machine.travel(madrid(2026, 1, 9, 10, 0), tick=False):
        case = do_resolve_case(case, None, "Credit note issued", acting_user=kam_alice)

    assert (case.status, case.resolution, case.resolution_state) == ("resolved", "Credit note issued", "breached")
    assert case.resolution_hours == 30.0  # Friday 2 h, Monday 9 h, (Epiphany), Wednesday 9 h, Thursday 9 h, Friday 1 h
    assert list(Alert.objects.order_by("pk").values_list("event_key", flat=True)) == [
        f"case:{case.pk}:complaint",
        f"case:{case.pk}:resolution_breach",
    ]


def test_resolved_before_opening_is_refused_naming_the_field(accounts: dict[str, Account], kam_alice: User) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)

        with pytest.raises(CaseError, match=r"^Resolved: it cannot be before the case was opened\.$"):
            do_resolve_case(case, madrid(2026, 1, 2, 15, 0), acting_user=kam_alice)

    assert ServiceCase.objects.get().status == "open"


def test_closing_reopening_and_editing(accounts: dict[str, Account], kam_alice: User) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
        case = do_close_case(case, acting_user=kam_alice)
        assert (case.status, case.resolved_at, case.first_response_at) == ("closed", FRIDAY_4PM, FRIDAY_4PM)
        assert (case.response_state, case.resolution_state) == ("met", "met")

        case = do_reopen_case(case, acting_user=kam_alice)
        assert (case.status, case.resolved_at, case.resolution_state) == ("in_progress", None, "running")

        changes = CaseChanges(
            subject="Pallets crushed",
            description="",
            priority="urgent",
            owner=kam_alice,
            department="logistics",
            contact=accounts["ACME"].contacts.get(code="MR"),
            status="waiting_customer",
            due_at=madrid(2026, 1, 5, 18, 0),
        )
        case = do_update_case(case, changes, acting_user=kam_alice)

        with pytest.raises(CaseError, match=r"^Status: resolve, close or reopen the case with its own buttons\.$"):
            do_update_case(case, dataclasses.replace(changes, status="resolved"), acting_user=kam_alice)

    case.refresh_from_db()
    assert (case.subject, case.priority, case.status, case.department) == (
        "Pallets crushed",
        "urgent",
        "waiting_customer",
        "logistics",
    )
    assert case.resolution_due_at == dt.datetime(2026, 1, 5, 17, 0, tzinfo=UTC)
    assert list(
        AuditRecord.objects.filter(object_type="service.servicecase").order_by("pk").values_list("action", flat=True)
    ) == ["service_case.open", "service_case.close", "service_case.reopen", "service_case.update"]


def test_a_contact_of_another_account_is_refused(accounts: dict[str, Account], kam_alice: User) -> None:
    other = accounts["COBALT"].contacts.first()
    assert other is not None

    with pytest.raises(CaseError, match=r"^Contact: .* is not a contact of Acme Group\.$"):
        do_open_case(accounts["ACME"], case_details(contact=other), acting_user=kam_alice)


def test_only_the_accounts_managers_and_team_work_its_cases(
    accounts: dict[str, Account], outsider_olga: User, viewer_victor: User, team_tina: User
) -> None:
    do_add_team_member(accounts["ACME"], viewer_victor, role=TeamRole.OTHER, acting_user=None)

    for person in (outsider_olga, viewer_victor):
        with pytest.raises(PermissionDenied):
            do_open_case(accounts["ACME"], case_details(opened_at=None), acting_user=person)
    case = do_open_case(accounts["ACME"], case_details(opened_at=None), acting_user=team_tina)

    assert ServiceCase.objects.get() == case
