from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kam.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the deployment checks of `kam check --deploy`.
        from kam.core import checks  # noqa: F401
