from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person may do in OpenKAM (see DESIGN.md, "Users and roles")."""

    ADMINISTRATOR = "administrator", _("Administrator")
    DIRECTOR = "director", _("Director")
    KEY_ACCOUNT_MANAGER = "key_account_manager", _("Key account manager")
    TEAM_MEMBER = "team_member", _("Team member")
    VIEWER = "viewer", _("Viewer")


class Department(models.TextChoices):
    """Our own departments: every one of them touches key accounts."""

    SALES = "sales", _("Sales")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    LOGISTICS = "logistics", _("Logistics")
    FINANCE = "finance", _("Finance")
    TECHNICAL = "technical", _("Technical")
    PRODUCTION = "production", _("Production")
    MARKETING = "marketing", _("Marketing")
    MANAGEMENT = "management", _("Management")
