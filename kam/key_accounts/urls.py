from django.urls import path

from kam.key_accounts import audit_views, views

app_name = "key_accounts"
urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("accounts/<str:code>/", views.account_detail, name="account_detail"),
    path("accounts/<str:code>/phase/", views.account_change_phase, name="account_change_phase"),
    path("accounts/<str:code>/stage/", views.account_change_stage, name="account_change_stage"),
    path("accounts/<str:code>/assessments/", views.assessment_add, name="assessment_add"),
    path("accounts/<str:code>/map/", views.relationship_map, name="relationship_map"),
    path("accounts/<str:code>/map/contacts/", views.contact_add, name="contact_add"),
    path("accounts/<str:code>/map/contacts/<str:contact_code>/", views.contact_edit, name="contact_edit"),
    path("accounts/<str:code>/map/contacts/<str:contact_code>/left/", views.contact_leave, name="contact_leave"),
    path("accounts/<str:code>/team/", views.account_team, name="account_team"),
    path("accounts/<str:code>/team/members/", views.team_member_add, name="team_member_add"),
    path("accounts/<str:code>/team/members/<str:username>/", views.team_member_edit, name="team_member_edit"),
    path(
        "accounts/<str:code>/team/members/<str:username>/remove/", views.team_member_remove, name="team_member_remove"
    ),
    path("accounts/<str:code>/audit/", audit_views.account_audit, name="account_audit"),
    path("accounts/<str:code>/audit/export.csv", audit_views.account_audit_csv, name="account_audit_csv"),
    path("accounts/<str:code>/audit/export.xlsx", audit_views.account_audit_xlsx, name="account_audit_xlsx"),
]
