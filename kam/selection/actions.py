"""Every change of the selection domain: policy versions, rating rounds, proposals, decisions.

Each action checks who is acting, runs in one durable transaction and leaves audit records.
Scoring and optimising a proposal run before its transaction opens, so a long solve never
holds the database's write lock.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.audit import diff_snapshots, record_audit, snapshot_fields
from kam.key_accounts.actions import record_account_changes
from kam.key_accounts.choices import ChangeSource
from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.selection.choices import Decision, PolicySource, PolicyStatus, RoundStatus
from kam.selection.models import ProposalLine, Rating, RatingRound, SelectionPolicyVersion, SelectionProposal
from kam.selection.queries import (
    approved_policy_version,
    available_kams,
    can_manage_selection,
    policy_of,
    rating_summary,
    selection_figures,
)
from kam.users.models import User
from kam_engine.selection_policy import SelectionPolicy, SelectionPolicyError, parse_selection_policy, policy_to_dict

_ACCOUNT_DECISION_FIELDS = ("is_key_account", "key_account_since", "tier", "phase", "owner")


class SelectionError(ValueError):
    """A selection request we cannot carry out; the message says why, in the user's language."""


def _require_director(user: User | None) -> None:
    # The command line acts as the system (None); people must be directors or administrators.
    if user is not None and not can_manage_selection(user):
        raise PermissionDenied(_("Only directors and administrators may do this."))


# --- policy versions ---------------------------------------------------------------------------


def _next_version() -> int:
    latest = SelectionPolicyVersion.objects.aggregate(latest=Max("version"))["latest"]
    return int(latest or 0) + 1


@transaction.atomic(durable=True)
def do_create_policy_version(
    document: dict[str, Any], *, source: str = PolicySource.WEB, notes: str = "", acting_user: User | None
) -> SelectionPolicyVersion:
    """Store a checked policy as a new draft version (a policy is never edited in place)."""
    _require_director(acting_user)
    try:
        policy = parse_selection_policy(document, _("policy"))
    except SelectionPolicyError as error:
        raise SelectionError(str(error)) from error
    return _store_version(policy_to_dict(policy), source=source, notes=notes, acting_user=acting_user)


def _store_version(
    document: dict[str, Any], *, source: str, notes: str, acting_user: User | None
) -> SelectionPolicyVersion:
    version = SelectionPolicyVersion.objects.create(
        version=_next_version(),
        status=PolicyStatus.DRAFT,
        source=source,
        document=document,
        notes=notes,
        created_by=acting_user,
    )
    record_audit(
        actor=acting_user,
        action="selection_policy.create",
        instance=version,
        changes={"version": [None, version.version], "source": [None, source]},
    )
    return version


def _approve(version: SelectionPolicyVersion, acting_user: User | None) -> None:
    for former in SelectionPolicyVersion.objects.filter(status=PolicyStatus.APPROVED).exclude(pk=version.pk):
        former.status = PolicyStatus.RETIRED
        former.save(update_fields=["status", "updated_at"])
        record_audit(
            actor=acting_user,
            action="selection_policy.retire",
            instance=former,
            changes={"status": [PolicyStatus.APPROVED, PolicyStatus.RETIRED]},
        )
    version.status = PolicyStatus.APPROVED
    version.approved_by = acting_user
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record_audit(
        actor=acting_user,
        action="selection_policy.approve",
        instance=version,
        changes={"status": [PolicyStatus.DRAFT, PolicyStatus.APPROVED]},
    )


@transaction.atomic(durable=True)
def do_approve_policy_version(version: SelectionPolicyVersion, *, acting_user: User | None) -> SelectionPolicyVersion:
    """Put a draft in force; the version approved before it is retired."""
    _require_director(acting_user)
    version = SelectionPolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PolicyStatus.DRAFT:
        raise SelectionError(
            _("Policy v%(version)s is %(status)s: only a draft can be approved.")
            % {"version": version.version, "status": version.get_status_display().lower()}
        )
    _approve(version, acting_user)
    return version


