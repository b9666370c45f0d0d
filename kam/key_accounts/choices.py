"""Choice lists of the key-account domain. Codes are stable; labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    FORMER = "former", _("Former customer")


class AccountSize(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")
    ENTERPRISE = "enterprise", _("Enterprise")


class Tier(models.TextChoices):
    """Quadrant of the selection matrix (attractiveness × our relative strength)."""

    STRATEGIC = "strategic", _("Strategic")
    STAR = "star", _("Star / development")
    STATUS = "status", pgettext_lazy("account tier", "Status / maintenance")
    STREAMLINE = "streamline", _("Streamline")


class Phase(models.TextChoices):
    """What the company wants from the account now; KAM rewards depend on it."""

    GROWTH = "growth", _("Growth")
    MAINTENANCE = "maintenance", _("Maintenance")
    COST_REDUCTION = "cost_reduction", _("Cost reduction")


class RelationshipStage(models.TextChoices):
    """Relationship development stages (McDonald, Millman & Rogers)."""

    EXPLORATORY = "exploratory", _("Exploratory")
    BASIC = "basic", _("Basic")
    COOPERATIVE = "cooperative", _("Cooperative")
    INTERDEPENDENT = "interdependent", _("Interdependent")
    INTEGRATED = "integrated", _("Integrated")
    DISINTEGRATING = "disintegrating", _("Disintegrating")


class BuyingRole(models.TextChoices):
    """Role of a contact in the customer's buying centre (Miller Heiman and practice)."""

    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    USER_BUYER = "user_buyer", _("User buyer")
    TECHNICAL_BUYER = "technical_buyer", _("Technical buyer")
    COACH = "coach", _("Coach / champion")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Attitude(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    CRITIC = "critic", _("Critic")
    OPPONENT = "opponent", _("Opponent")


class RelationshipLevel(models.TextChoices):
    """How well our relationship owner knows the contact."""

    NONE = "none", _("No contact")
    BRIEF = "brief", _("Brief contact")
    REGULAR = "regular", _("Regular contact")
    IN_DEPTH = "in_depth", _("In depth")


class TeamRole(models.TextChoices):
    """Role of one of our people on an account team."""

    KEY_ACCOUNT_MANAGER = "key_account_manager", _("Key account manager")
    EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Customer service")
    LOGISTICS = "logistics", _("Logistics")
    FINANCE = "finance", _("Finance")
    TECHNICAL = "technical", _("Technical")
    OTHER = "other", _("Other")


class HistoryField(models.TextChoices):
    """The fields of an account whose every change is kept in its history (``AccountChange``)."""

    PHASE = "phase", _("Phase")
    RELATIONSHIP_STAGE = "relationship_stage", _("Relationship stage")
    TARGET_STAGE = "target_stage", _("Target stage")
    TIER = "tier", _("Tier")
    IS_KEY_ACCOUNT = "is_key_account", _("Key account")
    OWNER = "owner", _("Key account manager")


class ChangeSource(models.TextChoices):
    """Where a change of an account came from."""

    UI = "ui", _("Changed on the account page")
    IMPORT = "import", _("Import")
    SELECTION = "selection", _("Key account selection")
