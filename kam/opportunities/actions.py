"""Every change of opportunities: creating one, updating it (stage changes audited), closing it.

Only those who manage the account (directors, administrators, its KAM) change its
opportunities. Each action validates, runs in one durable transaction and leaves an audit record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.core.upserts import UpsertResult, audit_link_changes, index_by, split_codes, sync_links, upsert_objects
from kam.key_accounts.models import Account, Contact, ProductLine
from kam.opportunities.choices import CLOSED_STAGES, STAGE_PROBABILITY, Stage
from kam.opportunities.models import Opportunity
from kam.opportunities.queries import can_edit_opportunities
from kam.users.models import User

_FIELDS = ("name", "stage", "amount", "probability", "expected_close_on", "closed_on", "owner")
_AMOUNT_FIELD = Opportunity._meta.get_field("amount")
AMOUNT_STEP = Decimal(1).scaleb(-_AMOUNT_FIELD.decimal_places)
# The largest amount the column holds (max_digits 18, 2 decimals): 10¹⁶.
AMOUNT_LIMIT = 10 ** (_AMOUNT_FIELD.max_digits - _AMOUNT_FIELD.decimal_places)


class OpportunityError(ValueError):
    """An opportunity we cannot store; the message names the field and says why, in the user's language."""


@dataclass(frozen=True, slots=True)
class OpportunityDetails:
    """What is said about an opportunity; ``probability`` None takes the stage's default."""

    name: str
    amount: Decimal
    expected_close_on: dt.date
    stage: str = Stage.PROSPECTING
    probability: int | None = None
    product_lines: Sequence[ProductLine] = field(default_factory=tuple)
    buying_influences: Sequence[Contact] = field(default_factory=tuple)
    owner: User | None = None


def _require_manager(user: User | None, account: Account) -> None:
    # The command line acts as the system (None); people must manage the account.
    if user is not None and not can_edit_opportunities(user, account):
        raise PermissionDenied(_("Only directors, administrators and the account's KAM may change its opportunities."))


def _check(account: Account, details: OpportunityDetails) -> None:
    if not details.name.strip():
        raise OpportunityError(_("Name: say what the opportunity is."))
    if details.stage not in Stage.values:
        raise OpportunityError(_("Stage: %(value)s is not a stage.") % {"value": details.stage})
    if details.amount < 0:
        raise OpportunityError(_("Amount: it cannot be negative."))
    if details.amount >= AMOUNT_LIMIT:
        raise OpportunityError(_("Amount: it must be less than %(limit)s.") % {"limit": f"{AMOUNT_LIMIT:,}"})
    if details.probability is not None and not 0 <= details.probability <= 100:
        raise OpportunityError(
            _("Probability: a whole number from 0 to 100 (got %(value)s).") % {"value": details.probability}
        )
    for contact in details.buying_influences:
        if contact.account_id != account.pk:
            raise OpportunityError(
                _("Buying influences: %(contact)s is not a contact of %(account)s.")
                % {"contact": contact, "account": account.name}
            )
    if details.owner is not None and not details.owner.is_active:
        raise OpportunityError(_("Owner: %(user)s is no longer active.") % {"user": details.owner})


def _probability(stage: str, requested: int | None, current: Opportunity | None) -> int:
    """Closed stages force 100 / 0; otherwise what was asked, else the stage's default on a stage change."""
    if stage in CLOSED_STAGES:
        return STAGE_PROBABILITY[stage]
    if requested is not None:
        return requested
    if current is not None and current.stage == stage:
        return current.probability
    return STAGE_PROBABILITY[stage]


def _relations(opportunity: Opportunity) -> dict[str, list[Any]]:
    return {
        "product_lines": sorted(opportunity.product_lines.values_list("pk", flat=True)),
        "buying_influences": sorted(opportunity.buying_influences.values_list("pk", flat=True)),
    }


