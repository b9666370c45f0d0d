"""Choice lists of the selection domain. Codes are stable; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStatus(models.TextChoices):
    """A policy version is drafted, then approved by a director; approving retires the former one."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class PolicySource(models.TextChoices):
    DEFAULT = "default", _("Defaults")
    WEB = "web", _("Edited in the web app")
    FILE = "file", _("Policy file")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Decision(models.TextChoices):
    """A director's decision on one line of a proposal."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CandidateEntry(models.TextChoices):
    """How an account entered the candidate pool (rules from practice)."""

    SMALL_COMPANY = "small_company", _("Few customers: all are key")
    PARETO = "pareto", _("Among the accounts making the first 80 % of revenue")
    PROFITABLE = "profitable", _("Very profitable")
    GROWING = "growing", _("Fast-growing")
    STRATEGIC = "strategic", _("Scored strategic")


class SelectionReason(models.TextChoices):
    """Why the optimiser put an account in or left it out."""

    MUST_INCLUDE = "must_include", _("On the must-include list")
    SELECTED = "selected", _("Selected by the optimiser")
    MUST_EXCLUDE = "must_exclude", _("On the must-exclude list")
    NOT_CANDIDATE = "not_candidate", _("Not in the candidate pool")
    PRESELECTION = "preselection", _("Cut by pre-selection")
    TOO_LARGE = "too_large", _("Needs more hours than any KAM has")
    BELOW_MARGINAL = "below_marginal", _("Worth less than the marginal account")
    CAPACITY = "capacity", _("Did not fit the KAMs' capacity")
    NO_VALUE = "no_value", _("No value to gain")
    INFEASIBLE = "infeasible", _("The policy cannot be met")
