from django.urls import path

from kam.touchpoints import views

app_name = "touchpoints"
urlpatterns = [
    path("accounts/<str:code>/timeline/", views.account_timeline, name="account_timeline"),
    path("touchpoints/quick-add/", views.quick_add, name="quick_add"),
    path("accounts/<str:code>/meetings/", views.account_meetings, name="account_meetings"),
    path("accounts/<str:code>/meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("accounts/<str:code>/meetings/<int:pk>/follow-up-done/", views.follow_up_done, name="follow_up_done"),
]
