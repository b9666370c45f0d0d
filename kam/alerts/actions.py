"""Every change of alerts: raising one (from the action that records the event), acknowledging
and resolving it, marking notices read.

``raise_alert`` is called by other apps' actions inside their own transaction, at the moment
they record the event (a negative touchpoint, a late response, a departed contact…), so an
alert exists exactly when its event does. The event key is unique: the same event raised
twice (an import run again, a nightly job run twice) gives no second alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.alerts.choices import AlertKind, AlertStatus, Severity
from kam.alerts.models import Alert, AlertNotice
from kam.alerts.queries import can_act_on_alerts
from kam.core.audit import record_audit
from kam.key_accounts.models import Account
from kam.users.models import User


def alert_recipients(account: Account) -> list[User]:
    """Who is told of an account's alerts: its KAM and its active team members."""
    people = {member.user for member in account.team.select_related("user") if member.user.is_active}
    if account.owner_id is not None and account.owner is not None and account.owner.is_active:
        people.add(account.owner)
    return sorted(people, key=lambda person: person.pk)


def _mail(alert: Alert, recipients: Iterable[User]) -> None:
    subject = f"[OpenKAM] {alert.account.name}: {alert.title}"
    link = f"{settings.SITE_URL.rstrip('/')}{alert.get_absolute_url()}" if settings.SITE_URL else ""
    body = "\n\n".join(part for part in (alert.title, alert.detail, link) if part)
    messages = [(subject, body, None, [person.email]) for person in recipients if person.email]
    if messages:
        send_mass_mail(messages, fail_silently=True)


@transaction.atomic
def raise_alert(
    *,
    account: Account,
    kind: AlertKind | str,
    event_key: str,
    title: str,
    detail: str = "",
    severity: Severity | str = Severity.WARNING,
    link: str = "",
    occurred_at: dt.datetime | None = None,
    acting_user: User | None = None,
) -> Alert | None:
    """Raise the alert of one event and tell the account's KAM and team (in the app and by e-mail).

    Returns None, and changes nothing, when an alert with ``event_key`` already exists. The
    person who recorded the event (``acting_user``) is not notified of it. E-mails are sent
    after the surrounding transaction commits, so a rolled-back event sends none.
    """
    if Alert.objects.filter(event_key=event_key).exists():
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                account=account,
                kind=kind,
                severity=severity,
                event_key=event_key,
                title=title[:300],
                detail=detail,
                link=link,
                occurred_at=occurred_at or timezone.now(),
            )
    except IntegrityError:  # raised at the same moment by another process
        return None
    recipients = [person for person in alert_recipients(account) if acting_user is None or person.pk != acting_user.pk]
    AlertNotice.objects.bulk_create(
        [AlertNotice(alert=alert, recipient=person, emailed=bool(person.email)) for person in recipients]
    )
    record_audit(
        actor=acting_user,
        action="alert.raise",
        instance=alert,
        changes={
            "kind": [None, str(kind)],
            "severity": [None, str(severity)],
            "event_key": [None, event_key],
            "recipients": [None, [person.pk for person in recipients]],
        },
    )
    transaction.on_commit(lambda: _mail(alert, recipients))
    return alert


# --- dealing with an alert ----------------------------------------------------------------


class AlertError(ValueError):
    """An alert change we cannot make; the message says why, in the user's language."""


def _require_actor(alert: Alert, acting_user: User) -> None:
    if not can_act_on_alerts(acting_user, alert.account):
        raise PermissionDenied(_("Only the account's managers and team members may deal with its alerts."))


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("account").get(pk=alert.pk)


def _mark_read(user: User, alert_ids: Iterable[int] | QuerySet[Alert]) -> int:
    ids = alert_ids.values("pk") if isinstance(alert_ids, QuerySet) else list(alert_ids)
    return AlertNotice.objects.filter(recipient=user, alert_id__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic(durable=True)
def do_acknowledge_alert(alert: Alert, *, acting_user: User) -> Alert:
    """Say that someone of the account team is on it: the alert stays listed until resolved."""
    alert = _locked(alert)
    _require_actor(alert, acting_user)
    if alert.status == AlertStatus.RESOLVED:
        raise AlertError(_("This alert is already resolved; there is nothing left to acknowledge."))
    if alert.status == AlertStatus.ACKNOWLEDGED:
        raise AlertError(
            _("This alert was already acknowledged by %(user)s.") % {"user": alert.acknowledged_by or _("someone")}
        )
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = acting_user
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "updated_at"])
    _mark_read(acting_user, [alert.pk])
    record_audit(
        actor=acting_user,
        action="alert.acknowledge",
        instance=alert,
        changes={"status": [AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value]},
    )
    return alert


@transaction.atomic(durable=True)
def do_resolve_alert(alert: Alert, note: str, *, acting_user: User) -> Alert:
    """Close the alert with a note saying how it was dealt with; a resolved alert is final."""
    alert = _locked(alert)
    _require_actor(alert, acting_user)
    if alert.status == AlertStatus.RESOLVED:
        raise AlertError(_("This alert is already resolved."))
    note = note.strip()
    if not note:
        raise AlertError(_("Note: say how the alert was dealt with."))
    before = alert.status
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = timezone.now()
    alert.resolved_by = acting_user
    alert.resolution_note = note
    alert.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note", "updated_at"])
    _mark_read(acting_user, [alert.pk])
    record_audit(
        actor=acting_user,
        action="alert.resolve",
        instance=alert,
        changes={"status": [str(before), AlertStatus.RESOLVED.value], "resolution_note": [None, note]},
    )
    return alert


@transaction.atomic
def do_mark_notices_read(user: User, alerts: Iterable[Alert] | QuerySet[Alert]) -> int:
    """Mark ``user``'s notices of ``alerts`` read (the top bar's count goes down); return how many.

    ``alerts`` may be a query (marked in one statement, without loading them). Reading is not
    audited: it changes nothing of the alert, only what the person has seen.
    """
    return _mark_read(user, alerts if isinstance(alerts, QuerySet) else [alert.pk for alert in alerts])
