"""Opportunity pages: the account's pipeline tab (add, edit and close in the page) and the pipeline forecast.

Whoever sees the account reads its opportunities; those who manage it (directors,
administrators, its KAM) change them; everyone else gets 404. An htmx request gets only
the opportunities region back. Every change goes through ``kam.opportunities.actions``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kam.core.htmx import HtmxHttpRequest, render_page_or_fragment
from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code
from kam.opportunities.actions import (
    OpportunityError,
    do_close_opportunity,
    do_create_opportunity,
    do_update_opportunity,
)
from kam.opportunities.forms import OpportunityForm
from kam.opportunities.models import Opportunity
from kam.opportunities.queries import (
    Bucket,
    can_edit_opportunities,
    opportunity_gaps,
    pipeline_by_kam,
)
from kam.opportunities.queries import (
    account_opportunities as opportunities_of,
)
from kam.users.models import User

PAGE = "opportunities/account_opportunities.html"
REGION = "opportunities/partials/opportunities.html"


def _render(
    request: HtmxHttpRequest,
    account: Account,
    form: OpportunityForm | None,
    *,
    editing: Opportunity | None = None,
    notice: str = "",
) -> HttpResponse:
    user = cast(User, request.user)
    may_edit = can_edit_opportunities(user, account)
    if may_edit and form is None:
        form = OpportunityForm(account=account, user=user, initial={"owner": account.owner_id or user.pk})
    items = list(opportunities_of(account))
    rows = [{"opportunity": item, "gaps": opportunity_gaps(item)} for item in items]
    open_total = Bucket()
    for item in items:
        if item.is_open:
            open_total.add(item.amount, item.probability)
    context: dict[str, Any] = {
        "account": account,
        "rows": rows,
        "open_total": open_total,
        "may_edit": may_edit,
        "form": form,
        "editing": editing,
        "notice": notice,
    }
    return render_page_or_fragment(request, PAGE, REGION, context)


def _opportunity(account: Account, pk: int) -> Opportunity:
    found = Opportunity.objects.filter(account=account, pk=pk).select_related("account").first()
    if found is None:
        raise Http404(_("No opportunity with this number on this account."))
    return found


def _manager(request: HtmxHttpRequest, account: Account) -> User:
    user = cast(User, request.user)
    if not can_edit_opportunities(user, account):
        raise PermissionDenied(_("Only directors, administrators and the account's KAM may change its opportunities."))
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_opportunities(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """The opportunities tab; a POST adds an opportunity."""
    account = access_account_by_code(request.user, code)
    if request.method != "POST":
        return _render(request, account, None)
    user = _manager(request, account)
    form = OpportunityForm(request.POST, account=account, user=user)
    if form.is_valid():
        try:
            do_create_opportunity(account, form.details(), acting_user=user)
        except OpportunityError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect("opportunities:account_opportunities", code=account.code)
            return _render(request, account, None, notice=_("Opportunity added."))
    return _render(request, account, form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def opportunity_edit(request: HtmxHttpRequest, code: str, pk: int) -> HttpResponse:
    """The opportunities tab with one opportunity's form filled in; a POST saves it."""
    account = access_account_by_code(request.user, code)
    found = _opportunity(account, pk)
    user = _manager(request, account)
    if request.method != "POST":
        form = OpportunityForm(account=account, user=user, opportunity=found)
        return _render(request, account, form, editing=found)
    form = OpportunityForm(request.POST, account=account, user=user, opportunity=found)
    if form.is_valid():
        try:
            do_update_opportunity(found, form.details(), acting_user=user)
        except OpportunityError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                return redirect("opportunities:account_opportunities", code=account.code)
            return _render(request, account, None, notice=_("Opportunity saved."))
    return _render(request, account, form, editing=found)


@login_required
@require_POST
def opportunity_close(request: HtmxHttpRequest, code: str, pk: int) -> HttpResponse:
    """Close an opportunity as won or lost (``outcome``)."""
    account = access_account_by_code(request.user, code)
    found = _opportunity(account, pk)
    user = _manager(request, account)
    outcome = request.POST.get("outcome")
    if outcome not in {"won", "lost"}:
        notice = _("Outcome: say whether the opportunity was won or lost.")
    else:
        try:
            closed = do_close_opportunity(found, won=outcome == "won", acting_user=user)
        except OpportunityError as error:
            notice = str(error)
        else:
            notice = _("“%(name)s” closed as %(stage)s.") % {
                "name": closed.name,
                "stage": closed.get_stage_display().lower(),
            }
    if not request.htmx:
        return redirect("opportunities:account_opportunities", code=account.code)
    return _render(request, account, None, notice=notice)


@login_required
@require_safe
def pipeline(request: HtmxHttpRequest) -> HttpResponse:
    """The open pipeline per KAM and its weighted forecast by month of expected close (next 12 months)."""
    user = cast(User, request.user)
    kams = pipeline_by_kam(user, today=timezone.localdate())
    months = [month for month, _bucket in kams[0].forecast.months] if kams else []
    rows = []
    for index, month in enumerate(months):
        cells = [kam.forecast.months[index][1] for kam in kams]
        total = Bucket()
        for cell in cells:
            total.merge(cell)
        rows.append({"month": month, "cells": cells, "total": total})
    extra = []
    for key, label in (("overdue", _("Expected close passed")), ("later", _("Later"))):
        cells = [getattr(kam.forecast, key) for kam in kams]
        total = Bucket()
        for cell in cells:
            total.merge(cell)
        extra.append({"label": label, "cells": cells, "total": total})
    grand = Bucket()
    for kam in kams:
        grand.merge(kam.forecast.total)
    context = {
        "kams": [{"kam": kam.kam, "total": kam.forecast.total} for kam in kams],
        "rows": rows,
        "overdue": extra[0],
        "later": extra[1],
        "grand": grand,
        "sees_all": user.sees_all_accounts,
    }
    return render(request, "opportunities/pipeline.html", context)
