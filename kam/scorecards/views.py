"""Scorecard pages ("cuadro de mando"): an account's KPIs of its phase with traffic lights and
trends, a KAM's accounts, the portfolio for directors, the KPI catalogue and the health
calibration report.

Whoever sees an account sees its scorecard (404 otherwise); a KAM sees their own scorecard,
directors and administrators everyone's; the portfolio and the calibration are theirs only.
Chart data reaches the browser only through ``json_script``; ``core/charts.js`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from kam.key_accounts.choices import Phase
from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code, visible_accounts
from kam.kpis.templatetags.kpis_figures import percent
from kam.kpis.views import plotly_separators
from kam.scorecards.actions import CatalogueError, do_update_phase_kpi
from kam.scorecards.choices import CATALOGUE, HEALTH_BANDS, KpiScope, Light, Unit
from kam.scorecards.forms import PhaseKpiForm
from kam.scorecards.lights import traffic_light
from kam.scorecards.models import KpiSnapshot, PhaseKpi
from kam.scorecards.queries import (
    access_kam_by_username,
    account_history,
    can_edit_catalogue,
    latest_kpi_date,
)
from kam.scorecards.queries import (
    health_calibration as calibration_report,
)
from kam.users.models import User
from kam_engine.health import COMPONENTS, DEFAULT_WEIGHTS

COMPONENT_LABELS = {
    "purchase_trend": gettext_lazy("Purchase trend"),
    "service_level": gettext_lazy("Service level"),
    "coverage": gettext_lazy("Buying-role coverage"),
    "contact_freshness": gettext_lazy("Contact freshness"),
    "plan_execution": gettext_lazy("Plan execution"),
    "sentiment": gettext_lazy("Sentiment"),
    "mutuality": gettext_lazy("Mutuality (customer's rating)"),
}
COMPONENT_RULES = {
    "purchase_trend": gettext_lazy("Revenue growth year on year: −30 % scores 0, 0 scores 50, +30 % scores 100."),
    "service_level": gettext_lazy("Mean of on time in full and service levels met, × 100."),
    "coverage": gettext_lazy("Share of the four buying roles covered by active contacts, × 100."),
    "contact_freshness": gettext_lazy("Share of active contacts touched within the stale days, × 100."),
    "plan_execution": gettext_lazy("Share of the plan's open actions not overdue, × 100."),
    "sentiment": gettext_lazy("Touchpoints of the last 90 days: (positive − negative) ÷ all, from 0 to 100."),
    "mutuality": gettext_lazy("The customer's latest satisfaction (1–10) on 0–100."),
}
# Traffic lights drawn with the service clocks' badges (green, amber, red).
LIGHT_BADGES = {
    Light.GREEN: "badge--clock-met",
    Light.AMBER: "badge--clock-at_risk",
    Light.RED: "badge--clock-breached",
    Light.NONE: "",
}
_FORMATS: dict[str, str] = {
    Unit.SHARE: ".1%",
    Unit.RATIO: ".2f",
    Unit.COUNT: ".0f",
    Unit.RATING: ".1f",
    Unit.RATE: ".1f",
}


def format_value(value: float | None, unit: str) -> str:
    """A KPI value as the pages show it ("—" when missing)."""
    if value is None:
        return "—"
    if unit == Unit.SHARE:
        return percent(value)
    if unit == Unit.COUNT:
        return formats.number_format(round(value), 0, force_grouping=True)
    return formats.number_format(round(value, 2), 2 if unit == Unit.RATIO else 1, force_grouping=True)


@dataclass(frozen=True, slots=True)
class KpiRow:
    """A KPI line of a scorecard: latest value, target, light and the chart of its history."""

    key: str
    label: str
    description: str
    direction: str
    value: str
    target: str
    light: str
    light_label: str
    badge: str
    chart: dict[str, Any] | None


def _kpi_rows(phase_kpis: list[PhaseKpi], latest: KpiSnapshot | None, history: list[KpiSnapshot]) -> list[KpiRow]:
    rows = []
    for phase_kpi in phase_kpis:
        definition = phase_kpi.definition
        value = latest.values.get(phase_kpi.kpi) if latest is not None else None
        light = traffic_light(
            value, phase_kpi.target, phase_kpi.amber_share, lower_is_better=definition.lower_is_better
        )
        series = [row.values.get(phase_kpi.kpi) for row in history]
        chart = None
        if sum(point is not None for point in series) > 1:
            chart = {
                "name": definition.label,
                "dates": [row.as_of.isoformat() for row in history],
                "values": series,
                "target": phase_kpi.target,
                "format": _FORMATS.get(definition.unit, ".2f"),
                "separators": plotly_separators(),
            }
        rows.append(
            KpiRow(
                key=phase_kpi.kpi,
                label=definition.label,
                description=str(definition.description),
                direction=definition.direction,
                value=format_value(value, definition.unit),
                target=format_value(phase_kpi.target, definition.unit),
                light=light,
                light_label=str(Light(light).label),
                badge=LIGHT_BADGES[Light(light)],
                chart=chart,
            )
        )
    return rows


def _health_rows(snapshot: KpiSnapshot | None) -> list[dict[str, Any]]:
    """Each health component: its weight, and its score and contribution where it counted."""
    found = snapshot.health_components if snapshot is not None else {}
    return [
        {
            "key": name,
            "label": COMPONENT_LABELS[name],
            "rule": COMPONENT_RULES[name],
            "weight": percent(DEFAULT_WEIGHTS[name], 0),
            "score": found[name]["score"] if name in found else None,
            "contribution": found[name]["contribution"] if name in found else None,
        }
        for name in COMPONENTS
    ]


def _contributions_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counted = [row for row in rows if row["contribution"] is not None]
    return {
        "labels": [str(row["label"]) for row in counted],
        "values": [row["contribution"] for row in counted],
        "axis": _("Points of the health"),
        "separators": plotly_separators(),
    }


def _active_kpis(phase: str) -> list[PhaseKpi]:
    kpis = PhaseKpi.objects.filter(is_active=True)
    return list(kpis.filter(phase=phase) if phase else kpis)


@login_required
@require_safe
def account_scorecard(request: HttpRequest, code: str) -> HttpResponse:
    """The account's scorecard: the KPIs of its phase (all phases when it has none) and its health."""
    account = access_account_by_code(request.user, code)
    history = list(account_history(account))
    latest = history[-1] if history else None
    health_rows = _health_rows(latest)
    kpis = _active_kpis(account.phase)
    groups = []
    for phase in Phase:
        in_phase = [phase_kpi for phase_kpi in kpis if phase_kpi.phase == phase]
        if in_phase:
            groups.append({"phase": phase.label, "rows": _kpi_rows(in_phase, latest, history)})
    return render(
        request,
        "scorecards/account_scorecard.html",
        {
            "account": account,
            "tab": "scorecard",
            "latest": latest,
            "groups": groups,
            "health_rows": health_rows,
            "contributions_chart": _contributions_chart(health_rows),
            "has_charts": latest is not None,
        },
    )


