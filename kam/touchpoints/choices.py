"""Choice lists of meetings. Codes are stable; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingObjective(models.TextChoices):
    """What a meeting with the customer was meant to achieve, in the order a sale moves."""

    IDENTIFY_DECISION_MAKERS = "identify_decision_makers", _("Identify the decision makers")
    LEARN_COMPETITOR_OFFER = "learn_competitor_offer", _("Learn the competitor's offer")
    LEARN_NEEDS = "learn_needs", _("Learn the customer's needs")
    PRESENT = "present", _("Present our offer")
    NEGOTIATE = "negotiate", _("Negotiate")
    CLOSE = "close", _("Close")
    REVIEW = "review", _("Review")


class GoalMet(models.TextChoices):
    """Whether the meeting reached its goal."""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not yet known")
