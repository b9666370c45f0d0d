"""Progress of objectives: the pure arithmetic, KPIs read from an analysis, percentages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from kam.plans.choices import ObjectiveKpi
from kam.plans.progress import ObjectiveProgress, engine_value, objective_progress, progress


@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        pytest.param("100", "200", "150", 0.5, id="half_way_up"),
        pytest.param("100", "200", "200", 1.0, id="reached"),
        pytest.param("100", "200", "260", 1.0, id="beyond_target_is_clipped"),
        pytest.param("100", "200", "80", 0.0, id="below_baseline_is_clipped"),
        pytest.param("10", "6", "9", 0.25, id="lower_is_better_from_the_sign"),
        pytest.param("10", "6", "12", 0.0, id="lower_is_better_worse_than_baseline"),
    ],
)
def test_progress_is_the_share_of_the_way_from_baseline_to_target_clipped(
    baseline: str, target: str, current: str, expected: float
) -> None:
    assert progress(Decimal(baseline), Decimal(target), Decimal(current)) == expected


def test_a_target_equal_to_the_baseline_counts_as_reached_when_held_or_bettered() -> None:
    assert progress(Decimal(5), Decimal(5), Decimal(5)) == 1.0
    assert progress(Decimal(5), Decimal(5), Decimal(6)) == 1.0
    assert progress(Decimal(5), Decimal(5), Decimal(4)) == 0.0
    assert progress(Decimal(5), Decimal(5), Decimal(4), lower_is_better=True) == 1.0
    assert progress(Decimal(5), Decimal(5), Decimal(6), lower_is_better=True) == 0.0


def test_progress_is_unknown_without_a_baseline_a_target_or_a_current_value() -> None:
    assert progress(None, Decimal(1), Decimal(1)) is None
    assert progress(Decimal(1), None, Decimal(1)) is None
    assert progress(Decimal(1), Decimal(2), None) is None


def test_engine_percentages_are_read_in_percent_and_amounts_as_they_are() -> None:
    analysis = SimpleNamespace(margin_pct=0.3, otif_rate=0.955, revenue=Decimal("500000.00"), share_of_wallet=None)
    assert engine_value(ObjectiveKpi.MARGIN_PCT, analysis) == Decimal("30.00")
    assert engine_value(ObjectiveKpi.OTIF_RATE, analysis) == Decimal("95.50")
    assert engine_value(ObjectiveKpi.REVENUE, analysis) == Decimal("500000.00")
    assert engine_value(ObjectiveKpi.SHARE_OF_WALLET, analysis) is None
    assert engine_value(ObjectiveKpi.REVENUE, None) is None


def test_a_tracked_objective_takes_the_analysis_value_and_date() -> None:
    analysis = SimpleNamespace(as_of=dt.date(2025, 12, 31), cost_to_serve_pct=0.06)
    measured = objective_progress(ObjectiveKpi.COST_TO_SERVE_PCT, Decimal(8), Decimal(4), Decimal(99), analysis)
    assert measured == ObjectiveProgress(
        current=Decimal("6.00"), progress=0.5, tracked=True, as_of=dt.date(2025, 12, 31)
    )
    assert measured.percent == 50


def test_a_tracked_objective_without_analysis_has_no_progress() -> None:
    measured = objective_progress(ObjectiveKpi.REVENUE, Decimal(1), Decimal(2), None, None)
    assert measured == ObjectiveProgress(current=None, progress=None, tracked=True, as_of=None)
    assert measured.percent is None


def test_an_other_objective_uses_the_value_entered_by_hand() -> None:
    measured = objective_progress(ObjectiveKpi.OTHER, Decimal(0), Decimal(10), Decimal(3), SimpleNamespace())
    assert measured == ObjectiveProgress(current=Decimal(3), progress=0.3, tracked=False, as_of=None)
