"""The signed-in person's home page: their accounts and what needs them this week."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from kam.key_accounts.models import Account
from kam.key_accounts.queries import visible_accounts
from kam.kpis.models import AccountAnalysis
from kam.opportunities.queries import open_pipeline_for
from kam.plans.queries import overdue_actions_for
from kam.touchpoints.queries import follow_ups_due_for, upcoming_meetings_for
from kam.users.models import User

HOME_ACCOUNTS = 25


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """My accounts with their latest figures, my overdue actions, meetings and follow-ups, my pipeline.

    A KAM sees the accounts they own; directors see the key accounts of the whole portfolio.
    """
    user = cast(User, request.user)
    today = timezone.localdate()
    accounts = visible_accounts(user)
    mine = list(accounts.filter(is_key_account=True) if user.sees_all_accounts else accounts.filter(owner=user))
    latest: dict[int, AccountAnalysis] = {}
    for analysis in AccountAnalysis.objects.filter(account__in=[account.pk for account in mine]).order_by(
        "account", "-as_of"
    ):
        latest.setdefault(analysis.account_id, analysis)

    def importance(account: Account) -> tuple[bool, float, str]:
        # Key accounts first, then the largest by the latest revenue.
        analysis = latest.get(account.pk)
        revenue = float(analysis.revenue) if analysis is not None and analysis.revenue is not None else 0.0
        return (not account.is_key_account, -revenue, account.name)

    mine.sort(key=importance)
    overdue = list(overdue_actions_for(user))
    overdue_by_account: dict[int, int] = {}
    for action in overdue:
        overdue_by_account[action.plan.account_id] = overdue_by_account.get(action.plan.account_id, 0) + 1
    context: dict[str, Any] = {
        "today": today,
        "rows": [
            {"account": account, "analysis": latest.get(account.pk), "overdue": overdue_by_account.get(account.pk, 0)}
            for account in mine[:HOME_ACCOUNTS]
        ],
        "accounts_total": len(mine),
        "overdue_actions": overdue,
        "meetings": list(upcoming_meetings_for(user, today=today)),
        "follow_ups": list(follow_ups_due_for(user, today=today)),
        "pipeline": open_pipeline_for(user),
    }
    return render(request, "users/home.html", context)