def _fill(opportunity: Opportunity, details: OpportunityDetails, *, current: Opportunity | None) -> None:
    opportunity.probability = _probability(details.stage, details.probability, current)
    was_closed = current is not None and current.stage in CLOSED_STAGES
    opportunity.name = details.name.strip()
    opportunity.stage = details.stage
    # As the database holds it (two decimals), so that 100000 and 100000.00 are no change in the audit trail.
    opportunity.amount = Decimal(details.amount).quantize(AMOUNT_STEP)
    opportunity.expected_close_on = details.expected_close_on
    opportunity.owner = details.owner
    if details.stage in CLOSED_STAGES:
        if not was_closed or opportunity.closed_on is None:
            opportunity.closed_on = timezone.localdate()
    else:
        opportunity.closed_on = None


@transaction.atomic(durable=True)
def do_create_opportunity(account: Account, details: OpportunityDetails, *, acting_user: User | None) -> Opportunity:
    """Add an opportunity to the account's pipeline."""
    _require_manager(acting_user, account)
    _check(account, details)
    opportunity = Opportunity(account=account, created_by=acting_user)
    _fill(opportunity, details, current=None)
    opportunity.save()
    opportunity.product_lines.set(details.product_lines)
    opportunity.buying_influences.set(details.buying_influences)
    after = {**snapshot_fields(opportunity, _FIELDS), **_relations(opportunity)}
    record_audit(
        actor=acting_user,
        action="opportunity.create",
        instance=opportunity,
        changes={name: [None, value] for name, value in after.items()},
    )
    return opportunity


@transaction.atomic(durable=True)
def do_update_opportunity(
    opportunity: Opportunity, details: OpportunityDetails, *, acting_user: User | None
) -> Opportunity:
    """Change an opportunity; a stage change without a probability takes the new stage's default."""
    current = Opportunity.objects.select_for_update().select_related("account").get(pk=opportunity.pk)
    _require_manager(acting_user, current.account)
    _check(current.account, details)
    before = {**snapshot_fields(current, _FIELDS), **_relations(current)}
    updated = Opportunity.objects.select_related("account").get(pk=current.pk)
    _fill(updated, details, current=current)
    updated.save()
    updated.product_lines.set(details.product_lines)
    updated.buying_influences.set(details.buying_influences)
    changes = diff_snapshots(before, {**snapshot_fields(updated, _FIELDS), **_relations(updated)})
    if changes:
        record_audit(actor=acting_user, action="opportunity.update", instance=updated, changes=changes)
    return updated


@transaction.atomic(durable=True)
def do_close_opportunity(opportunity: Opportunity, *, won: bool, acting_user: User | None) -> Opportunity:
    """Close an open opportunity as won (probability 100) or lost (probability 0)."""
    opportunity = Opportunity.objects.select_for_update().select_related("account").get(pk=opportunity.pk)
    _require_manager(acting_user, opportunity.account)
    if opportunity.stage in CLOSED_STAGES:
        raise OpportunityError(
            _("Stage: the opportunity is already closed (%(stage)s).") % {"stage": opportunity.get_stage_display()}
        )
    before = snapshot_fields(opportunity, _FIELDS)
    opportunity.stage = Stage.WON if won else Stage.LOST
    opportunity.probability = STAGE_PROBABILITY[opportunity.stage]
    opportunity.closed_on = timezone.localdate()
    opportunity.save(update_fields=["stage", "probability", "closed_on", "updated_at"])
    record_audit(
        actor=acting_user,
        action=f"opportunity.{opportunity.stage}",
        instance=opportunity,
        changes=diff_snapshots(before, snapshot_fields(opportunity, _FIELDS)),
    )
    return opportunity


# --- importing opportunities in bulk (``kam import opportunities``) -----------------------


