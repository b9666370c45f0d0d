"""Typed key-account selection policy: criteria, quadrants, candidate pool, capacity, objective.

A policy is what management decides once and applies consistently: which criteria make an
account attractive to us and which measure our strength as the customer sees us (each
axis weighted to 100), where the quadrants of the matrix are cut and which phase each
suggests, which accounts enter the candidate pool, the capacity of the KAMs, the workload
of an account and what the optimiser maximises. It is read from TOML
(``kam select --policy``), stored as JSON in the web database (``policy_to_dict``) and
written back as TOML (``dump_policy``). ``docs/selection.md`` documents every key.

Unknown keys and impossible values are errors that name the key.

Examples
--------
>>> policy = parse_selection_policy({})
>>> sum(c.weight for c in policy.criteria if c.axis == "attractiveness")
100.0
>>> policy.quadrants.phases["streamline"]
'cost_reduction'
>>> parse_selection_policy(policy_to_dict(policy)) == policy
True
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, cast

import tomli_w

from kam_engine.config import read_policy_file

__all__ = [
    "AXES",
    "CRITERIA_LIBRARY",
    "PHASES",
    "QUADRANTS",
    "SCALES",
    "CandidatePoolConfig",
    "CapacityConfig",
    "Criterion",
    "KamCapacity",
    "LibraryEntry",
    "ListEntry",
    "ObjectiveConfig",
    "QuadrantConfig",
    "SelectionPolicy",
    "SelectionPolicyError",
    "WorkloadConfig",
    "dump_policy",
    "load_selection_policy",
    "parse_selection_policy",
    "policy_to_dict",
]

Axis = Literal["attractiveness", "strength"]
Scale = Literal["percentile", "minmax", "thresholds", "rating", "match"]
Direction = Literal["higher", "lower"]
Quadrant = Literal["strategic", "star", "status", "streamline"]
Objective = Literal["score", "profit", "lifetime_value"]

AXES: tuple[Axis, ...] = ("attractiveness", "strength")
SCALES: tuple[Scale, ...] = ("percentile", "minmax", "thresholds", "rating", "match")
QUADRANTS: tuple[Quadrant, ...] = ("strategic", "star", "status", "streamline")
PHASES: tuple[str, ...] = ("growth", "maintenance", "cost_reduction")


class SelectionPolicyError(ValueError):
    """A selection policy we cannot use; the message names the file or origin and the key."""


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """A criterion the library knows: the input column it reads and its usual direction and scale.

    ``rated`` criteria are scored by people in a rating round (1–10); the input column is then
    the mean rating, named by the criterion's key.
    """

    column: str
    direction: Direction
    scale: Scale
    axis: Axis
    rated: bool = False


# The criteria library: every key a policy may use without naming a column itself.
# Columns are those of the per-account figures the web app hands the engine (kam analyze's
# results plus ``potential``, ``segment``, ``relationship_stage_score`` and the mean ratings).
CRITERIA_LIBRARY: dict[str, LibraryEntry] = {
    "revenue": LibraryEntry("revenue", "higher", "percentile", "attractiveness"),
    "invoices": LibraryEntry("orders", "higher", "percentile", "attractiveness"),
    "gross_margin": LibraryEntry("gross_margin", "higher", "percentile", "attractiveness"),
    "customer_profit": LibraryEntry("customer_profit", "higher", "percentile", "attractiveness"),
    "cost_to_serve_pct": LibraryEntry("cost_to_serve_pct", "lower", "percentile", "attractiveness"),
    "potential": LibraryEntry("potential", "higher", "percentile", "attractiveness"),
    "growth_yoy": LibraryEntry("growth_yoy", "higher", "percentile", "attractiveness"),
    "revenue_trend": LibraryEntry("trend_slope", "higher", "percentile", "attractiveness"),
    "segment_fit": LibraryEntry("segment", "higher", "match", "attractiveness"),
    "industry_weight": LibraryEntry("industry_weight", "higher", "rating", "attractiveness", rated=True),
    "reference_value": LibraryEntry("reference_value", "higher", "rating", "attractiveness", rated=True),
    "lifetime_value": LibraryEntry("lifetime_value", "higher", "percentile", "attractiveness"),
    "clv": LibraryEntry("clv", "higher", "percentile", "attractiveness"),
    "probability_alive": LibraryEntry("probability_alive", "higher", "minmax", "attractiveness"),
    "share_of_wallet": LibraryEntry("share_of_wallet", "higher", "minmax", "strength"),
    "mutuality": LibraryEntry("mutuality", "higher", "rating", "strength", rated=True),
    "joint_activities": LibraryEntry("joint_activities", "higher", "rating", "strength", rated=True),
    "payment_behaviour": LibraryEntry("payment_behaviour", "higher", "rating", "strength", rated=True),
    "relationship_stage": LibraryEntry("relationship_stage_score", "higher", "thresholds", "strength"),
    "competitive_position": LibraryEntry("competitive_position", "higher", "rating", "strength", rated=True),
    "service_level": LibraryEntry("otif_rate", "higher", "minmax", "strength"),
}


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of one axis.

    ``scale`` turns the input column into a score from 0 to 10:

    - ``percentile``: 10 × the account's percentile rank among the scored accounts;
    - ``minmax``: 10 × (value − min) / (max − min) over the scored accounts;
    - ``thresholds``: 10 × (number of ``thresholds`` the value reaches) / len(thresholds);
    - ``rating``: the mean rating of the scorers (1–10) as it is;
    - ``match``: 10 when the value is one of ``targets``, else 0.

    ``direction = "lower"`` mirrors the score (10 − score; for ``thresholds`` a value at or
    below a threshold counts as reaching it). A missing value scores ``missing_score``
    (default: 5 for ratings — unrated is neutral —, 0 otherwise).
    """

    key: str
    axis: Axis
    weight: float
    scale: Scale
    column: str
    direction: Direction = "higher"
    thresholds: tuple[float, ...] = ()
    targets: tuple[str, ...] = ()
    missing_score: float | None = None
    label: str = ""

    @property
    def is_rated(self) -> bool:
        """Whether people score this criterion in a rating round."""
        return self.scale == "rating"

    @property
    def score_when_missing(self) -> float:
        """The score of an account without a value for this criterion."""
        if self.missing_score is not None:
            return self.missing_score
        return 5.0 if self.is_rated else 0.0


