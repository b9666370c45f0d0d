"""Key-account plans: the diagnosis, objectives, strategies, actions, whitespace, competitors and reviews."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.key_accounts.models import Account, ProductLine
from kam.plans.choices import ActionStatus, ObjectiveKpi, PlanStatus, WhitespaceStatus
from kam.users.choices import Department

DIAGNOSIS_FIELDS = (
    "industry_variables",
    "operations",
    "needs_and_value_drivers",
    "customer_strategy",
    "value_proposition",
)
SWOT_FIELDS = ("strengths", "weaknesses", "opportunities", "threats")
# The fields of the diagnosis form: editing any of them moves the plan to its next revision.
EDITABLE_FIELDS = ("title", "period_start", "period_end", *DIAGNOSIS_FIELDS, *SWOT_FIELDS)


def amount_field(label: Any, help_text: Any = "") -> models.DecimalField[Decimal | None, Decimal | None]:
    """An optional amount or percentage, to the cent."""
    return models.DecimalField(label, max_digits=20, decimal_places=2, null=True, blank=True, help_text=help_text)


class AccountPlan(TimeStampedModel):
    """The key account plan of one account for one period: where we stand and what we will do.

    An account keeps all its plans; at most one is active at a time.
    """

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_plans",
        help_text=_("Who answers for the plan, usually the account's KAM."),
    )
    industry_variables = models.TextField(
        _("industry variables"), blank=True, help_text=_("Trends, regulation and forces of the customer's industry.")
    )
    operations = models.TextField(
        _("customer operations"), blank=True, help_text=_("How the customer works: sites, processes, supply chain.")
    )
    needs_and_value_drivers = models.TextField(
        _("needs and value drivers"), blank=True, help_text=_("What the customer needs and values most.")
    )
    customer_strategy = models.TextField(_("customer strategy"), blank=True)
    value_proposition = models.TextField(
        _("value proposition"), blank=True, help_text=_("Why this customer should work with us rather than others.")
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    opportunities = models.TextField(_("opportunities"), blank=True)
    threats = models.TextField(_("threats"), blank=True)
    revision = models.PositiveIntegerField(
        _("revision"),
        default=1,
        help_text=_("Goes up with every change of the diagnosis; a change made on an older revision is refused."),
    )

    class Meta:
        ordering = ("account", "-period_start", "-id")
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status=PlanStatus.ACTIVE),
                name="%(app_label)s_%(class)s_one_active_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("plans:plan_detail", kwargs={"code": self.account.code, "pk": self.pk})


class PlanObjective(TimeStampedModel):
    """A measurable objective of the plan: a KPI from its baseline to a target by a date."""

    plan = models.ForeignKey(AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(_("title"), max_length=200)
    kpi = models.CharField(
        _("KPI"),
        max_length=32,
        choices=ObjectiveKpi.choices,
        default=ObjectiveKpi.OTHER,
        help_text=_("Every KPI but “other” is tracked from the latest analysis; percentages are entered as 0–100."),
    )
    baseline = amount_field(_("baseline"))
    target = amount_field(_("target"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    manual_current = amount_field(
        _("current value"), help_text=_("Entered by hand for “other” objectives; ignored for tracked KPIs.")
    )

    class Meta:
        ordering = ("plan", "id")
        verbose_name = _("plan objective")
        verbose_name_plural = _("plan objectives")

    def __str__(self) -> str:
        return self.title


class PlanStrategy(TimeStampedModel):
    """How the plan means to reach its objectives, optionally tied to one of them."""

    plan = models.ForeignKey(AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="strategies")
    text = models.TextField(_("strategy"))
    objective = models.ForeignKey(
        PlanObjective,
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="strategies",
    )

    class Meta:
        ordering = ("plan", "id")
        verbose_name = _("plan strategy")
        verbose_name_plural = _("plan strategies")

    def __str__(self) -> str:
        return self.text[:80]


class PlanAction(TimeStampedModel):
    """A concrete step of the plan: who does what by when."""

    plan = models.ForeignKey(AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="actions")
    strategy = models.ForeignKey(
        PlanStrategy,
        verbose_name=_("strategy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="plan_actions",
    )
    department = models.CharField(_("department"), max_length=32, choices=Department.choices, blank=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)

    class Meta:
        ordering = ("plan", "due_date", "id")
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        indexes = [models.Index(fields=["owner", "status", "due_date"], name="plans_action_owner_due_idx")]

    def __str__(self) -> str:
        return self.title


class WhitespaceCell(TimeStampedModel):
    """What one business unit (or site) of the customer buys of one of our product lines."""

    plan = models.ForeignKey(AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="whitespace")
    business_unit = models.CharField(
        _("business unit"), max_length=200, help_text=_("The customer's business unit or site.")
    )
    product_line = models.ForeignKey(
        ProductLine, verbose_name=_("product line"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=WhitespaceStatus.choices, default=WhitespaceStatus.OPEN
    )
    potential = amount_field(_("potential"), help_text=_("What the unit could buy of this line per year."))
    current_value = amount_field(_("current value"), help_text=_("What it buys from us per year."))
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)

    class Meta:
        ordering = ("plan", "business_unit", "product_line")
        verbose_name = _("whitespace cell")
        verbose_name_plural = _("whitespace cells")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "business_unit", "product_line"],
                name="%(app_label)s_%(class)s_unique_plan_unit_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_unit} × {self.product_line}"


class CompetitorPosition(TimeStampedModel):
    """A competitor at the account: their estimated share and what makes them strong."""

    plan = models.ForeignKey(AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="competitors")
    competitor = models.CharField(_("competitor"), max_length=200)
    share_estimate = amount_field(_("estimated share %"), help_text=_("Their share of the customer's spend, 0–100."))
    strengths = models.TextField(_("their strengths"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ("plan", "competitor")
        verbose_name = _("competitor position")
        verbose_name_plural = _("competitor positions")

    def __str__(self) -> str:
        return self.competitor


class PlanReview(TimeStampedModel):
    """A review meeting of the plan: who took part, what was seen and decided."""

    plan = models.ForeignKey(AccountPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reviews")
    date = models.DateField(_("date"))
    participants = models.TextField(_("participants"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta:
        ordering = ("plan", "-date", "-id")
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")

    def __str__(self) -> str:
        return str(self.date)
