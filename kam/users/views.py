"""The signed-in person's home page: their accounts, their alerts and what needs them this week,
the quick-add of a touchpoint, and the sign-in page shown to a locked-out username."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from kam.alerts.queries import actionable_account_ids, unresolved_alerts_for_user
from kam.key_accounts.models import Account
from kam.key_accounts.queries import visible_accounts
from kam.kpis.models import AccountAnalysis
from kam.opportunities.queries import open_pipeline_for
from kam.plans.queries import overdue_actions_for
from kam.touchpoints.forms import QuickTouchpointForm
from kam.touchpoints.queries import follow_ups_due_for, upcoming_meetings_for
from kam.users.models import User

HOME_ACCOUNTS = 25
HOME_ALERTS = 10


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """My accounts with their latest figures, my alerts, overdue actions, meetings and follow-ups, my pipeline.

    A KAM sees the accounts they own; directors see the key accounts of the whole portfolio. The
    quick-add of a touchpoint offers the accounts one owns or is on the team of (directors: the
    key accounts), as ``kam.touchpoints.queries.quick_add_accounts`` does.
    """
    user = cast(User, request.user)
    today = timezone.localdate()
    # Only what the page shows of each account: a KAM has about 200 (owner and parent not joined).
    accounts = (
        visible_accounts(user).select_related(None).only("code", "name", "owner", "is_key_account", "tier", "phase")
    )
    # One query gives both my accounts and those the quick-add offers.
    loggable = list(accounts.filter(is_key_account=True) if user.sees_all_accounts else accounts)
    mine = loggable if user.sees_all_accounts else [account for account in loggable if account.owner_id == user.pk]
    # Only each account's latest analysis, and only the figures the page shows: a KAM's accounts
    # have one analysis per month end, each with a large ``details`` document.
    newest = AccountAnalysis.objects.filter(account=OuterRef("account")).order_by("-as_of").values("as_of")[:1]
    latest: dict[int, AccountAnalysis] = {
        analysis.account_id: analysis
        for analysis in AccountAnalysis.objects.filter(
            account__in=[account.pk for account in mine], as_of=Subquery(newest)
        ).only("account", "as_of", "revenue", "growth_yoy", "customer_profit", "otif_rate")
    }

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
    alerts = list(unresolved_alerts_for_user(user)[:HOME_ALERTS])
    choices = [
        (account.code, account.name) for account in sorted(loggable, key=lambda account: (account.name, account.code))
    ]
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
        "alerts": alerts,
        "actionable": actionable_account_ids(user, alerts),
        "quick_form": QuickTouchpointForm(accounts=choices, user=user) if choices else None,
    }
    return render(request, "users/home.html", context)


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The sign-in page, refusing: too many failed sign-ins of this username from this address (django-axes).

    Answers 429 Too Many Requests; the lockout ends by itself after ``KAM_LOGIN_LOCKOUT_MINUTES``.
    """
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", request.GET.get("next", "")),
        "locked_out": True,
        "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/login.html", context, status=429)
