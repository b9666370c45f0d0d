"""KAM incentives by account phase: weighted KPI components, payout curves, explained payouts.

An incentive plan gives, for each account phase (growth, maintenance, cost reduction), the
KPIs that count, their weights (summing to 1), a target per KPI and a payout curve:

* ``achievement`` = actual ÷ target for a higher-is-better KPI, target ÷ actual for a
  lower-is-better one (cost-to-serve %, complaint rate…). A zero target cannot be divided
  by: the component is then either met (achievement 1) or not (0). A negative target of a
  higher-is-better KPI (a decline to hold to, e.g. −5 % growth) reads 2 − actual ÷ target:
  1 at target, 2 at zero, 0 at twice the decline.
* The curve turns achievement into a payout multiplier: nothing below the ``threshold``
  (e.g. 0.8 of target), ``threshold_payout`` (e.g. 0.5) at the threshold rising linearly to
  1 at target, then linearly to ``cap_payout`` at the ``cap`` achievement, and no more
  above it — so no payout ever exceeds ``cap_payout`` × the component's share.
* A component pays ``weight × multiplier × target bonus`` of the account; an optional
  retention damping multiplies the account's payout by ``1 − damping × churn risk``, so a
  KAM is not paid in full for growth on an account that is about to leave.

Every figure is returned with its inputs, so that the application can explain it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "AccountPayout",
    "ComponentPayout",
    "IncentivePlan",
    "IncentivePlanError",
    "KpiComponent",
    "PayoutCurve",
    "achievement",
    "compute_payout",
    "payout_multiplier",
]


class IncentivePlanError(ValueError):
    """An incentive plan that cannot be applied; the message names the phase and KPI."""


@dataclass(frozen=True, slots=True)
class PayoutCurve:
    """How achievement of a target becomes a payout multiplier (see the module docstring)."""

    threshold: float = 0.8
    threshold_payout: float = 0.5
    cap: float = 1.5
    cap_payout: float = 2.0

    def __post_init__(self) -> None:
        if not 0 <= self.threshold <= 1:
            raise IncentivePlanError(f"threshold {self.threshold}: give a share of target between 0 and 1")
        if not 0 <= self.threshold_payout <= 1:
            raise IncentivePlanError(f"threshold payout {self.threshold_payout}: give a share between 0 and 1")
        if self.cap < 1:
            raise IncentivePlanError(f"cap {self.cap}: the cap is at or above target (1)")
        if self.cap_payout < 1:
            raise IncentivePlanError(f"cap payout {self.cap_payout}: it cannot pay less at the cap than at target")


@dataclass(frozen=True, slots=True)
class KpiComponent:
    """One KPI of a phase: its weight, target, direction and payout curve."""

    kpi: str
    weight: float
    target: float
    higher_is_better: bool = True
    curve: PayoutCurve = field(default_factory=PayoutCurve)


@dataclass(frozen=True, slots=True)
class IncentivePlan:
    """KPI components by phase and the bonus an account pays at target.

    ``retention_damping`` (0–1) multiplies an account's payout by ``1 − damping × churn risk``.
    """

    phases: Mapping[str, Sequence[KpiComponent]]
    target_bonus: float
    retention_damping: float = 0.0

    def __post_init__(self) -> None:
        if self.target_bonus < 0:
            raise IncentivePlanError(f"target bonus {self.target_bonus}: it cannot be negative")
        if not 0 <= self.retention_damping <= 1:
            raise IncentivePlanError(f"retention damping {self.retention_damping}: give a share between 0 and 1")
        for phase, components in self.phases.items():
            if not components:
                raise IncentivePlanError(f"phase {phase}: give at least one KPI")
            kpis = [component.kpi for component in components]
            if len(set(kpis)) != len(kpis):
                raise IncentivePlanError(f"phase {phase}: a KPI appears twice")
            if any(component.weight < 0 for component in components):
                raise IncentivePlanError(f"phase {phase}: weights cannot be negative")
            total = sum(component.weight for component in components)
            if not math.isclose(total, 1.0, abs_tol=1e-9):
                raise IncentivePlanError(f"phase {phase}: the weights add up to {total:g}, not 1")


@dataclass(frozen=True, slots=True)
class ComponentPayout:
    """What one KPI paid on one account, with everything needed to explain it."""

    kpi: str
    weight: float
    target: float
    actual: float | None
    achievement: float
    multiplier: float
    payout: float
    reason: str
    """``paid``, ``below_threshold``, ``capped``, ``no_actual`` or ``zero_target_missed``."""


@dataclass(frozen=True, slots=True)
class AccountPayout:
    """One account's payout for a period: its components, the damping and the total."""

    account: str
    phase: str
    components: tuple[ComponentPayout, ...]
    before_damping: float
    damping_factor: float
    payout: float
    maximum: float
    """The most this account could have paid (every KPI at its cap)."""


