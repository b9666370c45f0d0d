"""Reads of the selection domain: who may decide, the current policy, and what the engine scores.

``selection_figures`` turns one dated analysis plus the master data and the ratings into
the one table the engine's scoring reads (``kam_engine.scoring``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pyarrow as pa
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kam.key_accounts.choices import RelationshipStage
from kam.key_accounts.models import Account
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
from kam.selection.choices import PolicyStatus
from kam.selection.models import ProposalLine, Rating, RatingRound, SelectionPolicyVersion, SelectionProposal
from kam.users.choices import Role
from kam.users.models import User
from kam_engine.selection_policy import KamCapacity, SelectionPolicy, parse_selection_policy

AnyUser = AbstractBaseUser | AnonymousUser

# McDonald's operational definitions, used as the quick measure of our strength (1–5).
STAGE_SCORES: dict[str, int] = {
    RelationshipStage.EXPLORATORY: 1,
    RelationshipStage.BASIC: 2,
    RelationshipStage.COOPERATIVE: 3,
    RelationshipStage.INTERDEPENDENT: 4,
    RelationshipStage.INTEGRATED: 5,
    RelationshipStage.DISINTEGRATING: 1,
}

_ANALYSIS_COLUMNS = (
    "revenue",
    "orders",
    "gross_margin",
    "margin_pct",
    "customer_profit",
    "cost_to_serve_pct",
    "growth_yoy",
    "trend_slope",
    "share_of_wallet",
    "otif_rate",
    "clv",
    "probability_alive",
)


def proposal_lines_query(proposal: SelectionProposal) -> QuerySet[ProposalLine]:
    """A proposal's lines, recommended first (by value), then the others (by value), with accounts and KAMs."""
    return (
        ProposalLine.objects.filter(proposal=proposal)
        .select_related("account", "kam", "decided_by")
        .order_by("-is_recommended", "-value", "account__code")
    )


def can_manage_selection(user: AnyUser) -> bool:
    """Directors and administrators set the policy, run the selection and decide on it."""
    return isinstance(user, User) and user.is_active and user.sees_all_accounts


def policy_of(version: SelectionPolicyVersion) -> SelectionPolicy:
    """The typed policy stored in a version (it was checked when the version was made)."""
    return parse_selection_policy(version.document, str(version))


def approved_policy_version() -> SelectionPolicyVersion | None:
    """The policy version in force: the approved one (there is at most one)."""
    return SelectionPolicyVersion.objects.filter(status=PolicyStatus.APPROVED).order_by("-version").first()


def access_proposal_by_id(user: AnyUser, pk: int) -> SelectionProposal:
    """A proposal, for directors and administrators only; ``Http404`` for anyone else."""
    if not can_manage_selection(user):
        raise Http404(_("No proposal with this number."))
    try:
        return SelectionProposal.objects.select_related("policy", "created_by").get(pk=pk)
    except SelectionProposal.DoesNotExist:
        raise Http404(_("No proposal with this number.")) from None


def access_round_by_id(user: AnyUser, pk: int) -> RatingRound:
    """A rating round, for its scorers and for directors; ``Http404`` for anyone else."""
    rounds = RatingRound.objects.select_related("policy")
    if not isinstance(user, User) or not user.is_active:
        raise Http404(_("No rating round with this number."))
    if not can_manage_selection(user):
        rounds = rounds.filter(scorers=user)
    try:
        return rounds.get(pk=pk)
    except RatingRound.DoesNotExist:
        raise Http404(_("No rating round with this number.")) from None


def rounds_for(user: AnyUser) -> QuerySet[RatingRound]:
    """The rating rounds ``user`` may open: all for directors, their own for scorers."""
    rounds = RatingRound.objects.select_related("policy").annotate(rating_count=Count("ratings"))
    if not isinstance(user, User) or not user.is_active:
        return rounds.none()
    if can_manage_selection(user):
        return rounds
    return rounds.filter(scorers=user)


