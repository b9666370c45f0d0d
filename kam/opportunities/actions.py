"""Every change of opportunities: creating one, updating it (stage changes audited), closing it.

Only those who manage the account (directors, administrators, its KAM) change its
opportunities. Each action validates, runs in one durable transaction and leaves an audit record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.key_accounts.models import Account, Contact, ProductLine
from kam.opportunities.choices import CLOSED_STAGES, STAGE_PROBABILITY, Stage
from kam.opportunities.models import Opportunity
from kam.opportunities.queries import can_edit_opportunities
from kam.users.models import User

_FIELDS = ("name", "stage", "amount", "probability", "expected_close_on", "closed_on", "owner")


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
    opportunity.amount = details.amount
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
