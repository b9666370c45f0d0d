from django.urls import path

from kam.kpis import views

app_name = "kpis"
urlpatterns = [
    path("portfolio/", views.portfolio, name="portfolio"),
    path("service-levels/", views.service_levels, name="service_levels"),
    path("accounts/<str:code>/service-levels/", views.account_service_levels, name="account_service_levels"),
]
