from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    """What a file holds. Master data goes to the web database, facts to the facts store."""

    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    PRODUCTS = "products", _("Products")
    USERS = "users", _("Users")
    TEAM = "team", _("Account team members")
    MEETINGS = "meetings", _("Meetings")
    OPPORTUNITIES = "opportunities", _("Opportunities")
    INVOICES = "invoices", _("Invoice lines")
    ACTIVITIES = "activities", _("Cost-to-serve activities")
    DELIVERIES = "deliveries", _("Deliveries")
