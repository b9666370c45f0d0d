"""Analysis pages: the portfolio (summary, Pareto and whale curves, Shapiro matrix, account
table), the Figures section of the account page, and the service-level scorecards (the
portfolio's and one account's over time).

Chart data reaches the browser only through ``json_script``; ``core/charts.js`` draws it.
Directors and administrators see the whole portfolio; everyone else sees the same page
restricted to the accounts they can see, without the portfolio-wide summary and curves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.expressions import BaseExpression, OrderBy
from django.db.models.functions import NullIf
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat, formats
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kam.core.htmx import HtmxHttpRequest, wants_fragment
from kam.key_accounts.models import Account
from kam.key_accounts.queries import access_account_by_code, visible_accounts
from kam.kpis.choices import ScorecardGroup, ShapiroQuadrant
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis, ServiceLevelSnapshot
from kam.kpis.queries import SERVICE_WINDOW_DAYS, latest_snapshot_date
from kam.kpis.templatetags.kpis_figures import percent
from kam.users.models import User

ANALYSES_PER_PAGE = 50
# The Shapiro matrix draws at most this many accounts, the largest by revenue: 20,000 points made
# the director's page 2.2 MB and most of its time, and a browser cannot tell them apart anyway.
SHAPIRO_POINTS = 2_000

_QUADRANT_ORDER = Case(
    *(
        When(shapiro_quadrant=quadrant, then=Value(position))
        for position, quadrant in enumerate(
            (
                ShapiroQuadrant.CARRIAGE_TRADE,
                ShapiroQuadrant.PASSIVE,
                ShapiroQuadrant.AGGRESSIVE,
                ShapiroQuadrant.BARGAIN_BASEMENT,
            )
        )
    ),
    default=None,
    output_field=IntegerField(),
)


@dataclass(frozen=True, slots=True)
class Column:
    """A sortable column of the account table.

    ``first_descending``: the first click on a metric sorts the largest first; on a text, A to Z.
    """

    key: str
    label: Promise
    expression: F | BaseExpression
    first_descending: bool
    numeric: bool = True
    optional: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("code", gettext_lazy("Code"), F("account__code"), first_descending=False, numeric=False),
    Column("name", gettext_lazy("Name"), F("account__name"), first_descending=False, numeric=False),
    Column("abc", gettext_lazy("ABC"), NullIf(F("abc_class"), Value("")), first_descending=False, numeric=False),
    Column("revenue", gettext_lazy("Revenue"), F("revenue"), first_descending=True),
    Column("margin", gettext_lazy("Gross margin %"), F("margin_pct"), first_descending=True),
    Column("cost_to_serve", gettext_lazy("Cost to serve"), F("cost_to_serve"), first_descending=True),
    Column("cost_to_serve_pct", gettext_lazy("Cost to serve %"), F("cost_to_serve_pct"), first_descending=True),
    Column("profit", gettext_lazy("Customer profit"), F("customer_profit"), first_descending=True),
    Column("growth", gettext_lazy("Growth"), F("growth_yoy"), first_descending=True, optional=True),
    Column("wallet", gettext_lazy("Share of wallet"), F("share_of_wallet"), first_descending=True, optional=True),
    Column("otif", gettext_lazy("OTIF"), F("otif_rate"), first_descending=True, optional=True),
    Column("quadrant", gettext_lazy("Shapiro quadrant"), _QUADRANT_ORDER, first_descending=False, numeric=False),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
# Every accepted ?sort= value: a column key (ascending) or the key with a leading minus (descending).
ANALYSIS_SORTS = frozenset({*COLUMNS_BY_KEY, *(f"-{key}" for key in COLUMNS_BY_KEY)})
DEFAULT_ANALYSIS_SORT = "-revenue"

# The activities of the default policy (docs/analysis.md); other activities show their own name.
ACTIVITY_LABELS: dict[str, Promise] = {
    "order": gettext_lazy("Orders"),
    "order_line": gettext_lazy("Order lines"),
    "delivery": gettext_lazy("Deliveries"),
    "rush_order": gettext_lazy("Rush orders"),
    "return": gettext_lazy("Returns"),
    "visit": gettext_lazy("Visits"),
    "support_ticket": gettext_lazy("Support (hours)"),
}


def analysis_ordering(sort: str) -> list[OrderBy | str]:
    """ORDER BY of a whitelisted sort key; missing values last either way, the code breaks ties."""
    column = COLUMNS_BY_KEY[sort.removeprefix("-")]
    if sort.startswith("-"):
        return [column.expression.desc(nulls_last=True), "account__code"]
    return [column.expression.asc(nulls_last=True), "account__code"]


def _headers(sort: str) -> list[dict[str, Any]]:
    """The table's column headers: what a click sorts by next, and the current direction."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    headers = []
    for column in COLUMNS:
        if column.key == current:
            state = "descending" if descending else "ascending"
            next_descending = not descending
        else:
            state = ""
            next_descending = column.first_descending
        headers.append(
            {
                "key": column.key,
                "label": column.label,
                "state": state,
                "next_sort": f"-{column.key}" if next_descending else column.key,
                "numeric": column.numeric,
                "optional": column.optional,
            }
        )
    return headers


