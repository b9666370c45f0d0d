"""Labels of the selection pages: criteria of the library in the user's language."""

from __future__ import annotations

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kam.key_accounts.choices import Tier

register = template.Library()

CRITERION_LABELS: dict[str, Promise] = {
    "revenue": _("Revenue"),
    "invoices": _("Invoices"),
    "gross_margin": _("Gross margin"),
    "customer_profit": _("Customer profit"),
    "cost_to_serve_pct": _("Cost to serve %"),
    "potential": _("Potential (wallet − our revenue)"),
    "growth_yoy": _("Growth year on year"),
    "revenue_trend": _("Revenue trend"),
    "segment_fit": _("Fit with target segments"),
    "industry_weight": _("Weight in its industry"),
    "reference_value": _("Influence on other buyers"),
    "lifetime_value": _("Lifetime value"),
    "clv": _("Customer lifetime value (12 months)"),
    "probability_alive": _("Probability still buying"),
    "share_of_wallet": _("Share of wallet"),
    "mutuality": _("Mutuality (values us back)"),
    "joint_activities": _("Joint activities"),
    "payment_behaviour": _("Payment behaviour"),
    "relationship_stage": _("Relationship stage"),
    "competitive_position": _("Position against the best competitor"),
    "service_level": _("Service level (OTIF)"),
}


@register.filter
def criterion_label(key: str) -> str:
    """A criterion's label: the library's translated one, else the key made readable.

    >>> criterion_label("own_metric")
    'Own metric'
    """
    if key in CRITERION_LABELS:
        return str(CRITERION_LABELS[key])
    return key.replace("_", " ").capitalize()


@register.filter
def move_hint(move: dict[str, object]) -> str:
    """The smallest single-criterion change that moves the account to another quadrant, as text."""
    if not move or not move.get("criterion"):
        return ""
    return str(_("%(criterion)s from %(before)s to %(after)s → %(quadrant)s")) % {
        "criterion": criterion_label(str(move["criterion"])),
        "before": _format(move.get("value_from"), move.get("score_from")),
        "after": _format(move.get("value_to"), move.get("score_to")),
        "quadrant": str(dict(Tier.choices).get(str(move.get("to_quadrant", "")), move.get("to_quadrant", ""))),
    }


def _format(value: object, score: object) -> str:
    if isinstance(value, (int, float)):
        return f"{value:,.4g}"
    if isinstance(score, (int, float)):
        return str(_("score %(score).1f")) % {"score": score}
    return "—"
