from django.urls import path

from kam.key_accounts import views

app_name = "key_accounts"
urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("accounts/<str:code>/", views.account_detail, name="account_detail"),
]
