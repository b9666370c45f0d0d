"""Signing in and out, the layout every page shares, and the language switch."""

from __future__ import annotations

import pytest
from django.test import Client

from kam.users.actions import do_set_password
from kam.users.models import User

PASSWORD = "a-long-test-password-42"


@pytest.mark.django_db
def test_login_page_renders_the_sign_in_form(client: Client) -> None:
    response = client.get("/login/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sign in</h1>" in content
    assert 'name="username"' in content
    assert 'name="password"' in content


def test_login_with_the_right_password_opens_the_account_list(client: Client, kam_alice: User) -> None:
    # given
    do_set_password(kam_alice, PASSWORD, acting_user=None)

    # when
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, follow=True)

    # then
    assert response.redirect_chain == [("/", 302)]
    assert response.context["user"] == kam_alice
    assert "<h1>Accounts</h1>" in response.content.decode()


def test_login_returns_to_the_page_asked_for(client: Client, kam_alice: User) -> None:
    do_set_password(kam_alice, PASSWORD, acting_user=None)

    response = client.post("/login/?next=/accounts/ACME/", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/ACME/"


def test_login_with_a_wrong_password_shows_an_error(client: Client, kam_alice: User) -> None:
    do_set_password(kam_alice, PASSWORD, acting_user=None)

    response = client.post("/login/", {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_a_persona_without_password_cannot_log_in(client: Client, kam_alice: User) -> None:
    response = client.post("/login/", {"username": "alice", "password": ""})

    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


def test_logout_is_a_post_that_ends_the_session(client: Client, kam_alice: User) -> None:
    # given
    client.force_login(kam_alice)

    # when
    response = client.post("/logout/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/")["Location"] == "/login/?next=/"


def test_logout_by_get_is_refused(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.get("/logout/")

    assert response.status_code == 405
    assert client.get("/").status_code == 200


def test_layout_shows_the_user_role_and_a_logout_form(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    content = client.get("/").content.decode()

    assert '<span class="whoami__name">Alice Anders</span>' in content
    assert '<span class="whoami__role">Key account manager</span>' in content
    assert '<form class="logout" method="post" action="/logout/">' in content


@pytest.mark.parametrize(("persona", "sees_admin_link"), [("administrator", True), ("kam_alice", False)])
def test_admin_link_is_shown_only_to_staff(
    client: Client, request: pytest.FixtureRequest, persona: str, sees_admin_link: bool
) -> None:
    client.force_login(request.getfixturevalue(persona))

    content = client.get("/").content.decode()

    assert ('<a href="/admin/">Admin</a>' in content) is sees_admin_link


def test_layout_loads_only_local_assets_and_sends_the_csrf_token_with_htmx(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    content = client.get("/").content.decode()

    assert '<link rel="stylesheet" href="/static/core/app.css">' in content
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in content
    assert "https://" not in content
    assert '<body hx-headers=\'{"X-CSRFToken": "' in content


def test_language_switch_turns_the_page_spanish(client: Client, kam_alice: User) -> None:
    # given
    client.force_login(kam_alice)

    # when
    switched = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    response = client.get("/")

    # then
    content = response.content.decode()
    assert switched.status_code == 302
    assert switched["Location"] == "/"
    assert '<html lang="es">' in content
    assert "<h1>Cuentas</h1>" in content
    assert '<span class="whoami__role">Gestor de cuentas clave</span>' in content
    assert '<button type="submit" class="button button--ghost">Cerrar sesión</button>' in content


def test_language_switch_back_to_english(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    content = client.get("/").content.decode()

    assert '<html lang="en">' in content
    assert "<h1>Accounts</h1>" in content


@pytest.mark.django_db
def test_login_page_speaks_spanish_to_a_spanish_browser(client: Client) -> None:
    response = client.get("/login/", headers={"Accept-Language": "es"})

    assert "<h1>Iniciar sesión</h1>" in response.content.decode()
