from django.urls import path

from kam.kpis import views

app_name = "kpis"
urlpatterns = [
    path("portfolio/", views.portfolio, name="portfolio"),
]
