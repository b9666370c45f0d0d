"""Recording KPI snapshots and editing the KPI catalogue."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from django.db import transaction
from django.utils.translation import gettext as _

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.core.snapshots import insert_rows
from kam.scorecards.choices import HEALTH_BANDS, REQUIRED_BUYING_ROLES, RETAINED_WITHIN_DAYS, KpiKey, KpiScope
from kam.scorecards.models import KpiSnapshot, PhaseKpi
from kam.scorecards.queries import SnapshotInputs, snapshot_inputs
from kam.users.models import User
from kam_engine.health import COMPONENTS, relationship_health

# Figures of ``values`` that add up over accounts (the KAM and portfolio rows hold their sum);
# every other figure is a ratio, a score or a rate, and those rows hold its mean over the
# accounts that have it (unweighted).
SUMMED = frozenset(
    {
        "revenue",
        "gross_margin",
        "customer_profit",
        "pipeline_weighted",
        KpiKey.WHITESPACE_CONVERTED,
        "meetings_90d",
        "touchpoints_90d",
        "actions_open",
        "actions_overdue",
        "objectives",
        "objectives_on_track",
    }
)
_DIGITS = 6


class CatalogueError(Exception):
    """A catalogue edit that cannot be made; the message says why."""


@dataclass(frozen=True, slots=True)
class KpiSnapshotResult:
    """What ``do_record_kpi_snapshots`` stored: rows by scope, and whether the date had rows before."""

    as_of: dt.date
    accounts: int
    kams: int
    replaced: bool


def _round(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), _DIGITS)


def _ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return part / whole


def account_values(inputs: SnapshotInputs, account_id: int, stage: str, is_key: bool) -> dict[str, float | None]:
    """The KPI values (and other figures) of one account; docs/scorecards.md defines each."""
    analysis = inputs.analysis.get(account_id, {})
    earlier = inputs.year_before.get(account_id, {})
    revenue = _float(analysis.get("revenue"))
    margin = _float(analysis.get("gross_margin"))
    margin_before = _float(earlier.get("gross_margin"))
    wallet, wallet_before = analysis.get("share_of_wallet"), earlier.get("share_of_wallet")
    wallet_change = wallet - wallet_before if wallet is not None and wallet_before is not None else None
    orders, lines = analysis.get("orders"), analysis.get("lines")
    retention = analysis.get("p_alive")
    if retention is None and analysis.get("recency_days") is not None:
        retention = 1.0 if analysis["recency_days"] <= RETAINED_WITHIN_DAYS else 0.0
    otif, sla, complaints = inputs.service.get(account_id, (None, None, None))
    active, fresh = inputs.contacts.get(account_id, (0, 0))
    covered = inputs.roles.get(account_id, 0)
    actions_open, actions_overdue = inputs.actions.get(account_id, (0, 0))
    objectives, on_track = inputs.objectives.get(account_id, (0, 0))
    pipeline = inputs.pipeline.get(account_id, 0.0)
    target = inputs.revenue_targets.get(account_id) or revenue
    touches = inputs.touchpoints.get(account_id, (0, 0, 0))
    satisfaction, nps = inputs.surveys.get(account_id, (None, None))
    progression = inputs.stage_progression.get(account_id, 0 if stage else None)
    values: dict[str, float | None] = {
        KpiKey.REVENUE_GROWTH: analysis.get("growth_yoy"),
        KpiKey.MARGIN_GROWTH: margin / margin_before - 1 if margin is not None and margin_before else None,
        KpiKey.SHARE_OF_WALLET_GAIN: wallet_change,
        KpiKey.WHITESPACE_CONVERTED: inputs.whitespace.get(account_id),
        KpiKey.PIPELINE_COVERAGE: _ratio(pipeline, target) if target and target > 0 else None,
        KpiKey.STAGE_PROGRESSION: progression,
        KpiKey.BUYING_ROLE_COVERAGE: covered / len(REQUIRED_BUYING_ROLES) if is_key or active else None,
        KpiKey.RETENTION: retention,
        KpiKey.SHARE_OF_WALLET_STABILITY: abs(wallet_change) if wallet_change is not None else None,
        KpiKey.OTIF: otif,
        KpiKey.SLA_ATTAINMENT: sla,
        KpiKey.COMPLAINT_RATE: complaints,
        KpiKey.SATISFACTION: satisfaction,
        KpiKey.CONTACT_FRESHNESS: _ratio(fresh, active),
        KpiKey.COST_TO_SERVE_RATIO: analysis.get("cost_to_serve_pct"),
        KpiKey.LINES_PER_ORDER: _ratio(lines, orders),
        KpiKey.RUSH_ORDER_SHARE: _ratio(analysis.get("rush_orders"), orders),
        KpiKey.RETURNS_RATE: _ratio(analysis.get("returns"), lines),
        KpiKey.DAYS_SALES_OUTSTANDING: None,
        KpiKey.MARGIN_PCT: analysis.get("margin_pct"),
        "revenue": revenue,
        "gross_margin": margin,
        "share_of_wallet": wallet,
        "customer_profit": _float(analysis.get("customer_profit")),
        "nps": nps,
        "pipeline_weighted": pipeline,
        "meetings_90d": inputs.meetings.get(account_id, 0),
        "touchpoints_90d": touches[0],
        "actions_open": actions_open,
        "actions_overdue": actions_overdue,
        "objectives": objectives,
        "objectives_on_track": on_track,
        # Inputs of the health that are not KPIs themselves.
        "buying_roles_covered": covered,
        "contacts_active": active,
    }
    return {key: _round(value) for key, value in values.items()}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def health_facts(inputs: SnapshotInputs) -> pa.Table:
    """The engine's input table for ``relationship_health``: one row per account, in ``inputs.accounts`` order.

    Buying roles are required (four) of key accounts and of accounts with active contacts;
    other components count only where the account has data (no plan action, no touchpoint:
    no score).
    """
    columns: dict[str, list[Any]] = defaultdict(list)
    for account_id, _owner, _phase, is_key, _stage in inputs.accounts:
        analysis = inputs.analysis.get(account_id, {})
        otif, sla, _complaints = inputs.service.get(account_id, (None, None, None))
        active, fresh = inputs.contacts.get(account_id, (0, 0))
        actions_open, overdue = inputs.actions.get(account_id, (0, 0))
        touches, positive, negative = inputs.touchpoints.get(account_id, (0, 0, 0))
        satisfaction, _nps = inputs.surveys.get(account_id, (None, None))
        columns["account"].append(account_id)
        columns["growth_yoy"].append(analysis.get("growth_yoy"))
        columns["otif_rate"].append(otif)
        columns["sla_attainment"].append(sla)
        columns["buying_roles_covered"].append(inputs.roles.get(account_id, 0))
        columns["buying_roles_required"].append(len(REQUIRED_BUYING_ROLES) if is_key or active else None)
        columns["contacts_fresh"].append(fresh)
        columns["contacts_active"].append(active)
        columns["actions_open"].append(actions_open)
        columns["actions_overdue"].append(overdue)
        columns["touchpoints"].append(touches)
        columns["touchpoints_positive"].append(positive)
        columns["touchpoints_negative"].append(negative)
        columns["customer_rating"].append(satisfaction)
    return pa.table(
        {
            name: pa.array(values, type=pa.int64() if name == "account" else pa.float64())
            for name, values in columns.items()
        }
        if columns
        else {"account": pa.array([], type=pa.int64())}
    )


def _components(health: dict[str, Any], index: int) -> dict[str, dict[str, float]]:
    """The components that counted in one account's health: score and contribution (points)."""
    found = {}
    for name in COMPONENTS:
        score = health[f"{name}_score"][index]
        contribution = health[f"{name}_contribution"][index]
        if score is not None and not math.isnan(score) and contribution is not None and not math.isnan(contribution):
            found[name] = {"score": round(score, 4), "contribution": round(contribution, 4)}
    return found


