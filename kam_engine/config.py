"""Typed configuration of the analysis: one TOML policy file, every key with a default.

``docs/analysis.md`` documents each key. Unknown keys are errors, so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "AnalysisPolicy",
    "CostToServeConfig",
    "PeriodConfig",
    "PolicyError",
    "RetentionConfig",
    "SegmentationConfig",
    "ShapiroConfig",
    "load_policy",
    "parse_policy",
    "read_policy_file",
]

DEFAULT_RATES: dict[str, float] = {
    "order": 25.0,
    "order_line": 2.5,
    "delivery": 40.0,
    "rush_order": 120.0,
    "return": 60.0,
    "visit": 180.0,
    "support_ticket": 35.0,
}


class PolicyError(ValueError):
    """A policy file we cannot use; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class PeriodConfig:
    """The analysis window: ``months`` months ending on the as-of date (inclusive)."""

    months: int = 12
    trend_months: int = 12


@dataclass(frozen=True, slots=True)
class SegmentationConfig:
    """Pareto / ABC classes: A = accounts making the first ``a`` of the value, B up to ``b``."""

    by: Literal["revenue", "gross_margin"] = "revenue"
    a: float = 0.80
    b: float = 0.95
    top_n: int = 10


@dataclass(frozen=True, slots=True)
class CostToServeConfig:
    """Activity-based costing: a rate per unit of each activity, plus account-specific costs.

    ``rates`` maps an activity name to its cost per unit of quantity (per order, per
    order line, per delivery, per ticket hour…); activities with an explicit ``cost`` in
    the facts use that cost instead. Payment terms cost ``payment_days / 365 ×
    cost_of_capital × revenue``; rebates cost ``rebate_rate × revenue``.
    ``charge_products`` are product codes of invoice lines that are not products but
    charges for a service (postage, handling fees): they are left out of revenue and
    recover part of the cost-to-serve instead.
    """

    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    cost_of_capital: float = 0.08
    payment_days: float = 30.0
    rebate_rate: float = 0.0
    charge_products: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ShapiroConfig:
    """Cut-offs of the Shapiro matrix: indices above 1 are above the portfolio's median."""

    price_cutoff: float = 1.0
    cost_cutoff: float = 1.0


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    """BG/NBD + Gamma-Gamma inside the analysis: the lifetime-value horizon and the churn flag.

    CLV sums the margin of the purchases expected in the next ``months`` months, discounted
    by ``monthly_discount_rate`` a month. An account is flagged as declining when its
    probability of being alive is below ``decline_probability_alive``. The holdout check
    refits the model ``holdout_weeks`` weeks before the as-of date (0: no check).
    ``enabled = false`` leaves the retention figures empty (and costs nothing).
    """

    enabled: bool = True
    months: int = 12
    monthly_discount_rate: float = 0.01
    decline_probability_alive: float = 0.5
    holdout_weeks: int = 26


@dataclass(frozen=True, slots=True)
class AnalysisPolicy:
    """Everything ``kam analyze`` can be told, with the defaults documented in docs/analysis.md."""

    period: PeriodConfig = field(default_factory=PeriodConfig)
    segmentation: SegmentationConfig = field(default_factory=SegmentationConfig)
    cost_to_serve: CostToServeConfig = field(default_factory=CostToServeConfig)
    shapiro: ShapiroConfig = field(default_factory=ShapiroConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)


def _build(cls: Any, data: dict[str, Any], where: str) -> Any:
    known = {item.name: item for item in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise PolicyError(f"{where or 'top level'}: unknown key(s) {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    for name, raw in data.items():
        default = getattr(cls(), name)
        key = f"{where}.{name}" if where else name
        if is_dataclass(default):
            if not isinstance(raw, dict):
                raise PolicyError(f"{key} must be a table")
            values[name] = _build(type(default), raw, key)
        elif isinstance(default, dict):
            if not isinstance(raw, dict) or not all(isinstance(v, (int, float)) for v in raw.values()):
                raise PolicyError(f"{key} must be a table of numbers")
            values[name] = {**default, **{str(k): float(v) for k, v in raw.items()}}
        elif isinstance(default, tuple):
            if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
                raise PolicyError(f"{key} must be a list of text")
            values[name] = tuple(raw)
        elif isinstance(default, (bool, str)):
            if type(raw) is not type(default):
                raise PolicyError(f"{key} must be {type(default).__name__}")
            values[name] = raw
        elif isinstance(default, (int, float)):
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise PolicyError(f"{key} must be a number")
            values[name] = type(default)(raw)
        else:
            values[name] = raw
    return cls(**values)


def parse_policy(data: dict[str, Any], origin: str = "policy") -> AnalysisPolicy:
    """Build a policy from parsed TOML and check its values."""
    try:
        policy: AnalysisPolicy = _build(AnalysisPolicy, data, "")
    except PolicyError as error:
        raise PolicyError(f"{origin}: {error}") from error
    segmentation = policy.segmentation
    if segmentation.by not in ("revenue", "gross_margin"):
        raise PolicyError(f'{origin}: segmentation.by must be "revenue" or "gross_margin"')
    if not 0 < segmentation.a < segmentation.b <= 1:
        raise PolicyError(f"{origin}: segmentation needs 0 < a < b <= 1")
    if policy.period.months < 1:
        raise PolicyError(f"{origin}: period.months must be at least 1")
    if any(rate < 0 for rate in policy.cost_to_serve.rates.values()):
        raise PolicyError(f"{origin}: cost_to_serve.rates must not be negative")
    retention = policy.retention
    if retention.months < 1:
        raise PolicyError(f"{origin}: retention.months must be at least 1")
    if retention.monthly_discount_rate < 0:
        raise PolicyError(f"{origin}: retention.monthly_discount_rate must not be negative")
    if not 0 <= retention.decline_probability_alive <= 1:
        raise PolicyError(f"{origin}: retention.decline_probability_alive must be between 0 and 1")
    if retention.holdout_weeks < 0:
        raise PolicyError(f"{origin}: retention.holdout_weeks must not be negative")
    return policy


def load_policy(path: Path | None) -> AnalysisPolicy:
    """Read a policy TOML file; ``None`` gives the defaults.

    Examples
    --------
    >>> load_policy(None).segmentation.a
    0.8
    """
    if path is None:
        return AnalysisPolicy()
    return parse_policy(read_policy_file(path, PolicyError), str(path))


def read_policy_file(path: Path, error_type: type[ValueError]) -> dict[str, Any]:
    """Parse a policy TOML file, raising ``error_type`` with the file's name when it cannot be read."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise error_type(f"{path}: policy file not found") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise error_type(f"{path}: not a valid TOML file: {error}") from error
    return data