def _default_criteria() -> tuple[Criterion, ...]:
    def make(key: str, weight: float, **overrides: Any) -> Criterion:
        entry = CRITERIA_LIBRARY[key]
        values: dict[str, Any] = {
            "key": key,
            "axis": entry.axis,
            "weight": weight,
            "scale": entry.scale,
            "column": entry.column,
            "direction": entry.direction,
        }
        values.update(overrides)
        return Criterion(**values)

    return (
        make("revenue", 25.0),
        make("customer_profit", 25.0),
        make("potential", 20.0),
        make("growth_yoy", 15.0),
        make("cost_to_serve_pct", 15.0),
        make("share_of_wallet", 30.0),
        make("relationship_stage", 30.0, thresholds=(2.0, 3.0, 4.0, 5.0)),
        make("service_level", 20.0),
        make("mutuality", 20.0),
    )


def _default_labels() -> dict[str, str]:
    return {
        "strategic": "Strategic",
        "star": "Star / development",
        "status": "Status / maintenance",
        "streamline": "Streamline",
    }


def _default_phases() -> dict[str, str]:
    return {"strategic": "growth", "star": "growth", "status": "maintenance", "streamline": "cost_reduction"}


@dataclass(frozen=True, slots=True)
class QuadrantConfig:
    """Cut-offs of the matrix (an axis score at or above its cut-off is "high"), labels, phases.

    High attractiveness and high strength is ``strategic``; high attractiveness, low strength
    ``star``; low attractiveness, high strength ``status``; both low ``streamline``.
    """

    attractiveness_cutoff: float = 5.0
    strength_cutoff: float = 5.0
    labels: dict[str, str] = field(default_factory=_default_labels)
    phases: dict[str, str] = field(default_factory=_default_phases)


@dataclass(frozen=True, slots=True)
class CandidatePoolConfig:
    """Which accounts may become key accounts (rules from practice).

    Candidates are the accounts making the first ``revenue_share`` of revenue (Pareto), plus
    smaller accounts that are very profitable (in the top ``profit_top_share`` by customer
    profit), fast-growing (``growth_yoy`` at least ``growth_at_least`` with revenue at least
    ``min_revenue_for_growth``) or, with ``strategic_enters``, scored in the strategic
    quadrant. A company with at most ``all_key_up_to`` customers makes every one key. When
    there are more than ``max_candidates`` candidates, the best by value are kept and the
    output says how many were cut.
    """

    revenue_share: float = 0.80
    profit_top_share: float = 0.10
    growth_at_least: float = 0.25
    min_revenue_for_growth: float = 0.0
    strategic_enters: bool = True
    all_key_up_to: int = 2
    max_candidates: int = 5000


