"""Every change of alerts: raising one (from the action that records the event), acknowledging
and resolving it, marking notices read.

``raise_alert`` is called by other apps' actions inside their own transaction, at the moment
they record the event (a negative touchpoint, a late response, a departed contact…), so an
alert exists exactly when its event does. The event key is unique: the same event raised
twice (an import run again, a nightly job run twice) gives no second alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
from kam.core.audit import build_audit_record, record_audit
from kam.core.models import AuditRecord
from kam.key_accounts.models import Account, AccountTeamMember
from kam.users.models import User


def alert_recipients(account: Account) -> list[User]:
    """Who is told of an account's alerts: its KAM and its active team members."""
    return _recipients_by_account([account])[account.pk]


def _recipients_by_account(accounts: Sequence[Account]) -> dict[int, list[User]]:
    """The KAM and active team members of each account, in two queries for any number of accounts."""
    ids = {account.pk for account in accounts}
    people: dict[int, dict[int, User]] = {pk: {} for pk in ids}
    for member in AccountTeamMember.objects.filter(account_id__in=ids, user__is_active=True).select_related("user"):
        people[member.account_id][member.user.pk] = member.user
    owner_ids = {account.owner_id for account in accounts if account.owner_id is not None}
    owners = User.objects.in_bulk(owner_ids) if owner_ids else {}
    for account in accounts:
        owner = owners.get(account.owner_id) if account.owner_id is not None else None
        if owner is not None and owner.is_active:
            people[account.pk][owner.pk] = owner
    return {pk: sorted(found.values(), key=lambda person: person.pk) for pk, found in people.items()}


def _mail(alert: Alert, recipients: Iterable[User]) -> None:
    subject = f"[OpenKAM] {alert.account.name}: {alert.title}"
    link = f"{settings.SITE_URL.rstrip('/')}{alert.get_absolute_url()}" if settings.SITE_URL else ""
    body = "\n\n".join(part for part in (alert.title, alert.detail, link) if part)
    messages = [(subject, body, None, [person.email]) for person in recipients if person.email]
    if messages:
        send_mass_mail(messages, fail_silently=True)


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One event to alert on (see :func:`raise_alert` for the meaning of each field)."""

    account: Account
    kind: AlertKind | str
    event_key: str
    title: str
    detail: str = ""
    severity: Severity | str = Severity.WARNING
    link: str = ""
    occurred_at: dt.datetime | None = None


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
    event = AlertEvent(account, kind, event_key, title, detail, severity, link, occurred_at)
    raised = raise_alerts([event], acting_user=acting_user)
    return raised[0] if raised else None


_KEY_CHUNK = 900  # event keys per query: below every database's limit of bound parameters


@transaction.atomic
def raise_alerts(events: Sequence[AlertEvent], *, acting_user: User | None = None) -> list[Alert]:
    """Raise the alerts of many events at once, by the rules of :func:`raise_alert`.

    For the jobs that find events in bulk (the nightly snapshot, imports): a fixed number of
    queries whatever the number of events. Events whose key already has an alert, and
    repeats of a key within ``events``, raise nothing. Returns the alerts raised.
    """
    wanted: dict[str, AlertEvent] = {}
    for event in events:
        wanted.setdefault(event.event_key, event)
    keys = list(wanted)
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        for known in Alert.objects.filter(event_key__in=chunk).values_list("event_key", flat=True):
            del wanted[known]
    if not wanted:
        return []
    now = timezone.now()
    alerts = [
        Alert(
            account=event.account,
            kind=event.kind,
            severity=event.severity,
            event_key=event.event_key,
            title=event.title[:300],
            detail=event.detail,
            link=event.link,
            occurred_at=event.occurred_at or now,
        )
        for event in wanted.values()
    ]
    try:
        with transaction.atomic():
            Alert.objects.bulk_create(alerts, batch_size=500)
    except IntegrityError:  # one of them was raised at the same moment by another process: go one by one
        raised = []
        for alert in alerts:
            try:
                with transaction.atomic():
                    alert.save(force_insert=True)
            except IntegrityError:
                continue
            raised.append(alert)
        alerts = raised
    recipients_of = _recipients_by_account(list({alert.account.pk: alert.account for alert in alerts}.values()))
    notices: list[AlertNotice] = []
    audits = []
    told: list[tuple[Alert, list[User]]] = []
    for alert in alerts:
        recipients = [
            person for person in recipients_of[alert.account.pk] if acting_user is None or person.pk != acting_user.pk
        ]
        notices += [AlertNotice(alert=alert, recipient=person, emailed=bool(person.email)) for person in recipients]
        audits.append(
            build_audit_record(
                actor=acting_user,
                action="alert.raise",
                instance=alert,
                changes={
                    "kind": [None, str(alert.kind)],
                    "severity": [None, str(alert.severity)],
                    "event_key": [None, alert.event_key],
                    "recipients": [None, [person.pk for person in recipients]],
                },
            )
        )
        told.append((alert, recipients))
    AlertNotice.objects.bulk_create(notices, batch_size=1000)
    AuditRecord.objects.bulk_create(audits, batch_size=1000)

    def mail_all() -> None:
        for alert, recipients in told:
            _mail(alert, recipients)

    transaction.on_commit(mail_all)
    return alerts


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
