"""The scorecards' KPI catalogue by phase and the daily KPI snapshots."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.key_accounts.choices import Phase
from kam.key_accounts.models import Account
from kam.scorecards.choices import CATALOGUE, KpiDefinition, KpiKey, KpiScope


class PhaseKpi(TimeStampedModel):
    """A KPI of the scorecard of one phase, with the target in force and when it turns amber.

    Green at or beyond the target; amber within ``(1 − amber_share) × |target|`` of it on the
    wrong side; red beyond that. For lower-is-better KPIs the sides swap.
    """

    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices)
    kpi = models.CharField(_("KPI"), max_length=32, choices=KpiKey.choices)
    target = models.FloatField(_("target"), help_text=_("Shares as fractions: 0.95 is 95 %."))
    amber_share = models.FloatField(
        _("amber from"),
        default=0.9,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("0.9: a value within 10 % of the target (on the wrong side) is amber, not red."),
    )
    is_active = models.BooleanField(_("shown"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("phase", "order", "kpi")
        verbose_name = _("phase KPI")
        verbose_name_plural = _("phase KPIs")
        constraints = [
            models.UniqueConstraint(fields=["phase", "kpi"], name="%(app_label)s_%(class)s_unique_phase_kpi"),
            models.CheckConstraint(
                condition=models.Q(amber_share__gte=0, amber_share__lte=1),
                name="%(app_label)s_%(class)s_amber_share_0_to_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} · {self.get_kpi_display()}"

    @property
    def definition(self) -> KpiDefinition:
        """The catalogue's definition of the KPI (unit, direction, how it is computed)."""
        return CATALOGUE[self.kpi]


class KpiSnapshot(models.Model):
    """The KPI values and relationship health of one day (``kam snapshot``).

    One row per account, one per KAM (their accounts taken together) and one for the
    portfolio. ``values`` maps KPI keys (and a few more figures: revenue, pipeline…) to a
    number or null; ``health_components`` holds each health component's score and
    contribution. Taking the snapshot of a date again replaces that date's rows.
    """

    as_of = models.DateField(_("as of"))
    scope = models.CharField(_("scope"), max_length=16, choices=KpiScope.choices)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpi_snapshots",
    )
    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key account manager"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="kpi_snapshots",
    )
    values: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(_("values"), default=dict)
    health = models.FloatField(_("relationship health"), null=True, blank=True)
    health_components: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("health components"), default=dict, blank=True
    )
    created_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        ordering = ("-as_of", "scope", "account", "kam")
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "scope", "account", "kam"], name="%(app_label)s_%(class)s_unique_as_of_scope_row"
            ),
            # NULLs are distinct to a unique constraint: the KAM and portfolio rows need their own.
            models.UniqueConstraint(
                fields=["as_of", "kam"],
                condition=models.Q(scope=KpiScope.KAM),
                name="%(app_label)s_%(class)s_unique_as_of_kam",
            ),
            models.UniqueConstraint(
                fields=["as_of"],
                condition=models.Q(scope=KpiScope.PORTFOLIO),
                name="%(app_label)s_%(class)s_unique_as_of_portfolio",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scope=KpiScope.ACCOUNT, account__isnull=False, kam__isnull=True)
                    | models.Q(scope=KpiScope.KAM, account__isnull=True, kam__isnull=False)
                    | models.Q(scope=KpiScope.PORTFOLIO, account__isnull=True, kam__isnull=True)
                ),
                name="%(app_label)s_%(class)s_scope_names_its_row",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "as_of"], name="scorecards_account_idx"),
            models.Index(fields=["kam", "as_of"], name="scorecards_kam_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account or self.kam or self.get_scope_display()} @ {self.as_of}"
