"""How the REST API knows who calls: a personal API token, or the browser's session.

``ApiTokenAuth`` reads ``Authorization: Bearer <token>``. A token that is unknown or revoked,
or whose user is inactive, authenticates nobody: the API answers 401.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from kam.users.actions import do_record_token_use, hash_token_secret
from kam.users.models import ApiToken, User


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer okam_…`` — a token made on /account/tokens/ or with ``kam token create``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = (
            ApiToken.objects.select_related("user")
            .filter(secret_hash=hash_token_secret(token.strip()), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        do_record_token_use(found)
        # The views, queries and actions read the acting person from request.user, as in the UI.
        request.user = found.user
        return found.user
