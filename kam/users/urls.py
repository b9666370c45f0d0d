from django.contrib.auth import views as auth_views
from django.urls import path

from kam.users import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # Logout is a POST (the form in the top bar), as Django 5 requires.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", views.home, name="home"),
]
