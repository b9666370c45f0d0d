"""Checking an incentive plan: the stored phases become the engine's plan, or a message naming what is wrong."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kam.incentives.choices import KPI_CATALOGUE, IncentiveKpi
from kam.key_accounts.choices import Phase
from kam_engine.incentives import IncentivePlan as EnginePlan
from kam_engine.incentives import IncentivePlanError, KpiComponent, PayoutCurve

ROW_FIELDS = ("kpi", "weight", "target", "higher_is_better", "threshold", "threshold_payout", "cap", "cap_payout")
CURVE_DEFAULTS = {"threshold": 0.8, "threshold_payout": 0.5, "cap": 1.5, "cap_payout": 2.0}


class PlanValidationError(ValueError):
    """A plan that cannot be applied; the message (translated) names the phase and KPI."""


def phase_label(phase: str) -> str:
    return str(Phase(phase).label) if phase in Phase.values else phase


def kpi_label(kpi: str) -> str:
    return str(IncentiveKpi(kpi).label) if kpi in IncentiveKpi.values else kpi


def _percent(value: float) -> str:
    return f"{value * 100:g} %"


def _curve_reason(error: IncentivePlanError, values: Mapping[str, float]) -> str:
    """Our words for the engine's (English) curve messages, which name the field first."""
    message = str(error)
    if message.startswith("threshold payout"):
        return _("the payout at the threshold is %(value)s: give a share between 0 %% and 100 %%.") % {
            "value": _percent(values["threshold_payout"])
        }
    if message.startswith("threshold"):
        return _("the threshold is %(value)s of target: give a share between 0 %% and 100 %%.") % {
            "value": _percent(values["threshold"])
        }
    if message.startswith("cap payout"):
        return _("the payout at the cap is %(value)s: it cannot pay less at the cap than at target (100 %%).") % {
            "value": _percent(values["cap_payout"])
        }
    if message.startswith("cap"):
        return _("the cap is %(value)s of target: it must be at or above target (100 %%).") % {
            "value": _percent(values["cap"])
        }
    return _("the plan cannot be applied: %(reason)s") % {"reason": message}


def _field_label(name: str) -> str:
    labels = {
        "weight": _("the weight"),
        "target": _("the target"),
        "threshold": _("the threshold"),
        "threshold_payout": _("the payout at the threshold"),
        "cap": _("the cap"),
        "cap_payout": _("the payout at the cap"),
    }
    return labels.get(name, name)


def _number(row: Mapping[str, Any], name: str, where: str) -> float:
    value = row.get(name, CURVE_DEFAULTS.get(name))
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise PlanValidationError(
            _("%(where)s: give %(field)s as a number.") % {"where": where, "field": _field_label(name)}
        )
    return number


def engine_plan(phases: Mapping[str, Any], *, target_bonus: Decimal | float, retention_damping: float) -> EnginePlan:
    """The engine's plan for stored ``phases``; raise ``PlanValidationError`` naming the phase and KPI."""
    if float(target_bonus) < 0:
        raise PlanValidationError(_("Target bonus: it cannot be negative."))
    if not 0 <= retention_damping <= 1:
        raise PlanValidationError(_("Retention damping: give a share between 0 and 1."))
    if not any(phases.values()):
        raise PlanValidationError(_("Give the KPIs of at least one phase."))
    built: dict[str, list[KpiComponent]] = {}
    for phase, rows in phases.items():
        if phase not in Phase.values:
            raise PlanValidationError(_("%(phase)s is not an account phase.") % {"phase": phase})
        label = phase_label(phase)
        if not rows:
            continue
        components: list[KpiComponent] = []
        seen: set[str] = set()
        for row in rows:
            kpi = str(row.get("kpi", ""))
            if kpi not in KPI_CATALOGUE:
                raise PlanValidationError(
                    _("%(phase)s: %(kpi)s is not a KPI of the catalogue.") % {"phase": label, "kpi": kpi or "—"}
                )
            where = _("%(phase)s, %(kpi)s") % {"phase": label, "kpi": kpi_label(kpi)}
            if kpi in seen:
                raise PlanValidationError(_("%(where)s: the KPI appears twice in the phase.") % {"where": where})
            seen.add(kpi)
            values = {name: _number(row, name, where) for name in ("weight", "target", *CURVE_DEFAULTS)}
            if values["weight"] < 0:
                raise PlanValidationError(_("%(where)s: a weight cannot be negative.") % {"where": where})
            try:
                curve = PayoutCurve(
                    values["threshold"], values["threshold_payout"], values["cap"], values["cap_payout"]
                )
            except IncentivePlanError as error:
                raise PlanValidationError(
                    _("%(where)s: %(reason)s") % {"where": where, "reason": _curve_reason(error, values)}
                ) from error
            higher = row.get("higher_is_better")
            components.append(
                KpiComponent(
                    kpi=kpi,
                    weight=values["weight"],
                    target=values["target"],
                    higher_is_better=KPI_CATALOGUE[kpi].higher_is_better if higher is None else bool(higher),
                    curve=curve,
                )
            )
        total = sum(component.weight for component in components)
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise PlanValidationError(
                _("%(phase)s: the weights add up to %(total)s, not 100 %%.")
                % {"phase": label, "total": _percent(total)}
            )
        built[phase] = components
    try:
        return EnginePlan(built, float(target_bonus), retention_damping)
    except IncentivePlanError as error:  # pragma: no cover - every rule of the engine is checked above
        raise PlanValidationError(_("The plan cannot be applied: %(reason)s") % {"reason": str(error)}) from error


def normalised_phases(phases: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The phases as stored: every row with all its fields, phases in the order of ``Phase``."""
    stored: dict[str, list[dict[str, Any]]] = {}
    for phase in Phase.values:
        rows = phases.get(phase) or []
        if not rows:
            continue
        stored[phase] = [
            {
                "kpi": str(row["kpi"]),
                "weight": float(row["weight"]),
                "target": float(row["target"]),
                "higher_is_better": (
                    KPI_CATALOGUE[str(row["kpi"])].higher_is_better
                    if row.get("higher_is_better") is None
                    else bool(row["higher_is_better"])
                ),
                **{name: float(row.get(name, default)) for name, default in CURVE_DEFAULTS.items()},
            }
            for row in rows
        ]
    return stored
