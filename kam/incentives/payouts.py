"""What each KAM earns for a period under an incentive plan, every component explained.

For every key account with an owner (its KAM): the account's phase, the actuals of the
plan's KPIs from the latest analysis (and service-level snapshot) on or before the period
end, and ``kam_engine.incentives.compute_payout``. Churn risk is 0: the account analysis
stores no probability of being alive yet, so the retention damping has nothing to act on.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kam.incentives.choices import KPI_CATALOGUE, KpiSource, KpiUnit
from kam.incentives.models import IncentivePlan
from kam.incentives.plans import engine_plan, kpi_label, phase_label
from kam.key_accounts.models import Account
from kam.kpis.choices import ScorecardGroup
from kam.kpis.models import AccountAnalysis, ServiceLevelSnapshot
from kam_engine.incentives import ComponentPayout, PayoutCurve, compute_payout


@dataclass(frozen=True, slots=True)
class ComponentResult:
    """One KPI of one account: the engine's figures and the sentence that explains them."""

    kpi: str
    label: str
    weight: float
    target: float
    actual: float | None
    achievement: float
    multiplier: float
    payout: float
    reason: str
    explanation: str


@dataclass(frozen=True, slots=True)
class AccountResult:
    """One key account's payout for the period (``payout`` 0 and a ``note`` when it cannot be paid)."""

    code: str
    name: str
    phase: str
    phase_label: str
    analysis_as_of: dt.date | None
    components: tuple[ComponentResult, ...]
    before_damping: float
    churn_risk: float
    damping_factor: float
    payout: float
    maximum: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class KamResult:
    """One KAM's payout: each of their key accounts and the total."""

    username: str
    name: str
    user_id: int
    accounts: list[AccountResult] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(account.payout for account in self.accounts), 2)


