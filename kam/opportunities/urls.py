from django.urls import path

from kam.opportunities import views

app_name = "opportunities"
urlpatterns = [
    path("accounts/<str:code>/opportunities/", views.account_opportunities, name="account_opportunities"),
    path("accounts/<str:code>/opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("accounts/<str:code>/opportunities/<int:pk>/close/", views.opportunity_close, name="opportunity_close"),
    path("pipeline/", views.pipeline, name="pipeline"),
]