@dataclass(frozen=True, slots=True)
class KamCapacity:
    """One KAM's capacity (``code`` is the user's username); ``None`` takes the policy default."""

    code: str
    max_accounts: int | None = None
    max_hours: float | None = None


@dataclass(frozen=True, slots=True)
class CapacityConfig:
    """The capacity the company really has: KAMs, accounts and hours per KAM, portfolio size.

    ``kams`` lists the KAMs available with their own limits; empty means every active user
    with the key-account-manager role, each with the defaults.
    """

    max_accounts_per_kam: int = 5
    max_hours_per_kam: float = 600.0
    kams: tuple[KamCapacity, ...] = ()
    min_key_accounts: int = 0
    max_key_accounts: int = 50


def _default_base_hours() -> dict[str, float]:
    return {"strategic": 120.0, "star": 100.0, "status": 60.0, "streamline": 40.0}


@dataclass(frozen=True, slots=True)
class WorkloadConfig:
    """Yearly KAM hours an account needs: base hours by quadrant plus its complexity.

    ``hours = base_hours[quadrant] + hours_per_business_unit × subsidiaries + hours_per_contact
    × contacts`` (the input columns ``business_units`` and ``contacts``).
    """

    base_hours: dict[str, float] = field(default_factory=_default_base_hours)
    hours_per_business_unit: float = 10.0
    hours_per_contact: float = 1.0


@dataclass(frozen=True, slots=True)
class ObjectiveConfig:
    """What the optimiser maximises, and how hard it tries.

    ``value``: ``score`` (the mean of attractiveness and strength, 0–10), ``profit``
    (customer profit after cost-to-serve) or ``lifetime_value``. ``stability_bonus`` adds
    that fraction of an account's value when it keeps its current KAM.
    """

    value: Objective = "score"
    stability_bonus: float = 0.0
    time_limit_seconds: float = 10.0
    gap: float = 0.01


