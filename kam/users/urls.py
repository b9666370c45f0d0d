from django.contrib.auth import views as auth_views
from django.urls import path

from kam.users import tokens, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Logout is a POST (the form in the top bar), as Django 5 requires.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", views.home, name="home"),
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<int:pk>/revoke/", tokens.revoke_api_token, name="api_token_revoke"),
]
