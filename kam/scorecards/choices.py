"""The KPI catalogue of the scorecards ("cuadro de mando"), by phase, and its choice lists.

Every KPI has a stable key, a translated label, a unit, a direction (higher or lower is
better), a default target and the phase it belongs to by default; ``docs/scorecards.md``
says how each one is computed. The targets in force live in ``PhaseKpi`` rows, which
directors edit; these defaults seed them (migration ``0002_default_catalogue``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kam.key_accounts.choices import Phase


class KpiScope(models.TextChoices):
    """What a KPI snapshot row measures: one account, one KAM's accounts, or the whole portfolio."""

    ACCOUNT = "account", _("Account")
    KAM = "kam", _("Key account manager")
    PORTFOLIO = "portfolio", _("Portfolio")


class Direction(models.TextChoices):
    """Which way a KPI is better."""

    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Unit(models.TextChoices):
    """How a KPI's value reads (and is formatted)."""

    SHARE = "share", _("Share (0–1, shown as %)")
    RATIO = "ratio", _("Ratio")
    COUNT = "count", _("Count")
    RATING = "rating", _("Rating (1–10)")
    RATE = "rate", _("Per 100 orders")
    DAYS = "days", _("Days")


class Light(models.TextChoices):
    """A KPI's traffic light against its target."""

    GREEN = "green", _("On target")
    AMBER = "amber", _("Near target")
    RED = "red", _("Below target")
    NONE = "none", _("No data")


class KpiKey(models.TextChoices):
    """The catalogue's keys: a KPI snapshot's ``values`` holds them (and a few more figures)."""

    REVENUE_GROWTH = "revenue_growth", _("Revenue growth")
    MARGIN_GROWTH = "margin_growth", _("Gross margin growth")
    SHARE_OF_WALLET_GAIN = "share_of_wallet_gain", _("Share-of-wallet gain")
    WHITESPACE_CONVERTED = "whitespace_converted", _("Whitespace cells bought")
    PIPELINE_COVERAGE = "pipeline_coverage", _("Pipeline coverage")
    STAGE_PROGRESSION = "stage_progression", _("Relationship-stage progression")
    BUYING_ROLE_COVERAGE = "buying_role_coverage", _("Buying-role coverage")
    RETENTION = "retention", _("Retention")
    SHARE_OF_WALLET_STABILITY = "share_of_wallet_stability", _("Share-of-wallet change")
    OTIF = "otif", _("On time in full")
    SLA_ATTAINMENT = "sla_attainment", _("Service levels met")
    COMPLAINT_RATE = "complaint_rate", _("Complaints per 100 orders")
    SATISFACTION = "satisfaction", _("Customer satisfaction")
    CONTACT_FRESHNESS = "contact_freshness", _("Contact freshness")
    COST_TO_SERVE_RATIO = "cost_to_serve_ratio", _("Cost to serve per € of revenue")
    LINES_PER_ORDER = "lines_per_order", _("Lines per order")
    RUSH_ORDER_SHARE = "rush_order_share", _("Rush-order share")
    RETURNS_RATE = "returns_rate", _("Returns rate")
    DAYS_SALES_OUTSTANDING = "days_sales_outstanding", _("Days sales outstanding")
    MARGIN_PCT = "margin_pct", _("Gross margin %")


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """One KPI of the catalogue: how it reads and its default place and target."""

    key: str
    unit: str
    direction: str
    phase: str
    target: float
    description: Promise
    amber_share: float = 0.9

    @property
    def label(self) -> str:
        return str(KpiKey(self.key).label)

    @property
    def lower_is_better(self) -> bool:
        return self.direction == Direction.LOWER


