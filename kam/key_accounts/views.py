"""HTML pages of the key-account domain: the account list (the home page) and the account page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.middleware import HtmxDetails

from kam.key_accounts.forms import AccountFilterForm
from kam.key_accounts.queries import access_account_by_code, visible_accounts
from kam.kpis.queries import latest_account_analysis

ACCOUNTS_PER_PAGE = 50

# Sort keys offered by the column headers → ORDER BY; the code breaks ties so paging is stable.
ACCOUNT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "code"),
    "-name": ("-name", "-code"),
    "code": ("code",),
    "-code": ("-code",),
}
DEFAULT_ACCOUNT_SORT = "name"


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for the type checker)."""

    htmx: HtmxDetails


@login_required
@require_safe
def account_list(request: HtmxHttpRequest) -> HttpResponse:
    """List the accounts the user sees: search, filters, sorting and paging.

    An htmx request (the filter form, a column header, a page link) gets only the table.
    """
    accounts = visible_accounts(request.user)
    form = AccountFilterForm(request.GET or None, accounts=accounts)
    form.is_valid()
    sort = request.GET.get("sort", DEFAULT_ACCOUNT_SORT)
    if sort not in ACCOUNT_SORTS:
        sort = DEFAULT_ACCOUNT_SORT
    accounts = form.filter_accounts(accounts).order_by(*ACCOUNT_SORTS[sort])
    page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page, "sort": sort, "is_filtered": form.has_changed()}
    if request.htmx and not request.htmx.history_restore_request:
        template_name = "key_accounts/partials/account_table.html"
    else:
        template_name = "key_accounts/account_list.html"
    response = render(request, template_name, context)
    # The same URL answers with a page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_safe
def account_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Show one account with its group, its figures from the latest analysis, buying centre and account team."""
    account = access_account_by_code(request.user, code)
    visible = visible_accounts(request.user)
    contacts = account.contacts.select_related("relationship_owner", "reports_to").order_by(
        "-is_active", "last_name", "first_name", "code"
    )
    team = account.team.select_related("user").order_by("role", "user__first_name", "user__last_name", "user__username")
    context = {
        "account": account,
        "parent_is_visible": account.parent_id is not None and visible.filter(pk=account.parent_id).exists(),
        "subsidiaries": visible.filter(parent=account).order_by("name", "code"),
        "contacts": contacts,
        "team": team,
        "analysis": latest_account_analysis(account),
    }
    return render(request, "key_accounts/account_detail.html", context)