def number(value: float, digits: int) -> str:
    """``value`` rounded half up to ``digits`` decimals, in the active language's format, with grouping."""
    exact = Decimal(repr(round(value, 9))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return number_format(exact, digits, use_l10n=True, force_grouping=True)


def format_value(kpi: str, value: float) -> str:
    """A KPI value as people read it: shares as percentages, amounts to the cent."""
    unit = KPI_CATALOGUE[kpi].unit
    if unit == KpiUnit.PERCENT:
        return _("%(value)s %%") % {"value": number(value * 100, 1)}
    return number(value, 2)


def _share(value: float) -> str:
    if math.isinf(value):
        return "∞"
    return _("%(value)s %%") % {"value": number(value * 100, 0)}


def _money(value: float) -> str:
    return number(value, 2)


def explain(component: ComponentPayout, curve: PayoutCurve) -> str:
    """The sentence that explains one component's payout."""
    label = kpi_label(component.kpi)
    if component.reason == "no_actual" or component.actual is None:
        return _("%(kpi)s: nothing measured by the period end, so it pays nothing.") % {"kpi": label}
    values = {
        "kpi": label,
        "actual": format_value(component.kpi, component.actual),
        "target": format_value(component.kpi, component.target),
        "achievement": _share(component.achievement),
        "multiplier": number(component.multiplier, 2),
        "share": _share(component.weight),
        "payout": _money(component.payout),
        "threshold": _share(curve.threshold),
    }
    if component.reason == "zero_target_missed":
        return (
            _("%(kpi)s %(actual)s against a target of %(target)s: the target is missed, so it pays nothing.") % values
        )
    if component.reason == "below_threshold":
        return (
            _(
                "%(kpi)s %(actual)s against a target of %(target)s: %(achievement)s of target is below "
                "the threshold of %(threshold)s, so it pays nothing."
            )
            % values
        )
    if component.reason == "capped":
        return (
            _(
                "%(kpi)s %(actual)s against a target of %(target)s: %(achievement)s of target reaches the cap "
                "and pays %(multiplier)s × its %(share)s share = %(payout)s."
            )
            % values
        )
    return (
        _(
            "%(kpi)s %(actual)s against a target of %(target)s: %(achievement)s of target pays "
            "%(multiplier)s × its %(share)s share = %(payout)s."
        )
        % values
    )


def key_accounts_with_kam() -> QuerySet[Account]:
    """The key accounts that have an owner (their KAM), by KAM and code."""
    return (
        Account.objects.filter(is_key_account=True, owner__isnull=False)
        .select_related("owner")
        .order_by("owner__username", "code")
    )


def _latest_by_account(queryset: QuerySet[Any], end: dt.date) -> dict[int, Any]:
    latest: dict[int, Any] = {}
    for row in queryset.filter(as_of__lte=end).order_by("account_id", "-as_of"):
        latest.setdefault(row.account_id, row)
    return latest


def compute_period_payouts(plan: IncentivePlan, period_start: dt.date, period_end: dt.date) -> list[KamResult]:
    """Every KAM's payout for the period, by username; raises ``PlanValidationError`` for a broken plan."""
    del period_start  # the actuals are the ones stored at the period end
    rules = engine_plan(plan.phases, target_bonus=plan.target_bonus, retention_damping=plan.retention_damping)
    curves = {(phase, item.kpi): item.curve for phase, items in rules.phases.items() for item in items}
    accounts = list(key_accounts_with_kam())
    ids = [account.pk for account in accounts]
    analyses = _latest_by_account(AccountAnalysis.objects.filter(account_id__in=ids), period_end)
    sources = {KPI_CATALOGUE[kpi].source for _phase, kpi in curves}
    snapshots = (
        _latest_by_account(
            ServiceLevelSnapshot.objects.filter(group=ScorecardGroup.ACCOUNT, account_id__in=ids), period_end
        )
        if KpiSource.SERVICE_LEVEL in sources
        else {}
    )
    kams: dict[int, KamResult] = {}
    for account in accounts:
        owner = account.owner
        if owner is None:  # pragma: no cover - filtered above
            continue
        kam = kams.setdefault(owner.pk, KamResult(owner.username, str(owner), owner.pk))
        analysis = analyses.get(account.pk)
        base: dict[str, Any] = {
            "code": account.code,
            "name": account.name,
            "phase": account.phase,
            "phase_label": phase_label(account.phase) if account.phase else "",
            "analysis_as_of": analysis.as_of if analysis is not None else None,
        }
        empty: dict[str, Any] = {
            "components": (),
            "before_damping": 0.0,
            "churn_risk": 0.0,
            "damping_factor": 1.0,
            "payout": 0.0,
            "maximum": 0.0,
        }
        if not account.phase:
            kam.accounts.append(AccountResult(**base, **empty, note=_("Not paid: the account has no phase.")))
            continue
        if account.phase not in rules.phases:
            note = _("Not paid: the plan has no KPIs for the phase %(phase)s.") % {"phase": base["phase_label"]}
            kam.accounts.append(AccountResult(**base, **empty, note=note))
            continue
        snapshot = snapshots.get(account.pk)
        actuals: dict[str, float | None] = {}
        for component in rules.phases[account.phase]:
            definition = KPI_CATALOGUE[component.kpi]
            row = analysis if definition.source == KpiSource.ANALYSIS else snapshot
            value = getattr(row, definition.field) if row is not None else None
            actuals[component.kpi] = None if value is None else float(value)
        # 1 − probability alive from the analysis's retention models; no model, no damping
        risk = analysis.churn_risk if analysis is not None else None
        churn_risk = min(max(float(risk), 0.0), 1.0) if risk is not None else 0.0
        result = compute_payout(
            rules, account=account.code, phase=account.phase, actuals=actuals, churn_risk=churn_risk
        )
        components = tuple(
            ComponentResult(
                kpi=item.kpi,
                label=kpi_label(item.kpi),
                weight=item.weight,
                target=item.target,
                actual=item.actual,
                achievement=item.achievement,
                multiplier=item.multiplier,
                payout=round(item.payout, 2),
                reason=item.reason,
                explanation=explain(item, curves[(account.phase, item.kpi)]),
            )
            for item in result.components
        )
        note = "" if analysis is not None else _("No analysis on or before the period end.")
        kam.accounts.append(
            AccountResult(
                **base,
                components=components,
                before_damping=round(result.before_damping, 2),
                churn_risk=churn_risk,
                damping_factor=result.damping_factor,
                payout=round(result.payout, 2),
                maximum=round(result.maximum, 2),
                note=note,
            )
        )
    return sorted(kams.values(), key=lambda kam: kam.username)


def _number(value: float | None, digits: int = 6) -> float | None:
    if value is None or math.isinf(value) or math.isnan(value):
        return None
    return round(value, digits)


def payouts_as_dict(
    plan: IncentivePlan, label: str, start: dt.date, end: dt.date, kams: list[KamResult]
) -> dict[str, Any]:
    """The payouts in the shape ``kam incentives --json`` documents (docs/incentives.md)."""
    return {
        "plan": {"id": plan.pk, "name": plan.name, "status": plan.status},
        "period": {"label": label, "start": start.isoformat(), "end": end.isoformat()},
        "total": round(sum(kam.total for kam in kams), 2),
        "kams": [
            {
                "kam": kam.username,
                "name": kam.name,
                "total": kam.total,
                "accounts": [
                    {
                        "code": account.code,
                        "name": account.name,
                        "phase": account.phase,
                        "analysis_as_of": account.analysis_as_of.isoformat() if account.analysis_as_of else None,
                        "before_damping": account.before_damping,
                        "churn_risk": account.churn_risk,
                        "damping_factor": account.damping_factor,
                        "payout": account.payout,
                        "maximum": account.maximum,
                        "note": account.note,
                        "components": [
                            {
                                "kpi": item.kpi,
                                "weight": item.weight,
                                "target": item.target,
                                "actual": _number(item.actual),
                                "achievement": _number(item.achievement),
                                "multiplier": _number(item.multiplier),
                                "payout": item.payout,
                                "reason": item.reason,
                                "explanation": item.explanation,
                            }
                            for item in account.components
                        ],
                    }
                    for account in kam.accounts
                ],
            }
            for kam in kams
        ],
    }