@transaction.atomic(durable=True)
def do_ensure_policy_version(
    policy: SelectionPolicy, *, source: str, acting_user: User | None
) -> SelectionPolicyVersion:
    """The version holding exactly ``policy``: an existing one, or a new one.

    Without any approved version yet, the new one is approved at once (the first policy a
    company uses is the one in force); later ones are drafts for a director to approve.
    """
    _require_director(acting_user)
    document = policy_to_dict(policy)
    for version in SelectionPolicyVersion.objects.order_by("-version"):
        if version.document == document:
            return version
    version = _store_version(document, source=source, notes="", acting_user=acting_user)
    if not SelectionPolicyVersion.objects.filter(status=PolicyStatus.APPROVED).exists():
        _approve(version, acting_user)
    return version


# --- rating rounds ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_open_rating_round(
    name: str,
    *,
    policy: SelectionPolicyVersion,
    scorers: Sequence[User],
    min_ratings: int = 2,
    acting_user: User | None,
) -> RatingRound:
    """Open a round in which ``scorers`` rate the policy's people-rated criteria."""
    _require_director(acting_user)
    if not name.strip():
        raise SelectionError(_("A rating round needs a name."))
    if not policy_of(policy).rated_criteria:
        raise SelectionError(
            _("Policy v%(version)s has no criterion rated by people: there is nothing to rate.")
            % {"version": policy.version}
        )
    if not scorers:
        raise SelectionError(_("A rating round needs at least one scorer."))
    if min_ratings < 1:
        raise SelectionError(_("At least one rating per account must be wanted."))
    rating_round = RatingRound.objects.create(
        name=name.strip(), policy=policy, min_ratings=min_ratings, opened_by=acting_user
    )
    rating_round.scorers.set(scorers)
    record_audit(
        actor=acting_user,
        action="rating_round.open",
        instance=rating_round,
        changes={"scorers": [None, sorted(user.username for user in scorers)], "policy": [None, policy.version]},
    )
    return rating_round


@dataclass(frozen=True, slots=True)
class RatingInput:
    """One rating as a scorer enters it; ``value`` None removes an earlier rating."""

    account: str
    criterion: str
    value: int | None
    comment: str = ""


@transaction.atomic(durable=True)
def do_record_ratings(rating_round: RatingRound, ratings: Sequence[RatingInput], *, acting_user: User) -> int:
    """Save a scorer's ratings in an open round; returns how many ratings changed.

    Every rating is checked before any is saved: an unknown account or criterion, or a
    value outside 1–10, rejects the whole batch with a message naming it.
    """
    rating_round = RatingRound.objects.select_for_update().get(pk=rating_round.pk)
    if rating_round.status != RoundStatus.OPEN:
        raise SelectionError(_("The rating round “%(name)s” is closed.") % {"name": rating_round.name})
    if not rating_round.scorers.filter(pk=acting_user.pk).exists():
        raise PermissionDenied(_("You are not a scorer of this rating round."))
    criteria = {criterion.key for criterion in policy_of(rating_round.policy).rated_criteria}
    codes = {rating.account for rating in ratings}
    accounts = dict(Account.objects.filter(code__in=codes).values_list("code", "pk"))
    for rating in ratings:
        if rating.account not in accounts:
            raise SelectionError(_("No account with code %(code)s.") % {"code": rating.account})
        if rating.criterion not in criteria:
            raise SelectionError(
                _("%(criterion)s is not rated in this round (rated: %(criteria)s).")
                % {"criterion": rating.criterion, "criteria": ", ".join(sorted(criteria))}
            )
        if rating.value is not None and not 1 <= rating.value <= 10:
            raise SelectionError(
                _("%(code)s, %(criterion)s: a rating is a whole number from 1 to 10 (got %(value)s).")
                % {"code": rating.account, "criterion": rating.criterion, "value": rating.value}
            )
    # The scorer's earlier ratings in one query, not one per cell of the sheet.
    stored = {
        (rating.account_id, rating.criterion): rating
        for rating in Rating.objects.filter(round=rating_round, scorer=acting_user, account_id__in=accounts.values())
    }
    changed = 0
    for rating in ratings:
        existing = stored.get((accounts[rating.account], rating.criterion))
        before = existing.value if existing else None
        if rating.value is None:
            if existing is not None:
                existing.delete()
            else:
                continue
        elif existing is None:
            existing = Rating.objects.create(
                round=rating_round,
                account_id=accounts[rating.account],
                criterion=rating.criterion,
                scorer=acting_user,
                value=rating.value,
                comment=rating.comment,
            )
        elif existing.value != rating.value or existing.comment != rating.comment:
            existing.value, existing.comment = rating.value, rating.comment
            existing.save(update_fields=["value", "comment", "updated_at"])
        else:
            continue
        changed += 1
        record_audit(
            actor=acting_user,
            action="rating.record",
            instance=rating_round,
            changes={f"{rating.account}.{rating.criterion}": [before, rating.value]},
        )
    return changed


