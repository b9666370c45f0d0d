"""Template helpers of the analysis pages: percentages by locale and the account's Figures section."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import pgettext

from kam.kpis.models import AccountAnalysis

register = template.Library()


@register.filter
def percent(value: Any, digits: int = 1) -> str:
    """A share (0.125) as a percentage of the current locale ("12.5%", "12,5 %"); "—" when missing.

    >>> percent(None)
    '—'
    """
    if value is None or value == "":
        return "—"
    number = floatformat(float(value) * 100, f"{int(digits)}g")
    return pgettext("percentage", "%(number)s%%") % {"number": number}


@register.inclusion_tag("kpis/partials/account_figures.html")
def account_figures(analysis: AccountAnalysis | None) -> dict[str, Any]:
    """The Figures section of the account page, from the account's latest analysis."""
    from kam.kpis.views import account_figures_context

    return account_figures_context(analysis)
