from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeyAccountsConfig(AppConfig):
    name = "kam.key_accounts"
    label = "key_accounts"
    verbose_name = _("Key accounts")
