"""Choice lists of alerts. Codes are stable; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    """What went wrong (or is about to) with an account."""

    SLA_BREACH = "sla_breach", _("Service level breached")
    SLA_AT_RISK = "sla_at_risk", _("Service level about to be breached")
    NEGATIVE_EXPERIENCE = "negative_experience", _("Negative experience")
    COMPLAINT = "complaint", _("Complaint")
    LATE_DELIVERY = "late_delivery", _("Late or incomplete delivery")
    CONTACT_DEPARTED = "contact_departed", _("Contact departed")
    CHAMPION_LOST = "champion_lost", _("Champion lost")
    PURCHASE_DECLINE = "purchase_decline", _("Purchase decline")
    STAGE_DROP = "stage_drop", _("Relationship stage dropped")


class Severity(models.TextChoices):
    """How urgently the account team should act."""

    CRITICAL = "critical", _("Critical")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Information")


class AlertStatus(models.TextChoices):
    """Where an alert is: raised, seen by someone who acts on it, dealt with."""

    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
