from django.urls import path

from kam.service import views

app_name = "service"
urlpatterns = [
    path("accounts/<str:code>/service/", views.account_cases, name="account_cases"),
    path("accounts/<str:code>/service/<int:pk>/", views.case_detail, name="case_detail"),
    path("accounts/<str:code>/service/<int:pk>/<str:step>/", views.case_step, name="case_step"),
    path("service/queue/", views.queue, name="queue"),
    path("service/policies/", views.policies, name="policies"),
    path("service/policies/<int:pk>/delete/", views.policy_delete, name="policy_delete"),
    path("service/calendars/", views.calendar_save, name="calendar_save"),
    path("service/calendars/<int:pk>/holidays/", views.holiday_add, name="holiday_add"),
    path("service/holidays/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
]
