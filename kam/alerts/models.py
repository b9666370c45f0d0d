"""Alerts on an account (a breach, a bad experience, a lost champion…) and who was told of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.alerts.choices import AlertKind, AlertStatus, Severity
from kam.core.models import TimeStampedModel
from kam.key_accounts.models import Account


class Alert(TimeStampedModel):
    """Something the account team must know about now, raised when the event is recorded.

    ``event_key`` names the event (``touchpoint:12:negative``, ``case:7:resolution_breach``…);
    it is unique, so the same event never raises a second alert.
    """

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=32, choices=AlertKind.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.WARNING)
    event_key = models.CharField(_("event"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    link = models.CharField(
        _("link"), max_length=300, blank=True, help_text=_("Where the event can be seen (a path of this site).")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)

    class Meta:
        ordering = ("-occurred_at", "-id")
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AlertStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status", "occurred_at"], name="alerts_account_status_idx"),
            models.Index(fields=["status", "occurred_at"], name="alerts_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account.code}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert_detail", kwargs={"pk": self.pk})


class AlertNotice(models.Model):
    """That one person (the account's KAM or a team member) was told of an alert, and whether they read it."""

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="alert_notices",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed = models.BooleanField(_("e-mailed"), default=False)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("alert notice")
        verbose_name_plural = _("alert notices")
        constraints = [
            models.UniqueConstraint(fields=["alert", "recipient"], name="%(app_label)s_%(class)s_unique_recipient"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alerts_notice_unread_idx")]

    def __str__(self) -> str:
        return f"{self.alert} → {self.recipient}"