@transaction.atomic(durable=True)
def do_close_rating_round(rating_round: RatingRound, *, acting_user: User | None) -> RatingRound:
    """Close a round: its ratings stay and can be used by proposals, but no longer change."""
    _require_director(acting_user)
    rating_round = RatingRound.objects.select_for_update().get(pk=rating_round.pk)
    if rating_round.status == RoundStatus.CLOSED:
        raise SelectionError(_("The rating round “%(name)s” is already closed.") % {"name": rating_round.name})
    rating_round.status = RoundStatus.CLOSED
    rating_round.closed_at = timezone.now()
    rating_round.save(update_fields=["status", "closed_at", "updated_at"])
    record_audit(
        actor=acting_user,
        action="rating_round.close",
        instance=rating_round,
        changes={"status": [RoundStatus.OPEN, RoundStatus.CLOSED]},
    )
    return rating_round


# --- proposals ---------------------------------------------------------------------------------


def _contributions_by_account(table: Any) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in table.to_pylist():
        grouped[row.pop("account")].append(
            {key: (round(value, 6) if isinstance(value, float) else value) for key, value in row.items()}
        )
    return dict(grouped)


def do_create_proposal(
    *,
    version: SelectionPolicyVersion,
    analysis: PortfolioAnalysis,
    rating_round: RatingRound | None = None,
    acting_user: User | None,
    progress: Callable[[str], None] | None = None,
) -> SelectionProposal:
    """Score every analysed account, choose the portfolio under capacity, and store the proposal.

    Raises
    ------
    SelectionError
        When the policy cannot be applied to these figures (a missing column, an unknown KAM).
        An infeasible policy is not an error: the proposal is stored with its conflicts.
    """
    _require_director(acting_user)
    # The engine brings numpy, scipy and Arrow compute: loaded only when a proposal is made.
    from kam_engine.scoring import prepare_candidates
    from kam_engine.selection import choose_portfolio

    say = progress or (lambda _message: None)
    policy = policy_of(version)
    ratings = rating_summary(rating_round)
    figures = selection_figures(analysis, policy, ratings)
    if not figures.num_rows:
        raise SelectionError(
            _("The analysis of %(date)s has no account with sales: nothing to select.")
            % {"date": analysis.as_of.isoformat()}
        )
    try:
        kams = available_kams(policy)
        say(_("Scoring %(count)s accounts …") % {"count": figures.num_rows})
        scoring, candidates = prepare_candidates(figures, policy)
        say(_("Choosing the portfolio for %(count)s KAMs …") % {"count": len(kams)})
        started = time.perf_counter()
        choice = choose_portfolio(candidates, kams, policy)
    except (SelectionPolicyError, ValueError) as error:
        raise SelectionError(str(error)) from error
    say(_("Solved in %(seconds).1f s; storing the proposal …") % {"seconds": time.perf_counter() - started})
    return _record_proposal(
        version=version,
        analysis=analysis,
        rating_round=rating_round,
        policy=policy,
        scoring=scoring,
        candidates=candidates,
        choice=choice,
        ratings=ratings,
        acting_user=acting_user,
    )


