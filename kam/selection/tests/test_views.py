"""Selection pages: who sees them, the review page, decisions by form, policy drafts, rating sheets, export."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.selection.actions import do_ensure_policy_version, do_open_rating_round
from kam.selection.choices import Decision, PolicySource, PolicyStatus
from kam.selection.models import ProposalLine, Rating, SelectionPolicyVersion, SelectionProposal
from kam.selection.tests.fixtures import SMALL_POLICY
from kam.users.models import User
from kam_engine.selection_policy import parse_selection_policy

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        pytest.param("director", 200, id="director_case"),
        pytest.param("administrator", 200, id="administrator_case"),
        pytest.param("kam_alice", 404, id="kam_case"),
        pytest.param("team_tina", 404, id="team_member_case"),
        pytest.param("viewer_victor", 404, id="viewer_case"),
    ],
)
def test_only_directors_and_administrators_review_proposals(
    request: pytest.FixtureRequest, proposal: SelectionProposal, persona: str, status: int
) -> None:
    user: User = request.getfixturevalue(persona)

    client = _client(user)

    assert client.get(f"/selection/proposals/{proposal.pk}/").status_code == status
    assert client.get(f"/selection/proposals/{proposal.pk}/export.xlsx").status_code == status
    assert client.get("/selection/matrix/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(proposal: SelectionProposal) -> None:
    response = Client().get(f"/selection/proposals/{proposal.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/selection/proposals/{proposal.pk}/"


def test_the_review_page_lists_the_proposal_with_its_reasons_and_matrix(
    proposal: SelectionProposal, director: User
) -> None:
    response = _client(director).get(f"/selection/proposals/{proposal.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "data-recommended-count>2<" in content
    assert "Worth less" not in content  # reasons are sentences with numbers, not bare codes
    assert "below the marginal account BOREAL (6.04)" in content
    chart = response.context["matrix_chart"]
    assert [group["key"] for group in chart["groups"]] == ["star", "status", "streamline"]
    assert sorted(chart["groups"][0]["codes"]) == ["ACME", "COBALT"]
    assert chart["cutoffs"] == {"attractiveness": 5.0, "strength": 5.0}


def test_a_director_approves_every_pending_recommendation_at_once(proposal: SelectionProposal, director: User) -> None:
    response = _client(director).post(f"/selection/proposals/{proposal.pk}/decide/", {"approve_all": "1"})

    assert response.status_code == 302
    decided = dict(ProposalLine.objects.filter(proposal=proposal).values_list("account__code", "decision"))
    # ACME and BOREAL are proposed; COBALT and ACME-IB are key accounts today and are not.
    assert decided == {
        "ACME": Decision.APPROVED,
        "BOREAL": Decision.APPROVED,
        "COBALT": Decision.APPROVED,
        "ACME-IB": Decision.APPROVED,
        "DELTA": Decision.PENDING,
    }
    assert set(Account.objects.filter(is_key_account=True).values_list("code", flat=True)) == {"ACME", "BOREAL"}


def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(
    proposal: SelectionProposal, director: User
) -> None:
    client = _client(director)

    response = client.post(
        f"/selection/proposals/{proposal.pk}/decide/",
        {"account": "BOREAL", "decision": "rejected", "reason": ""},
        follow=True,
    )

    assert "Say why you reject it." in response.content.decode()
    assert ProposalLine.objects.get(proposal=proposal, account__code="BOREAL").decision == Decision.PENDING


def test_a_kam_cannot_post_decisions(proposal: SelectionProposal, kam_alice: User) -> None:
    response = _client(kam_alice).post(f"/selection/proposals/{proposal.pk}/decide/", {"approve_all": "1"})

    assert response.status_code == 404
    assert ProposalLine.objects.filter(proposal=proposal).exclude(decision=Decision.PENDING).count() == 0


def test_the_export_is_a_workbook_with_every_account(proposal: SelectionProposal, director: User) -> None:
    response = _client(director).get(f"/selection/proposals/{proposal.pk}/export.xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook["Proposal"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Code", "Name", "Recommended", "Proposed KAM")
    assert [row[0] for row in rows[1:]] == ["ACME", "BOREAL", "COBALT", "ACME-IB", "DELTA"]
    assert rows[1][2:4] == ("yes", "alice")
    assert [row[0] for row in workbook["KAM load"].iter_rows(values_only=True)] == ["KAM", "alice", "bob"]


def test_a_director_drafts_a_policy_and_errors_name_the_key(
    small_policy_version: SelectionPolicyVersion, director: User
) -> None:
    client = _client(director)
    page = client.get("/selection/policies/new/")
    assert "key = &quot;revenue&quot;" in page.content.decode()

    bad = client.post("/selection/policies/new/", {"text": "[capacity]\nmax_key_acounts = 3\n", "notes": ""})
    good = client.post("/selection/policies/new/", {"text": "[capacity]\nmax_key_accounts = 3\n", "notes": "Focus"})

    assert "capacity: unknown key(s) max_key_acounts" in bad.content.decode()
    assert good.status_code == 302
    draft = SelectionPolicyVersion.objects.get(version=2)
    assert (draft.status, draft.notes, draft.document["capacity"]["max_key_accounts"]) == (
        PolicyStatus.DRAFT,
        "Focus",
        3,
    )
    client.post("/selection/policies/2/approve/")
    assert SelectionPolicyVersion.objects.get(version=2).status == PolicyStatus.APPROVED


def test_a_scorer_rates_on_the_rating_sheet(
    analyses: dict[dt.date, PortfolioAnalysis], proposal: SelectionProposal, director: User, kam_bob: User
) -> None:
    document = {
        **SMALL_POLICY,
        "criteria": [
            {"key": "revenue", "axis": "attractiveness", "weight": 100, "scale": "minmax"},
            {"key": "mutuality", "weight": 100},
        ],
    }
    version = do_ensure_policy_version(parse_selection_policy(document), source=PolicySource.FILE, acting_user=None)
    rating_round = do_open_rating_round("Q4", policy=version, scorers=[kam_bob], acting_user=director)
    client = _client(kam_bob)

    sheet = client.get(f"/selection/rounds/{rating_round.pk}/")
    saved = client.post(f"/selection/rounds/{rating_round.pk}/", {"rating-ACME-mutuality": "7"}, follow=True)
    bad = client.post(f"/selection/rounds/{rating_round.pk}/", {"rating-ACME-mutuality": "12"}, follow=True)

    assert sheet.status_code == 200
    assert 'name="rating-ACME-mutuality"' in sheet.content.decode()
    assert "1 ratings saved." in saved.content.decode()
    assert "ACME, mutuality: a rating is a whole number from 1 to 10 (got 12)." in bad.content.decode()
    assert list(Rating.objects.values_list("account__code", "criterion", "value")) == [("ACME", "mutuality", 7)]


def test_someone_outside_the_round_cannot_open_its_sheet(
    analyses: dict[dt.date, PortfolioAnalysis], director: User, kam_alice: User, kam_bob: User
) -> None:
    document = {**SMALL_POLICY, "criteria": [{"key": "revenue", "weight": 100}, {"key": "mutuality", "weight": 100}]}
    version = do_ensure_policy_version(parse_selection_policy(document), source=PolicySource.FILE, acting_user=None)
    rating_round = do_open_rating_round("Q4", policy=version, scorers=[kam_bob], acting_user=director)

    assert _client(kam_alice).get(f"/selection/rounds/{rating_round.pk}/").status_code == 404


def test_the_overview_runs_a_new_proposal(small_policy_version: SelectionPolicyVersion, director: User) -> None:
    response = _client(director).post("/selection/proposals/new/")

    proposal = SelectionProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/selection/proposals/{proposal.pk}/"
    assert proposal.policy == small_policy_version
    assert json.loads(json.dumps(proposal.solver))["status"] == "optimal"


def test_the_quick_form_changes_weights_and_capacity_into_a_draft(
    small_policy_version: SelectionPolicyVersion, director: User
) -> None:
    client = _client(director)
    fields = {
        "form": "quick",
        "weight_revenue": "100",
        "weight_share_of_wallet": "100",
        "attractiveness_cutoff": "6",
        "strength_cutoff": "4",
        "max_accounts_per_kam": "3",
        "max_hours_per_kam": "450",
        "min_key_accounts": "1",
        "max_key_accounts": "20",
        "objective": "profit",
        "stability_bonus": "0.05",
        "must_include": "ACME: Framework contract",
        "must_exclude": "",
        "notes": "Profit first",
    }

    unbalanced = client.post("/selection/policies/new/", {**fields, "weight_revenue": "90"})
    no_reason = client.post("/selection/policies/new/", {**fields, "must_include": "ACME"})
    saved = client.post("/selection/policies/new/", fields)

    assert "the weights of the attractiveness axis sum to 90, not 100" in unbalanced.content.decode()
    assert "line 1: write CODE: reason" in no_reason.content.decode()
    assert saved.status_code == 302
    draft = SelectionPolicyVersion.objects.get(version=2)
    assert draft.document["quadrants"]["attractiveness_cutoff"] == 6.0
    assert draft.document["capacity"]["max_accounts_per_kam"] == 3
    assert draft.document["capacity"]["kams"] == SMALL_POLICY["capacity"]["kams"]
    assert draft.document["objective"]["value"] == "profit"
    assert draft.document["must_include"] == [{"code": "ACME", "reason": "Framework contract"}]
    assert (draft.status, draft.notes) == (PolicyStatus.DRAFT, "Profit first")
