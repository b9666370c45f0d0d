from django.db import models
from django.utils.translation import gettext_lazy as _


class AbcClass(models.TextChoices):
    """Pareto class by revenue (or margin): A makes the first 80 %, B the next 15 %."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class ShapiroQuadrant(models.TextChoices):
    """Shapiro et al. (1987): net price realised against cost to serve."""

    CARRIAGE_TRADE = "carriage_trade", _("Carriage trade")
    PASSIVE = "passive", _("Passive")
    AGGRESSIVE = "aggressive", _("Aggressive")
    BARGAIN_BASEMENT = "bargain_basement", _("Bargain basement")


class ScorecardGroup(models.TextChoices):
    """What a row of the service-level snapshot measures: one account or a group of the portfolio."""

    ACCOUNT = "account", _("Account")
    KEY = "key", _("Key accounts")
    OTHER = "other", _("Other accounts")
    ALL = "all", _("All accounts")