@transaction.atomic(durable=True)
def _record_proposal(
    *,
    version: SelectionPolicyVersion,
    analysis: PortfolioAnalysis,
    rating_round: RatingRound | None,
    policy: SelectionPolicy,
    scoring: Any,
    candidates: Any,
    choice: Any,
    ratings: dict[str, dict[str, dict[str, float]]],
    acting_user: User | None,
) -> SelectionProposal:
    accounts = {code: (pk, is_key) for code, pk, is_key in Account.objects.values_list("code", "pk", "is_key_account")}
    kam_ids = dict(User.objects.values_list("username", "pk"))
    proposal = SelectionProposal.objects.create(
        as_of=analysis.as_of,
        policy=version,
        analysis=analysis,
        rating_round=rating_round,
        is_feasible=choice.status != "infeasible",
        solver={
            "status": choice.status,
            "gap": choice.gap,
            "objective": choice.objective,
            "bound": choice.bound,
            "method": choice.method,
            "seconds": round(choice.solve_seconds, 3),
        },
        summary={
            "marginal": choice.marginal,
            "value_of_one_more_kam": choice.value_of_one_more_kam,
            "preselected_out": choice.preselected_out,
            "kam_load": choice.kam_load.to_pylist(),
            "conflicts": [{"code": conflict.code, "params": conflict.params} for conflict in choice.conflicts],
            "objective_value": policy.objective.value,
        },
        created_by=acting_user,
    )
    contributions = _contributions_by_account(scoring.contributions)
    moves = {row["account"]: row for row in scoring.moves.to_pylist()}
    decisions = {row["account"]: row for row in choice.decisions.to_pylist()}
    min_ratings = rating_round.min_ratings if rating_round else 0
    rated = [criterion.key for criterion in policy.rated_criteria]
    lines = []
    for row in candidates.to_pylist():
        code = row["account"]
        if code not in accounts:
            continue
        decision = decisions[code]
        move = moves.get(code) or {}
        account_ratings = ratings.get(code, {})
        fewest = min((int(account_ratings.get(key, {}).get("count", 0)) for key in rated), default=0)
        lines.append(
            ProposalLine(
                proposal=proposal,
                account_id=accounts[code][0],
                attractiveness=row["attractiveness"],
                strength=row["strength"],
                score=row["score"],
                quadrant=row["quadrant"],
                phase=row["phase"],
                value=float(row["value"] or 0.0),
                hours=float(row["hours"] or 0.0),
                revenue=Decimal(str(round(float(row["revenue"] or 0.0), 2))),
                is_candidate=bool(row["is_candidate"]),
                entry=row["entry"] or "",
                is_recommended=bool(decision["selected"]),
                kam_id=kam_ids.get(decision["kam"]) if decision["kam"] else None,
                reason=decision["reason"],
                contributions=contributions.get(code, []),
                move={key: value for key, value in move.items() if key != "account"} if move.get("criterion") else {},
                ratings=account_ratings,
                has_few_ratings=bool(rated) and rating_round is not None and fewest < min_ratings,
                was_key_account=accounts[code][1],
            )
        )
    ProposalLine.objects.bulk_create(lines, batch_size=2000)
    record_audit(
        actor=acting_user,
        action="selection_proposal.create",
        instance=proposal,
        changes={
            "policy": [None, version.version],
            "as_of": [None, analysis.as_of.isoformat()],
            "recommended": [None, sum(1 for line in lines if line.is_recommended)],
            "status": [None, choice.status],
        },
    )
    return proposal


