"""The page where people make and revoke their own API tokens (/account/tokens/)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.users.actions import TokenError, do_create_token, do_revoke_token
from kam.users.models import ApiToken, User


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List my tokens; POST makes one and shows its secret this once (it is never shown again)."""
    user = cast(User, request.user)
    plaintext = ""
    error = ""
    name = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            created = do_create_token(user, name, acting_user=user)
        except TokenError as exc:
            error = str(exc)
        else:
            plaintext = created.plaintext
            name = ""
    context = {
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at", "-id"),
        "plaintext": plaintext,
        "error": error,
        "name": name,
    }
    return render(request, "users/api_tokens.html", context, status=422 if error else 200)


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of my tokens; programs using it get 401 from now on."""
    user = cast(User, request.user)
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404(_("No token with this number."))
    try:
        do_revoke_token(token, acting_user=user)
    except TokenError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The token %(token)s is revoked.") % {"token": token})
    return redirect("api_tokens")