@dataclass(frozen=True, slots=True)
class ListEntry:
    """An account on the must-include or must-exclude list, with management's reason."""

    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class SelectionPolicy:
    """Everything ``kam select`` can be told; see ``docs/selection.md``."""

    criteria: tuple[Criterion, ...] = field(default_factory=_default_criteria)
    quadrants: QuadrantConfig = field(default_factory=QuadrantConfig)
    candidates: CandidatePoolConfig = field(default_factory=CandidatePoolConfig)
    capacity: CapacityConfig = field(default_factory=CapacityConfig)
    workload: WorkloadConfig = field(default_factory=WorkloadConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    must_include: tuple[ListEntry, ...] = ()
    must_exclude: tuple[ListEntry, ...] = ()

    def criteria_of(self, axis: Axis) -> tuple[Criterion, ...]:
        """The criteria of one axis, in policy order."""
        return tuple(criterion for criterion in self.criteria if criterion.axis == axis)

    @property
    def rated_criteria(self) -> tuple[Criterion, ...]:
        """The criteria that people rate in a rating round."""
        return tuple(criterion for criterion in self.criteria if criterion.is_rated)


# --- parsing -------------------------------------------------------------------------------


def _number(raw: Any, key: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise SelectionPolicyError(f"{key} must be a number")
    return float(raw)


def _integer(raw: Any, key: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise SelectionPolicyError(f"{key} must be a whole number")
    return int(raw)


def _text(raw: Any, key: str) -> str:
    if not isinstance(raw, str):
        raise SelectionPolicyError(f"{key} must be text")
    return raw


def _table(raw: Any, key: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SelectionPolicyError(f"{key} must be a table")
    return raw


def _array_of_tables(raw: Any, key: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise SelectionPolicyError(f"{key} must be an array of tables ([[{key}]])")
    return raw


def _check_keys(data: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise SelectionPolicyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def _choice(raw: Any, key: str, allowed: tuple[str, ...]) -> str:
    value = _text(raw, key)
    if value not in allowed:
        raise SelectionPolicyError(f"{key} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _simple_section(cls: Any, data: Any, where: str) -> Any:
    """Build a section of plain numbers, booleans, text and number/text tables."""
    data = _table(data, where)
    known = {item.name for item in fields(cls)}
    _check_keys(data, known, where)
    default = cls()
    values: dict[str, Any] = {}
    for name, raw in data.items():
        key = f"{where}.{name}"
        current = getattr(default, name)
        if isinstance(current, bool):
            if not isinstance(raw, bool):
                raise SelectionPolicyError(f"{key} must be true or false")
            values[name] = raw
        elif isinstance(current, int):
            values[name] = _integer(raw, key)
        elif isinstance(current, float):
            values[name] = _number(raw, key)
        elif isinstance(current, str):
            values[name] = _text(raw, key)
        elif isinstance(current, dict):
            table = _table(raw, key)
            _check_keys(table, set(QUADRANTS), key)
            sample = next(iter(current.values()))
            if isinstance(sample, str):
                values[name] = {**current, **{k: _text(v, f"{key}.{k}") for k, v in table.items()}}
            else:
                values[name] = {**current, **{k: _number(v, f"{key}.{k}") for k, v in table.items()}}
        else:  # pragma: no cover - every section field is one of the above
            raise SelectionPolicyError(f"{key} is not settable here")
    return cls(**values)


_CRITERION_KEYS = {f.name for f in fields(Criterion)}


def _parse_criterion(data: dict[str, Any], where: str) -> Criterion:
    _check_keys(data, _CRITERION_KEYS, where)
    if "key" not in data:
        raise SelectionPolicyError(f"{where}: key is missing")
    key = _text(data["key"], f"{where}.key")
    if not key.isidentifier():
        raise SelectionPolicyError(f"{where}.key must be a name of letters, digits and _ (got {key!r})")
    entry = CRITERIA_LIBRARY.get(key)
    if entry is None and "column" not in data:
        raise SelectionPolicyError(
            f"{where}: {key!r} is not in the criteria library; give its column (and scale) to define it"
        )
    if "weight" not in data:
        raise SelectionPolicyError(f"{where} ({key}): weight is missing")
    weight = _number(data["weight"], f"{where}.weight")
    if weight <= 0:
        raise SelectionPolicyError(f"{where}.weight must be above 0 (got {weight:g})")
    scale_default = entry.scale if entry else "percentile"
    scale = cast(Scale, _choice(data.get("scale", scale_default), f"{where}.scale", SCALES))
    axis = cast(Axis, _choice(data.get("axis", entry.axis if entry else ""), f"{where}.axis", AXES))
    column = _text(data.get("column", entry.column if entry else key), f"{where}.column")
    if scale == "rating" and "column" not in data:
        column = key
    direction = cast(
        Direction,
        _choice(
            data.get("direction", entry.direction if entry else "higher"), f"{where}.direction", ("higher", "lower")
        ),
    )
    raw_thresholds = data.get("thresholds", [])
    if not isinstance(raw_thresholds, list):
        raise SelectionPolicyError(f"{where}.thresholds must be a list of numbers")
    thresholds = tuple(_number(value, f"{where}.thresholds") for value in raw_thresholds)
    if scale == "thresholds":
        if not thresholds:
            raise SelectionPolicyError(f"{where} ({key}): scale thresholds needs a non-empty thresholds list")
        if any(b <= a for a, b in itertools.pairwise(thresholds)):
            raise SelectionPolicyError(f"{where}.thresholds must be strictly increasing")
    raw_targets = data.get("targets", [])
    if not isinstance(raw_targets, list) or not all(isinstance(value, str) for value in raw_targets):
        raise SelectionPolicyError(f"{where}.targets must be a list of text")
    targets = tuple(raw_targets)
    if scale == "match" and not targets:
        raise SelectionPolicyError(f"{where} ({key}): scale match needs a non-empty targets list")
    missing: float | None = None
    if "missing_score" in data:
        missing = _number(data["missing_score"], f"{where}.missing_score")
        if not 0 <= missing <= 10:
            raise SelectionPolicyError(f"{where}.missing_score must be between 0 and 10")
    label = _text(data.get("label", ""), f"{where}.label")
    return Criterion(
        key=key,
        axis=axis,
        weight=weight,
        scale=scale,
        column=column,
        direction=direction,
        thresholds=thresholds,
        targets=targets,
        missing_score=missing,
        label=label,
    )


def _parse_list(raw: Any, where: str) -> tuple[ListEntry, ...]:
    entries = []
    seen: set[str] = set()
    for index, item in enumerate(_array_of_tables(raw, where), start=1):
        at = f"{where}[{index}]"
        _check_keys(item, {"code", "reason"}, at)
        if "code" not in item:
            raise SelectionPolicyError(f"{at}: code is missing")
        code = _text(item["code"], f"{at}.code").strip()
        reason = _text(item.get("reason", ""), f"{at}.reason").strip()
        if not code:
            raise SelectionPolicyError(f"{at}.code must not be empty")
        if not reason:
            raise SelectionPolicyError(f"{at} ({code}): a reason is required")
        if code in seen:
            raise SelectionPolicyError(f"{at}: account {code} is listed twice")
        seen.add(code)
        entries.append(ListEntry(code=code, reason=reason))
    return tuple(entries)


def _parse_capacity(raw: Any) -> CapacityConfig:
    data = dict(_table(raw, "capacity"))
    kams_raw = data.pop("kams", [])
    capacity: CapacityConfig = _simple_section(CapacityConfig, data, "capacity")
    kams = []
    seen: set[str] = set()
    for index, item in enumerate(_array_of_tables(kams_raw, "capacity.kams"), start=1):
        at = f"capacity.kams[{index}]"
        _check_keys(item, {"code", "max_accounts", "max_hours"}, at)
        if "code" not in item:
            raise SelectionPolicyError(f"{at}: code is missing")
        code = _text(item["code"], f"{at}.code")
        if code in seen:
            raise SelectionPolicyError(f"{at}: KAM {code} is listed twice")
        seen.add(code)
        max_accounts = _integer(item["max_accounts"], f"{at}.max_accounts") if "max_accounts" in item else None
        max_hours = _number(item["max_hours"], f"{at}.max_hours") if "max_hours" in item else None
        if max_accounts is not None and max_accounts < 0:
            raise SelectionPolicyError(f"{at}.max_accounts must not be negative")
        if max_hours is not None and max_hours < 0:
            raise SelectionPolicyError(f"{at}.max_hours must not be negative")
        kams.append(KamCapacity(code=code, max_accounts=max_accounts, max_hours=max_hours))
    return replace(capacity, kams=tuple(kams))


def _validate(policy: SelectionPolicy) -> None:
    keys = [criterion.key for criterion in policy.criteria]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise SelectionPolicyError(f"criteria: {', '.join(duplicates)} listed more than once")
    for axis in AXES:
        total = sum(criterion.weight for criterion in policy.criteria_of(axis))
        if not policy.criteria_of(axis):
            raise SelectionPolicyError(f"criteria: the {axis} axis needs at least one criterion")
        if abs(total - 100.0) > 1e-6:
            raise SelectionPolicyError(f"criteria: the weights of the {axis} axis sum to {total:g}, not 100")
    quadrants = policy.quadrants
    for name in ("attractiveness_cutoff", "strength_cutoff"):
        if not 0 < getattr(quadrants, name) <= 10:
            raise SelectionPolicyError(f"quadrants.{name} must be above 0 and at most 10")
    for quadrant, phase in quadrants.phases.items():
        if phase not in PHASES:
            raise SelectionPolicyError(f"quadrants.phases.{quadrant} must be one of {', '.join(PHASES)}")
    pool = policy.candidates
    if not 0 < pool.revenue_share <= 1:
        raise SelectionPolicyError("candidates.revenue_share must be above 0 and at most 1")
    if not 0 <= pool.profit_top_share <= 1:
        raise SelectionPolicyError("candidates.profit_top_share must be between 0 and 1")
    if pool.all_key_up_to < 0 or pool.max_candidates < 1:
        raise SelectionPolicyError("candidates.all_key_up_to must be ≥ 0 and candidates.max_candidates ≥ 1")
    capacity = policy.capacity
    if capacity.max_accounts_per_kam < 0 or capacity.max_hours_per_kam < 0:
        raise SelectionPolicyError("capacity.max_accounts_per_kam and capacity.max_hours_per_kam must not be negative")
    if capacity.min_key_accounts < 0:
        raise SelectionPolicyError("capacity.min_key_accounts must not be negative")
    if capacity.max_key_accounts < capacity.min_key_accounts:
        raise SelectionPolicyError(
            f"capacity.max_key_accounts ({capacity.max_key_accounts}) is below "
            f"capacity.min_key_accounts ({capacity.min_key_accounts})"
        )
    workload = policy.workload
    if (
        any(hours < 0 for hours in workload.base_hours.values())
        or min(workload.hours_per_business_unit, workload.hours_per_contact) < 0
    ):
        raise SelectionPolicyError("workload hours must not be negative")
    objective = policy.objective
    if objective.value not in ("score", "profit", "lifetime_value"):
        raise SelectionPolicyError('objective.value must be "score", "profit" or "lifetime_value"')
    if not 0 <= objective.stability_bonus <= 1:
        raise SelectionPolicyError("objective.stability_bonus must be between 0 and 1")
    if objective.time_limit_seconds <= 0 or not 0 <= objective.gap < 1:
        raise SelectionPolicyError("objective.time_limit_seconds must be above 0 and objective.gap in [0, 1)")
    both = sorted({entry.code for entry in policy.must_include} & {entry.code for entry in policy.must_exclude})
    if both:
        raise SelectionPolicyError(f"account(s) {', '.join(both)} are both in must_include and must_exclude")


_TOP_KEYS = {"criteria", "quadrants", "candidates", "capacity", "workload", "objective", "must_include", "must_exclude"}


def parse_selection_policy(data: dict[str, Any], origin: str = "policy") -> SelectionPolicy:
    """Build a selection policy from parsed TOML (or its stored JSON) and check it.

    Sections left out take their defaults; ``criteria``, when given, replaces the default
    criteria whole.
    """
    try:
        _check_keys(data, _TOP_KEYS, "top level")
        values: dict[str, Any] = {}
        if "criteria" in data:
            values["criteria"] = tuple(
                _parse_criterion(item, f"criteria[{index}]")
                for index, item in enumerate(_array_of_tables(data["criteria"], "criteria"), start=1)
            )
        if "quadrants" in data:
            values["quadrants"] = _simple_section(QuadrantConfig, data["quadrants"], "quadrants")
        if "candidates" in data:
            values["candidates"] = _simple_section(CandidatePoolConfig, data["candidates"], "candidates")
        if "capacity" in data:
            values["capacity"] = _parse_capacity(data["capacity"])
        if "workload" in data:
            values["workload"] = _simple_section(WorkloadConfig, data["workload"], "workload")
        if "objective" in data:
            objective = _table(data["objective"], "objective")
            if "value" in objective:
                _choice(objective["value"], "objective.value", ("score", "profit", "lifetime_value"))
            values["objective"] = _simple_section(ObjectiveConfig, objective, "objective")
        for name in ("must_include", "must_exclude"):
            if name in data:
                values[name] = _parse_list(data[name], name)
        policy = SelectionPolicy(**values)
        _validate(policy)
    except SelectionPolicyError as error:
        raise SelectionPolicyError(f"{origin}: {error}") from error
    return policy


def load_selection_policy(path: Path | None) -> SelectionPolicy:
    """Read a selection policy TOML file; ``None`` gives the defaults."""
    if path is None:
        return SelectionPolicy()
    return parse_selection_policy(read_policy_file(path, SelectionPolicyError), str(path))


def _criterion_to_dict(criterion: Criterion) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": criterion.key,
        "axis": criterion.axis,
        "weight": criterion.weight,
        "scale": criterion.scale,
        "column": criterion.column,
        "direction": criterion.direction,
    }
    if criterion.thresholds:
        data["thresholds"] = list(criterion.thresholds)
    if criterion.targets:
        data["targets"] = list(criterion.targets)
    if criterion.missing_score is not None:
        data["missing_score"] = criterion.missing_score
    if criterion.label:
        data["label"] = criterion.label
    return data


def policy_to_dict(policy: SelectionPolicy) -> dict[str, Any]:
    """The policy as plain data (JSON and TOML compatible); ``parse_selection_policy`` reads it back."""

    def plain(section: Any) -> dict[str, Any]:
        return {item.name: getattr(section, item.name) for item in fields(section)}

    capacity = plain(policy.capacity)
    capacity["kams"] = [
        {key: value for key, value in plain(kam).items() if value is not None} for kam in policy.capacity.kams
    ]
    if not capacity["kams"]:
        del capacity["kams"]
    data: dict[str, Any] = {
        "criteria": [_criterion_to_dict(criterion) for criterion in policy.criteria],
        "quadrants": plain(policy.quadrants),
        "candidates": plain(policy.candidates),
        "capacity": capacity,
        "workload": plain(policy.workload),
        "objective": plain(policy.objective),
    }
    if policy.must_include:
        data["must_include"] = [plain(entry) for entry in policy.must_include]
    if policy.must_exclude:
        data["must_exclude"] = [plain(entry) for entry in policy.must_exclude]
    return data


def dump_policy(policy: SelectionPolicy) -> str:
    """The policy as TOML text that ``load_selection_policy`` reads back unchanged."""
    return tomli_w.dumps(policy_to_dict(policy))
