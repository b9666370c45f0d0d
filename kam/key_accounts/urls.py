from django.urls import path

app_name = "key_accounts"
urlpatterns: list[path] = []