def available_kams(policy: SelectionPolicy) -> list[KamCapacity]:
    """The KAMs the optimiser may assign: the policy's list, or every active KAM user.

    Raises
    ------
    ValueError
        When the policy names a KAM who is not an active user (the message names them).
    """
    if policy.capacity.kams:
        known = set(User.objects.filter(is_active=True).values_list("username", flat=True))
        unknown = [kam.code for kam in policy.capacity.kams if kam.code not in known]
        if unknown:
            raise ValueError(
                _("capacity.kams names %(users)s, who are not active users.") % {"users": ", ".join(unknown)}
            )
        return list(policy.capacity.kams)
    usernames = User.objects.filter(is_active=True, role=Role.KEY_ACCOUNT_MANAGER).values_list("username", flat=True)
    return [KamCapacity(code=username) for username in usernames.order_by("username")]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def rating_summary(rating_round: RatingRound | None) -> dict[str, dict[str, dict[str, float]]]:
    """Per account code and criterion: the mean rating, its spread (standard deviation) and count."""
    if rating_round is None:
        return {}
    values: dict[tuple[str, str], list[int]] = defaultdict(list)
    for code, criterion, value in Rating.objects.filter(round=rating_round).values_list(
        "account__code", "criterion", "value"
    ):
        values[(code, criterion)].append(value)
    summary: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for (code, criterion), ratings in values.items():
        mean = sum(ratings) / len(ratings)
        spread = math.sqrt(sum((value - mean) ** 2 for value in ratings) / len(ratings))
        summary[code][criterion] = {"mean": mean, "spread": round(spread, 4), "count": float(len(ratings))}
    return dict(summary)


def selection_figures(
    analysis: PortfolioAnalysis, policy: SelectionPolicy, ratings: dict[str, dict[str, dict[str, float]]]
) -> pa.Table:
    """One row per analysed account with every column the criteria library reads.

    ``potential`` is the estimated wallet less our revenue (never below 0; missing without
    a wallet). ``current_kam`` is the owner's username. Rated criteria get the mean rating.
    """
    rows = list(
        AccountAnalysis.objects.filter(portfolio=analysis)
        .order_by("account__code")
        .values_list("account__code", *_ANALYSIS_COLUMNS)
    )
    accounts = {
        code: (wallet, segment, stage, owner)
        for code, wallet, segment, stage, owner in Account.objects.values_list(
            "code", "estimated_wallet", "segment", "relationship_stage", "owner__username"
        )
    }
    subsidiaries = dict(
        Account.objects.filter(parent__isnull=False)
        .values("parent__code")
        .annotate(count=Count("pk"))
        .values_list("parent__code", "count")
    )
    contacts = dict(
        Account.objects.annotate(count=Count("contacts", filter=Q(contacts__is_active=True))).values_list(
            "code", "count"
        )
    )
    columns: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        code = row[0]
        columns["account"].append(code)
        for name, value in zip(_ANALYSIS_COLUMNS, row[1:], strict=True):
            columns[name].append(_number(value))
        wallet, segment, stage, owner = accounts.get(code, (None, "", "", None))
        revenue = _number(row[1]) or 0.0
        columns["potential"].append(max(float(wallet) - revenue, 0.0) if wallet is not None else None)
        # The retention analysis's CLV is the lifetime value the optimiser's objective reads.
        columns["lifetime_value"].append(columns["clv"][-1])
        columns["segment"].append(segment or None)
        columns["relationship_stage_score"].append(float(STAGE_SCORES[stage]) if stage in STAGE_SCORES else None)
        columns["current_kam"].append(owner)
        columns["business_units"].append(float(subsidiaries.get(code, 0)))
        columns["contacts"].append(float(contacts.get(code, 0)))
        for criterion in policy.rated_criteria:
            rated = ratings.get(code, {}).get(criterion.key)
            columns[criterion.column].append(rated["mean"] if rated else None)
    schema: dict[str, pa.DataType] = {name: pa.float64() for name in columns}
    for name in ("account", "segment", "current_kam"):
        schema[name] = pa.string()
    if not rows:
        return pa.table({name: pa.array([], type=kind) for name, kind in schema.items()})
    return pa.table({name: pa.array(values, type=schema[name]) for name, values in columns.items()})
