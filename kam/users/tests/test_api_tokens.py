"""API tokens and sessions: a token is shown once and stored hashed; revoked tokens and inactive
users get 401; a browser session works too, with CSRF enforced on unsafe methods."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.users.actions import do_create_token, do_revoke_token
from kam.users.models import ApiToken, User

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = {"detail": "Authentication required: send a valid API token (Authorization: Bearer …) or sign in."}


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def test_a_token_is_returned_once_and_stored_only_as_its_sha256(kam_alice: User) -> None:
    created = do_create_token(kam_alice, "ERP sync", acting_user=kam_alice)

    token = ApiToken.objects.get()
    assert created.plaintext.startswith("okam_")
    assert len(created.plaintext) == 5 + 43
    assert token.secret_hash == hashlib.sha256(created.plaintext.encode()).hexdigest()
    assert token.prefix == created.plaintext[:12]
    assert created.plaintext not in {token.name, token.prefix, token.secret_hash}
    assert (token.user, token.name, token.revoked_at, token.last_used_at) == (kam_alice, "ERP sync", None, None)
    assert AuditRecord.objects.filter(action="api_token.create", object_id=str(token.pk)).count() == 1


def test_a_token_authenticates_its_user_and_records_its_use(
    client: Client, accounts: dict[str, Account], kam_alice: User
) -> None:
    created = do_create_token(kam_alice, "ERP sync", acting_user=kam_alice)

    response = client.get("/api/v1/accounts/ACME", headers=bearer(created.plaintext))

    assert response.status_code == 200
    assert response.json()["code"] == "ACME"
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_gets_401(client: Client, accounts: dict[str, Account], kam_alice: User) -> None:
    created = do_create_token(kam_alice, "ERP sync", acting_user=kam_alice)
    do_revoke_token(created.token, acting_user=kam_alice)

    response = client.get("/api/v1/accounts", headers=bearer(created.plaintext))

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_the_token_of_an_inactive_user_gets_401(client: Client, accounts: dict[str, Account], kam_alice: User) -> None:
    created = do_create_token(kam_alice, "ERP sync", acting_user=kam_alice)
    User.objects.filter(pk=kam_alice.pk).update(is_active=False)

    response = client.get("/api/v1/accounts", headers=bearer(created.plaintext))

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


@pytest.mark.parametrize(
    ("headers", "_case"),
    [
        ({}, "no header"),
        ({"Authorization": "Bearer okam_not-a-token"}, "unknown token"),
        ({"Authorization": "Basic YWxpY2U6cGFzcw=="}, "another scheme"),
    ],
)
def test_a_call_without_a_valid_token_gets_401(client: Client, headers: dict[str, str], _case: str) -> None:
    response = client.get("/api/v1/accounts", headers=headers)

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_a_revoked_token_cannot_be_revoked_again(kam_alice: User) -> None:
    from kam.users.actions import TokenError

    created = do_create_token(kam_alice, "ERP sync", acting_user=kam_alice)
    do_revoke_token(created.token, acting_user=kam_alice)

    with pytest.raises(TokenError, match="already revoked"):
        do_revoke_token(created.token, acting_user=kam_alice)


def test_nobody_revokes_another_persons_token(kam_alice: User, kam_bob: User) -> None:
    from django.core.exceptions import PermissionDenied

    created = do_create_token(kam_alice, "ERP sync", acting_user=kam_alice)

    with pytest.raises(PermissionDenied):
        do_revoke_token(created.token, acting_user=kam_bob)
    assert ApiToken.objects.get().revoked_at is None


def test_the_tokens_page_shows_a_new_token_once(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    made = client.post("/account/tokens/", {"name": "Power BI"})
    listed = client.get("/account/tokens/")

    token = ApiToken.objects.get()
    plaintext = made.context["plaintext"]
    assert made.status_code == 200
    assert hashlib.sha256(plaintext.encode()).hexdigest() == token.secret_hash
    assert plaintext in made.content.decode()
    assert listed.status_code == 200
    assert plaintext not in listed.content.decode()
    assert token.prefix in listed.content.decode()


def test_the_tokens_page_refuses_a_token_without_a_name(client: Client, kam_alice: User) -> None:
    client.force_login(kam_alice)

    response = client.post("/account/tokens/", {"name": "  "})

    assert response.status_code == 422
    assert response.context["error"] == "Name: say what the token is for."
    assert ApiToken.objects.count() == 0


def test_the_tokens_page_revokes_only_ones_own_tokens(client: Client, kam_alice: User, kam_bob: User) -> None:
    alices = do_create_token(kam_alice, "ERP sync", acting_user=kam_alice).token
    client.force_login(kam_bob)

    response = client.post(f"/account/tokens/{alices.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    client.force_login(kam_alice)
    assert client.post(f"/account/tokens/{alices.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_the_command_makes_and_revokes_a_token(kam_alice: User) -> None:
    out = StringIO()
    call_command("token", "create", "alice", "--name", "nightly export", stdout=out, stderr=StringIO())

    token = ApiToken.objects.get()
    plaintext = out.getvalue().strip()
    assert hashlib.sha256(plaintext.encode()).hexdigest() == token.secret_hash
    assert token.name == "nightly export"

    revoked = StringIO()
    call_command("token", "revoke", str(token.pk), stdout=revoked)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert revoked.getvalue() == f"Token {token.pk} (nightly export ({token.prefix}…)) is revoked.\n"


def test_the_command_names_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match=r"There is no user nobody\."):
        call_command("token", "create", "nobody", "--name", "x", stdout=StringIO(), stderr=StringIO())


# --- sessions -----------------------------------------------------------------------------------

CSRF = "a" * 32


def test_a_signed_in_browser_reads_with_its_session(accounts: dict[str, Account], kam_alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(kam_alice)

    response = client.get("/api/v1/accounts/ACME")

    assert response.status_code == 200
    assert response.json()["name"] == "Acme Group"


def test_a_session_write_without_the_csrf_token_is_refused(accounts: dict[str, Account], kam_alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(kam_alice)

    response = client.post(
        "/api/v1/accounts/ACME/phase",
        {"phase": "maintenance", "reason": "Volumes stable"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
    assert Account.objects.get(code="ACME").phase == "growth"


def test_a_session_write_with_the_csrf_token_goes_through(accounts: dict[str, Account], kam_alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(kam_alice)
    client.cookies["csrftoken"] = CSRF

    response = client.post(
        "/api/v1/accounts/ACME/phase",
        {"phase": "maintenance", "reason": "Volumes stable"},
        content_type="application/json",
        headers={"X-CSRFToken": CSRF},
    )

    assert response.status_code == 200
    assert response.json()["phase"] == "maintenance"
    assert Account.objects.get(code="ACME").phase == "maintenance"


def test_a_token_write_needs_no_csrf_token(
    accounts: dict[str, Account], kam_alice: User, api_headers: Callable[[User], dict[str, str]]
) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/accounts/ACME/phase",
        {"phase": "maintenance", "reason": "Volumes stable"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 200
    assert Account.objects.get(code="ACME").phase == "maintenance"


# --- the documentation ----------------------------------------------------------------------------


def test_the_docs_page_loads_nothing_from_outside(client: Client) -> None:
    response = client.get("/api/v1/docs")

    page = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in page.lower()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert '"validatorUrl": null' in page
