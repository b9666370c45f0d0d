"""Dated analysis snapshots: what the engine computed for each account and the portfolio."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.key_accounts.models import Account
from kam.kpis.choices import AbcClass, ShapiroQuadrant


def money_field(label: Any) -> models.DecimalField[Decimal | None, Decimal | None]:
    """An optional amount in the company's currency, to the cent."""
    return models.DecimalField(label, max_digits=20, decimal_places=2, null=True, blank=True)


class PortfolioAnalysis(models.Model):
    """One run of ``kam analyze`` for a date: the portfolio summary and its curves.

    Re-running the same date replaces it; other dates are kept as history.
    """

    as_of = models.DateField(_("as of"), unique=True)
    summary: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(_("summary"), default=dict)
    pareto_curve: models.JSONField[list[Any], list[Any]] = models.JSONField(
        _("Pareto curve"), default=list, help_text=_("[cumulative account share, cumulative revenue share] points.")
    )
    whale_curve: models.JSONField[list[Any], list[Any]] = models.JSONField(
        _("whale curve"), default=list, help_text=_("[cumulative account share, cumulative profit share] points.")
    )
    policy: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(_("policy"), default=dict)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        ordering = ("-as_of",)
        verbose_name = _("portfolio analysis")
        verbose_name_plural = _("portfolio analyses")

    def __str__(self) -> str:
        return str(self.as_of)


class AccountAnalysis(models.Model):
    """The engine's figures for one account on one date (a row of the portfolio analysis)."""

    portfolio = models.ForeignKey(
        PortfolioAnalysis, verbose_name=_("portfolio analysis"), on_delete=models.CASCADE, related_name="accounts"
    )
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="analyses")
    as_of = models.DateField(_("as of"))
    revenue = money_field(_("revenue"))
    revenue_previous = money_field(_("revenue, previous period"))
    cost_of_goods = money_field(_("cost of goods"))
    gross_margin = money_field(_("gross margin"))
    margin_pct = models.FloatField(_("margin %"), null=True, blank=True)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    lines = models.PositiveIntegerField(_("invoice lines"), default=0)
    first_purchase = models.DateField(_("first purchase"), null=True, blank=True)
    last_purchase = models.DateField(_("last purchase"), null=True, blank=True)
    recency_days = models.IntegerField(_("days since last purchase"), null=True, blank=True)
    tenure_days = models.IntegerField(_("days as customer"), null=True, blank=True)
    average_order_value = money_field(_("average order"))
    growth_yoy = models.FloatField(_("growth year on year"), null=True, blank=True)
    trend_slope = models.FloatField(_("monthly revenue trend"), null=True, blank=True)
    share_of_wallet = models.FloatField(_("share of wallet"), null=True, blank=True)
    abc_class = models.CharField(_("ABC class"), max_length=1, choices=AbcClass.choices, blank=True)
    revenue_rank = models.PositiveIntegerField(_("rank by revenue"), null=True, blank=True)
    rfm = models.CharField(_("RFM score"), max_length=3, blank=True)
    activity_cost = money_field(_("activity cost"))
    discounts = money_field(_("discounts"))
    cost_to_serve = money_field(_("cost to serve"))
    cost_to_serve_pct = models.FloatField(_("cost to serve % of revenue"), null=True, blank=True)
    customer_profit = money_field(_("customer profit"))
    net_price_index = models.FloatField(_("net price index"), null=True, blank=True)
    cost_to_serve_index = models.FloatField(_("cost-to-serve index"), null=True, blank=True)
    shapiro_quadrant = models.CharField(
        _("Shapiro quadrant"), max_length=20, choices=ShapiroQuadrant.choices, blank=True
    )
    on_time_rate = models.FloatField(_("on time"), null=True, blank=True)
    in_full_rate = models.FloatField(_("in full"), null=True, blank=True)
    otif_rate = models.FloatField(_("on time in full"), null=True, blank=True)
    average_delay_days = models.FloatField(_("average delay (days)"), null=True, blank=True)
    details: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("Cost by activity and monthly revenue.")
    )

    class Meta:
        ordering = ("-as_of", "revenue_rank", "account")
        verbose_name = _("account analysis")
        verbose_name_plural = _("account analyses")
        constraints = [
            models.UniqueConstraint(fields=["account", "as_of"], name="%(app_label)s_%(class)s_unique_account_as_of"),
        ]
        indexes = [models.Index(fields=["as_of", "revenue_rank"], name="kpis_analysis_rank_idx")]

    def __str__(self) -> str:
        return f"{self.account} @ {self.as_of}"