_H, _L = Direction.HIGHER, Direction.LOWER
CATALOGUE: dict[str, KpiDefinition] = {
    definition.key: definition
    for definition in (
        # --- growth (strategic and star accounts) -------------------------------------------
        KpiDefinition(
            KpiKey.REVENUE_GROWTH,
            Unit.SHARE,
            _H,
            Phase.GROWTH,
            0.05,
            _("Revenue of the last 12 months against the 12 before (the analysis's growth year on year)."),
        ),
        KpiDefinition(
            KpiKey.MARGIN_GROWTH,
            Unit.SHARE,
            _H,
            Phase.GROWTH,
            0.05,
            _("Gross margin of the latest analysis against the analysis of a year before, minus 1."),
        ),
        KpiDefinition(
            KpiKey.SHARE_OF_WALLET_GAIN,
            Unit.SHARE,
            _H,
            Phase.GROWTH,
            0.02,
            _("Share of wallet now minus the share of wallet in the analysis of a year before (points)."),
        ),
        KpiDefinition(
            KpiKey.WHITESPACE_CONVERTED,
            Unit.COUNT,
            _H,
            Phase.GROWTH,
            1.0,
            _("Whitespace cells of the account's plans (not closed) that the customer buys from us."),
        ),
        KpiDefinition(
            KpiKey.PIPELINE_COVERAGE,
            Unit.RATIO,
            _H,
            Phase.GROWTH,
            0.25,
            _("Open weighted pipeline (amount × probability) ÷ the active plan's revenue target, else ÷ revenue."),
        ),
        KpiDefinition(
            KpiKey.STAGE_PROGRESSION,
            Unit.COUNT,
            _H,
            Phase.GROWTH,
            1.0,
            _("Relationship stages gained in the last 365 days (negative when the relationship slipped)."),
        ),
        KpiDefinition(
            KpiKey.BUYING_ROLE_COVERAGE,
            Unit.SHARE,
            _H,
            Phase.GROWTH,
            1.0,
            amber_share=0.75,
            description=_("Share of the four buying roles (economic, user, technical, coach) held by active contacts."),
        ),
        # --- maintenance (status accounts) ---------------------------------------------------
        KpiDefinition(
            KpiKey.RETENTION,
            Unit.SHARE,
            _H,
            Phase.MAINTENANCE,
            0.9,
            _(
                "Probability the customer is still buying (P(alive)) when the analysis has it; else 1 when it "
                "bought in the last 180 days and 0 when not."
            ),
        ),
        KpiDefinition(
            KpiKey.SHARE_OF_WALLET_STABILITY,
            Unit.SHARE,
            _L,
            Phase.MAINTENANCE,
            0.02,
            _("How far the share of wallet moved in a year: |now − a year before| (points)."),
        ),
        KpiDefinition(
            KpiKey.OTIF,
            Unit.SHARE,
            _H,
            Phase.MAINTENANCE,
            0.95,
            _("Deliveries on time and in full over the 90 days of the day's service-level snapshot."),
        ),
        KpiDefinition(
            KpiKey.SLA_ATTAINMENT,
            Unit.SHARE,
            _H,
            Phase.MAINTENANCE,
            0.9,
            _("Service-level clocks met over those measured, in the day's service-level snapshot."),
        ),
        KpiDefinition(
            KpiKey.COMPLAINT_RATE,
            Unit.RATE,
            _L,
            Phase.MAINTENANCE,
            2.0,
            _("Complaints per 100 orders over the 90 days of the day's service-level snapshot."),
        ),
        KpiDefinition(
            KpiKey.SATISFACTION,
            Unit.RATING,
            _H,
            Phase.MAINTENANCE,
            8.0,
            _("The customer's satisfaction (1–10) in its latest survey answer up to the date."),
        ),
        KpiDefinition(
            KpiKey.CONTACT_FRESHNESS,
            Unit.SHARE,
            _H,
            Phase.MAINTENANCE,
            0.8,
            _("Share of the active contacts last contacted within the stale days (KAM_CONTACT_STALE_DAYS)."),
        ),
        # --- cost reduction (streamline accounts) -------------------------------------------
        KpiDefinition(
            KpiKey.COST_TO_SERVE_RATIO,
            Unit.SHARE,
            _L,
            Phase.COST_REDUCTION,
            0.05,
            _("Cost to serve ÷ revenue, from the latest analysis."),
        ),
        KpiDefinition(
            KpiKey.LINES_PER_ORDER,
            Unit.RATIO,
            _H,
            Phase.COST_REDUCTION,
            5.0,
            _("Invoice lines ÷ orders of the latest analysis: higher means consolidated orders."),
        ),
        KpiDefinition(
            KpiKey.RUSH_ORDER_SHARE,
            Unit.SHARE,
            _L,
            Phase.COST_REDUCTION,
            0.05,
            _("Rush orders (the analysis's rush_order activity) ÷ orders; empty when no rush orders are recorded."),
        ),
        KpiDefinition(
            KpiKey.RETURNS_RATE,
            Unit.SHARE,
            _L,
            Phase.COST_REDUCTION,
            0.02,
            _("Returns (the analysis's return activity) ÷ invoice lines; empty when no returns are recorded."),
        ),
        KpiDefinition(
            KpiKey.DAYS_SALES_OUTSTANDING,
            Unit.DAYS,
            _L,
            Phase.COST_REDUCTION,
            45.0,
            _("Not computed yet: OpenKAM holds no receivables. Always empty."),
        ),
        KpiDefinition(
            KpiKey.MARGIN_PCT,
            Unit.SHARE,
            _H,
            Phase.COST_REDUCTION,
            0.25,
            _("Gross margin ÷ revenue, from the latest analysis."),
        ),
    )
}
"""Every KPI by key, in the catalogue's order."""

HEALTH_BANDS: tuple[float, ...] = (0.0, 40.0, 60.0, 80.0, 100.0)
"""Health bands of the pages and the calibration report (the engine's defaults): the last includes 100."""

REQUIRED_BUYING_ROLES: tuple[str, ...] = ("economic_buyer", "user_buyer", "technical_buyer", "coach")
"""The buying roles a key account's contacts should cover (Miller Heiman's four)."""

RECENT_DAYS = 90
"""Days that touchpoints (sentiment) and meetings (cadence) look back."""

RETAINED_WITHIN_DAYS = 180
"""Without P(alive), an account that bought in the last ``RETAINED_WITHIN_DAYS`` days counts as retained."""