def _light_cells(snapshot: KpiSnapshot, kpis: list[PhaseKpi]) -> list[dict[str, str]]:
    cells = []
    for phase_kpi in kpis:
        definition = phase_kpi.definition
        value = snapshot.values.get(phase_kpi.kpi)
        light = traffic_light(
            value, phase_kpi.target, phase_kpi.amber_share, lower_is_better=definition.lower_is_better
        )
        cells.append(
            {
                "label": definition.label,
                "value": format_value(value, definition.unit),
                "light": light,
                "light_label": str(Light(light).label),
                "badge": LIGHT_BADGES[Light(light)],
            }
        )
    return cells


def _account_table(snapshots: list[KpiSnapshot]) -> list[dict[str, Any]]:
    """Accounts with their health and the lights of their phase's KPIs, worst health first."""
    kpis = list(PhaseKpi.objects.filter(is_active=True))
    by_phase: dict[str, list[PhaseKpi]] = {}
    for phase_kpi in kpis:
        by_phase.setdefault(phase_kpi.phase, []).append(phase_kpi)
    ordered = sorted(
        snapshots, key=lambda row: (row.health is None, row.health or 0.0, cast(Account, row.account).code)
    )
    return [
        {
            "account": row.account,
            "health": row.health,
            "cells": _light_cells(row, by_phase.get(cast(Account, row.account).phase, [])),
        }
        for row in ordered
    ]


def _band_label(low: float, high: float) -> str:
    return f"{low:.0f}–{high:.0f}"


@login_required
@require_safe
def kam_scorecard(request: HttpRequest, username: str) -> HttpResponse:
    """A KAM's accounts (those they own) with health and traffic lights, from the latest KPI snapshot."""
    kam = access_kam_by_username(request.user, username)
    as_of = latest_kpi_date()
    rows: list[dict[str, Any]] = []
    summary = None
    if as_of is not None:
        owned = visible_accounts(request.user).filter(owner=kam).values("pk")
        snapshots = list(
            KpiSnapshot.objects.filter(as_of=as_of, scope=KpiScope.ACCOUNT, account__in=owned).select_related("account")
        )
        rows = _account_table(snapshots)
        summary = KpiSnapshot.objects.filter(as_of=as_of, scope=KpiScope.KAM, kam=kam).first()
    return render(
        request, "scorecards/kam_scorecard.html", {"kam": kam, "as_of": as_of, "rows": rows, "summary": summary}
    )


def _require_director(request: HttpRequest) -> User:
    user = cast(User, request.user)  # login_required: never anonymous
    if not user.sees_all_accounts:
        raise PermissionDenied(_("Only directors and administrators see this page."))
    return user


_PORTFOLIO_SERIES = (
    ("revenue_growth", Unit.SHARE),
    ("margin_pct", Unit.SHARE),
    ("otif", Unit.SHARE),
    ("sla_attainment", Unit.SHARE),
    ("contact_freshness", Unit.SHARE),
    ("cost_to_serve_ratio", Unit.SHARE),
)
WORST_ACCOUNTS = 50


