"""Incentive plans by account phase and what each key account costs the KAM programme."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.incentives.choices import IncentivePlanStatus
from kam.key_accounts.models import Account


class IncentivePlan(TimeStampedModel):
    """How KAMs are paid on their key accounts: KPI components by account phase and a bonus at target.

    ``phases`` maps each phase (``kam.key_accounts.choices.Phase``) to its KPI rows, each
    ``{kpi, weight, target, higher_is_better, threshold, threshold_payout, cap, cap_payout}``
    in the units the system stores (shares as fractions: a 10 % target is 0.10). At most one
    plan is approved (in force) at a time; approving another retires it.
    """

    name = models.CharField(_("name"), max_length=200)
    period_start = models.DateField(_("valid from"))
    period_end = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=IncentivePlanStatus.choices, default=IncentivePlanStatus.DRAFT
    )
    target_bonus = models.DecimalField(
        _("target bonus per account"),
        max_digits=14,
        decimal_places=2,
        help_text=_("What one key account pays its KAM for a payout period when every KPI is at target."),
    )
    retention_damping = models.FloatField(
        _("retention damping"),
        default=0.0,
        help_text=_("0–1: an account's payout is multiplied by 1 − damping × churn risk."),
    )
    phases: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("KPIs by phase"), default=dict, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ("-period_start", "-id")
        verbose_name = _("incentive plan")
        verbose_name_plural = _("incentive plans")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status=IncentivePlanStatus.APPROVED),
                name="%(app_label)s_%(class)s_one_approved",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("incentives:plan_detail", kwargs={"pk": self.pk})


def _amount(label: Any, help_text: Any = "") -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(0), help_text=help_text)


class Investment(TimeStampedModel):
    """What one key account cost the KAM programme in one month: people's time and special costs."""

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="kam_investments"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    kam_hours = _amount(_("KAM hours"))
    team_hours = _amount(_("team hours"), _("Hours of the account team other than the KAM."))
    hourly_rate = _amount(_("hourly rate"), _("The full cost of one hour of the people above."))
    special_costs = _amount(
        _("special costs"), _("Service given only because the account is key: dedicated stock, events, travel.")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ("account", "month")
        verbose_name = _("KAM investment")
        verbose_name_plural = _("KAM investments")
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="%(app_label)s_%(class)s_unique_account_month"),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} · {self.month:%Y-%m}"

    @property
    def amount(self) -> Decimal:
        """(KAM hours + team hours) × hourly rate + special costs."""
        return (self.kam_hours + self.team_hours) * self.hourly_rate + self.special_costs
