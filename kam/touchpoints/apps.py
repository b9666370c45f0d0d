from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    name = "kam.touchpoints"
    label = "touchpoints"
    verbose_name = _("Touchpoints and meetings")
