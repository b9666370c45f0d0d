"""Relationship health: hand-computed composites, rescaled weights, bounds, and the calibration report."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam_engine.health import COMPONENTS, HealthConfig, calibrate_health, relationship_health


def test_a_fully_measured_account_is_the_weighted_mean_of_its_scores() -> None:
    facts = pa.table(
        {
            "account": ["A"],
            "growth_yoy": [0.15],  # 75
            "otif_rate": [0.9],
            "sla_attainment": [0.7],  # service 80
            "buying_roles_covered": [3],
            "buying_roles_required": [4],  # 75
            "contacts_fresh": [1],
            "contacts_active": [4],  # 25
            "actions_open": [5],
            "actions_overdue": [1],  # 80
            "touchpoints": [10],
            "touchpoints_positive": [6],
            "touchpoints_negative": [2],  # (0.4 + 1) / 2 = 70
            "customer_rating": [10],  # 100
        }
    )
    row = relationship_health(facts).to_pylist()[0]
    assert [round(row[f"{name}_score"], 6) for name in COMPONENTS] == [75.0, 80.0, 75.0, 25.0, 80.0, 70.0, 100.0]
    expected = 0.25 * 75 + 0.20 * 80 + 0.15 * 75 + 0.10 * 25 + 0.10 * 80 + 0.10 * 70 + 0.10 * 100
    assert row["health"] == pytest.approx(expected)
    assert row["health"] == pytest.approx(sum(row[f"{name}_contribution"] for name in COMPONENTS))
    assert row["components"] == 7


def test_components_without_data_do_not_count_and_the_others_are_rescaled() -> None:
    facts = pa.table({"account": ["B", "C"], "growth_yoy": [-0.30, None], "customer_rating": [5.5, None]})
    rows = relationship_health(facts).to_pylist()
    # B: trend 0 (weight .25) and mutuality 50 (weight .10) → (0 × .25 + 50 × .10) / .35
    assert rows[0]["health"] == pytest.approx(50 * 0.10 / 0.35)
    assert rows[0]["components"] == 2
    assert rows[0]["purchase_trend_contribution"] == 0.0
    assert rows[0]["coverage_contribution"] == 0.0
    assert rows[1]["health"] is None
    assert rows[1]["components"] == 0


def test_weights_are_configurable_and_checked() -> None:
    facts = pa.table({"account": ["A"], "growth_yoy": [0.3], "customer_rating": [1.0]})
    only_trend = HealthConfig(weights={"purchase_trend": 1.0})
    assert relationship_health(facts, only_trend).column("health").to_pylist() == [100.0]
    with pytest.raises(ValueError, match="unknown health component"):
        HealthConfig(weights={"happiness": 1.0})
    with pytest.raises(ValueError, match="not all 0"):
        HealthConfig(weights={"purchase_trend": 0.0})


def test_the_calibration_report_counts_losses_per_band() -> None:
    report = calibrate_health(
        [10, 30, 50, 55, 70, 90, 100, None],  # type: ignore[list-item]
        [100, 100, 100, 100, 100, 100, 100, 100],
        [50, 95, 80, 120, 100, 130, 89, 10],
    ).to_pylist()
    assert [(row["band_from"], row["accounts"], row["lost"]) for row in report] == [
        (0.0, 2, 1),
        (40.0, 2, 1),
        (60.0, 1, 0),
        (80.0, 2, 1),
    ]
    assert report[0]["loss_rate"] == 0.5
    assert report[0]["median_change"] == pytest.approx(-0.275)


finite = st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
counts = st.one_of(st.none(), st.integers(min_value=0, max_value=1000))


@settings(max_examples=300, deadline=None)
@given(
    growth=finite,
    otif=finite,
    sla=finite,
    covered=counts,
    required=counts,
    fresh=counts,
    active=counts,
    open_actions=counts,
    overdue=counts,
    touches=counts,
    positive=counts,
    negative=counts,
    rating=finite,
)
def test_health_is_always_between_0_and_100(**values: float | int | None) -> None:
    facts = pa.table(
        {
            "account": ["X"],
            "growth_yoy": pa.array([values["growth"]], type=pa.float64()),
            "otif_rate": pa.array([values["otif"]], type=pa.float64()),
            "sla_attainment": pa.array([values["sla"]], type=pa.float64()),
            "buying_roles_covered": pa.array([values["covered"]], type=pa.int64()),
            "buying_roles_required": pa.array([values["required"]], type=pa.int64()),
            "contacts_fresh": pa.array([values["fresh"]], type=pa.int64()),
            "contacts_active": pa.array([values["active"]], type=pa.int64()),
            "actions_open": pa.array([values["open_actions"]], type=pa.int64()),
            "actions_overdue": pa.array([values["overdue"]], type=pa.int64()),
            "touchpoints": pa.array([values["touches"]], type=pa.int64()),
            "touchpoints_positive": pa.array([values["positive"]], type=pa.int64()),
            "touchpoints_negative": pa.array([values["negative"]], type=pa.int64()),
            "customer_rating": pa.array([values["rating"]], type=pa.float64()),
        }
    )
    row = relationship_health(facts).to_pylist()[0]
    if row["health"] is not None:
        assert 0.0 <= row["health"] <= 100.0
        assert row["health"] == pytest.approx(sum(row[f"{name}_contribution"] for name in COMPONENTS), abs=1e-9)