def plotly_separators() -> str:
    """Plotly's ``separators``: the decimal then the thousands separator of the current locale."""
    return f"{formats.get_format('DECIMAL_SEPARATOR')}{formats.get_format('THOUSAND_SEPARATOR')}"


def _number(value: float | int, digits: int = 0) -> str:
    return formats.number_format(value, digits, force_grouping=True)


def _month_label(iso_month: str) -> str:
    """A month of the monthly revenue ("2025-03-01") as the locale's short month and year ("Mar 2025")."""
    return dateformat.format(dt.date.fromisoformat(iso_month[:10]), "M Y")


def _ratio(part: Any, whole: Any) -> float | None:
    if part is None or not whole:
        return None
    return float(part) / float(whole)


def _selected_date(text: str | None, dates: list[dt.date]) -> dt.date:
    """The analysed date asked for in ``?as_of=``, or the latest when absent, malformed or never analysed."""
    try:
        asked = dt.date.fromisoformat(text or "")
    except ValueError:
        return dates[0]
    return asked if asked in dates else dates[0]


def _pareto_chart(analysis: PortfolioAnalysis) -> dict[str, Any]:
    pareto = analysis.summary.get("pareto", {})
    by_margin = pareto.get("by") == "gross_margin"
    return {
        "points": [[0.0, 0.0], *analysis.pareto_curve] if analysis.pareto_curve else [],
        "threshold": 0.8,
        "separators": plotly_separators(),
        "labels": {
            "x": _("Cumulative share of accounts (largest first)"),
            "y": _("Cumulative share of gross margin") if by_margin else _("Cumulative share of revenue"),
            "curve": _("Pareto curve"),
            "threshold": _("%(share)s line") % {"share": percent(0.8, 0)},
            "equal": _("Equal shares"),
            "hover_x": _("Accounts"),
            "hover_y": _("Gross margin") if by_margin else _("Revenue"),
        },
    }


def _whale_chart(analysis: PortfolioAnalysis) -> dict[str, Any]:
    points = [[0.0, 0.0], *analysis.whale_curve] if analysis.whale_curve else []
    whale = analysis.summary.get("whale", {})
    peak: list[float] | None = None
    if points and whale.get("peak_at_account_share") is not None and whale.get("peak_share") is not None:
        peak = [whale["peak_at_account_share"], whale["peak_share"]]
    elif points:
        peak = max(points, key=lambda point: point[1])
    peak_label = ""
    if peak is not None and whale.get("peak_share") is not None:
        peak_label = _("Peak: %(share)s of the profit with %(accounts)s accounts") % {
            "share": percent(whale["peak_share"], 0),
            "accounts": _number(whale.get("peak_at_accounts") or 0),
        }
    return {
        "points": points,
        "peak": peak,
        "separators": plotly_separators(),
        "labels": {
            "x": _("Cumulative share of accounts (most profitable first)"),
            "y": _("Cumulative share of customer profit"),
            "curve": _("Whale curve"),
            "full": _("%(share)s of the profit") % {"share": percent(1.0, 0)},
            "peak": peak_label,
            "hover_x": _("Accounts"),
            "hover_y": _("Customer profit"),
        },
    }


