"""Key-account selection: versioned policies, rating rounds, proposals and directors' decisions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.core.models import TimeStampedModel
from kam.key_accounts.choices import Phase, Tier
from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.selection.choices import CandidateEntry, Decision, PolicySource, PolicyStatus, RoundStatus, SelectionReason


class SelectionPolicyVersion(TimeStampedModel):
    """One version of management's key-account selection policy (``kam_engine.selection_policy``).

    Versions are never edited: a change is a new draft, and approving a draft retires the
    version approved before it. Proposals keep the version they were made with.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    source = models.CharField(_("source"), max_length=16, choices=PolicySource.choices, default=PolicySource.WEB)
    document: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("policy"), default=dict, help_text=_("The policy as data; docs/selection.md documents every key.")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
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
        ordering = ("-version",)
        verbose_name = _("selection policy version")
        verbose_name_plural = _("selection policy versions")

    def __str__(self) -> str:
        return str(_("Policy v%(version)s") % {"version": self.version})

    def get_absolute_url(self) -> str:
        return reverse("selection:policy_detail", kwargs={"version": self.version})


class RatingRound(TimeStampedModel):
    """A round in which a cross-functional team rates the people-rated criteria of the candidates."""

    name = models.CharField(_("name"), max_length=200)
    policy = models.ForeignKey(
        SelectionPolicyVersion, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="rating_rounds"
    )
    status = models.CharField(_("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    scorers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("scorers"), related_name="rating_rounds", blank=True
    )
    min_ratings = models.PositiveSmallIntegerField(
        _("ratings wanted per account"),
        default=2,
        help_text=_("An account rated by fewer scorers than this is flagged."),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("rating round")
        verbose_name_plural = _("rating rounds")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("selection:round_detail", kwargs={"pk": self.pk})


class Rating(TimeStampedModel):
    """One scorer's rating (1–10) of one criterion for one account in a round."""

    round = models.ForeignKey(
        RatingRound, verbose_name=_("rating round"), on_delete=models.CASCADE, related_name="ratings"
    )
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+")
    criterion = models.CharField(_("criterion"), max_length=64)
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scorer"), on_delete=models.CASCADE, related_name="ratings"
    )
    value = models.PositiveSmallIntegerField(
        _("rating"),
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("1 (poor) to 10 (excellent)."),
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ("round", "account", "criterion", "scorer")
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "account", "criterion", "scorer"],
                name="%(app_label)s_%(class)s_unique_round_account_criterion_scorer",
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=10), name="%(app_label)s_%(class)s_value_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.criterion} = {self.value}"


class SelectionProposal(TimeStampedModel):
    """One run of the selection: the scored portfolio, the optimiser's choice and the decisions on it.

    Re-running the selection makes a new proposal; earlier ones and their decisions stay.
    """

    as_of = models.DateField(_("as of"))
    policy = models.ForeignKey(
        SelectionPolicyVersion, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="proposals"
    )
    analysis = models.ForeignKey(
        PortfolioAnalysis, verbose_name=_("analysis"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating_round = models.ForeignKey(
        RatingRound, verbose_name=_("rating round"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_feasible = models.BooleanField(_("feasible"), default=True)
    solver: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("solver"), default=dict, help_text=_("Status, gap, objective, bound, method and seconds.")
    )
    summary: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("summary"), default=dict, help_text=_("Marginal account, value of one more KAM, KAM load, conflicts.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("selection proposal")
        verbose_name_plural = _("selection proposals")

    def __str__(self) -> str:
        return str(_("Proposal %(number)s of %(date)s") % {"number": self.pk, "date": self.as_of})

    def get_absolute_url(self) -> str:
        return reverse("selection:proposal_detail", kwargs={"pk": self.pk})


class ProposalLine(models.Model):
    """One account of a proposal: its scores, the recommendation and why, and the director's decision."""

    proposal = models.ForeignKey(
        SelectionProposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="lines"
    )
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+")
    attractiveness = models.FloatField(_("attractiveness"))
    strength = models.FloatField(_("our relative strength"))
    score = models.FloatField(_("score"))
    quadrant = models.CharField(_("quadrant"), max_length=16, choices=Tier.choices)
    phase = models.CharField(_("suggested phase"), max_length=16, choices=Phase.choices)
    value = models.FloatField(_("value"))
    hours = models.FloatField(_("hours a year"))
    revenue = models.DecimalField(_("revenue"), max_digits=20, decimal_places=2, default=Decimal(0))
    is_candidate = models.BooleanField(_("candidate"), default=False)
    entry = models.CharField(_("entered the pool as"), max_length=16, choices=CandidateEntry.choices, blank=True)
    is_recommended = models.BooleanField(_("recommended"), default=False)
    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed KAM"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=16, choices=SelectionReason.choices)
    contributions: models.JSONField[list[Any], list[Any]] = models.JSONField(
        _("contributions"), default=list, help_text=_("Per criterion: axis, value, score, weight, contribution.")
    )
    move: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("what would move it"), default=dict, blank=True
    )
    ratings: models.JSONField[dict[str, Any], dict[str, Any]] = models.JSONField(
        _("ratings"), default=dict, blank=True, help_text=_("Per rated criterion: mean, spread and count.")
    )
    has_few_ratings = models.BooleanField(_("few ratings"), default=False)
    was_key_account = models.BooleanField(_("key account before"), default=False)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.CharField(_("reason for the decision"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ("proposal", "-is_recommended", "-value", "account")
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "account"], name="%(app_label)s_%(class)s_unique_account"),
        ]
        indexes = [models.Index(fields=["proposal", "is_recommended"], name="selection_line_recommended_idx")]

    def __str__(self) -> str:
        return f"{self.account} · {self.get_reason_display()}"
