"""REST API of opportunities: an account's pipeline, and adding to it through the action."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, WRITE_ERRORS, PageNumberPagination, acting_user
from kam.key_accounts.models import ProductLine
from kam.key_accounts.queries import access_account_by_code
from kam.opportunities.actions import OpportunityDetails, do_create_opportunity
from kam.opportunities.models import Opportunity
from kam.opportunities.queries import account_opportunities
from kam.opportunities.schemas import OpportunityIn, OpportunityOut
from kam.touchpoints.api import contact_by_code, user_by_username

router = Router(tags=["opportunities"])


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
    lines = list(ProductLine.objects.filter(code__in=payload.product_lines))
    unknown = sorted(set(payload.product_lines) - {line.code for line in lines})
    if unknown:
        raise ValidationError({"product_lines": _("Unknown product lines: %(codes)s.") % {"codes": ", ".join(unknown)}})
    influences = [contact_by_code(account, contact, "buying_influences") for contact in payload.buying_influences]
    details = OpportunityDetails(
        name=payload.name,
        amount=payload.amount,
        expected_close_on=payload.expected_close_on,
        stage=payload.stage,
        probability=payload.probability,
        product_lines=lines,
        buying_influences=[contact for contact in influences if contact is not None],
        owner=user_by_username(payload.owner, "owner"),
    )
    opportunity = do_create_opportunity(account, details, acting_user=user)
    return Status(201, account_opportunities(account).get(pk=opportunity.pk))