def _shapiro_chart(rows: QuerySet[AccountAnalysis], analysis: PortfolioAnalysis) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {}
    labels = dict(ShapiroQuadrant.choices)
    points = rows.filter(net_price_index__isnull=False, cost_to_serve_index__isnull=False).order_by(
        F("revenue").desc(nulls_last=True), "account__code"
    )
    # One point per account (20,000 for a director): the account URL is reversed once and filled in per
    # point, quoted as reverse() quotes it; a reverse() per point took most of the page's time.
    before, _placeholder, after = reverse("key_accounts:account_detail", kwargs={"code": "CODE"}).rpartition("CODE")
    drawn = list(
        points.values_list(
            "account__code", "account__name", "net_price_index", "cost_to_serve_index", "revenue", "shapiro_quadrant"
        )[:SHAPIRO_POINTS]
    )
    # Counted only when the cap is reached: a KAM's 200 accounts cost no second query.
    total = points.count() if len(drawn) == SHAPIRO_POINTS else len(drawn)
    for code, name, price, cost, revenue, quadrant in drawn:
        group = groups.get(quadrant)
        if group is None:
            group = groups[quadrant] = {
                "key": quadrant,
                "name": str(labels.get(quadrant, _("Unclassified"))),
                "x": [],
                "y": [],
                "revenue": [],
                "names": [],
                "codes": [],
                "urls": [],
            }
        group["x"].append(cost)
        group["y"].append(price)
        group["revenue"].append(float(revenue or 0))
        group["names"].append(name)
        group["codes"].append(code)
        group["urls"].append(before + quote(code, safe=RFC3986_SUBDELIMS + "~:@") + after)
    order = [choice.value for choice in ShapiroQuadrant]
    shapiro = analysis.policy.get("shapiro", {})
    return {
        "groups": sorted(groups.values(), key=lambda group: order.index(group["key"]) if group["key"] in order else 9),
        "drawn": len(drawn),
        "total": total,
        "cutoffs": {"price": shapiro.get("price_cutoff", 1.0), "cost": shapiro.get("cost_cutoff", 1.0)},
        "separators": plotly_separators(),
        "labels": {
            "x": _("Cost-to-serve index (1 = portfolio average)"),
            "y": _("Net-price index (1 = portfolio average)"),
            "revenue": _("Revenue"),
            "price": _("Net price"),
            "cost": _("Cost to serve"),
            "quadrants": {key: str(label) for key, label in ShapiroQuadrant.choices},
        },
    }


