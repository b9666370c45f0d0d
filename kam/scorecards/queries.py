"""Reads of the scorecards: the facts a day's KPI snapshot is computed from, and the pages' reads.

``snapshot_inputs`` gathers everything in a fixed number of queries (one or two per source,
whatever the number of accounts): the portfolio analyses, the day's service-level snapshot,
contacts, plans, touchpoints, meetings, opportunities, stage history and surveys.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from kam.key_accounts.choices import HistoryField, RelationshipStage
from kam.key_accounts.models import Account, AccountChange, Contact, SurveyResponse
from kam.key_accounts.queries import mutuality_for
from kam.kpis.choices import ScorecardGroup
from kam.kpis.models import AccountAnalysis, ServiceLevelSnapshot
from kam.kpis.queries import latest_analysis_up_to, service_window
from kam.opportunities.choices import OPEN_STAGES
from kam.opportunities.models import Opportunity
from kam.plans.choices import ActionStatus, ObjectiveKpi, PlanStatus
from kam.plans.models import PlanAction, PlanObjective, WhitespaceCell
from kam.plans.progress import objective_progress
from kam.scorecards.choices import RECENT_DAYS, REQUIRED_BUYING_ROLES, KpiScope
from kam.scorecards.models import KpiSnapshot
from kam.touchpoints.choices import Sentiment
from kam.touchpoints.models import Meeting, Touchpoint
from kam.users.models import User

AnyUser = AbstractBaseUser | AnonymousUser

# The stages in the order a relationship develops; disintegrating is below the first.
STAGE_RANK: dict[str, int] = {
    RelationshipStage.DISINTEGRATING: 0,
    RelationshipStage.EXPLORATORY: 1,
    RelationshipStage.BASIC: 2,
    RelationshipStage.COOPERATIVE: 3,
    RelationshipStage.INTERDEPENDENT: 4,
    RelationshipStage.INTEGRATED: 5,
}
# Retention from the analysis when another part of OpenKAM stores P(alive) there.
P_ALIVE_FIELDS = ("p_alive", "probability_alive")

_ANALYSIS_COLUMNS = (
    "account_id",
    "revenue",
    "gross_margin",
    "margin_pct",
    "growth_yoy",
    "share_of_wallet",
    "cost_to_serve_pct",
    "customer_profit",
    "orders",
    "lines",
    "recency_days",
    "otif_rate",
)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def p_alive_field() -> str | None:
    """The AccountAnalysis field holding P(alive), if the model has one."""
    names = {model_field.name for model_field in AccountAnalysis._meta.get_fields()}
    return next((name for name in P_ALIVE_FIELDS if name in names), None)


@dataclass(slots=True)
class SnapshotInputs:
    """What the KPI snapshot of ``as_of`` is computed from, by account id.

    ``analysis``: the latest portfolio analysis up to ``as_of`` (one row per account, as a
    dict of ``_ANALYSIS_COLUMNS`` plus rush_orders, returns and p_alive); ``year_before``: the
    latest analysis up to a year earlier, if it is an older one.
    """

    as_of: dt.date
    accounts: list[tuple[int, int | None, str, bool, str]]  # pk, owner, phase, key account, stage
    analysis_as_of: dt.date | None = None
    analysis: dict[int, dict[str, Any]] = field(default_factory=dict)
    year_before: dict[int, dict[str, Any]] = field(default_factory=dict)
    service: dict[int, tuple[float | None, float | None, float | None]] = field(default_factory=dict)
    contacts: dict[int, tuple[int, int]] = field(default_factory=dict)  # active, fresh
    roles: dict[int, int] = field(default_factory=dict)  # required roles covered
    actions: dict[int, tuple[int, int]] = field(default_factory=dict)  # open, overdue
    objectives: dict[int, tuple[int, int]] = field(default_factory=dict)  # with progress, on track
    revenue_targets: dict[int, float] = field(default_factory=dict)
    whitespace: dict[int, int] = field(default_factory=dict)  # bought cells (accounts with cells only)
    pipeline: dict[int, float] = field(default_factory=dict)
    touchpoints: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # all, positive, negative
    meetings: dict[int, int] = field(default_factory=dict)
    stage_progression: dict[int, int] = field(default_factory=dict)
    surveys: dict[int, tuple[int | None, int | None]] = field(default_factory=dict)  # satisfaction, nps


def _analysis_rows(as_of: dt.date) -> tuple[dt.date | None, dict[int, dict[str, Any]]]:
    analysis = latest_analysis_up_to(as_of)
    if analysis is None:
        return None, {}
    alive = p_alive_field()
    columns = [*_ANALYSIS_COLUMNS, "details__costs_by_activity__rush_order__quantity"]
    columns += ["details__costs_by_activity__return__quantity", *([alive] if alive else [])]
    rows: dict[int, dict[str, Any]] = {}
    for row in AccountAnalysis.objects.filter(portfolio=analysis).order_by().values_list(*columns):
        values = dict(zip(_ANALYSIS_COLUMNS, row, strict=False))
        values["rush_orders"] = _float(row[len(_ANALYSIS_COLUMNS)])
        values["returns"] = _float(row[len(_ANALYSIS_COLUMNS) + 1])
        values["p_alive"] = _float(row[len(_ANALYSIS_COLUMNS) + 2]) if alive else None
        rows[values["account_id"]] = values
    return analysis.as_of, rows


def _year_before(as_of: dt.date, analysed_on: dt.date | None) -> dict[int, dict[str, Any]]:
    earlier = latest_analysis_up_to(as_of - dt.timedelta(days=365))
    if earlier is None or earlier.as_of == analysed_on:
        return {}
    return {
        account_id: {"gross_margin": margin, "share_of_wallet": wallet}
        for account_id, margin, wallet in AccountAnalysis.objects.filter(portfolio=earlier)
        .order_by()
        .values_list("account_id", "gross_margin", "share_of_wallet")
    }


def _objectives(
    as_of: dt.date, analysis: dict[int, dict[str, Any]]
) -> tuple[dict[int, tuple[int, int]], dict[int, float]]:
    """Objectives of the active plans with a known progress, and those on track; revenue targets.

    An objective is on track when its progress is at least the share of the plan's period
    gone by on ``as_of``.
    """
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    targets: dict[int, float] = {}
    rows = (
        PlanObjective.objects.filter(plan__status=PlanStatus.ACTIVE)
        .order_by("plan__account_id", "id")
        .values_list(
            "plan__account_id", "kpi", "baseline", "target", "manual_current", "plan__period_start", "plan__period_end"
        )
    )
    for account_id, kpi, baseline, target, manual, start, end in rows:
        if kpi == ObjectiveKpi.REVENUE and target is not None and account_id not in targets:
            targets[account_id] = float(target)
        figures = analysis.get(account_id)
        namespace = SimpleNamespace(**figures, as_of=as_of) if figures is not None else None
        result = objective_progress(kpi, baseline, target, manual, namespace)
        if result.progress is None:
            continue
        days = max((end - start).days, 1)
        elapsed = min(1.0, max(0.0, (as_of - start).days / days))
        counts[account_id][0] += 1
        counts[account_id][1] += result.progress >= elapsed - 1e-9
    return {account_id: (total, on_track) for account_id, (total, on_track) in counts.items()}, targets


def _stage_progression(as_of: dt.date) -> dict[int, int]:
    """Stages gained in the 365 days up to ``as_of``: the last change's new stage minus the first's old one."""
    start, end = service_window(as_of, 365)
    first: dict[int, str] = {}
    last: dict[int, str] = {}
    for account_id, old, new in (
        AccountChange.objects.filter(field=HistoryField.RELATIONSHIP_STAGE, changed_at__gte=start, changed_at__lt=end)
        .order_by("account_id", "changed_at", "id")
        .values_list("account_id", "old_value", "new_value")
    ):
        first.setdefault(account_id, old)
        last[account_id] = new
    return {
        account_id: STAGE_RANK[last[account_id]] - STAGE_RANK[old]
        for account_id, old in first.items()
        if old in STAGE_RANK and last[account_id] in STAGE_RANK
    }


def _surveys(as_of: dt.date) -> dict[int, tuple[int | None, int | None]]:
    """Each account's latest survey answer up to ``as_of``: satisfaction and NPS.

    Through ``mutuality_for`` (the latest answer of all), asked only for the accounts with an
    answer; an account whose latest answer came after ``as_of`` (a snapshot of the past) is
    left without one.
    """
    ids = list(
        SurveyResponse.objects.filter(answered_on__lte=as_of).order_by().values_list("account_id", flat=True).distinct()
    )
    found: dict[int, tuple[int | None, int | None]] = {}
    chunk = 10_000  # SQLite limits the parameters of one query.
    for offset in range(0, len(ids), chunk):
        for pk, mutuality in mutuality_for([Account(pk=pk) for pk in ids[offset : offset + chunk]]).items():
            survey = mutuality.survey
            if survey is not None and survey.answered_on <= as_of:
                found[pk] = (survey.satisfaction, survey.nps)
    return found


def snapshot_inputs(as_of: dt.date) -> SnapshotInputs:
    """Everything the KPI snapshot of ``as_of`` needs, in a fixed number of queries."""
    inputs = SnapshotInputs(
        as_of=as_of,
        accounts=list(
            Account.objects.order_by("pk").values_list(
                "pk", "owner_id", "phase", "is_key_account", "relationship_stage"
            )
        ),
    )
    inputs.analysis_as_of, inputs.analysis = _analysis_rows(as_of)
    inputs.year_before = _year_before(as_of, inputs.analysis_as_of)
    inputs.service = {
        account_id: (otif, sla, complaints)
        for account_id, otif, sla, complaints in ServiceLevelSnapshot.objects.filter(
            as_of=as_of, group=ScorecardGroup.ACCOUNT
        )
        .order_by()
        .values_list("account_id", "otif_rate", "sla_attainment", "complaint_rate")
    }
    stale_from = as_of - dt.timedelta(days=settings.CONTACT_STALE_DAYS)
    inputs.contacts = {
        row["account_id"]: (row["active"], row["fresh"])
        for row in Contact.objects.filter(is_active=True)
        .order_by()
        .values("account_id")
        .annotate(
            active=Count("id"),
            fresh=Count("id", filter=Q(last_contact_at__gte=stale_from, last_contact_at__lte=as_of)),
        )
    }
    inputs.roles = {
        row["account_id"]: row["roles"]
        for row in Contact.objects.filter(is_active=True, buying_role__in=REQUIRED_BUYING_ROLES)
        .order_by()
        .values("account_id")
        .annotate(roles=Count("buying_role", distinct=True))
    }
    open_statuses = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    inputs.actions = {
        row["plan__account_id"]: (row["open"], row["overdue"])
        for row in PlanAction.objects.filter(status__in=open_statuses)
        .exclude(plan__status=PlanStatus.CLOSED)
        .order_by()
        .values("plan__account_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=as_of)))
    }
    inputs.objectives, inputs.revenue_targets = _objectives(as_of, inputs.analysis)
    inputs.whitespace = {
        row["plan__account_id"]: row["bought"]
        for row in WhitespaceCell.objects.exclude(plan__status=PlanStatus.CLOSED)
        .order_by()
        .values("plan__account_id")
        .annotate(bought=Count("id", filter=Q(status="bought")))
    }
    window_start, window_end = service_window(as_of, RECENT_DAYS)
    inputs.pipeline = {
        row["account_id"]: float(row["weighted"] or Decimal(0)) / 100
        for row in Opportunity.objects.filter(stage__in=OPEN_STAGES, created_at__lt=window_end)
        .order_by()
        .values("account_id")
        .annotate(weighted=Sum(F("amount") * F("probability")))
    }
    inputs.touchpoints = {
        row["account_id"]: (row["touches"], row["positive"], row["negative"])
        for row in Touchpoint.objects.filter(happened_at__gte=window_start, happened_at__lt=window_end)
        .order_by()
        .values("account_id")
        .annotate(
            touches=Count("id"),
            positive=Count("id", filter=Q(sentiment=Sentiment.POSITIVE)),
            negative=Count("id", filter=Q(sentiment=Sentiment.NEGATIVE)),
        )
    }
    inputs.meetings = {
        row["account_id"]: row["meetings"]
        for row in Meeting.objects.filter(held_at__gte=window_start, held_at__lt=window_end)
        .order_by()
        .values("account_id")
        .annotate(meetings=Count("id"))
    }
    inputs.stage_progression = _stage_progression(as_of)
    inputs.surveys = _surveys(as_of)
    return inputs


# --- pages ----------------------------------------------------------------------------------


def can_edit_catalogue(user: AnyUser) -> bool:
    """Directors and administrators edit the KPI catalogue; everyone else reads it."""
    return isinstance(user, User) and user.is_active and user.sees_all_accounts


def access_kam_by_username(user: AnyUser, username: str) -> User:
    """The KAM whose scorecard ``user`` asks for: themselves, or anyone for directors; ``Http404`` otherwise."""
    if not isinstance(user, User) or not user.is_active:
        raise Http404(_("No such key account manager."))
    if user.username != username and not user.sees_all_accounts:
        raise Http404(_("No such key account manager."))
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise Http404(_("No such key account manager.")) from None


def latest_kpi_date() -> dt.date | None:
    """The date of the most recent KPI snapshot, or None before the first."""
    return KpiSnapshot.objects.order_by("-as_of").values_list("as_of", flat=True).first()


def account_history(account: Account) -> QuerySet[KpiSnapshot]:
    """The account's KPI snapshots, oldest first."""
    return KpiSnapshot.objects.filter(scope=KpiScope.ACCOUNT, account=account).order_by("as_of")


