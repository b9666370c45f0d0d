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


class Channel(models.TextChoices):
    """How an interaction with the customer took place."""

    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    VIDEO = "video", _("Video call")
    EVENT = "event", _("Event")
    PORTAL = "portal", _("Portal")
    OTHER = "other", _("Other")


class TouchpointType(models.TextChoices):
    """What an interaction with the customer was about."""

    SALES = "sales", _("Sales")
    ORDER = "order", _("Order")
    DELIVERY = "delivery", _("Delivery")
    AFTER_SALES = "after_sales", _("After-sales")
    SUPPORT = "support", _("Support")
    FINANCE = "finance", _("Finance")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


class Sentiment(models.TextChoices):
    """How the customer felt about the interaction."""

    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")