def _band_counts(values: Iterable[float]) -> list[list[float]]:
    """``[band_from, band_to, accounts]`` per health band (the last band includes 100)."""
    array = np.asarray(list(values), dtype=np.float64)
    counts = []
    for position, (low, high) in enumerate(itertools.pairwise(HEALTH_BANDS)):
        last = position == len(HEALTH_BANDS) - 2
        inside = (array >= low) & ((array <= high) if last else (array < high))
        counts.append([low, high, int(inside.sum())])
    return counts


def aggregate(rows: list[KpiSnapshot]) -> tuple[dict[str, float | None], float | None, dict[str, Any]]:
    """The values, health and health summary of a group of account rows (a KAM's, the portfolio)."""
    sums: dict[str, float] = defaultdict(float)
    means: dict[str, list[float]] = defaultdict(list)
    keys: set[str] = set()
    for row in rows:
        for key, value in row.values.items():
            keys.add(key)
            if value is None:
                continue
            if key in SUMMED:
                sums[key] += value
            else:
                means[key].append(value)
    values: dict[str, float | None] = {}
    for key in sorted(keys):
        if key in SUMMED:
            values[key] = _round(sums.get(key, 0.0))
        else:
            found = means.get(key)
            values[key] = _round(sum(found) / len(found)) if found else None
    values["accounts"] = len(rows)
    healths = [row.health for row in rows if row.health is not None]
    component_scores: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for name, figures in row.health_components.items():
            component_scores[name].append(figures["score"])
    summary = {
        "accounts_with_health": len(healths),
        "bands": _band_counts(healths),
        "mean_scores": {name: round(sum(scores) / len(scores), 4) for name, scores in sorted(component_scores.items())},
    }
    health = round(sum(healths) / len(healths), 4) if healths else None
    return values, health, summary


