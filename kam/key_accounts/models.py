"""Master data of the key-account domain: customers, their people, our teams, our products."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.key_accounts.choices import (
    AccountSize,
    AccountStatus,
    Attitude,
    BuyingRole,
    ChangeSource,
    HistoryField,
    Phase,
    RelationshipLevel,
    RelationshipStage,
    TeamRole,
    Tier,
)
from kam.users.choices import Department


class Account(TimeStampedModel):
    """A customer company, identified by its code in the supplier's ERP."""

    code = models.CharField(_("code"), max_length=64, unique=True, help_text=_("The customer's id in your ERP."))
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    segment = models.CharField(_("segment"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=64, blank=True)
    size = models.CharField(_("size"), max_length=16, choices=AccountSize.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.CUSTOMER)
    is_key_account = models.BooleanField(_("key account"), default=False)
    key_account_since = models.DateField(_("key account since"), null=True, blank=True)
    tier = models.CharField(
        _("tier"), max_length=16, choices=Tier.choices, blank=True, help_text=_("Quadrant of the selection matrix.")
    )
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, blank=True)
    relationship_stage = models.CharField(
        _("relationship stage"), max_length=16, choices=RelationshipStage.choices, blank=True
    )
    target_stage = models.CharField(_("target stage"), max_length=16, choices=RelationshipStage.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    estimated_wallet = models.DecimalField(
        _("estimated wallet"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The customer's yearly spend in our categories, with any supplier; for share of wallet."),
    )

    class Meta:
        ordering = ("name", "code")
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["owner", "name"], name="key_accounts_account_owner_idx"),
            models.Index(fields=["tier"], name="key_accounts_account_tier_idx"),
            models.Index(fields=["segment"], name="key_accounts_account_seg_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("key_accounts:account_detail", kwargs={"code": self.code})


class Contact(TimeStampedModel):
    """A person of the customer: a member of its buying centre."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contacts")
    code = models.CharField(
        _("code"), max_length=64, help_text=_("Unique within the account; used to update by import.")
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    title = models.CharField(_("job title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    buying_role = models.CharField(_("buying role"), max_length=32, choices=BuyingRole.choices, blank=True)
    influence = models.PositiveSmallIntegerField(
        _("influence"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 (little) to 5 (decisive)."),
    )
    attitude = models.CharField(_("attitude to us"), max_length=16, choices=Attitude.choices, blank=True)
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our relationship owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
    )
    relationship_level = models.CharField(
        _("relationship level"), max_length=16, choices=RelationshipLevel.choices, blank=True
    )
    last_contact_at = models.DateField(_("last contact"), null=True, blank=True)
    is_active = models.BooleanField(_("still with the customer"), default=True)

    class Meta:
        ordering = ("account", "last_name", "first_name", "code")
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="%(app_label)s_%(class)s_unique_account_code"),
            models.CheckConstraint(
                condition=models.Q(influence__isnull=True) | models.Q(influence__gte=1, influence__lte=5),
                name="%(app_label)s_%(class)s_influence_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class AccountTeamMember(TimeStampedModel):
    """One of our people on an account's cross-functional team."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="account_teams"
    )
    role = models.CharField(_("role on the account"), max_length=32, choices=TeamRole.choices)
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)

    class Meta:
        ordering = ("account", "role", "user")
        verbose_name = _("account team member")
        verbose_name_plural = _("account team members")
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="%(app_label)s_%(class)s_unique_account_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class ProductLine(TimeStampedModel):
    """A family of our products; margins and whitespace are analysed per line."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ("name", "code")
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    """Something we sell, identified by its code in the ERP."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    list_price = models.DecimalField(_("list price"), max_digits=18, decimal_places=4, null=True, blank=True)
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Standard cost of goods per unit, used when invoice lines carry no cost."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("name", "code")
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


# Labels of the coded values kept in an account's history, by field.
_HISTORY_CHOICES: dict[str, type[models.TextChoices]] = {
    HistoryField.PHASE: Phase,
    HistoryField.RELATIONSHIP_STAGE: RelationshipStage,
    HistoryField.TARGET_STAGE: RelationshipStage,
    HistoryField.TIER: Tier,
}


class AccountChange(TimeStampedModel):
    """One change of an account's phase, relationship stage, target stage, tier, key-account flag or KAM.

    Written by every action that changes one of those fields (the account page, an import, an
    approved selection decision), so the account's history reads: who, when, from what to what, why.
    Values are kept as text: choice codes, ``true``/``false`` for the flag, the KAM's user name.
    """

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(_("field"), max_length=32, choices=HistoryField.choices)
    old_value = models.CharField(_("old value"), max_length=150, blank=True)
    new_value = models.CharField(_("new value"), max_length=150, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty for a change made by the system (an import run from the command line)."),
    )
    reason = models.TextField(_("reason"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ChangeSource.choices)

    class Meta:
        ordering = ("account", "-changed_at", "-id")
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")
        indexes = [models.Index(fields=["account", "-changed_at"], name="key_accounts_change_acct_idx")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.field}: {self.old_value} → {self.new_value}"

    def _display(self, value: str) -> str:
        if not value:
            return "—"
        if self.field == HistoryField.IS_KEY_ACCOUNT:
            return gettext("Yes") if value == "true" else gettext("No")
        choices = _HISTORY_CHOICES.get(self.field)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        return value

    @property
    def old_display(self) -> str:
        """The old value as the page shows it (a choice's label, Yes/No, a user name)."""
        return self._display(self.old_value)

    @property
    def new_display(self) -> str:
        """The new value as the page shows it."""
        return self._display(self.new_value)


class SurveyResponse(TimeStampedModel):
    """The customer's rating of us in one answer to a satisfaction survey (with its net promoter score)."""

    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="surveys")
    code = models.CharField(
        _("code"), max_length=64, help_text=_("The answer's id in the survey tool; unique within the account.")
    )
    answered_on = models.DateField(_("answered on"))
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("1 (very dissatisfied) to 10 (delighted)."),
    )
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text=_("The net promoter question, 0 to 10."),
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ("account", "-answered_on", "-code")
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="%(app_label)s_%(class)s_unique_account_code"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=10),
                name="%(app_label)s_%(class)s_satisfaction_1_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__gte=0, nps__lte=10),
                name="%(app_label)s_%(class)s_nps_0_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.code} ({self.answered_on}): {self.satisfaction}/10"


class AccountAssessment(TimeStampedModel):
    """Our view of the customer: how much, in our judgement, it values and commits to the relationship.

    Set against the customer's own satisfaction (``SurveyResponse``), it shows whether the
    feeling is mutual.
    """

    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("1 (the customer hardly values us) to 10 (fully committed to the relationship)."),
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("account", "-assessed_on", "-id")
        verbose_name = _("account assessment")
        verbose_name_plural = _("account assessments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=10), name="%(app_label)s_%(class)s_rating_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} ({self.assessed_on}): {self.rating}/10"
