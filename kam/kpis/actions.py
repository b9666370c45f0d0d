"""Recording analyses. A date's analysis replaces that date's earlier one; other dates stay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pyarrow as pa
from django.db import transaction

from kam.core.audit import record_audit
from kam.key_accounts.models import Account
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
from kam.users.models import User
from kam_engine.analysis import PortfolioResult
from kam_engine.config import AnalysisPolicy

CURVE_POINTS = 400

_MONEY_FIELDS = {
    "revenue": "revenue",
    "revenue_previous": "revenue_previous",
    "cost_of_goods": "cost_of_goods",
    "gross_margin": "gross_margin",
    "average_order_value": "average_order_value",
    "activity_cost": "activity_cost",
    "discounts": "discounts",
    "cost_to_serve": "cost_to_serve",
    "customer_profit": "customer_profit",
}
_PLAIN_FIELDS = {
    "margin_pct": "margin_pct",
    "orders": "orders",
    "lines": "lines",
    "first_purchase": "first_purchase",
    "last_purchase": "last_purchase",
    "recency_days": "recency_days",
    "tenure_days": "tenure_days",
    "growth_yoy": "growth_yoy",
    "trend_slope": "trend_slope",
    "share_of_wallet": "share_of_wallet",
    "abc_class": "abc_class",
    "rank": "revenue_rank",
    "rfm": "rfm",
    "cost_to_serve_pct": "cost_to_serve_pct",
    "net_price_index": "net_price_index",
    "cost_to_serve_index": "cost_to_serve_index",
    "quadrant": "shapiro_quadrant",
    "on_time_rate": "on_time_rate",
    "in_full_rate": "in_full_rate",
    "otif_rate": "otif_rate",
    "average_delay_days": "average_delay_days",
}
_TEXT_FIELDS = {"abc_class", "rfm", "shapiro_quadrant"}


def _money(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return Decimal(str(round(float(value), 2)))


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def thin_curve(table: pa.Table, x: str, y: str, points: int = CURVE_POINTS) -> list[list[float]]:
    """Keep at most ``points`` points of a curve (always the first and the last)."""
    xs, ys = table.column(x).to_pylist(), table.column(y).to_pylist()
    if not xs:
        return []
    step = max(1, math.ceil(len(xs) / points))
    picked = list(range(0, len(xs), step))
    if picked[-1] != len(xs) - 1:
        picked.append(len(xs) - 1)
    return [[round(float(xs[i] or 0.0), 6), round(float(ys[i] or 0.0), 6)] for i in picked]


def _details(result: PortfolioResult) -> dict[str, dict[str, Any]]:
    details: dict[str, dict[str, Any]] = {}
    for row in result.costs_by_activity.to_pylist():
        entry = details.setdefault(row["account"], {"costs_by_activity": {}, "monthly_revenue": []})
        entry["costs_by_activity"][row["activity"]] = {
            "quantity": round(float(row["quantity"] or 0), 4),
            "cost": round(float(row["cost"] or 0), 2),
        }
    for row in result.monthly_revenue.sort_by([("account", "ascending"), ("month", "ascending")]).to_pylist():
        entry = details.setdefault(row["account"], {"costs_by_activity": {}, "monthly_revenue": []})
        entry["monthly_revenue"].append([row["month"].isoformat(), round(float(row["revenue"] or 0), 2)])
    return details


@transaction.atomic(durable=True)
def do_record_portfolio_analysis(
    result: PortfolioResult, policy: AnalysisPolicy, *, acting_user: User | None
) -> PortfolioAnalysis:
    """Store the analysis of ``result.as_of``, replacing an earlier one of the same date."""
    replaced = PortfolioAnalysis.objects.filter(as_of=result.as_of).delete()[0] > 0
    accounts = dict(Account.objects.values_list("code", "pk"))
    whale = result.whale
    if whale.num_rows:
        whale = whale.select(["cumulative_account_share", "cumulative_profit_share"])
    pareto = result.pareto
    if pareto.num_rows:
        shares = pa.array([(i + 1) / pareto.num_rows for i in range(pareto.num_rows)], type=pa.float64())
        pareto = pareto.append_column("cumulative_account_share", shares)
    summary = dict(result.summary)
    summary["accounts_not_in_web_database"] = sum(
        1 for code in result.accounts.column("account").to_pylist() if code not in accounts
    )
    portfolio = PortfolioAnalysis.objects.create(
        as_of=result.as_of,
        summary=summary,
        pareto_curve=thin_curve(pareto, "cumulative_account_share", "cumulative_share") if pareto.num_rows else [],
        whale_curve=thin_curve(whale, "cumulative_account_share", "cumulative_profit_share") if whale.num_rows else [],
        policy=dataclasses.asdict(policy),
        computed_by=acting_user,
    )
    details = _details(result)
    rows = []
    for row in result.accounts.to_pylist():
        account_id = accounts.get(row["account"])
        if account_id is None:
            continue
        values: dict[str, Any] = {name: _money(row.get(source)) for source, name in _MONEY_FIELDS.items()}
        for source, name in _PLAIN_FIELDS.items():
            value = _plain(row.get(source))
            values[name] = (value or "") if name in _TEXT_FIELDS else value
        values["orders"] = values["orders"] or 0
        values["lines"] = values["lines"] or 0
        rows.append(
            AccountAnalysis(
                portfolio=portfolio,
                account_id=account_id,
                as_of=result.as_of,
                details=details.get(row["account"], {}),
                **values,
            )
        )
    AccountAnalysis.objects.bulk_create(rows, batch_size=2000)
    record_audit(
        actor=acting_user,
        action="portfolio_analysis.replace" if replaced else "portfolio_analysis.create",
        instance=portfolio,
        changes={"as_of": [None, result.as_of.isoformat()], "accounts": [None, len(rows)]},
    )
    return portfolio


def as_of_default() -> dt.date:
    """Today, in the configured time zone."""
    from django.utils import timezone

    return timezone.localdate()