def _summary_figures(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with the ratios the page shows under the totals."""
    revenue = summary.get("revenue")
    whale = summary.get("whale", {})
    return {
        "margin_share": _ratio(summary.get("gross_margin"), revenue),
        "cost_to_serve_share": _ratio(summary.get("cost_to_serve"), revenue),
        "profit_share": _ratio(summary.get("profit"), revenue),
        "tail_loss": abs(whale.get("tail_loss") or 0),
    }


def _concentration(summary: dict[str, Any]) -> dict[str, Any] | None:
    """The concentration risk of the summary, its top accounts with their names; None before it was computed."""
    risk = summary.get("concentration_risk")
    if not risk:
        return None
    codes = [row["account"] for row in risk.get("accounts", [])]
    names = dict(Account.objects.filter(code__in=codes).values_list("code", "name"))
    accounts = [{**row, "name": names.get(row["account"], "")} for row in risk.get("accounts", [])]
    return {**risk, "accounts": accounts}


def _retention_report(retention: dict[str, Any]) -> dict[str, Any] | None:
    """The retention models' report with the holdout check as rows (the last group is "n or more")."""
    if not retention:
        return None
    holdout = retention.get("holdout") or {}
    groups = holdout.get("by_frequency") or []
    rows = [
        {
            **row,
            "label": f"{row['x']}+" if index == len(groups) - 1 else str(row["x"]),
            "difference": row["predicted"] - row["actual"],
        }
        for index, row in enumerate(groups)
    ]
    totals = (
        {
            "accounts": sum(row["accounts"] for row in groups),
            "actual": sum(row["actual"] for row in groups),
            "predicted": sum(row["predicted"] for row in groups),
        }
        if groups
        else None
    )
    return {**retention, "holdout_rows": rows, "holdout_totals": totals}


@login_required
@require_safe
def portfolio(request: HtmxHttpRequest) -> HttpResponse:
    """The portfolio analysis of one date: summary, curves, Shapiro matrix and the sortable account table.

    An htmx request (a column header, a page link) gets only the table.
    """
    user = cast(User, request.user)  # login_required: never anonymous
    dates = list(PortfolioAnalysis.objects.order_by("-as_of").values_list("as_of", flat=True))
    if not dates:
        return render(request, "kpis/portfolio_empty.html", {"sees_all": user.sees_all_accounts})
    selected = _selected_date(request.GET.get("as_of"), dates)
    analyses = PortfolioAnalysis.objects.all()
    if not user.sees_all_accounts:
        analyses = analyses.defer("pareto_curve", "whale_curve", "retention")
    analysis = analyses.get(as_of=selected)
    rows = AccountAnalysis.objects.filter(portfolio=analysis).select_related("account")
    if not user.sees_all_accounts:
        rows = rows.filter(account__in=visible_accounts(user).values("pk"))
    sort = request.GET.get("sort", DEFAULT_ANALYSIS_SORT)
    if sort not in ANALYSIS_SORTS:
        sort = DEFAULT_ANALYSIS_SORT
    page = Paginator(rows.order_by(*analysis_ordering(sort)), ANALYSES_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"analysis": analysis, "page_obj": page, "sort": sort, "headers": _headers(sort)}
    if wants_fragment(request):
        response = render(request, "kpis/partials/analysis_table.html", context)
    else:
        context.update(
            {
                "dates": dates,
                "sees_all": user.sees_all_accounts,
                "shapiro_chart": _shapiro_chart(rows, analysis),
            }
        )
        if user.sees_all_accounts:
            context.update(
                {
                    "summary": analysis.summary,
                    "figures": _summary_figures(analysis.summary),
                    "pareto_chart": _pareto_chart(analysis),
                    "whale_chart": _whale_chart(analysis),
                    "concentration": _concentration(analysis.summary),
                    "retention": _retention_report(analysis.retention),
                }
            )
        response = render(request, "kpis/portfolio.html", context)
    # The same URL answers with a page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def activity_label(activity: str) -> str:
    """The label of a cost-to-serve activity: translated for the default ones, else its own name.

    >>> activity_label("freight_charges")
    'Freight charges'
    """
    if activity in ACTIVITY_LABELS:
        return str(ACTIVITY_LABELS[activity])
    return activity.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class CostRow:
    """One activity of an account's cost to serve."""

    activity: str
    label: str
    quantity: float | None
    cost: float
    share: float | None


def account_figures_context(analysis: AccountAnalysis | None) -> dict[str, Any]:
    """Context of the account page's Figures section: the cost breakdown and the two charts."""
    if analysis is None:
        return {"analysis": None}
    costs: dict[str, dict[str, float]] = analysis.details.get("costs_by_activity", {})
    cost_to_serve = float(analysis.cost_to_serve) if analysis.cost_to_serve is not None else None
    cost_rows = sorted(
        (
            CostRow(
                activity=activity,
                label=activity_label(activity),
                quantity=values.get("quantity"),
                cost=values.get("cost") or 0.0,
                share=_ratio(values.get("cost") or 0.0, cost_to_serve),
            )
            for activity, values in costs.items()
        ),
        key=lambda row: (-row.cost, row.label),
    )
    other_cost = None
    if cost_to_serve is not None:
        other_cost = round(cost_to_serve - sum(row.cost for row in cost_rows), 2)
        if abs(other_cost) < 0.005:
            other_cost = None
    chart_rows = [(row.label, row.cost, False) for row in cost_rows]
    if other_cost:
        chart_rows.append((_("Payment terms and rebates"), other_cost, True))
    chart_rows.reverse()  # Plotly draws horizontal bars bottom up: the largest activity goes on top.
    monthly: list[list[Any]] = analysis.details.get("monthly_revenue", [])
    return {
        "analysis": analysis,
        "cost_rows": cost_rows,
        "other_cost": other_cost,
        "other_cost_share": _ratio(other_cost, cost_to_serve),
        "costs_chart": {
            "labels": [label for label, _cost, _muted in chart_rows],
            "values": [cost for _label, cost, _muted in chart_rows],
            "muted": [muted for _label, _cost, muted in chart_rows],
            "separators": plotly_separators(),
            "axis": _("Cost"),
        },
        "monthly_chart": {
            "months": [_month_label(month) for month, _revenue in monthly],
            "values": [revenue for _month, revenue in monthly],
            "separators": plotly_separators(),
            "axis": _("Revenue"),
        },
    }


# --- service levels -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceFigure:
    """A figure of the service-level scorecard and how it reads.

    ``better``: ``"lower"`` or ``"higher"`` when the key accounts can be compared with the
    rest on it (a rate, a time), ``""`` for counts, which depend on the group's size.
    """

    key: str
    label: Promise
    kind: str  # share, hours, rate or count
    better: str = ""


SERVICE_FIGURES: tuple[ServiceFigure, ...] = (
    ServiceFigure("sla_attainment", gettext_lazy("Service levels met"), "share", "higher"),
    ServiceFigure("response_hours_median", gettext_lazy("First response, median (hours)"), "hours", "lower"),
    ServiceFigure("response_hours_p90", gettext_lazy("First response, 90th percentile (hours)"), "hours", "lower"),
    ServiceFigure("resolution_hours_median", gettext_lazy("Resolution, median (hours)"), "hours", "lower"),
    ServiceFigure("resolution_hours_p90", gettext_lazy("Resolution, 90th percentile (hours)"), "hours", "lower"),
    ServiceFigure("complaint_rate", gettext_lazy("Complaints per 100 orders"), "rate", "lower"),
    ServiceFigure("negative_share", gettext_lazy("Negative touchpoints"), "share", "lower"),
    ServiceFigure("otif_rate", gettext_lazy("On time in full"), "share", "higher"),
    ServiceFigure("cases", gettext_lazy("Cases"), "count"),
    ServiceFigure("complaints", gettext_lazy("Complaints"), "count"),
    ServiceFigure("repeat_complaints", gettext_lazy("Repeat complaints"), "count"),
)


def format_service_figure(value: Any, kind: str) -> str:
    """A scorecard figure as the page shows it ("—" when missing)."""
    if value is None:
        return "—"
    if kind == "share":
        return percent(value)
    if kind == "count":
        return _number(value)
    # number_format cuts decimals off; round first.
    return _number(round(float(value), 1), 1)


def _difference(figure: ServiceFigure, key: Any, other: Any) -> dict[str, Any]:
    """Key accounts minus the rest, and whether the key accounts are not better served."""
    if not figure.better or key is None or other is None:
        return {"text": "", "not_better": False}
    difference = float(key) - float(other)
    better = difference < 0 if figure.better == "lower" else difference > 0
    if figure.kind == "share":
        text = _("%(points)s pts") % {"points": _number(round(difference * 100, 1), 1)}
    else:
        text = _number(round(difference, 1), 1)
    if difference > 0:
        text = f"+{text}"
    return {"text": text, "not_better": not better}


def _comparison(groups: dict[str, ServiceLevelSnapshot]) -> list[dict[str, Any]]:
    rows = []
    for figure in SERVICE_FIGURES:
        values = {name: getattr(row, figure.key) for name, row in groups.items()}
        rows.append(
            {
                "key": figure.key,
                "label": figure.label,
                "values": [
                    format_service_figure(values.get(name), figure.kind)
                    for name in (ScorecardGroup.KEY, ScorecardGroup.OTHER, ScorecardGroup.ALL)
                ],
                "difference": _difference(figure, values.get(ScorecardGroup.KEY), values.get(ScorecardGroup.OTHER)),
            }
        )
    return rows


# The worst-served key accounts first: fewest service levels met, then most complaints per order.
_WORST_FIRST = (
    F("sla_attainment").asc(nulls_last=True),
    F("complaint_rate").desc(nulls_last=True),
    F("negative_share").desc(nulls_last=True),
    "account__code",
)


@login_required
@require_safe
def service_levels(request: HtmxHttpRequest) -> HttpResponse:
    """The service-level scorecard of the latest snapshot: key accounts against the rest, then each key account.

    The group figures are portfolio-wide for everyone; the account table lists the key
    accounts the user can see.
    """
    user = cast(User, request.user)  # login_required: never anonymous
    as_of = latest_snapshot_date()
    if as_of is None:
        return render(request, "kpis/service_levels_empty.html", {"sees_all": user.sees_all_accounts})
    snapshot = ServiceLevelSnapshot.objects.filter(as_of=as_of)
    groups = {row.group: row for row in snapshot.filter(account__isnull=True)}
    rows = snapshot.filter(group=ScorecardGroup.ACCOUNT, is_key_account=True).select_related("account")
    if not user.sees_all_accounts:
        rows = rows.filter(account__in=visible_accounts(user).values("pk"))
    return render(
        request,
        "kpis/service_levels.html",
        {
            "as_of": as_of,
            "groups": groups,
            "comparison": _comparison(groups),
            "accounts": rows.order_by(*_WORST_FIRST),
            "sees_all": user.sees_all_accounts,
            "days": next(iter(groups.values())).days if groups else SERVICE_WINDOW_DAYS,
        },
    )


@login_required
@require_safe
def account_service_levels(request: HtmxHttpRequest, code: str) -> HttpResponse:
    """One account's service-level figures over time: a row per snapshot, newest first, and their trend."""
    account = access_account_by_code(request.user, code)
    snapshots = list(
        ServiceLevelSnapshot.objects.filter(account=account, group=ScorecardGroup.ACCOUNT).order_by("-as_of")
    )
    oldest_first = list(reversed(snapshots))
    trend = {
        "dates": [row.as_of.isoformat() for row in oldest_first],
        "series": [
            {"name": str(label), "values": [getattr(row, key) for row in oldest_first]}
            for key, label in (
                ("sla_attainment", gettext_lazy("Service levels met")),
                ("otif_rate", gettext_lazy("On time in full")),
                ("negative_share", gettext_lazy("Negative touchpoints")),
            )
        ],
        "separators": plotly_separators(),
        "axis": _("Share"),
    }
    return render(
        request,
        "kpis/account_service_levels.html",
        {"account": account, "snapshots": snapshots, "trend": trend, "has_trend": len(snapshots) > 1},
    )
