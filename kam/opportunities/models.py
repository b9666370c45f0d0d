"""Sales opportunities on accounts: the pipeline a KAM forecasts from."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.key_accounts.models import Account, Contact, ProductLine
from kam.opportunities.choices import CLOSED_STAGES, Stage


class Opportunity(TimeStampedModel):
    """A sale we pursue with an account: what, how much, how likely, when, and who decides on it.

    The weighted amount (amount × probability) is what the forecast adds up.
    """

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="opportunities"
    )
    code = models.CharField(
        _("code"),
        max_length=64,
        blank=True,
        help_text=_("The id of the opportunity in the system it came from; unique per account when given."),
    )
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.PROSPECTING)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, help_text=_("Expected revenue if the opportunity is won.")
    )
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0 to 100; each stage has a default that may be overridden."),
    )
    expected_close_on = models.DateField(_("expected close date"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    product_lines = models.ManyToManyField(
        ProductLine, verbose_name=_("product lines"), related_name="opportunities", blank=True
    )
    buying_influences = models.ManyToManyField(
        Contact,
        verbose_name=_("buying influences"),
        related_name="opportunities",
        blank=True,
        help_text=_("Contacts of the account who influence this purchase."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_opportunities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("expected_close_on", "name", "id")
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=0, probability__lte=100),
                name="%(app_label)s_%(class)s_probability_0_to_100",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative"
            ),
            models.UniqueConstraint(
                fields=["account", "code"],
                condition=~models.Q(code=""),
                name="%(app_label)s_%(class)s_unique_account_code",
            ),
        ]
        indexes = [models.Index(fields=["account", "stage"], name="opportunities_acct_stage_idx")]

    def __str__(self) -> str:
        return f"{self.account.code} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("opportunities:account_opportunities", kwargs={"code": self.account.code})

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES

    @property
    def weighted_amount(self) -> Decimal:
        """Amount × probability, to the cent."""
        return weighted(self.amount, self.probability)


def weighted(amount: Decimal, probability: int) -> Decimal:
    """``amount`` × ``probability`` per cent, rounded to the cent.

    >>> weighted(Decimal("1000.00"), 25)
    Decimal('250.00')
    """
    return (amount * probability / 100).quantize(Decimal("0.01"))
