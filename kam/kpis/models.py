"""Dated analysis snapshots: what the engine computed for each account and the portfolio."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.key_accounts.models import Account
from kam.kpis.choices import AbcClass, ScorecardGroup, ShapiroQuadrant


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
    retention: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("retention models"),
        default=dict,
        blank=True,
        help_text=_("Fitted BG/NBD and Gamma-Gamma parameters, warnings and the holdout check by frequency."),
    )
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
    margin_share = models.FloatField(
        _("share of the total margin"), null=True, blank=True, help_text=_("Margin lost if the account left.")
    )
    probability_alive = models.FloatField(_("probability still buying"), null=True, blank=True)
    churn_risk = models.FloatField(_("churn risk"), null=True, blank=True)
    expected_purchases_12m = models.FloatField(_("expected purchases, next 12 months"), null=True, blank=True)
    expected_margin_per_purchase = money_field(_("expected margin per purchase"))
    clv = money_field(_("customer lifetime value"))
    declining = models.BooleanField(
        _("declining"), null=True, blank=True, help_text=_("Probability still buying below the policy's threshold.")
    )
    details: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("Cost by activity, monthly revenue, purchase summary.")
    )

    class Meta:
        ordering = ("-as_of", "revenue_rank", "account")
        verbose_name = _("account analysis")
        verbose_name_plural = _("account analyses")
        constraints = [
            models.UniqueConstraint(fields=["account", "as_of"], name="%(app_label)s_%(class)s_unique_account_as_of"),
        ]
        # kpis_analysis_revenue_idx (portfolio, revenue DESC NULLS LAST), the portfolio page's default
        # order, is made by migration 0004 for each database: SQLite has no NULLS LAST in an index.
        indexes = [models.Index(fields=["as_of", "revenue_rank"], name="kpis_analysis_rank_idx")]

    def __str__(self) -> str:
        return f"{self.account} @ {self.as_of}"


def _count_field(label: Any) -> models.PositiveIntegerField[int | None, int | None]:
    return models.PositiveIntegerField(label, null=True, blank=True)


def _figure_field(label: Any) -> models.FloatField[float | None, float | None]:
    return models.FloatField(label, null=True, blank=True)


class ServiceLevelSnapshot(models.Model):
    """The service-level scorecard of one day (``kam snapshot``): one account, or a group of the portfolio.

    Every figure is measured over the 90 days up to ``as_of`` (see
    ``kam_engine.service_scorecard`` for the definitions); group rows pool the group's
    cases, orders and deliveries. Taking the snapshot of a date again replaces that date's rows.
    """

    as_of = models.DateField(_("as of"))
    group = models.CharField(_("group"), max_length=16, choices=ScorecardGroup.choices)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_level_snapshots",
    )
    is_key_account = models.BooleanField(_("key account"), default=False)
    accounts = _count_field(_("accounts"))
    days = models.PositiveIntegerField(_("days measured"), default=90)
    cases = _count_field(_("cases"))
    complaints = _count_field(_("complaints"))
    complaint_rate = _figure_field(_("complaints per 100 orders"))
    repeat_complaints = _count_field(_("repeat complaints"))
    response_hours_median = _figure_field(_("first response, median hours"))
    response_hours_p90 = _figure_field(_("first response, 90th percentile hours"))
    resolution_hours_median = _figure_field(_("resolution, median hours"))
    resolution_hours_p90 = _figure_field(_("resolution, 90th percentile hours"))
    clocks_met = _count_field(_("service levels met"))
    clocks_measured = _count_field(_("service levels measured"))
    sla_attainment = _figure_field(_("service-level attainment"))
    touchpoints = _count_field(_("touchpoints"))
    negative_touchpoints = _count_field(_("negative touchpoints"))
    negative_share = _figure_field(_("share of negative touchpoints"))
    orders = _count_field(_("orders"))
    deliveries = _count_field(_("deliveries"))
    otif_deliveries = _count_field(_("deliveries on time in full"))
    otif_rate = _figure_field(_("on time in full"))
    created_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        ordering = ("-as_of", "group", "account")
        verbose_name = _("service-level snapshot")
        verbose_name_plural = _("service-level snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["as_of", "group", "account"], name="%(app_label)s_%(class)s_unique_as_of_group_account"
            ),
            # NULL accounts are distinct to a unique constraint: a group's row is unique on its own.
            models.UniqueConstraint(
                fields=["as_of", "group"],
                condition=models.Q(account__isnull=True),
                name="%(app_label)s_%(class)s_unique_as_of_group",
            ),
            models.CheckConstraint(
                condition=models.Q(group__in=ScorecardGroup.values), name="%(app_label)s_%(class)s_group_valid"
            ),
            models.CheckConstraint(
                condition=(models.Q(group=ScorecardGroup.ACCOUNT) & models.Q(account__isnull=False))
                | (~models.Q(group=ScorecardGroup.ACCOUNT) & models.Q(account__isnull=True)),
                name="%(app_label)s_%(class)s_account_rows_name_an_account",
            ),
        ]
        indexes = [models.Index(fields=["account", "as_of"], name="kpis_service_account_idx")]

    def __str__(self) -> str:
        return f"{self.account or self.get_group_display()} @ {self.as_of}"
