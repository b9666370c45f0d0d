"""The default KPI catalogue: the KPIs of each phase with their default targets (docs/scorecards.md).

A frozen copy of ``kam.scorecards.choices.CATALOGUE`` at the time of writing: migrations do not
import app code. Rows already present (an edited target) are left alone.
"""

from typing import Any

from django.db import migrations

DEFAULTS = [
    # phase, kpi, target, amber_share, order
    ("growth", "revenue_growth", 0.05, 0.9, 10),
    ("growth", "margin_growth", 0.05, 0.9, 20),
    ("growth", "share_of_wallet_gain", 0.02, 0.9, 30),
    ("growth", "whitespace_converted", 1.0, 0.9, 40),
    ("growth", "pipeline_coverage", 0.25, 0.9, 50),
    ("growth", "stage_progression", 1.0, 0.9, 60),
    ("growth", "buying_role_coverage", 1.0, 0.75, 70),
    ("maintenance", "retention", 0.9, 0.9, 10),
    ("maintenance", "share_of_wallet_stability", 0.02, 0.9, 20),
    ("maintenance", "otif", 0.95, 0.9, 30),
    ("maintenance", "sla_attainment", 0.9, 0.9, 40),
    ("maintenance", "complaint_rate", 2.0, 0.9, 50),
    ("maintenance", "satisfaction", 8.0, 0.9, 60),
    ("maintenance", "contact_freshness", 0.8, 0.9, 70),
    ("cost_reduction", "cost_to_serve_ratio", 0.05, 0.9, 10),
    ("cost_reduction", "lines_per_order", 5.0, 0.9, 20),
    ("cost_reduction", "rush_order_share", 0.05, 0.9, 30),
    ("cost_reduction", "returns_rate", 0.02, 0.9, 40),
    ("cost_reduction", "days_sales_outstanding", 45.0, 0.9, 50),
    ("cost_reduction", "margin_pct", 0.25, 0.9, 60),
]


def add_defaults(apps: Any, schema_editor: Any) -> None:
    phase_kpi = apps.get_model("scorecards", "PhaseKpi")
    for phase, kpi, target, amber_share, order in DEFAULTS:
        phase_kpi.objects.get_or_create(
            phase=phase, kpi=kpi, defaults={"target": target, "amber_share": amber_share, "order": order}
        )


def remove_defaults(apps: Any, schema_editor: Any) -> None:
    phase_kpi = apps.get_model("scorecards", "PhaseKpi")
    for phase, kpi, _target, _amber_share, _order in DEFAULTS:
        phase_kpi.objects.filter(phase=phase, kpi=kpi).delete()


class Migration(migrations.Migration):
    dependencies = [("scorecards", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
