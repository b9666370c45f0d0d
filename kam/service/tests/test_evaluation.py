"""The nightly evaluation of open cases: at risk, then breached, each alerted once."""

from __future__ import annotations

import io
import json

import pytest
import time_machine
from django.core.management import call_command

from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.service.actions import EvaluationResult, do_evaluate_open_cases, do_open_case, do_resolve_case
from kam.service.models import ServiceCase
from kam.service.tests.fixtures import FRIDAY_4PM, case_details, madrid
from kam.users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("service_levels")]


def test_at_risk_then_breached_each_raise_one_alert(accounts: dict[str, Account], kam_alice: User) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
        resolved = do_open_case(accounts["ACME"], case_details(type="support", subject="Manual"), acting_user=kam_alice)
    with time_machine.travel(madrid(2026, 1, 2, 17, 0), tick=False):
        do_resolve_case(resolved, acting_user=kam_alice)

    # Monday 10:30: 3.5 business hours of 4 used (at risk from 3.2 h).
    at_risk = do_evaluate_open_cases(now=madrid(2026, 1, 5, 10, 30))
    again = do_evaluate_open_cases(now=madrid(2026, 1, 5, 10, 45))

    assert at_risk == EvaluationResult(evaluated=1, newly_at_risk=1, newly_breached=0)
    assert again == EvaluationResult(evaluated=1, newly_at_risk=0, newly_breached=0)
    case.refresh_from_db()
    assert (case.response_state, case.resolution_state) == ("at_risk", "running")
    (warning,) = Alert.objects.filter(kind="sla_at_risk")
    assert (warning.event_key, warning.severity, warning.title) == (
        f"case:{case.pk}:response_at_risk",
        "warning",
        "First response due soon: Pallets arrived damaged",
    )

    # Monday 11:30: 4.5 hours used, past the 4-hour target.
    breached = do_evaluate_open_cases(now=madrid(2026, 1, 5, 11, 30))
    twice = do_evaluate_open_cases(now=madrid(2026, 1, 5, 12, 0))

    assert breached == EvaluationResult(evaluated=1, newly_at_risk=0, newly_breached=1)
    assert twice == EvaluationResult(evaluated=1, newly_at_risk=0, newly_breached=0)
    case.refresh_from_db()
    assert case.response_state == "breached"
    (breach,) = Alert.objects.filter(kind="sla_breach")
    assert (breach.event_key, breach.severity) == (f"case:{case.pk}:response_breach", "critical")
    assert Alert.objects.count() == 3  # the complaint, at risk, breached
    assert ServiceCase.objects.get(pk=resolved.pk).resolution_state == "met"


def test_nothing_open_evaluates_nothing(db: None) -> None:
    assert do_evaluate_open_cases(now=FRIDAY_4PM) == EvaluationResult()


def test_an_earlier_moment_does_not_take_a_breached_clock_back(accounts: dict[str, Account], kam_alice: User) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
    do_evaluate_open_cases(now=madrid(2026, 1, 5, 11, 30))

    earlier = do_evaluate_open_cases(now=madrid(2026, 1, 2, 17, 0))

    assert earlier == EvaluationResult(evaluated=1, newly_at_risk=0, newly_breached=0)
    case.refresh_from_db()
    assert (case.response_state, case.resolution_state) == ("breached", "running")


def test_kam_clocks_measures_the_open_cases_now_and_alerts_once(accounts: dict[str, Account], kam_alice: User) -> None:
    with time_machine.travel(FRIDAY_4PM, tick=False):
        do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        with time_machine.travel(madrid(2026, 1, 5, 11, 30), tick=False):
            call_command("clocks", json=True, stdout=out)
        outputs.append(json.loads(out.getvalue()))

    assert outputs == [
        {"evaluated": 1, "newly_at_risk": 0, "newly_breached": 1},
        {"evaluated": 1, "newly_at_risk": 0, "newly_breached": 0},
    ]
    assert Alert.objects.filter(kind="sla_breach").count() == 1
