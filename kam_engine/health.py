"""Relationship health (0–100): an explainable composite of what the account team can see.

Each component is first turned into a score from 0 to 100 by a documented rule, then the
health is the weighted mean of the components the account has (a component without data —
no survey yet, no plan — does not count, and the weights of the others are rescaled), so
every account's health is Σ contribution, with each component's contribution shown.

Components and their scores (defaults; the weights are configurable):

======================  ==============================================================  ======
component               score                                                           weight
======================  ==============================================================  ======
``purchase_trend``      revenue growth year on year: −30 % → 0, 0 → 50, +30 % → 100      0.25
``service_level``       on-time-in-full and SLA attainment (their mean, 0–1) × 100        0.20
``coverage``            share of the buying roles covered (economic, user, technical,     0.15
                        coach) × 100
``contact_freshness``   share of active contacts touched within the stale days × 100     0.10
``plan_execution``      share of the plan's open actions not overdue × 100                0.10
``sentiment``           touchpoints of the last 90 days: (positive − negative) ÷ all,     0.10
                        −1 → 0, +1 → 100
``mutuality``           the customer's rating of us (1–10) → 0–100                        0.10
======================  ==============================================================  ======

A calibration report (:func:`calibrate_health`) checks the composite against history: of
the accounts in each health band at a past date, how many lost revenue afterwards.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "HealthConfig",
    "calibrate_health",
    "component_scores",
    "relationship_health",
]

Floats = npt.NDArray[np.float64]

COMPONENTS = (
    "purchase_trend",
    "service_level",
    "coverage",
    "contact_freshness",
    "plan_execution",
    "sentiment",
    "mutuality",
)
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "purchase_trend": 0.25,
    "service_level": 0.20,
    "coverage": 0.15,
    "contact_freshness": 0.10,
    "plan_execution": 0.10,
    "sentiment": 0.10,
    "mutuality": 0.10,
}


@dataclass(frozen=True, slots=True)
class HealthConfig:
    """Weights of the components and the growth that scores 0 and 100 (±``trend_span``)."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    trend_span: float = 0.30

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown health component(s): {', '.join(sorted(unknown))}")
        if any(weight < 0 for weight in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("health weights must be ≥ 0 and not all 0")
        if self.trend_span <= 0:
            raise ValueError("trend_span must be positive")


def _column(table: pa.Table, name: str) -> Floats:
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    return np.asarray(table.column(name).cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def component_scores(facts: pa.Table, config: HealthConfig | None = None) -> dict[str, Floats]:
    """Each component's 0–100 score per account (NaN where the account has no data for it).

    ``facts`` columns (all optional except ``account``; nulls allowed): growth_yoy,
    otif_rate, sla_attainment (0–1), buying_roles_covered and buying_roles_required,
    contacts_fresh and contacts_active, actions_open and actions_overdue, touchpoints,
    touchpoints_positive, touchpoints_negative, customer_rating (1–10).
    """
    config = config or HealthConfig()
    growth = _column(facts, "growth_yoy")
    trend = np.clip(50.0 + 50.0 * growth / config.trend_span, 0.0, 100.0)
    service_parts = np.vstack([_column(facts, "otif_rate"), _column(facts, "sla_attainment")])
    measured = (~np.isnan(service_parts)).sum(axis=0)
    service_sum = np.nansum(service_parts, axis=0)
    covered, required = _column(facts, "buying_roles_covered"), _column(facts, "buying_roles_required")
    fresh, active = _column(facts, "contacts_fresh"), _column(facts, "contacts_active")
    open_actions, overdue = _column(facts, "actions_open"), _column(facts, "actions_overdue")
    touches = _column(facts, "touchpoints")
    mood = _column(facts, "touchpoints_positive") - _column(facts, "touchpoints_negative")
    rating = _column(facts, "customer_rating")
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = {
            "purchase_trend": trend,
            "service_level": np.where(measured > 0, np.clip(service_sum / measured * 100.0, 0.0, 100.0), np.nan),
            "coverage": np.where(required > 0, np.clip(covered / required, 0, 1) * 100.0, np.nan),
            "contact_freshness": np.where(active > 0, np.clip(fresh / active, 0, 1) * 100.0, np.nan),
            "plan_execution": np.where(open_actions > 0, np.clip(1 - overdue / open_actions, 0, 1) * 100.0, np.nan),
            "sentiment": np.where(touches > 0, np.clip((mood / touches + 1) / 2, 0, 1) * 100.0, np.nan),
            "mutuality": np.clip((rating - 1) / 9 * 100.0, 0.0, 100.0),
        }
    return scores


def relationship_health(facts: pa.Table, config: HealthConfig | None = None) -> pa.Table:
    """Health 0–100 per account with each component's score and contribution.

    Returns
    -------
    pa.Table
        account, health (null when the account has no component at all), components
        (how many counted), and for each component ``<name>_score`` and
        ``<name>_contribution`` (points of the health it gives; they add up to the health).
    """
    config = config or HealthConfig()
    scores = component_scores(facts, config)
    weights = np.array([config.weights.get(name, 0.0) for name in COMPONENTS])
    matrix = np.vstack([scores[name] for name in COMPONENTS])  # components × accounts
    present = ~np.isnan(matrix) & (weights[:, None] > 0)
    effective = np.where(present, weights[:, None], 0.0)
    total = effective.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, effective / total, 0.0)
    contributions = np.where(present, share * np.nan_to_num(matrix), 0.0)
    health = np.where(total > 0, contributions.sum(axis=0), np.nan)
    columns: dict[str, Any] = {
        "account": facts.column("account"),
        "health": pa.array(np.clip(health, 0.0, 100.0), from_pandas=True),
        "components": pa.array(present.sum(axis=0).astype(np.int64)),
    }
    for index, name in enumerate(COMPONENTS):
        columns[f"{name}_score"] = pa.array(matrix[index], from_pandas=True)
        columns[f"{name}_contribution"] = pa.array(np.where(total > 0, contributions[index], np.nan), from_pandas=True)
    return pa.table(columns)


def calibrate_health(
    health: Sequence[float] | Floats,
    revenue_before: Sequence[float] | Floats,
    revenue_after: Sequence[float] | Floats,
    *,
    bands: Sequence[float] = (0.0, 40.0, 60.0, 80.0, 100.0),
    loss_share: float = 0.10,
) -> pa.Table:
    """Do low-health accounts lose revenue more often? One row per health band.

    An account "lost revenue" when ``revenue_after`` is more than ``loss_share`` below
    ``revenue_before`` (accounts with no revenue before are left out).

    Returns
    -------
    pa.Table
        band_from, band_to, accounts, lost (accounts that lost revenue), loss_rate,
        median_change (revenue after ÷ before − 1).
    """
    values = np.asarray(health, dtype=np.float64)
    before = np.asarray(revenue_before, dtype=np.float64)
    after = np.asarray(revenue_after, dtype=np.float64)
    usable = ~np.isnan(values) & (before > 0) & ~np.isnan(after)
    change = np.where(usable, after / np.where(before > 0, before, 1.0) - 1.0, np.nan)
    rows: dict[str, list[Any]] = {
        key: [] for key in ("band_from", "band_to", "accounts", "lost", "loss_rate", "median_change")
    }
    for low, high in itertools.pairwise(bands):
        last = math.isclose(high, bands[-1])
        inside = usable & (values >= low) & ((values <= high) if last else (values < high))
        count = int(inside.sum())
        lost = int((inside & (change < -loss_share)).sum())
        rows["band_from"].append(float(low))
        rows["band_to"].append(float(high))
        rows["accounts"].append(count)
        rows["lost"].append(lost)
        rows["loss_rate"].append(lost / count if count else None)
        rows["median_change"].append(float(np.median(change[inside])) if count else None)
    return pa.table(rows)
