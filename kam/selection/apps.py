from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "kam.selection"
    label = "selection"
    verbose_name = _("Key-account selection")
