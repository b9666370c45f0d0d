from django.urls import path

from kam.selection import views

app_name = "selection"
urlpatterns = [
    path("selection/", views.selection_home, name="home"),
    path("selection/matrix/", views.matrix, name="matrix"),
    path("selection/proposals/new/", views.proposal_create, name="proposal_create"),
    path("selection/proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("selection/proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("selection/proposals/<int:pk>/export.xlsx", views.proposal_export, name="proposal_export"),
    path("selection/policies/new/", views.policy_new, name="policy_new"),
    path("selection/policies/<int:version>/", views.policy_detail, name="policy_detail"),
    path("selection/policies/<int:version>/approve/", views.policy_approve, name="policy_approve"),
    path("selection/rounds/new/", views.round_create, name="round_create"),
    path("selection/rounds/<int:pk>/", views.round_detail, name="round_detail"),
]
