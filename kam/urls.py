from django.contrib import admin
from django.urls import include, path

from kam.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("", include("kam.users.urls")),
    path("", include("kam.key_accounts.urls")),
    path("", include("kam.kpis.urls")),
    path("", include("kam.selection.urls")),
    path("", include("kam.plans.urls")),
    path("", include("kam.touchpoints.urls")),
    path("", include("kam.opportunities.urls")),
    path("", include("kam.service.urls")),
    path("", include("kam.alerts.urls")),
    path("", include("kam.scorecards.urls")),
    path("", include("kam.incentives.urls")),
]
