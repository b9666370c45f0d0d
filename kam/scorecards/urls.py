from django.urls import path

from kam.scorecards import views

app_name = "scorecards"
urlpatterns = [
    path("scorecards/", views.portfolio_scorecard, name="portfolio"),
    path("scorecards/catalogue/", views.catalogue, name="catalogue"),
    path("scorecards/catalogue/<int:pk>/", views.catalogue_update, name="catalogue_update"),
    path("scorecards/health-calibration/", views.health_calibration, name="health_calibration"),
    path("scorecards/kam/<str:username>/", views.kam_scorecard, name="kam_scorecard"),
    path("accounts/<str:code>/scorecard/", views.account_scorecard, name="account_scorecard"),
]
