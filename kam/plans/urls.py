from django.urls import path

from kam.plans import views

app_name = "plans"
urlpatterns = [
    path("accounts/<str:code>/plan/", views.account_plan, name="account_plan"),
    path("accounts/<str:code>/plan/new/", views.plan_create, name="plan_create"),
    path("accounts/<str:code>/plan/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("accounts/<str:code>/plan/<int:pk>/edit/", views.plan_update, name="plan_update"),
    path(
        "accounts/<str:code>/plan/<int:pk>/activate/",
        views.plan_status,
        {"transition": "activate"},
        name="plan_activate",
    ),
    path("accounts/<str:code>/plan/<int:pk>/close/", views.plan_status, {"transition": "close"}, name="plan_close"),
    path("accounts/<str:code>/plan/<int:pk>/objectives/", views.objective_add, name="objective_add"),
    path("accounts/<str:code>/plan/<int:pk>/strategies/", views.strategy_add, name="strategy_add"),
    path("accounts/<str:code>/plan/<int:pk>/actions/", views.action_add, name="action_add"),
    path(
        "accounts/<str:code>/plan/<int:pk>/actions/<int:action_pk>/status/",
        views.action_status,
        name="action_status",
    ),
    path("accounts/<str:code>/plan/<int:pk>/whitespace/", views.whitespace_set, name="whitespace_set"),
    path("accounts/<str:code>/plan/<int:pk>/competitors/", views.competitor_add, name="competitor_add"),
    path("accounts/<str:code>/plan/<int:pk>/reviews/", views.review_add, name="review_add"),
    path("accounts/<str:code>/plan/<int:pk>/export.pdf", views.export_pdf, name="export_pdf"),
    path("accounts/<str:code>/plan/<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("plans/rollup/", views.plan_rollup, name="rollup"),
]
