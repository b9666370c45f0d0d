"""Traffic lights against a target: green, amber, red, and inverted for lower-is-better KPIs."""

from __future__ import annotations

import pytest

from kam.scorecards.lights import traffic_light


@pytest.mark.parametrize(
    ("_case", "value", "target", "lower", "light"),
    [
        ("at the target is green", 0.95, 0.95, False, "green"),
        ("above the target is green", 0.97, 0.95, False, "green"),
        ("within 10 % below is amber", 0.86, 0.95, False, "amber"),
        ("just on the amber edge is amber", 0.855, 0.95, False, "amber"),
        ("further below is red", 0.85, 0.95, False, "red"),
        ("lower is better: below the target is green", 0.04, 0.05, True, "green"),
        ("lower is better: within 10 % above is amber", 0.055, 0.05, True, "amber"),
        ("lower is better: further above is red", 0.056, 0.05, True, "red"),
        ("a negative target keeps its sides", -0.05, -0.10, False, "green"),
        ("no value has no light", None, 0.95, False, "none"),
    ],
)
def test_traffic_light(_case: str, value: float | None, target: float, lower: bool, light: str) -> None:
    assert traffic_light(value, target, 0.9, lower_is_better=lower) == light
