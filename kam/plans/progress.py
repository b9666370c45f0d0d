"""Progress of plan objectives: pure functions, no database.

An objective on an engine KPI reads its current value from the account's latest analysis;
an "other" objective uses the value entered by hand. Progress is how far the current value
has moved from the baseline towards the target, between 0 and 1:

>>> from decimal import Decimal as D
>>> progress(D("100"), D("200"), D("150"))
0.5
>>> progress(D("10"), D("6"), D("8"))  # lower is better: the target is below the baseline
0.5
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kam.plans.choices import ObjectiveKpi

# KPI → the field of kam.kpis.models.AccountAnalysis that holds it.
ENGINE_FIELDS: dict[str, str] = {
    ObjectiveKpi.REVENUE: "revenue",
    ObjectiveKpi.GROSS_MARGIN: "gross_margin",
    ObjectiveKpi.MARGIN_PCT: "margin_pct",
    ObjectiveKpi.SHARE_OF_WALLET: "share_of_wallet",
    ObjectiveKpi.COST_TO_SERVE_PCT: "cost_to_serve_pct",
    ObjectiveKpi.OTIF_RATE: "otif_rate",
    ObjectiveKpi.CUSTOMER_PROFIT: "customer_profit",
}
# The engine stores these as fractions (0.3); objectives state them in percent (30).
PERCENT_KPIS = frozenset(
    {ObjectiveKpi.MARGIN_PCT, ObjectiveKpi.SHARE_OF_WALLET, ObjectiveKpi.COST_TO_SERVE_PCT, ObjectiveKpi.OTIF_RATE}
)
# Only needed when target equals baseline: otherwise the sign of target − baseline says it.
LOWER_IS_BETTER = frozenset({ObjectiveKpi.COST_TO_SERVE_PCT})

_CENT = Decimal("0.01")


def progress(
    baseline: Decimal | None, target: Decimal | None, current: Decimal | None, *, lower_is_better: bool = False
) -> float | None:
    """How far ``current`` went from ``baseline`` to ``target``, clipped to 0..1; None when unknown.

    A target below the baseline means lower is better. When target equals baseline the
    objective is to hold it: 1 when the current value is at the target or better, else 0.

    >>> from decimal import Decimal as D
    >>> progress(D("100"), D("200"), D("250")), progress(D("100"), D("200"), D("50"))
    (1.0, 0.0)
    >>> progress(D("5"), D("5"), D("4"), lower_is_better=True), progress(D("5"), D("5"), D("4"))
    (1.0, 0.0)
    >>> progress(None, D("5"), D("4")) is None
    True
    """
    if baseline is None or target is None or current is None:
        return None
    span = target - baseline
    if span == 0:
        reached = current <= target if lower_is_better else current >= target
        return 1.0 if reached else 0.0
    share = float((current - baseline) / span)
    return min(1.0, max(0.0, share))


def engine_value(kpi: str, analysis: Any) -> Decimal | None:
    """The KPI's value in ``analysis`` (an AccountAnalysis or None), percentages in percent.

    >>> from types import SimpleNamespace
    >>> engine_value("margin_pct", SimpleNamespace(margin_pct=0.305))
    Decimal('30.50')
    >>> engine_value("other", SimpleNamespace()) is None
    True
    """
    field = ENGINE_FIELDS.get(kpi)
    if field is None or analysis is None:
        return None
    raw = getattr(analysis, field)
    if raw is None:
        return None
    value = Decimal(str(raw))
    if kpi in PERCENT_KPIS:
        value *= 100
    return value.quantize(_CENT)


@dataclass(frozen=True, slots=True)
class ObjectiveProgress:
    """An objective's current value, where it comes from, and its progress (0..1 or None)."""

    current: Decimal | None
    progress: float | None
    tracked: bool
    as_of: dt.date | None

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, for bars and labels."""
        return None if self.progress is None else round(self.progress * 100)


def objective_progress(
    kpi: str, baseline: Decimal | None, target: Decimal | None, manual_current: Decimal | None, analysis: Any
) -> ObjectiveProgress:
    """Progress of one objective, given the account's latest analysis (or None).

    >>> from decimal import Decimal as D
    >>> objective_progress("other", D("0"), D("4"), D("1"), None)
    ObjectiveProgress(current=Decimal('1'), progress=0.25, tracked=False, as_of=None)
    """
    tracked = kpi in ENGINE_FIELDS
    if tracked:
        current = engine_value(kpi, analysis)
        as_of = analysis.as_of if analysis is not None and current is not None else None
    else:
        current, as_of = manual_current, None
    return ObjectiveProgress(
        current=current,
        progress=progress(baseline, target, current, lower_is_better=kpi in LOWER_IS_BETTER),
        tracked=tracked,
        as_of=as_of,
    )
