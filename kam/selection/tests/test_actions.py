"""Selection actions: proposals on the hand-solvable portfolio, decisions, policy versions, rating rounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account, AccountChange
from kam.kpis.models import PortfolioAnalysis
from kam.kpis.tests.fixtures import LATEST
from kam.selection.actions import (
    LineDecision,
    RatingInput,
    SelectionError,
    do_approve_policy_version,
    do_close_rating_round,
    do_create_policy_version,
    do_create_proposal,
    do_decide_proposal_lines,
    do_ensure_policy_version,
    do_open_rating_round,
    do_record_ratings,
)
from kam.selection.choices import Decision, PolicySource, PolicyStatus
from kam.selection.messages import proposal_conflicts
from kam.selection.models import ProposalLine, Rating, SelectionPolicyVersion, SelectionProposal
from kam.selection.queries import rating_summary
from kam.selection.tests.fixtures import SMALL_POLICY
from kam.users.models import User
from kam_engine.selection_policy import parse_selection_policy

pytestmark = pytest.mark.django_db

ACME_VALUE = (10 + 10 / 3) / 2
BOREAL_VALUE = (100 / 48 + 10) / 2
COBALT_VALUE = (280 / 48 + 0) / 2


def _lines(proposal: SelectionProposal) -> dict[str, ProposalLine]:
    return {line.account.code: line for line in proposal.lines.select_related("account", "kam")}


def test_it_proposes_the_two_best_accounts_within_two_one_account_kams(proposal: SelectionProposal) -> None:
    lines = _lines(proposal)

    assert {code for code, line in lines.items() if line.is_recommended} == {"ACME", "BOREAL"}
    assert lines["ACME"].kam is not None
    assert lines["ACME"].kam.username == "alice"
    assert lines["BOREAL"].kam is not None
    assert lines["BOREAL"].kam.username == "bob"
    assert lines["ACME"].attractiveness == pytest.approx(10.0, rel=1e-9)
    assert lines["ACME"].strength == pytest.approx(10 / 3, rel=1e-9)
    assert lines["ACME"].quadrant == "star"
    assert lines["ACME"].phase == "growth"
    assert lines["BOREAL"].quadrant == "status"
    assert lines["BOREAL"].phase == "maintenance"
    assert lines["ACME"].value == pytest.approx(ACME_VALUE, rel=1e-9)
    assert lines["ACME"].hours == 113.0
    assert lines["COBALT"].hours == 101.0
    assert lines["BOREAL"].hours == 60.0
    assert proposal.solver["status"] == "optimal"
    assert proposal.solver["gap"] == 0.0
    assert proposal.solver["objective"] == pytest.approx(ACME_VALUE * 1.1 + BOREAL_VALUE, rel=1e-9)
    assert proposal.summary["marginal"]["account"] == "BOREAL"


def test_it_gives_every_account_its_reason(proposal: SelectionProposal) -> None:
    reasons = {code: line.reason for code, line in _lines(proposal).items()}

    assert reasons == {
        "ACME": "selected",
        "BOREAL": "selected",
        "COBALT": "below_marginal",
        "ACME-IB": "below_marginal",
        "DELTA": "not_candidate",
    }


def test_it_stores_the_contributions_that_explain_each_score(proposal: SelectionProposal) -> None:
    acme = _lines(proposal)["ACME"]

    assert [(item["criterion"], item["axis"]) for item in acme.contributions] == [
        ("revenue", "attractiveness"),
        ("share_of_wallet", "strength"),
    ]
    assert acme.contributions[0]["contribution"] == pytest.approx(10.0, rel=1e-6)
    assert acme.contributions[1]["contribution"] == pytest.approx(10 / 3, rel=1e-6)
    # ACME is a star: 1.667 more strength points (share of wallet at 25 %) make it strategic.
    assert acme.move["criterion"] == "share_of_wallet"
    assert acme.move["to_quadrant"] == "strategic"
    assert acme.move["value_to"] == pytest.approx(0.225, rel=1e-6)


def test_it_keeps_earlier_proposals_when_the_selection_runs_again(
    proposal: SelectionProposal,
    small_policy_version: SelectionPolicyVersion,
    analyses: dict[dt.date, PortfolioAnalysis],
    director: User,
) -> None:
    again = do_create_proposal(version=small_policy_version, analysis=analyses[LATEST], acting_user=director)

    assert SelectionProposal.objects.count() == 2
    assert again.pk != proposal.pk
    assert ProposalLine.objects.filter(proposal=proposal).count() == 5
    assert ProposalLine.objects.filter(proposal=again).count() == 5


def test_approving_makes_the_account_key_with_tier_phase_and_kam(
    proposal: SelectionProposal, director: User, kam_alice: User, kam_bob: User
) -> None:
    count = do_decide_proposal_lines(
        proposal, [LineDecision("BOREAL", Decision.APPROVED, "Strong partner")], acting_user=director
    )

    boreal = Account.objects.get(code="BOREAL")
    assert count == 1
    assert boreal.is_key_account is True
    assert boreal.tier == "status"
    assert boreal.phase == "maintenance"
    assert boreal.owner is not None
    assert boreal.owner.username == "bob"
    assert boreal.key_account_since is not None
    line = ProposalLine.objects.get(proposal=proposal, account=boreal)
    assert (line.decision, line.decided_by, line.decision_reason) == (Decision.APPROVED, director, "Strong partner")
    audit = AuditRecord.objects.get(action="account.select", object_id=str(boreal.pk))
    assert audit.actor == director
    assert audit.changes["is_key_account"] == [False, True]
    assert audit.changes["owner"] == [kam_alice.pk, kam_bob.pk]


def test_approving_the_recommendation_to_leave_out_a_key_account_removes_its_flag(
    proposal: SelectionProposal, director: User
) -> None:
    assert Account.objects.get(code="COBALT").is_key_account is True

    do_decide_proposal_lines(proposal, [LineDecision("COBALT", Decision.APPROVED)], acting_user=director)

    cobalt = Account.objects.get(code="COBALT")
    assert (cobalt.is_key_account, cobalt.key_account_since) == (False, None)


def test_rejecting_keeps_the_account_as_it_is_and_needs_a_reason(proposal: SelectionProposal, director: User) -> None:
    with pytest.raises(SelectionError, match="Rejecting BOREAL needs a reason"):
        do_decide_proposal_lines(proposal, [LineDecision("BOREAL", Decision.REJECTED)], acting_user=director)

    do_decide_proposal_lines(
        proposal, [LineDecision("BOREAL", Decision.REJECTED, "Plant closing next year")], acting_user=director
    )

    boreal = Account.objects.get(code="BOREAL")
    assert (boreal.is_key_account, boreal.tier, boreal.owner.username if boreal.owner else None) == (
        False,
        "status",
        "alice",
    )
    assert ProposalLine.objects.get(proposal=proposal, account=boreal).decision == Decision.REJECTED


def test_it_checks_every_decision_before_applying_any(proposal: SelectionProposal, director: User) -> None:
    with pytest.raises(SelectionError, match="Account NOPE is not in this proposal"):
        do_decide_proposal_lines(
            proposal,
            [LineDecision("ACME", Decision.APPROVED), LineDecision("NOPE", Decision.APPROVED)],
            acting_user=director,
        )

    assert ProposalLine.objects.get(proposal=proposal, account__code="ACME").decision == Decision.PENDING


def test_a_line_is_decided_only_once(proposal: SelectionProposal, director: User) -> None:
    do_decide_proposal_lines(proposal, [LineDecision("ACME", Decision.APPROVED)], acting_user=director)

    with pytest.raises(SelectionError, match="ACME was already decided"):
        do_decide_proposal_lines(proposal, [LineDecision("ACME", Decision.REJECTED, "no")], acting_user=director)


def test_a_kam_may_not_decide(proposal: SelectionProposal, kam_alice: User) -> None:
    with pytest.raises(PermissionDenied):
        do_decide_proposal_lines(proposal, [LineDecision("ACME", Decision.APPROVED)], acting_user=kam_alice)

    assert ProposalLine.objects.get(proposal=proposal, account__code="ACME").decision == Decision.PENDING


def test_an_infeasible_policy_is_stored_with_the_conflicts_named(
    analyses: dict[dt.date, PortfolioAnalysis], director: User
) -> None:
    document = {
        **SMALL_POLICY,
        "must_include": [
            {"code": "ACME", "reason": "Flagship"},
            {"code": "COBALT", "reason": "Contract"},
            {"code": "BOREAL", "reason": "Board decision"},
        ],
    }
    version = do_ensure_policy_version(parse_selection_policy(document), source=PolicySource.FILE, acting_user=director)

    proposal = do_create_proposal(version=version, analysis=analyses[LATEST], acting_user=director)

    assert proposal.is_feasible is False
    assert proposal.solver["status"] == "infeasible"
    assert proposal_conflicts(proposal) == [
        "The must-include list has 3 accounts, but the KAMs can take only 2 accounts in all."
    ]
    with pytest.raises(SelectionError, match="nothing to approve"):
        do_decide_proposal_lines(proposal, [LineDecision("ACME", Decision.APPROVED)], acting_user=director)


def test_a_policy_naming_an_unknown_kam_is_refused(analyses: dict[dt.date, PortfolioAnalysis], director: User) -> None:
    document = {**SMALL_POLICY, "capacity": {"kams": [{"code": "ghost"}]}}
    version = do_ensure_policy_version(parse_selection_policy(document), source=PolicySource.FILE, acting_user=None)

    with pytest.raises(SelectionError, match=r"capacity\.kams names ghost, who are not active users"):
        do_create_proposal(version=version, analysis=analyses[LATEST], acting_user=director)

    assert SelectionProposal.objects.count() == 0


def test_approving_a_draft_retires_the_version_in_force(
    small_policy_version: SelectionPolicyVersion, director: User
) -> None:
    draft = do_create_policy_version(
        {**SMALL_POLICY, "capacity": {"max_key_accounts": 3}}, notes="Fewer accounts", acting_user=director
    )
    assert (draft.version, draft.status) == (2, PolicyStatus.DRAFT)

    do_approve_policy_version(draft, acting_user=director)

    statuses = dict(SelectionPolicyVersion.objects.values_list("version", "status"))
    assert statuses == {1: PolicyStatus.RETIRED, 2: PolicyStatus.APPROVED}
    with pytest.raises(SelectionError, match="only a draft can be approved"):
        do_approve_policy_version(SelectionPolicyVersion.objects.get(version=1), acting_user=director)


def test_a_draft_with_weights_not_summing_to_100_is_refused(director: User) -> None:
    document = {"criteria": [{"key": "revenue", "weight": 60}, {"key": "share_of_wallet", "weight": 100}]}

    with pytest.raises(SelectionError, match="the weights of the attractiveness axis sum to 60, not 100"):
        do_create_policy_version(document, acting_user=director)

    assert SelectionPolicyVersion.objects.count() == 0


def _rated_version(director: User) -> SelectionPolicyVersion:
    document = {
        **SMALL_POLICY,
        "criteria": [
            {"key": "revenue", "axis": "attractiveness", "weight": 100, "scale": "minmax"},
            {"key": "share_of_wallet", "axis": "strength", "weight": 50, "scale": "minmax"},
            {"key": "mutuality", "weight": 50},
        ],
    }
    return do_ensure_policy_version(parse_selection_policy(document), source=PolicySource.FILE, acting_user=director)


def test_scorers_rate_and_the_score_uses_their_mean_and_shows_the_spread(
    analyses: dict[dt.date, PortfolioAnalysis], director: User, kam_alice: User, kam_bob: User
) -> None:
    version = _rated_version(director)
    rating_round = do_open_rating_round(
        "Autumn 2025", policy=version, scorers=[kam_alice, kam_bob], min_ratings=2, acting_user=director
    )

    do_record_ratings(
        rating_round,
        [RatingInput("ACME", "mutuality", 8), RatingInput("BOREAL", "mutuality", 6)],
        acting_user=kam_alice,
    )
    do_record_ratings(rating_round, [RatingInput("ACME", "mutuality", 4)], acting_user=kam_bob)
    proposal = do_create_proposal(
        version=version, analysis=analyses[LATEST], rating_round=rating_round, acting_user=director
    )

    assert rating_summary(rating_round)["ACME"]["mutuality"] == {"mean": 6.0, "spread": 2.0, "count": 2.0}
    lines = _lines(proposal)
    # Strength = 50 % share of wallet (3.333…) + 50 % mutuality (6): 4.666…
    assert lines["ACME"].strength == pytest.approx(0.5 * 10 / 3 + 0.5 * 6, rel=1e-9)
    assert lines["ACME"].has_few_ratings is False
    assert lines["BOREAL"].has_few_ratings is True
    # Unrated is neutral (5).
    assert lines["COBALT"].strength == pytest.approx(2.5, rel=1e-9)


def test_a_bad_rating_rejects_the_whole_batch(
    analyses: dict[dt.date, PortfolioAnalysis], director: User, kam_alice: User
) -> None:
    rating_round = do_open_rating_round(
        "Round", policy=_rated_version(director), scorers=[kam_alice], acting_user=director
    )

    with pytest.raises(SelectionError, match="ACME, mutuality: a rating is a whole number from 1 to 10 \\(got 11\\)"):
        do_record_ratings(
            rating_round,
            [RatingInput("BOREAL", "mutuality", 7), RatingInput("ACME", "mutuality", 11)],
            acting_user=kam_alice,
        )
    with pytest.raises(SelectionError, match="revenue is not rated in this round"):
        do_record_ratings(rating_round, [RatingInput("ACME", "revenue", 5)], acting_user=kam_alice)

    assert Rating.objects.count() == 0


def test_only_scorers_rate_and_only_while_the_round_is_open(
    analyses: dict[dt.date, PortfolioAnalysis], director: User, kam_alice: User, kam_bob: User
) -> None:
    rating_round = do_open_rating_round(
        "Round", policy=_rated_version(director), scorers=[kam_alice], acting_user=director
    )

    with pytest.raises(PermissionDenied):
        do_record_ratings(rating_round, [RatingInput("ACME", "mutuality", 5)], acting_user=kam_bob)
    do_close_rating_round(rating_round, acting_user=director)
    with pytest.raises(SelectionError, match="is closed"):
        do_record_ratings(rating_round, [RatingInput("ACME", "mutuality", 5)], acting_user=kam_alice)

    assert Rating.objects.count() == 0


def test_an_approved_decision_is_recorded_in_the_accounts_history_with_its_reason(
    proposal: SelectionProposal, director: User
) -> None:
    do_decide_proposal_lines(
        proposal,
        [LineDecision("BOREAL", Decision.APPROVED, "Strong partner"), LineDecision("COBALT", Decision.APPROVED)],
        acting_user=director,
    )

    assert list(
        AccountChange.objects.order_by("id").values_list(
            "account__code", "field", "old_value", "new_value", "changed_by__username", "reason", "source"
        )
    ) == [
        ("BOREAL", "is_key_account", "false", "true", "diana", "Strong partner", "selection"),
        ("BOREAL", "owner", "alice", "bob", "diana", "Strong partner", "selection"),
        ("COBALT", "is_key_account", "true", "false", "diana", "", "selection"),
    ]


def test_a_rejected_decision_records_no_history(proposal: SelectionProposal, director: User) -> None:
    do_decide_proposal_lines(
        proposal, [LineDecision("BOREAL", Decision.REJECTED, "Plant closing next year")], acting_user=director
    )

    assert AccountChange.objects.count() == 0
