"""Forms of the incentive pages; they only parse input (shares as percentages), the actions validate and save."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.incentives.choices import KPI_CATALOGUE, IncentiveKpi
from kam.incentives.models import IncentivePlan
from kam.incentives.plans import CURVE_DEFAULTS
from kam.key_accounts.choices import Phase

ROWS_PER_PHASE = 5
_DIRECTIONS = [("", _("As usual for the KPI")), ("higher", _("Higher is better")), ("lower", _("Lower is better"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _percent(label: Any, initial: float | None = None) -> forms.FloatField:
    return forms.FloatField(
        label=label, required=False, initial=initial, widget=forms.NumberInput(attrs={"step": "any"})
    )


class IncentivePlanForm(forms.Form):
    """The plan's name, validity, bonus at target and damping (as a percentage)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    period_start = forms.DateField(label=_("Valid from"), widget=DateInput())
    period_end = forms.DateField(label=_("Valid until"), widget=DateInput())
    target_bonus = forms.DecimalField(
        label=_("Target bonus per account"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        help_text=_("What one key account pays its KAM for a payout period when every KPI is at target."),
    )
    retention_damping = forms.FloatField(
        label=_("Retention damping (%)"),
        initial=0,
        min_value=0,
        max_value=100,
        help_text=_("An account's payout is multiplied by 1 − damping × churn risk."),
    )


class KpiRowForm(forms.Form):
    """One KPI of a phase; a row without a KPI is ignored. Shares and percentage KPIs are entered as 0–100."""

    kpi = forms.ChoiceField(label=_("KPI"), required=False, choices=[("", "—"), *IncentiveKpi.choices])
    weight = _percent(_("Weight (%)"))
    target = forms.FloatField(
        label=_("Target"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("Percentages as 0–100; amounts as they are."),
    )
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=_DIRECTIONS)
    threshold = _percent(_("Threshold (% of target)"), 80)
    threshold_payout = _percent(_("Payout at threshold (%)"), 50)
    cap = _percent(_("Cap (% of target)"), 150)
    cap_payout = _percent(_("Payout at cap (%)"), 200)

    def stored_row(self) -> dict[str, Any] | None:
        """The row in the units the plan stores, or None for an empty row."""
        data = self.cleaned_data
        kpi = data.get("kpi")
        if not kpi:
            return None
        scale = KPI_CATALOGUE[kpi].scale
        direction = data.get("direction")

        def share(name: str) -> float | None:
            value = data.get(name)
            return None if value is None else value / 100

        row: dict[str, Any] = {
            "kpi": kpi,
            "weight": share("weight") if data.get("weight") is not None else "",
            "target": data["target"] / scale if data.get("target") is not None else "",
            "higher_is_better": None if not direction else direction == "higher",
        }
        for name, default in CURVE_DEFAULTS.items():
            value = share(name)
            row[name] = default if value is None else value
        return row


KpiRowFormSet = forms.formset_factory(KpiRowForm, extra=0)


def initial_rows(plan: IncentivePlan | None, phase: str) -> list[dict[str, Any]]:
    """The form rows of ``phase``: the plan's KPIs in the units people enter, then empty rows."""
    rows: list[dict[str, Any]] = []
    for row in plan.phases.get(phase, []) if plan is not None else []:
        definition = KPI_CATALOGUE.get(row["kpi"])
        scale = definition.scale if definition is not None else 1.0
        usual = definition.higher_is_better if definition is not None else True
        rows.append(
            {
                "kpi": row["kpi"],
                "weight": round(row["weight"] * 100, 6),
                "target": round(row["target"] * scale, 6),
                "direction": ""
                if row["higher_is_better"] == usual
                else ("higher" if row["higher_is_better"] else "lower"),
                **{name: round(row[name] * 100, 6) for name in CURVE_DEFAULTS},
            }
        )
    blank = {"threshold": 80, "threshold_payout": 50, "cap": 150, "cap_payout": 200}
    return rows + [dict(blank) for _index in range(max(ROWS_PER_PHASE - len(rows), 2))]


def phase_formsets(plan: IncentivePlan | None, data: Any = None) -> dict[str, Any]:
    """A formset of KPI rows for each phase, prefixed by the phase code."""
    formsets = {}
    for phase in Phase.values:
        if data is not None:
            formsets[phase] = KpiRowFormSet(data, prefix=phase)
        else:
            formsets[phase] = KpiRowFormSet(initial=initial_rows(plan, phase), prefix=phase)
    return formsets


def phases_from(formsets: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The phases as the plan stores them, from valid formsets."""
    phases: dict[str, list[dict[str, Any]]] = {}
    for phase, formset in formsets.items():
        rows = [row for row in (form.stored_row() for form in formset.forms) if row is not None]
        if rows:
            phases[phase] = rows
    return phases