def _closed_on(stage: str, row: Mapping[str, Any], provided: set[str], current: Opportunity | None) -> dt.date | None:
    """Open stages have no close date; a closed one keeps the file's, else the stored one, else the expected date."""
    if stage not in CLOSED_STAGES:
        return None
    if "closed_on" in provided and row["closed_on"] is not None:
        closed_on: dt.date = row["closed_on"]
        return closed_on
    if current is not None and current.closed_on is not None:
        return current.closed_on
    if "expected_close_on" in provided and row["expected_close_on"] is not None:
        expected: dt.date = row["expected_close_on"]
        return expected
    return current.expected_close_on if current is not None else timezone.localdate()


@transaction.atomic
def do_import_opportunities(
    rows: Sequence[Mapping[str, Any]], provided: Iterable[str], *, acting_user: User | None
) -> UpsertResult:
    """Create or update opportunities by (account code, opportunity code), with product lines and influences.

    The rows are checked (``kam.imports.checks.check_opportunities``): new ones have an
    amount and an expected close date, product lines and contacts exist. Without a
    probability, an opportunity takes its stage's default (closed stages force 100 / 0);
    columns absent from the file leave the stored values untouched.
    """
    provided = set(provided)
    accounts = dict(Account.objects.filter(code__in={row["account"] for row in rows}).values_list("code", "pk"))
    owners: dict[str, int] = {}
    if "owner" in provided:
        wanted_owners = {row["owner"] for row in rows if row["owner"]}
        owners = dict(User.objects.filter(username__in=wanted_owners).values_list("username", "pk"))
    known: dict[Hashable, Opportunity] = index_by(
        Opportunity.objects.filter(account_id__in=accounts.values()).exclude(code=""), "account_id", "code"
    )
    values: list[dict[str, Any]] = []
    stored_unchanged: set[Hashable] = set()
    for row in rows:
        account_id = accounts[row["account"]]
        current = known.get((account_id, row["code"]))
        stage = row["stage"] if "stage" in provided and row["stage"] else None
        stage = stage or (current.stage if current is not None else Stage.PROSPECTING)
        requested = row["probability"] if "probability" in provided else None
        item: dict[str, Any] = {
            "account_id": account_id,
            "code": row["code"],
            "name": str(row["name"]).strip(),
            "stage": stage,
            "probability": _probability(stage, requested, current),
            "closed_on": _closed_on(stage, row, provided, current),
        }
        for name in ("amount", "expected_close_on"):
            if name in provided and row[name] is not None:
                item[name] = row[name]
        if "owner" in provided:
            item["owner_id"] = owners[row["owner"]] if row["owner"] else None
        if current is None:
            item["created_by_id"] = acting_user.pk if acting_user is not None else None
        elif all(getattr(current, name) == value for name, value in item.items()):
            stored_unchanged.add((account_id, row["code"]))
        values.append(item)
    result, objects = upsert_objects(
        Opportunity, values, key=("account_id", "code"), existing=known, actor=acting_user, action="opportunity"
    )
    links: dict[str, dict[int, list[list[int]]]] = {}
    wanted: dict[int, set[int]]
    if "product_lines" in provided:
        codes = {code for row in rows for code in split_codes(row["product_lines"])}
        lines = dict(ProductLine.objects.filter(code__in=codes).values_list("code", "pk"))
        wanted = {
            objects[(accounts[row["account"]], row["code"])].pk: {
                lines[code] for code in split_codes(row["product_lines"])
            }
            for row in rows
        }
        links["product_lines"] = sync_links(Opportunity, "product_lines", wanted)
    if "buying_influences" in provided:
        contacts = index_by(Contact.objects.filter(account_id__in=accounts.values()), "account_id", "code")
        wanted = {}
        for row in rows:
            account_id = accounts[row["account"]]
            wanted[objects[(account_id, row["code"])].pk] = {
                contacts[(account_id, code)].pk for code in split_codes(row["buying_influences"])
            }
        links["buying_influences"] = sync_links(Opportunity, "buying_influences", wanted)
    return audit_link_changes(result, objects, links, stored_unchanged, acting_user, action="opportunity")
