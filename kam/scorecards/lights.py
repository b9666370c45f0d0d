"""Traffic lights of a KPI against its target: pure functions, no database.

Green at or beyond the target; amber within ``(1 − amber_share) × |target|`` of it on the
wrong side; red beyond that. "Beyond" is above for higher-is-better KPIs, below for
lower-is-better ones:

>>> traffic_light(0.95, 1.0, 0.9), traffic_light(0.85, 1.0, 0.9), traffic_light(1.0, 1.0, 0.9)
('amber', 'red', 'green')
>>> traffic_light(0.055, 0.05, 0.9, lower_is_better=True), traffic_light(0.06, 0.05, 0.9, lower_is_better=True)
('amber', 'red')
>>> traffic_light(None, 0.05, 0.9)
'none'
"""

from __future__ import annotations

import math

from kam.scorecards.choices import Light

# Float noise (0.1 + 0.2) must not turn a value on the boundary amber.
_TOLERANCE = 1e-9


def traffic_light(value: float | None, target: float, amber_share: float, *, lower_is_better: bool = False) -> str:
    """The light (a ``Light`` value) of ``value`` against ``target``."""
    if value is None or not math.isfinite(value):
        return Light.NONE.value
    margin = abs(target) * (1.0 - amber_share)
    # Measure how far the value falls short, whichever way is better.
    shortfall = value - target if lower_is_better else target - value
    if shortfall <= _TOLERANCE:
        return Light.GREEN.value
    if shortfall <= margin + _TOLERANCE:
        return Light.AMBER.value
    return Light.RED.value