# --- decisions ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineDecision:
    """A director's decision on one account of a proposal; a rejection needs a reason."""

    account: str
    decision: str
    reason: str = ""


def _apply_to_account(line: ProposalLine, today: dt.date, acting_user: User | None) -> None:
    """Make the account what the approved line says: key with tier, phase and KAM, or not key."""
    account = Account.objects.select_for_update().get(pk=line.account_id)
    before = snapshot_fields(account, _ACCOUNT_DECISION_FIELDS)
    if line.is_recommended:
        if not account.is_key_account:
            account.key_account_since = today
        account.is_key_account = True
        account.tier = line.quadrant
        account.phase = line.phase
        if line.kam_id is not None:
            account.owner_id = line.kam_id
    else:
        account.is_key_account = False
        account.key_account_since = None
    after = snapshot_fields(account, _ACCOUNT_DECISION_FIELDS)
    changes = diff_snapshots(before, after)
    if changes:
        account.save(update_fields=[*changes, "updated_at"])
        changes["proposal"] = [None, line.proposal_id]
        record_audit(actor=acting_user, action="account.select", instance=account, changes=changes)
        # The account's history keeps the tier, phase, key-account flag and KAM the decision set, and why.
        reason = line.decision_reason
        record_account_changes(
            [(account, before, after)], source=ChangeSource.SELECTION, reason=reason, acting_user=acting_user
        )


@transaction.atomic(durable=True)
def do_decide_proposal_lines(
    proposal: SelectionProposal, decisions: Sequence[LineDecision], *, acting_user: User | None
) -> int:
    """Record a director's decisions and apply the approved ones to the accounts.

    Approving a recommended account makes it a key account with the proposal's tier
    (quadrant), phase and KAM; approving the recommendation to leave out an account that
    was key removes its key-account flag; a rejection keeps the account as it is. A line is
    decided once: decisions are history. Every decision is checked before any is applied.
    """
    _require_director(acting_user)
    if not proposal.is_feasible:
        raise SelectionError(_("This proposal could not meet its policy: there is nothing to approve."))
    lines = {
        line.account.code: line
        for line in ProposalLine.objects.select_for_update()
        .select_related("account")
        .filter(proposal=proposal, account__code__in=[decision.account for decision in decisions])
    }
    for decision in decisions:
        line = lines.get(decision.account)
        if line is None:
            raise SelectionError(_("Account %(code)s is not in this proposal.") % {"code": decision.account})
        if decision.decision not in (Decision.APPROVED, Decision.REJECTED):
            raise SelectionError(_("%(value)s is not a decision (approve or reject).") % {"value": decision.decision})
        if line.decision != Decision.PENDING:
            raise SelectionError(
                _("%(code)s was already decided (%(decision)s).")
                % {"code": decision.account, "decision": line.get_decision_display().lower()}
            )
        if decision.decision == Decision.REJECTED and not decision.reason.strip():
            raise SelectionError(_("Rejecting %(code)s needs a reason.") % {"code": decision.account})
    now = timezone.now()
    today = timezone.localdate()
    for decision in decisions:
        line = lines[decision.account]
        line.decision = decision.decision
        line.decision_reason = decision.reason.strip()
        line.decided_by = acting_user
        line.decided_at = now
        line.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
        record_audit(
            actor=acting_user,
            action=f"selection_line.{decision.decision}",
            instance=line,
            changes={"decision": [Decision.PENDING, decision.decision], "reason": [None, line.decision_reason]},
        )
        if decision.decision == Decision.APPROVED and (line.is_recommended or line.was_key_account):
            _apply_to_account(line, today, acting_user)
    return len(decisions)


def default_policy_version(*, acting_user: User | None) -> SelectionPolicyVersion:
    """The approved policy version, creating one from the defaults before the first selection."""
    version = approved_policy_version()
    if version is not None:
        return version
    return do_ensure_policy_version(SelectionPolicy(), source=PolicySource.DEFAULT, acting_user=acting_user)
