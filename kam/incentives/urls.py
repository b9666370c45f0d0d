from django.urls import path

from kam.incentives import views

app_name = "incentives"
urlpatterns = [
    path("incentives/", views.payouts, name="payouts"),
    path("incentives/export.xlsx", views.payouts_export, name="payouts_export"),
    path("incentives/kams/<str:username>/", views.kam_detail, name="kam_detail"),
    path("incentives/plans/", views.plan_list, name="plan_list"),
    path("incentives/plans/new/", views.plan_new, name="plan_new"),
    path("incentives/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("incentives/plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("incentives/plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("incentives/return-on-kam/", views.return_on_kam_page, name="return_on_kam"),
]
