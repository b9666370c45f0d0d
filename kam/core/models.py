"""Framework models shared by every app: timestamps and the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base that records when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditRecord(models.Model):
    """One change made through an action: who did what to which object, before → after.

    Audit records are append-only: no action updates or deletes them.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty for changes made by the system itself."),
    )
    account = models.ForeignKey(
        "key_accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The account the object is or belongs to, for the account's audit tab; empty otherwise."),
    )
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("changes"), default=dict, blank=True, help_text=_("Field name → [before, after].")
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr}"
