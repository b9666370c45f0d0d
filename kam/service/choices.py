"""Choice lists of service cases and service levels. Codes are stable; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    """What a service case is about."""

    ORDER_ISSUE = "order_issue", _("Order issue")
    DELIVERY = "delivery", _("Delivery")
    SUPPORT = "support", _("Support ticket")
    COMPLAINT = "complaint", _("Complaint")
    CLAIM = "claim", _("Claim")
    RETURN = "return", _("Return")
    INVOICE_DISPUTE = "invoice_dispute", _("Invoice dispute")


class CaseStatus(models.TextChoices):
    """Where a case is. Resolved and closed cases stop the resolution clock."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER)


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Clock(models.TextChoices):
    """How the time to a service-level target is counted."""

    CALENDAR = "calendar", _("Calendar hours (24 × 7)")
    BUSINESS = "business", _("Business hours of the account's country")


class AppliesTo(models.TextChoices):
    """Which accounts a service-level policy is for; the most specific one applies.

    A key account of tier *strategic* takes the strategic policy if there is one, else the
    policy for all key accounts, else the one for other accounts.
    """

    STRATEGIC = "strategic", _("Key accounts: strategic")
    STAR = "star", _("Key accounts: star / development")
    STATUS = "status", _("Key accounts: status / maintenance")
    STREAMLINE = "streamline", _("Key accounts: streamline")
    KEY = "key", _("All key accounts")
    OTHER = "other", _("Other accounts")


class ClockState(models.TextChoices):
    """Where a service-level clock stands (the engine's ``kam_engine.service_clock`` states)."""

    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    AT_RISK = "at_risk", _("About to be breached")
    RUNNING = "running", _("Running")
    NONE = "none", _("No target")