# --- calibration ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Calibration:
    """The health calibration report between two dates, or why there is none (``problem``).

    ``bands``: rows of ``kam_engine.health.calibrate_health`` (band_from, band_to, accounts,
    lost, loss_rate, median_change); ``revenue_from``/``revenue_to``: the dates of the
    analyses the revenue comes from.
    """

    date_from: dt.date | None
    date_to: dt.date | None
    revenue_from: dt.date | None = None
    revenue_to: dt.date | None = None
    accounts: int = 0
    bands: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""


def health_calibration(date_from: dt.date | None = None, date_to: dt.date | None = None) -> Calibration:
    """Did accounts of low health lose revenue more often? Health at ``date_from`` against revenue at both dates.

    The health is that of each account's KPI snapshot of ``date_from`` (default: the earliest
    snapshot); the revenue that of the latest analysis up to each date (``date_to``
    defaults to the latest analysis). Says plainly when the history is not long enough.
    """
    from kam_engine.health import calibrate_health

    snapshots = KpiSnapshot.objects.filter(scope=KpiScope.ACCOUNT)
    if date_from is None:
        date_from = snapshots.order_by("as_of").values_list("as_of", flat=True).first()
        if date_from is None:
            return Calibration(None, date_to, problem=_("Not enough history: no KPI snapshot has been taken yet."))
    if date_to is None:
        date_to = AccountAnalysis.objects.order_by("-as_of").values_list("as_of", flat=True).first()
        if date_to is None:
            return Calibration(date_from, None, problem=_("Not enough history: no analysis has been recorded yet."))
    if date_to <= date_from:
        return Calibration(
            date_from, date_to, problem=_("Not enough history: the end date must come after the start date.")
        )
    health = dict(
        snapshots.filter(as_of=date_from, health__isnull=False).order_by().values_list("account_id", "health")
    )
    if not health:
        return Calibration(
            date_from,
            date_to,
            problem=_("Not enough history: no KPI snapshot of %(date)s with a health.") % {"date": date_from},
        )
    before, after = latest_analysis_up_to(date_from), latest_analysis_up_to(date_to)
    if before is None or after is None or before.pk == after.pk:
        return Calibration(
            date_from,
            date_to,
            problem=_(
                "Not enough history: the revenue needs an analysis up to %(start)s and a later one up to %(end)s."
            )
            % {"start": date_from, "end": date_to},
        )
    revenue_before = dict(AccountAnalysis.objects.filter(portfolio=before).values_list("account_id", "revenue"))
    revenue_after = dict(AccountAnalysis.objects.filter(portfolio=after).values_list("account_id", "revenue"))
    ids = sorted(health)
    table = calibrate_health(
        [float(health[pk] or 0.0) for pk in ids],
        [float(revenue_before.get(pk) or 0) for pk in ids],
        # An account the later analysis does not cover bought nothing in its period.
        [float(revenue_after.get(pk) or 0) for pk in ids],
    )
    bands = table.to_pylist()
    if not any(band["accounts"] for band in bands):
        return Calibration(
            date_from,
            date_to,
            problem=_("Not enough history: no account with a health on %(date)s had revenue then.")
            % {"date": date_from},
        )
    return Calibration(
        date_from,
        date_to,
        revenue_from=before.as_of,
        revenue_to=after.as_of,
        accounts=sum(band["accounts"] for band in bands),
        bands=bands,
    )


def kpi_rows_of(as_of: dt.date) -> int:
    """How many account rows the KPI snapshot of ``as_of`` holds."""
    return KpiSnapshot.objects.filter(as_of=as_of, scope=KpiScope.ACCOUNT).count()
