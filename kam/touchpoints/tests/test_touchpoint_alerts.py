"""A negative touchpoint or a complaint raises an alert for the account's KAM and team."""

from __future__ import annotations

import pytest

from kam.alerts.choices import AlertKind, AlertStatus, Severity
from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.touchpoints.actions import do_log_touchpoint
from kam.touchpoints.choices import Sentiment, TouchpointType
from kam.touchpoints.tests.fixtures import TOUCHPOINT_AT, touchpoint_details
from kam.users.models import User

pytestmark = pytest.mark.django_db


def _told(alert: Alert) -> list[str]:
    return sorted(alert.notices.values_list("recipient__username", flat=True))


def test_a_negative_touchpoint_on_a_key_account_raises_a_critical_alert_for_kam_and_team(
    accounts: dict[str, Account], team_tina: User, director: User
) -> None:
    touchpoint = do_log_touchpoint(
        accounts["ACME"],
        touchpoint_details(sentiment=Sentiment.NEGATIVE, summary="Angry about the late March order"),
        acting_user=director,
    )

    alert = Alert.objects.get()
    assert (alert.account, alert.kind, alert.severity, alert.status) == (
        accounts["ACME"],
        AlertKind.NEGATIVE_EXPERIENCE,
        Severity.CRITICAL,
        AlertStatus.OPEN,
    )
    assert alert.event_key == f"touchpoint:{touchpoint.pk}:negative"
    assert alert.title == "Negative touchpoint: Angry about the late March order"
    assert alert.detail == "Sales · Phone · Order\nOur person: Diana Director\n\nAngry about the late March order"
    assert alert.link == f"/accounts/ACME/timeline/#touchpoint-{touchpoint.pk}"
    assert alert.occurred_at == TOUCHPOINT_AT
    assert _told(alert) == ["alice", "tina"]


def test_the_team_member_who_logs_it_is_not_told(accounts: dict[str, Account], team_tina: User) -> None:
    do_log_touchpoint(accounts["ACME"], touchpoint_details(sentiment=Sentiment.NEGATIVE), acting_user=team_tina)

    assert _told(Alert.objects.get()) == ["alice"]


def test_a_negative_touchpoint_elsewhere_is_a_warning(accounts: dict[str, Account], kam_bob: User) -> None:
    # BOREAL is alice's but not a key account; bob is on its team.
    do_log_touchpoint(accounts["BOREAL"], touchpoint_details(sentiment=Sentiment.NEGATIVE), acting_user=kam_bob)

    alert = Alert.objects.get()
    assert (alert.kind, alert.severity) == (AlertKind.NEGATIVE_EXPERIENCE, Severity.WARNING)
    assert _told(alert) == ["alice"]


def test_a_negative_complaint_raises_both_alerts(accounts: dict[str, Account], kam_alice: User) -> None:
    touchpoint = do_log_touchpoint(
        accounts["ACME"],
        touchpoint_details(type=TouchpointType.COMPLAINT, sentiment=Sentiment.NEGATIVE, summary="Wrong invoice"),
        acting_user=kam_alice,
    )

    assert list(Alert.objects.order_by("event_key").values_list("event_key", "kind", "title")) == [
        (f"touchpoint:{touchpoint.pk}:complaint", "complaint", "Complaint: Wrong invoice"),
        (f"touchpoint:{touchpoint.pk}:negative", "negative_experience", "Negative touchpoint: Wrong invoice"),
    ]


def test_a_neutral_touchpoint_raises_nothing(accounts: dict[str, Account], kam_alice: User) -> None:
    do_log_touchpoint(accounts["ACME"], touchpoint_details(), acting_user=kam_alice)

    assert Alert.objects.count() == 0
