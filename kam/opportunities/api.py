"""REST API of opportunities: an account's pipeline; adding, changing and closing them through the actions."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user, one_or_404
from kam.key_accounts.models import Account, ProductLine
from kam.key_accounts.queries import access_account_by_code
from kam.opportunities.actions import (
    OpportunityDetails,
    do_close_opportunity,
    do_create_opportunity,
    do_update_opportunity,
)
from kam.opportunities.models import Opportunity
from kam.opportunities.queries import account_opportunities
from kam.opportunities.schemas import CloseOpportunityIn, OpportunityIn, OpportunityOut, OpportunityPatch
from kam.touchpoints.api import contacts_by_codes, user_by_username

router = Router(tags=["opportunities"])


def _opportunity(account: Account, pk: int) -> Opportunity:
    return one_or_404(account_opportunities(account), _("No such opportunity for this account."), pk=pk)


def _product_lines(codes: list[str]) -> list[ProductLine]:
    """The product lines ``codes``; a 422 naming ``product_lines`` when one does not exist."""
    lines = list(ProductLine.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {line.code for line in lines})
    if unknown:
        raise ValidationError({"product_lines": _("Unknown product lines: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return lines


@router.get(
    "/accounts/{code}/opportunities",
    response={200: list[OpportunityOut], **READ_ERRORS},
    summary="List an account's opportunities",
)
@paginate(PageNumberPagination)
def list_opportunities(request: HttpRequest, code: str, stage: str | None = None) -> QuerySet[Opportunity]:
    """The account's opportunities by expected close date; ``stage`` keeps one stage."""
    opportunities = account_opportunities(access_account_by_code(acting_user(request), code))
    if stage is not None:
        opportunities = opportunities.filter(stage=stage)
    return opportunities.order_by("expected_close_on", "name", "id")


@router.post(
    "/accounts/{code}/opportunities", response={201: OpportunityOut, **WRITE_ERRORS}, summary="Add an opportunity"
)
def create_opportunity(request: HttpRequest, code: str, payload: OpportunityIn) -> Status[Opportunity]:
    """Add an opportunity to the account's pipeline (its KAM or a director)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    lines = _product_lines(payload.product_lines)
    influences = contacts_by_codes(account, payload.buying_influences, "buying_influences")
    details = OpportunityDetails(
        name=payload.name,
        amount=payload.amount,
        expected_close_on=payload.expected_close_on,
        stage=payload.stage,
        probability=payload.probability,
        product_lines=lines,
        buying_influences=influences,
        owner=user_by_username(payload.owner, "owner"),
    )
    opportunity = do_create_opportunity(account, details, acting_user=user)
    return Status(201, account_opportunities(account).get(pk=opportunity.pk))


@router.get(
    "/accounts/{code}/opportunities/{opportunity_id}",
    response={200: OpportunityOut, **READ_ERRORS},
    summary="Get an opportunity",
)
def get_opportunity(request: HttpRequest, code: str, opportunity_id: int) -> Opportunity:
    """One opportunity of the account."""
    return _opportunity(access_account_by_code(acting_user(request), code), opportunity_id)


@router.patch(
    "/accounts/{code}/opportunities/{opportunity_id}",
    response={200: OpportunityOut, **WRITE_ERRORS},
    summary="Change an opportunity",
)
def update_opportunity(request: HttpRequest, code: str, opportunity_id: int, payload: OpportunityPatch) -> Opportunity:
    """Change the fields sent; the others keep their value (the account's KAM or a director)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    opportunity = _opportunity(account, opportunity_id)
    sent = payload.model_dump(exclude_unset=True)
    details = OpportunityDetails(
        name=sent.get("name", opportunity.name),
        amount=sent.get("amount", opportunity.amount),
        expected_close_on=sent.get("expected_close_on", opportunity.expected_close_on),
        stage=sent.get("stage", opportunity.stage),
        # Not sent: None, so that a stage change takes the new stage's default (the action keeps it otherwise).
        probability=sent.get("probability"),
        product_lines=(
            _product_lines(sent["product_lines"]) if "product_lines" in sent else list(opportunity.product_lines.all())
        ),
        buying_influences=(
            contacts_by_codes(account, sent["buying_influences"], "buying_influences")
            if "buying_influences" in sent
            else list(opportunity.buying_influences.all())
        ),
        owner=user_by_username(sent["owner"], "owner") if "owner" in sent else opportunity.owner,
    )
    do_update_opportunity(opportunity, details, acting_user=user)
    return _opportunity(account, opportunity_id)


@router.post(
    "/accounts/{code}/opportunities/{opportunity_id}/close",
    response={200: OpportunityOut, **WRITE_ERRORS},
    summary="Close an opportunity as won or lost",
)
def close_opportunity(request: HttpRequest, code: str, opportunity_id: int, payload: CloseOpportunityIn) -> Opportunity:
    """Close an open opportunity as won (probability 100) or lost (probability 0)."""
    user = acting_user(request)
    account = access_account_by_code(user, code)
    do_close_opportunity(_opportunity(account, opportunity_id), won=payload.won, acting_user=user)
    return _opportunity(account, opportunity_id)
