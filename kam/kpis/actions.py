"""Recording analyses. A date's analysis replaces that date's earlier one; other dates stay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kam.alerts.actions import AlertEvent, raise_alerts
from kam.alerts.choices import AlertKind, Severity
from kam.alerts.models import Alert
from kam.core.audit import record_audit
from kam.core.snapshots import insert_rows
from kam.imports.actions import facts_store
from kam.key_accounts.models import Account
from kam.kpis.choices import ScorecardGroup
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis, ServiceLevelSnapshot
from kam.kpis.queries import (
    SERVICE_WINDOW_DAYS,
    LateDelivery,
    accounts_for_scorecard,
    cases_for_scorecard,
    late_deliveries,
    latest_analysis_up_to,
    touchpoints_for_scorecard,
)
from kam.kpis.templatetags.kpis_figures import percent
from kam.scorecards.actions import do_record_kpi_snapshots
from kam.service.choices import OPEN_STATUSES
from kam.service.models import ServiceCase
from kam.users.models import User
from kam_engine.config import AnalysisPolicy
from kam_engine.facts import FactsStore
from kam_engine.service_scorecard import SCORECARD_FIGURES, ServiceScorecard, service_scorecard

if TYPE_CHECKING:  # the analysis module imports Ibis (seconds): not at start-up of every job and worker
    from kam_engine.analysis import PortfolioResult

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
    "expected_margin_per_purchase": "expected_margin_per_purchase",
    "clv": "clv",
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
    "margin_share": "margin_share",
    "probability_alive": "probability_alive",
    "churn_risk": "churn_risk",
    "expected_purchases_12m": "expected_purchases_12m",
    "declining": "declining",
}
# The retention models' inputs, kept in the account's details (weeks; m_x = mean repeat margin).
_RETENTION_SUMMARY = {
    "purchases": "purchases",
    "repeat_purchases": "x",
    "t_x_weeks": "t_x",
    "T_weeks": "T",
    "mean_repeat_margin": "m_x",
}
# Below this probability of still buying, a churn alert is critical.
CHURN_CRITICAL_BELOW = 0.3
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
    if "purchases" in result.accounts.column_names:
        for row in result.accounts.select(["account", *_RETENTION_SUMMARY]).to_pylist():
            if row["purchases"] is None:
                continue
            entry = details.setdefault(row["account"], {"costs_by_activity": {}, "monthly_revenue": []})
            entry["retention_summary"] = {
                name: _plain(round(row[source], 6) if isinstance(row[source], float) else row[source])
                for source, name in _RETENTION_SUMMARY.items()
            }
    return details


def _raise_churn_alerts(portfolio: PortfolioAnalysis, *, acting_user: User | None) -> int:
    """Alert the key accounts the analysis flags as declining (once per account and month)."""
    declining = (
        AccountAnalysis.objects.filter(
            portfolio=portfolio, account__is_key_account=True, declining=True, probability_alive__isnull=False
        )
        .select_related("account")
        .order_by("account__code")
    )
    date = formats.date_format(portfolio.as_of, "SHORT_DATE_FORMAT")
    events = []
    for row in declining:
        alive = row.probability_alive or 0.0
        event = AlertEvent(
            account=row.account,
            kind=AlertKind.PURCHASE_DECLINE,
            event_key=f"account:{row.account.pk}:churn:{portfolio.as_of:%Y-%m}",
            title=_("Churn risk: %(share)s probability that the account is still buying") % {"share": percent(alive)},
            detail=_(
                "The analysis of %(date)s (BG/NBD model) gives %(alive)s probability that the account is "
                "still buying and %(purchases)s purchases expected in the next 12 months; lifetime value %(clv)s."
            )
            % {
                "date": date,
                "alive": percent(alive),
                "purchases": formats.number_format(row.expected_purchases_12m or 0.0, 1),
                "clv": "—"
                if row.clv is None
                else formats.number_format(row.clv, 0, use_l10n=True, force_grouping=True),
            },
            severity=Severity.CRITICAL if alive < CHURN_CRITICAL_BELOW else Severity.WARNING,
            link=reverse("key_accounts:account_detail", kwargs={"code": row.account.code}),
        )
        events.append(event)
    return len(raise_alerts(events, acting_user=acting_user))


@transaction.atomic(durable=True)
def do_record_portfolio_analysis(
    result: PortfolioResult, policy: AnalysisPolicy, *, acting_user: User | None
) -> PortfolioAnalysis:
    """Store the analysis of ``result.as_of``, replacing an earlier one of the same date.

    Then alert the key accounts the retention model flags as declining (P(alive) below the
    policy's ``retention.decline_probability_alive``): once per account and month.
    """
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
        retention=result.retention,
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
        values["declining"] = None if values["declining"] is None else bool(values["declining"])
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
    churn_alerts = _raise_churn_alerts(portfolio, acting_user=acting_user)
    record_audit(
        actor=acting_user,
        action="portfolio_analysis.replace" if replaced else "portfolio_analysis.create",
        instance=portfolio,
        changes={
            "as_of": [None, result.as_of.isoformat()],
            "accounts": [None, len(rows)],
            "churn_alerts": [None, churn_alerts],
        },
    )
    return portfolio


def as_of_default() -> dt.date:
    """Today, in the configured time zone."""
    return timezone.localdate()


# --- service levels -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    """What ``do_take_snapshot`` did.

    ``cases_evaluated`` is None when the case clocks could not be evaluated (the service app
    has no evaluator yet); ``alerts`` counts the alerts raised during the run by kind, the
    service-level ones the evaluator raised included.
    """

    as_of: dt.date
    cases_evaluated: int | None
    alerts: dict[str, int]
    accounts_measured: int
    replaced: bool


def _case_evaluator() -> Callable[..., Any] | None:
    """``kam.service.actions.do_evaluate_open_cases`` when the service app provides it."""
    try:
        module = importlib.import_module("kam.service.actions")
    except ModuleNotFoundError as error:
        if error.name != "kam.service.actions":
            raise
        return None
    evaluator: Callable[..., Any] | None = getattr(module, "do_evaluate_open_cases", None)
    return evaluator


def evaluation_moment(as_of: dt.date) -> dt.datetime:
    """When the clocks of a snapshot are measured: the end of ``as_of`` in the current time zone, or now if earlier."""
    end_of_day = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    return min(end_of_day, timezone.now())


def _delivery_link(code: str) -> str:
    return reverse("kpis:account_service_levels", kwargs={"code": code})


def _raise_late_delivery_alerts(deliveries: list[LateDelivery], *, acting_user: User | None) -> int:
    """Alert the key accounts' teams of these deliveries (once per delivery); return how many alerts were raised."""
    key_accounts = {
        account.code: account
        for account in Account.objects.filter(
            is_key_account=True, code__in={delivery.account for delivery in deliveries}
        ).select_related("owner")
    }
    titles = {
        "not_delivered": _("Delivery not made: %(delivery)s, promised for %(date)s"),
        "late": _("Late delivery: %(delivery)s, promised for %(date)s"),
        "not_in_full": _("Incomplete delivery: %(delivery)s of %(date)s"),
    }
    events = []
    for delivery in deliveries:
        account = key_accounts.get(delivery.account)
        if account is None:
            continue
        values = {
            "delivery": delivery.delivery,
            "date": formats.date_format(delivery.promised_date, "SHORT_DATE_FORMAT"),
        }
        detail = (
            _("Delivered on %(date)s.") % {"date": formats.date_format(delivery.delivered_date, "SHORT_DATE_FORMAT")}
            if delivery.delivered_date is not None
            else _("Not delivered yet.")
        )
        if delivery.delivered_date is not None and delivery.in_full is False:
            detail = f"{detail} {_('Not in full.')}"
        events.append(
            AlertEvent(
                account=account,
                kind=AlertKind.LATE_DELIVERY,
                event_key=f"delivery:{delivery.delivery}:late",
                title=titles[delivery.reason] % values,
                detail=detail,
                link=_delivery_link(account.code),
            )
        )
    return len(raise_alerts(events, acting_user=acting_user))


def do_raise_late_delivery_alerts(
    store: FactsStore, as_of: dt.date | None = None, *, import_id: str | None = None, acting_user: User | None
) -> int:
    """Raise the late-delivery alerts of the key accounts' deliveries due in the 90 days up to ``as_of`` (today).

    With ``import_id``, only that import's deliveries (called after a deliveries import). An
    alert already raised for a delivery is not raised again (event key ``delivery:<code>:late``).
    """
    with transaction.atomic():
        found = late_deliveries(store, as_of or as_of_default(), import_id=import_id)
        return _raise_late_delivery_alerts(found, acting_user=acting_user)


def _raise_decline_alerts(as_of: dt.date, *, acting_user: User | None) -> int:
    """Alert the key accounts whose latest analysis up to ``as_of`` shows growth at or below the threshold."""
    analysis = latest_analysis_up_to(as_of)
    if analysis is None:
        return 0
    threshold = settings.DECLINE_ALERT_THRESHOLD
    declining = (
        AccountAnalysis.objects.filter(
            portfolio=analysis, account__is_key_account=True, growth_yoy__isnull=False, growth_yoy__lte=threshold
        )
        .select_related("account")
        .order_by("account__code")
    )
    events = []
    for row in declining:
        growth = row.growth_yoy or 0.0
        event = AlertEvent(
            account=row.account,
            kind=AlertKind.PURCHASE_DECLINE,
            event_key=f"account:{row.account.pk}:decline:{analysis.as_of:%Y-%m}",
            title=_("Purchases down %(share)s year on year") % {"share": percent(-growth)},
            detail=_("The analysis of %(date)s shows revenue growth of %(growth)s against the year before.")
            % {"date": formats.date_format(analysis.as_of, "SHORT_DATE_FORMAT"), "growth": percent(growth)},
            link=reverse("key_accounts:account_detail", kwargs={"code": row.account.code}),
        )
        events.append(event)
    return len(raise_alerts(events, acting_user=acting_user))


def _snapshot_rows(scorecard: ServiceScorecard, accounts: dict[str, int]) -> list[ServiceLevelSnapshot]:
    """The snapshot's rows: the three groups, then one per account of the web database."""
    figures = {name: name for name in SCORECARD_FIGURES}
    rows = [
        ServiceLevelSnapshot(
            as_of=scorecard.as_of,
            group=row["group"],
            days=scorecard.days,
            accounts=row["accounts"],
            is_key_account=row["group"] == ScorecardGroup.KEY,
            **{field: _plain(row[name]) for name, field in figures.items()},
        )
        for row in scorecard.groups.to_pylist()
    ]
    for row in scorecard.accounts.to_pylist():
        account_id = accounts.get(row["account"])
        if account_id is None:
            continue
        rows.append(
            ServiceLevelSnapshot(
                as_of=scorecard.as_of,
                group=ScorecardGroup.ACCOUNT,
                account_id=account_id,
                days=scorecard.days,
                is_key_account=bool(row["is_key"]),
                **{field: _plain(row[name]) for name, field in figures.items()},
            )
        )
    return rows


def do_take_snapshot(as_of: dt.date, *, acting_user: User | None = None) -> SnapshotResult:
    """Take the service-level snapshot of ``as_of`` (the nightly job, ``kam snapshot``).

    1. Evaluate the open cases' clocks (``kam.service.actions.do_evaluate_open_cases``, which
       raises their service-level alerts) at the end of ``as_of``, or now when that is still to
       come; skipped when the service app has no evaluator.
    2. Raise late-delivery alerts for the key accounts' deliveries of the last 90 days, and
       purchase-decline alerts for key accounts whose latest analysis shows growth at or below
       ``settings.DECLINE_ALERT_THRESHOLD``.
    3. Measure the scorecard (``kam_engine.service_scorecard``) and replace the date's rows.

    All of it runs in one transaction, audited once. Running it twice for a date gives the
    same rows and no second alert.
    """
    evaluator = _case_evaluator()
    store = facts_store()
    with transaction.atomic(durable=True):
        first_alert = Alert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        cases_evaluated: int | None = None
        if evaluator is not None:
            open_cases = ServiceCase.objects.filter(status__in=OPEN_STATUSES).count()
            evaluated = getattr(evaluator(now=evaluation_moment(as_of)), "evaluated", None)
            cases_evaluated = evaluated if isinstance(evaluated, int) else open_cases
        _raise_late_delivery_alerts(late_deliveries(store, as_of), acting_user=acting_user)
        _raise_decline_alerts(as_of, acting_user=acting_user)
        scorecard = service_scorecard(
            cases_for_scorecard(as_of),
            touchpoints_for_scorecard(as_of),
            accounts_for_scorecard(store, as_of),
            as_of=as_of,
            days=SERVICE_WINDOW_DAYS,
        )
        replaced = ServiceLevelSnapshot.objects.filter(as_of=as_of).delete()[0] > 0
        rows = _snapshot_rows(scorecard, dict(Account.objects.values_list("code", "pk")))
        groups = [row for row in rows if row.group != ScorecardGroup.ACCOUNT]
        ServiceLevelSnapshot.objects.bulk_create(groups)  # the audit record below points at the "all" row
        insert_rows([row for row in rows if row.group == ScorecardGroup.ACCOUNT])
        # The day's KPIs and relationship health (kam.scorecards) read the service-level rows just written.
        do_record_kpi_snapshots(as_of, acting_user=acting_user)
        raised = Counter(Alert.objects.filter(pk__gt=first_alert).values_list("kind", flat=True))
        alerts = {kind: raised[kind] for kind in sorted(raised)}
        measured = sum(1 for row in rows if row.group == ScorecardGroup.ACCOUNT)
        portfolio_row = next(row for row in rows if row.group == ScorecardGroup.ALL)
        record_audit(
            actor=acting_user,
            action="service_level_snapshot.replace" if replaced else "service_level_snapshot.create",
            instance=portfolio_row,
            changes={
                "as_of": [None, as_of.isoformat()],
                "accounts": [None, measured],
                "cases_evaluated": [None, cases_evaluated],
                "alerts": [None, alerts],
            },
        )
    return SnapshotResult(
        as_of=as_of, cases_evaluated=cases_evaluated, alerts=alerts, accounts_measured=measured, replaced=replaced
    )
