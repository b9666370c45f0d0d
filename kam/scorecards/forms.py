"""The KPI catalogue's edit form (one phase KPI)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _


class PhaseKpiForm(forms.Form):
    """Target, amber threshold, shown and order of one KPI of a phase."""

    target = forms.FloatField(label=_("Target"))
    amber_share = forms.FloatField(label=_("Amber from"), validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    is_active = forms.BooleanField(label=_("Shown"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767)
