"""Alert actions: raising an event once, who is told (in the app and by e-mail, on commit only),
acknowledging and resolving, and who may do it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction

from kam.alerts.actions import AlertError, do_acknowledge_alert, do_mark_notices_read, do_resolve_alert, raise_alert
from kam.alerts.choices import AlertKind, AlertStatus, Severity
from kam.alerts.models import Alert, AlertNotice
from kam.alerts.queries import unread_notice_count
from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.users.models import User

pytestmark = pytest.mark.django_db

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def _raise(account: Account, acting_user: User | None) -> Alert | None:
    return raise_alert(
        account=account,
        kind=AlertKind.COMPLAINT,
        event_key="case:7:complaint",
        title="Complaint: the invoice is wrong",
        detail="Invoice 2026-113 charges the list price.",
        severity=Severity.WARNING,
        link="/accounts/ACME/",
        acting_user=acting_user,
    )


def test_the_same_event_raised_twice_gives_one_alert_and_one_notice_per_recipient(
    accounts: dict[str, Account],
    kam_alice: User,
    team_tina: User,
    mailboxes: None,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _raise(accounts["ACME"], kam_alice)
        second = _raise(accounts["ACME"], kam_alice)

    assert first is not None
    assert second is None
    assert Alert.objects.count() == 1
    # alice raised it: only tina (on the team) is told; alice is not told of her own event.
    assert list(first.notices.values_list("recipient__username", "emailed", "read_at")) == [("tina", True, None)]
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["tina@example.com"]
    assert message.subject == "[OpenKAM] Acme Group: Complaint: the invoice is wrong"
    assert message.body == (
        f"Complaint: the invoice is wrong\n\nInvoice 2026-113 charges the list price.\n\n"
        f"http://127.0.0.1:8000/alerts/{first.pk}/"
    )
    (record,) = AuditRecord.objects.filter(action="alert.raise")
    assert record.changes["recipients"] == [None, [team_tina.pk]]


def test_no_e_mail_is_sent_before_the_transaction_commits(
    accounts: dict[str, Account], kam_alice: User, team_tina: User, mailboxes: None
) -> None:
    # pytest-django's test transaction never commits, so on-commit callbacks never run here.
    with transaction.atomic():
        alert = _raise(accounts["ACME"], None)

    assert alert is not None
    assert sorted(alert.notices.values_list("recipient__username", flat=True)) == ["alice", "tina"]
    assert mail.outbox == []


def test_a_rolled_back_event_sends_no_e_mail(
    accounts: dict[str, Account],
    team_tina: User,
    mailboxes: None,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _raise(accounts["ACME"], None)
                raise RuntimeError("the event was not recorded after all")
        except RuntimeError:
            pass

    assert callbacks == []
    assert mail.outbox == []
    assert Alert.objects.count() == 0


def test_alice_acknowledges_then_resolves_with_a_note(acme_alert: Alert, kam_alice: User) -> None:
    assert unread_notice_count(kam_alice) == 1

    do_acknowledge_alert(acme_alert, acting_user=kam_alice)
    acme_alert.refresh_from_db()
    assert (acme_alert.status, acme_alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, kam_alice)
    assert unread_notice_count(kam_alice) == 0

    do_resolve_alert(acme_alert, "  Called Marta; the order ships on Friday.  ", acting_user=kam_alice)

    acme_alert.refresh_from_db()
    assert (acme_alert.status, acme_alert.resolved_by, acme_alert.resolution_note) == (
        AlertStatus.RESOLVED,
        kam_alice,
        "Called Marta; the order ships on Friday.",
    )
    assert acme_alert.resolved_at is not None
    records = AuditRecord.objects.filter(object_type="alerts.alert", object_id=str(acme_alert.pk)).order_by("id")
    assert [(record.action, record.changes.get("status")) for record in records] == [
        ("alert.raise", None),
        ("alert.acknowledge", ["open", "acknowledged"]),
        ("alert.resolve", ["acknowledged", "resolved"]),
    ]


def test_tina_of_the_team_resolves_an_open_alert_directly(acme_alert: Alert, team_tina: User) -> None:
    do_resolve_alert(acme_alert, "Replaced the order", acting_user=team_tina)

    acme_alert.refresh_from_db()
    assert (acme_alert.status, acme_alert.acknowledged_by, acme_alert.resolved_by) == (
        AlertStatus.RESOLVED,
        None,
        team_tina,
    )


def test_resolving_needs_a_note(acme_alert: Alert, kam_alice: User) -> None:
    with pytest.raises(AlertError, match=r"^Note: say how the alert was dealt with\.$"):
        do_resolve_alert(acme_alert, "   ", acting_user=kam_alice)

    acme_alert.refresh_from_db()
    assert acme_alert.status == AlertStatus.OPEN


def test_a_resolved_alert_is_final(acme_alert: Alert, kam_alice: User) -> None:
    do_resolve_alert(acme_alert, "Done", acting_user=kam_alice)

    with pytest.raises(AlertError, match=r"^This alert is already resolved; there is nothing left to acknowledge\.$"):
        do_acknowledge_alert(acme_alert, acting_user=kam_alice)
    with pytest.raises(AlertError, match=r"^This alert is already resolved\.$"):
        do_resolve_alert(acme_alert, "Again", acting_user=kam_alice)

    acme_alert.refresh_from_db()
    assert (acme_alert.status, acme_alert.resolution_note) == (AlertStatus.RESOLVED, "Done")


def test_acknowledging_twice_names_who_did_it_first(acme_alert: Alert, kam_alice: User, team_tina: User) -> None:
    do_acknowledge_alert(acme_alert, acting_user=kam_alice)

    with pytest.raises(AlertError, match=r"^This alert was already acknowledged by Alice Anders\.$"):
        do_acknowledge_alert(acme_alert, acting_user=team_tina)


@pytest.mark.parametrize("persona", ["kam_bob", "outsider_olga", "viewer_victor"])
def test_people_off_the_account_may_not_act_on_its_alerts(
    acme_alert: Alert, persona: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        do_acknowledge_alert(acme_alert, acting_user=user)
    with pytest.raises(PermissionDenied):
        do_resolve_alert(acme_alert, "Not mine", acting_user=user)

    acme_alert.refresh_from_db()
    assert acme_alert.status == AlertStatus.OPEN


def test_marking_notices_read_touches_only_my_unread_ones(acme_alert: Alert, kam_alice: User, team_tina: User) -> None:
    assert do_mark_notices_read(kam_alice, [acme_alert]) == 1
    assert do_mark_notices_read(kam_alice, [acme_alert]) == 0

    assert unread_notice_count(kam_alice) == 0
    assert unread_notice_count(team_tina) == 1
    assert AlertNotice.objects.filter(read_at__isnull=True).count() == 1


def test_a_resolved_alert_no_longer_counts_as_unread(acme_alert: Alert, kam_alice: User, team_tina: User) -> None:
    do_resolve_alert(acme_alert, "Done", acting_user=kam_alice)

    assert unread_notice_count(team_tina) == 0
