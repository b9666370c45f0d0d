"""REST API of selection proposals: for directors and administrators, as in the UI.

Anyone else sees no proposal (an empty list; a proposal is 404). Deciding goes through
``do_decide_proposal_lines``, which applies approved lines to the accounts.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user
from kam.selection.actions import LineDecision, do_decide_proposal_lines
from kam.selection.models import ProposalLine, SelectionProposal
from kam.selection.queries import access_proposal_by_id, can_manage_selection, proposal_lines_query
from kam.selection.schemas import DecisionsIn, DecisionsOut, ProposalDetailOut, ProposalLineOut, ProposalOut

router = Router(tags=["selection"])


@router.get("/selection/proposals", response={200: list[ProposalOut], **READ_ERRORS}, summary="List proposals")
@paginate(PageNumberPagination)
def list_proposals(request: HttpRequest) -> QuerySet[SelectionProposal]:
    """The selection runs, newest first (directors and administrators; empty for anyone else)."""
    if not can_manage_selection(acting_user(request)):
        return SelectionProposal.objects.none()
    return SelectionProposal.objects.select_related("policy", "created_by").order_by("-created_at", "-id")


@router.get(
    "/selection/proposals/{proposal_id}", response={200: ProposalDetailOut, **READ_ERRORS}, summary="Get a proposal"
)
def get_proposal(request: HttpRequest, proposal_id: int) -> SelectionProposal:
    """One selection run with the optimiser's status and summary."""
    return access_proposal_by_id(acting_user(request), proposal_id)


@router.get(
    "/selection/proposals/{proposal_id}/lines",
    response={200: list[ProposalLineOut], **READ_ERRORS},
    summary="List a proposal's accounts",
)
@paginate(PageNumberPagination)
def list_proposal_lines(
    request: HttpRequest, proposal_id: int, is_recommended: bool | None = None, decision: str | None = None
) -> QuerySet[ProposalLine]:
    """The proposal's accounts, recommended first by value; filter by recommendation or decision."""
    lines = proposal_lines_query(access_proposal_by_id(acting_user(request), proposal_id))
    if is_recommended is not None:
        lines = lines.filter(is_recommended=is_recommended)
    if decision is not None:
        lines = lines.filter(decision=decision)
    return lines


@router.post(
    "/selection/proposals/{proposal_id}/decisions",
    response={200: DecisionsOut, **WRITE_ERRORS},
    summary="Decide on a proposal's accounts",
)
def decide(request: HttpRequest, proposal_id: int, payload: DecisionsIn) -> DecisionsOut:
    """Approve or reject accounts of the proposal; approved lines are applied to the accounts."""
    user = acting_user(request)
    decided = do_decide_proposal_lines(
        access_proposal_by_id(user, proposal_id),
        [LineDecision(account=item.account, decision=item.decision, reason=item.reason) for item in payload.decisions],
        acting_user=user,
    )
    return DecisionsOut(decided=decided)
