"""Choices of the incentives domain: plan statuses and the catalogue of KPIs a plan can pay on."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncentivePlanStatus(models.TextChoices):
    """Where an incentive plan is in its life: drafted, in force (at most one), or retired."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class IncentiveKpi(models.TextChoices):
    """The KPIs a plan can use; each is read from what the system stores at the period end."""

    REVENUE_GROWTH = "revenue_growth", _("Revenue growth")
    MARGIN_PCT = "margin_pct", _("Margin %")
    SHARE_OF_WALLET = "share_of_wallet", _("Share of wallet")
    COST_TO_SERVE_PCT = "cost_to_serve_pct", _("Cost to serve % of revenue")
    CUSTOMER_PROFIT = "customer_profit", _("Customer profit")
    OTIF_RATE = "otif_rate", _("On time in full")
    SLA_ATTAINMENT = "sla_attainment", _("Service-level attainment")
    COMPLAINT_RATE = "complaint_rate", _("Complaints per 100 orders")


class KpiSource(models.TextChoices):
    """Where a KPI's actual is read: the latest account analysis or service-level snapshot."""

    ANALYSIS = "analysis", _("Account analysis")
    SERVICE_LEVEL = "service_level", _("Service-level snapshot")


class KpiUnit(models.TextChoices):
    """How a KPI's value reads: a share shown as a percentage, an amount, or a plain number."""

    PERCENT = "percent", _("Percentage")
    MONEY = "money", _("Amount")
    NUMBER = "number", _("Number")


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """One entry of the KPI catalogue: where its actual is stored, its unit and usual direction."""

    kpi: IncentiveKpi
    source: KpiSource
    field: str
    unit: KpiUnit
    higher_is_better: bool

    @property
    def scale(self) -> float:
        """What a stored value is multiplied by to be shown (shares as percentages)."""
        return 100.0 if self.unit == KpiUnit.PERCENT else 1.0


KPI_CATALOGUE: dict[str, KpiDefinition] = {
    definition.kpi.value: definition
    for definition in (
        KpiDefinition(IncentiveKpi.REVENUE_GROWTH, KpiSource.ANALYSIS, "growth_yoy", KpiUnit.PERCENT, True),
        KpiDefinition(IncentiveKpi.MARGIN_PCT, KpiSource.ANALYSIS, "margin_pct", KpiUnit.PERCENT, True),
        KpiDefinition(IncentiveKpi.SHARE_OF_WALLET, KpiSource.ANALYSIS, "share_of_wallet", KpiUnit.PERCENT, True),
        KpiDefinition(IncentiveKpi.COST_TO_SERVE_PCT, KpiSource.ANALYSIS, "cost_to_serve_pct", KpiUnit.PERCENT, False),
        KpiDefinition(IncentiveKpi.CUSTOMER_PROFIT, KpiSource.ANALYSIS, "customer_profit", KpiUnit.MONEY, True),
        KpiDefinition(IncentiveKpi.OTIF_RATE, KpiSource.ANALYSIS, "otif_rate", KpiUnit.PERCENT, True),
        KpiDefinition(IncentiveKpi.SLA_ATTAINMENT, KpiSource.SERVICE_LEVEL, "sla_attainment", KpiUnit.PERCENT, True),
        KpiDefinition(IncentiveKpi.COMPLAINT_RATE, KpiSource.SERVICE_LEVEL, "complaint_rate", KpiUnit.NUMBER, False),
    )
}