@login_required
@require_safe
def portfolio_scorecard(request: HttpRequest) -> HttpResponse:
    """The portfolio over time (mean KPIs and health), accounts by health band and the worst health first."""
    _require_director(request)
    history = list(KpiSnapshot.objects.filter(scope=KpiScope.PORTFOLIO).order_by("as_of"))
    latest = history[-1] if history else None
    charts = []
    bands_chart = None
    worst: list[dict[str, Any]] = []
    if latest is not None:
        dates = [row.as_of.isoformat() for row in history]
        health_series = {
            "name": _("Mean health"),
            "dates": dates,
            "values": [row.health for row in history],
            "target": None,
            "format": ".1f",
            "separators": plotly_separators(),
        }
        charts.append({"key": "health", "label": _("Mean relationship health"), "chart": health_series})
        for key, unit in _PORTFOLIO_SERIES:
            charts.append(
                {
                    "key": key,
                    "label": CATALOGUE[key].label,
                    "chart": {
                        "name": CATALOGUE[key].label,
                        "dates": dates,
                        "values": [row.values.get(key) for row in history],
                        "target": None,
                        "format": _FORMATS[unit],
                        "separators": plotly_separators(),
                    },
                }
            )
        bands = latest.health_components.get("bands", [])
        bands_chart = {
            "months": [_band_label(low, high) for low, high, _count in bands],
            "values": [count for _low, _high, count in bands],
            "axis": _("Accounts"),
            "separators": plotly_separators(),
        }
        snapshots = list(
            KpiSnapshot.objects.filter(as_of=latest.as_of, scope=KpiScope.ACCOUNT, health__isnull=False)
            .select_related("account")
            .order_by("health", "account__code")[:WORST_ACCOUNTS]
        )
        worst = _account_table(snapshots)
    kams = list(
        KpiSnapshot.objects.filter(scope=KpiScope.KAM, as_of=latest.as_of).select_related("kam").order_by("health")
        if latest is not None
        else []
    )
    return render(
        request,
        "scorecards/portfolio_scorecard.html",
        {
            "latest": latest,
            "charts": charts,
            "bands_chart": bands_chart,
            "worst": worst,
            "kams": kams,
            "band_edges": HEALTH_BANDS,
        },
    )


def _form(phase_kpi: PhaseKpi) -> PhaseKpiForm:
    initial = {name: getattr(phase_kpi, name) for name in ("target", "amber_share", "is_active", "order")}
    return PhaseKpiForm(initial=initial, prefix=f"kpi-{phase_kpi.pk}")


@login_required
@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    """The KPI catalogue by phase: directors edit targets and amber thresholds, others read."""
    editable = can_edit_catalogue(request.user)
    groups = []
    for phase in Phase:
        rows = []
        for phase_kpi in PhaseKpi.objects.filter(phase=phase):
            definition = phase_kpi.definition
            rows.append(
                {
                    "kpi": phase_kpi,
                    "definition": definition,
                    "target": format_value(phase_kpi.target, definition.unit),
                    "form": _form(phase_kpi) if editable else None,
                }
            )
        groups.append({"phase": phase.label, "rows": rows})
    return render(request, "scorecards/catalogue.html", {"groups": groups, "editable": editable})


@login_required
@require_POST
def catalogue_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one phase KPI of the catalogue (directors and administrators; 403 for everyone else)."""
    user = cast(User, request.user)
    if not can_edit_catalogue(user):
        raise PermissionDenied(_("Only directors and administrators change the KPI catalogue."))
    phase_kpi = get_object_or_404(PhaseKpi, pk=pk)
    form = PhaseKpiForm(request.POST, prefix=f"kpi-{pk}")
    if not form.is_valid():
        errors = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, _("%(kpi)s was not saved: %(errors)s") % {"kpi": phase_kpi, "errors": errors})
        return redirect("scorecards:catalogue")
    data = form.cleaned_data
    try:
        do_update_phase_kpi(
            phase_kpi,
            target=data["target"],
            amber_share=data["amber_share"],
            is_active=data["is_active"],
            order=data["order"],
            acting_user=user,
        )
    except CatalogueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(kpi)s saved.") % {"kpi": phase_kpi})
    return redirect("scorecards:catalogue")


@login_required
@require_safe
def health_calibration(request: HttpRequest) -> HttpResponse:
    """The calibration report of the relationship health (directors and administrators)."""
    _require_director(request)
    report = calibration_report()
    bands = [
        {
            "label": _band_label(band["band_from"], band["band_to"]),
            "accounts": band["accounts"],
            "lost": band["lost"],
            "loss_rate": percent(band["loss_rate"]) if band["loss_rate"] is not None else "—",
            "median_change": percent(band["median_change"]) if band["median_change"] is not None else "—",
        }
        for band in report.bands
    ]
    return render(request, "scorecards/health_calibration.html", {"report": report, "bands": bands})