def achievement(actual: float, target: float, *, higher_is_better: bool = True) -> float:
    """Actual ÷ target (target ÷ actual when lower is better); 1 or 0 for a zero target; never negative."""
    if target == 0:
        met = actual >= 0 if higher_is_better else actual <= 0
        return 1.0 if met else 0.0
    if higher_is_better:
        return max(actual / target, 0.0) if target > 0 else max(2.0 - actual / target, 0.0)
    if actual <= 0:
        return math.inf
    return max(target / actual, 0.0)


def payout_multiplier(value: float, curve: PayoutCurve) -> float:
    """The payout multiplier of an achievement on a curve, between 0 and ``cap_payout``."""
    if value < curve.threshold:
        return 0.0
    if value <= 1.0:
        span = 1.0 - curve.threshold
        share = 1.0 if span == 0 else (value - curve.threshold) / span
        return curve.threshold_payout + share * (1.0 - curve.threshold_payout)
    if value >= curve.cap or curve.cap == 1.0:
        return curve.cap_payout
    return 1.0 + (value - 1.0) / (curve.cap - 1.0) * (curve.cap_payout - 1.0)


def compute_payout(
    plan: IncentivePlan,
    *,
    account: str,
    phase: str,
    actuals: Mapping[str, float | None],
    churn_risk: float = 0.0,
) -> AccountPayout:
    """Pay one account's KAM for a period under the plan of the account's phase.

    ``actuals`` maps each KPI to its value for the period (None: not measured, pays nothing).
    ``churn_risk`` is 1 − P(alive) or any risk between 0 and 1.
    """
    if phase not in plan.phases:
        raise IncentivePlanError(f"phase {phase}: the plan has no KPIs for it")
    if not 0 <= churn_risk <= 1:
        raise IncentivePlanError(f"churn risk {churn_risk}: give a probability between 0 and 1")
    components = []
    for component in plan.phases[phase]:
        actual = actuals.get(component.kpi)
        if actual is None or (isinstance(actual, float) and math.isnan(actual)):
            components.append(
                ComponentPayout(component.kpi, component.weight, component.target, None, 0.0, 0.0, 0.0, "no_actual")
            )
            continue
        value = achievement(actual, component.target, higher_is_better=component.higher_is_better)
        multiplier = payout_multiplier(value, component.curve)
        if component.target == 0 and value == 0:
            reason = "zero_target_missed"
        elif multiplier == 0:
            reason = "below_threshold"
        elif value >= component.curve.cap and value > 1:
            reason = "capped"
        else:
            reason = "paid"
        components.append(
            ComponentPayout(
                component.kpi,
                component.weight,
                component.target,
                float(actual),
                value,
                multiplier,
                component.weight * multiplier * plan.target_bonus,
                reason,
            )
        )
    before = sum(item.payout for item in components)
    factor = 1.0 - plan.retention_damping * churn_risk
    maximum = sum(component.weight * component.curve.cap_payout for component in plan.phases[phase]) * plan.target_bonus
    return AccountPayout(account, phase, tuple(components), before, factor, before * factor, maximum)
