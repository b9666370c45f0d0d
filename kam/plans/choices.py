"""Choices of the key-account plan: plan and action statuses, objective KPIs, whitespace cells."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    """Where a plan is in its life: drafted, in force (at most one per account), or closed."""

    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class ObjectiveKpi(models.TextChoices):
    """What an objective measures; every one but "other" is tracked from the latest analysis."""

    REVENUE = "revenue", _("Revenue")
    GROSS_MARGIN = "gross_margin", _("Gross margin")
    MARGIN_PCT = "margin_pct", _("Margin %")
    SHARE_OF_WALLET = "share_of_wallet", _("Share of wallet %")
    COST_TO_SERVE_PCT = "cost_to_serve_pct", _("Cost to serve % of revenue")
    OTIF_RATE = "otif_rate", _("On time in full %")
    CUSTOMER_PROFIT = "customer_profit", _("Customer profit")
    OTHER = "other", _("Other (entered by hand)")


class ActionStatus(models.TextChoices):
    """Progress of one action of the plan."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class WhitespaceStatus(models.TextChoices):
    """What the customer's business unit buys of one of our product lines."""

    BOUGHT = "bought", _("Buys from us")
    OPEN = "open", _("Open opportunity")
    COMPETITOR = "competitor", _("Buys from a competitor")
    BLOCKED = "blocked", _("Blocked")
