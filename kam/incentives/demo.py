"""The demo's KAM programme: key accounts since a year before, an approved incentive plan, estimated costs.

``kam demo`` calls ``set_up_incentives`` after its analysis, so that ``kam incentives
--period <the last full quarter>`` prints explained payouts and the return-on-KAM page has
rows. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.core.management import call_command

from kam.incentives.actions import do_approve_plan, do_record_investments, do_save_plan
from kam.incentives.models import IncentivePlan
from kam.incentives.periods import Period, last_full_quarter
from kam.key_accounts.actions import do_import_accounts
from kam.key_accounts.choices import AccountSize, Phase
from kam.key_accounts.models import Account
from kam.kpis.models import AccountAnalysis

_KAM_HOURS = {AccountSize.ENTERPRISE: 8, AccountSize.LARGE: 6, AccountSize.MEDIUM: 4, AccountSize.SMALL: 3}
DEMO_PHASES: dict[str, list[dict[str, Any]]] = {
    Phase.GROWTH: [
        {"kpi": "revenue_growth", "weight": 0.5, "target": 0.10},
        {"kpi": "share_of_wallet", "weight": 0.3, "target": 0.30},
        {"kpi": "margin_pct", "weight": 0.2, "target": 0.25},
    ],
    Phase.MAINTENANCE: [
        {"kpi": "otif_rate", "weight": 0.5, "target": 0.95},
        {"kpi": "margin_pct", "weight": 0.3, "target": 0.25},
        {"kpi": "revenue_growth", "weight": 0.2, "target": 0.0},
    ],
    Phase.COST_REDUCTION: [
        {"kpi": "cost_to_serve_pct", "weight": 0.6, "target": 0.08},
        {"kpi": "margin_pct", "weight": 0.4, "target": 0.22},
    ],
}


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _phase(analysis: AccountAnalysis | None) -> str:
    if analysis is None:
        return Phase.MAINTENANCE
    if (analysis.cost_to_serve_pct or 0) >= 0.10:
        return Phase.COST_REDUCTION
    if (analysis.growth_yoy or 0) >= 0:
        return Phase.GROWTH
    return Phase.MAINTENANCE


def _key_accounts(quarter: Period, key_since: dt.date) -> None:
    """Without key accounts yet, every account with a KAM has been key since ``key_since``."""
    if Account.objects.filter(is_key_account=True).exists():
        return
    owned = list(Account.objects.filter(owner__isnull=False).order_by("code"))
    analyses = {row.account_id: row for row in AccountAnalysis.objects.filter(as_of=quarter.end, account__in=owned)}
    rows = [
        {
            "code": account.code,
            "is_key_account": True,
            "key_account_since": key_since,
            "phase": _phase(analyses.get(account.pk)),
        }
        for account in owned
    ]
    do_import_accounts(rows, ["code", "is_key_account", "key_account_since", "phase"], acting_user=None)


def set_up_incentives(last_day: dt.date) -> Period:
    """Key accounts, the analysis of the last full quarter, an approved plan and investments; the quarter."""
    quarter = last_full_quarter(last_day + dt.timedelta(days=1))
    if not AccountAnalysis.objects.filter(as_of=quarter.end).exists():
        call_command("analyze", as_of=quarter.end, json=True, stdout=io.StringIO())
    key_since = dt.date(quarter.end.year - 1, 1, 1)
    _key_accounts(quarter, key_since)
    if not IncentivePlan.objects.exists():
        plan = do_save_plan(
            None,
            name=f"KAM incentives {quarter.end.year}",
            period_start=dt.date(quarter.end.year, 1, 1),
            period_end=dt.date(quarter.end.year, 12, 31),
            target_bonus=Decimal(5_000),
            retention_damping=0.5,
            phases=DEMO_PHASES,
            acting_user=None,
        )
        do_approve_plan(plan, acting_user=None)
    rows = []
    for account in Account.objects.filter(is_key_account=True, key_account_since__isnull=False).order_by("code"):
        kam_hours = _KAM_HOURS.get(AccountSize(account.size), 2) if account.size else 2
        for month in _months(account.key_account_since or key_since, last_day):
            rows.append(
                {
                    "account": account.code,
                    "month": month,
                    "kam_hours": kam_hours,
                    "team_hours": kam_hours / 2,
                    "hourly_rate": 60,
                    "special_costs": 150 if month.month in {1, 4, 7, 10} else 0,
                    "note": "",
                }
            )
    do_record_investments(rows, acting_user=None)
    return quarter