def do_record_kpi_snapshots(as_of: dt.date, *, acting_user: User | None = None) -> KpiSnapshotResult:
    """Store the KPI snapshot of ``as_of``: one row per account, per KAM (owner) and for the portfolio.

    Not durable on purpose: ``kam.kpis.actions.do_take_snapshot`` calls it inside its own
    transaction, after the day's service-level rows exist (their OTIF and SLA attainment feed
    the KPIs and the health). A date's rows are replaced, so running it twice gives the same
    rows. Audited once, on the portfolio row.
    """
    with transaction.atomic():
        inputs = snapshot_inputs(as_of)
        health = relationship_health(health_facts(inputs)).to_pydict()
        rows: list[KpiSnapshot] = []
        by_kam: dict[int, list[KpiSnapshot]] = defaultdict(list)
        for index, (account_id, owner_id, _phase, is_key, stage) in enumerate(inputs.accounts):
            value = health["health"][index]
            row = KpiSnapshot(
                as_of=as_of,
                scope=KpiScope.ACCOUNT,
                account_id=account_id,
                values=account_values(inputs, account_id, stage, is_key),
                health=None if value is None or math.isnan(value) else round(value, 4),
                health_components=_components(health, index),
            )
            rows.append(row)
            if owner_id is not None:
                by_kam[owner_id].append(row)
        group_rows = []
        for kam_id, kam_rows in sorted(by_kam.items()):
            values, kam_health, summary = aggregate(kam_rows)
            group_rows.append(
                KpiSnapshot(
                    as_of=as_of,
                    scope=KpiScope.KAM,
                    kam_id=kam_id,
                    values=values,
                    health=kam_health,
                    health_components=summary,
                )
            )
        values, portfolio_health, summary = aggregate(rows)
        portfolio = KpiSnapshot(
            as_of=as_of, scope=KpiScope.PORTFOLIO, values=values, health=portfolio_health, health_components=summary
        )
        replaced = KpiSnapshot.objects.filter(as_of=as_of).delete()[0] > 0
        KpiSnapshot.objects.bulk_create([portfolio, *group_rows], batch_size=2000)
        insert_rows(rows)
        record_audit(
            actor=acting_user,
            action="kpi_snapshot.replace" if replaced else "kpi_snapshot.create",
            instance=portfolio,
            changes={
                "as_of": [None, as_of.isoformat()],
                "accounts": [None, len(rows)],
                "kams": [None, len(group_rows)],
                "analysis_as_of": [None, inputs.analysis_as_of.isoformat() if inputs.analysis_as_of else None],
            },
        )
    return KpiSnapshotResult(as_of=as_of, accounts=len(rows), kams=len(group_rows), replaced=replaced)


_CATALOGUE_FIELDS = ("target", "amber_share", "is_active", "order")


@transaction.atomic(durable=True)
def do_update_phase_kpi(
    phase_kpi: PhaseKpi, *, target: float, amber_share: float, is_active: bool, order: int, acting_user: User
) -> PhaseKpi:
    """Change a phase KPI's target, amber threshold, visibility or order (directors and administrators)."""
    if not (acting_user.is_active and acting_user.sees_all_accounts):
        raise CatalogueError(_("Only directors and administrators change the KPI catalogue."))
    if not math.isfinite(target):
        raise CatalogueError(_("The target must be a number."))
    if not 0.0 <= amber_share <= 1.0:
        raise CatalogueError(_("Amber from must be between 0 and 1."))
    before = snapshot_fields(phase_kpi, _CATALOGUE_FIELDS)
    phase_kpi.target, phase_kpi.amber_share, phase_kpi.is_active, phase_kpi.order = (
        target,
        amber_share,
        is_active,
        order,
    )
    phase_kpi.save(update_fields=[*_CATALOGUE_FIELDS, "updated_at"])
    changes = diff_snapshots(before, snapshot_fields(phase_kpi, _CATALOGUE_FIELDS))
    if changes:
        record_audit(actor=acting_user, action="phase_kpi.update", instance=phase_kpi, changes=changes)
    return phase_kpi
