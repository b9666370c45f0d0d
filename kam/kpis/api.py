"""REST API of the engine's analyses: read-only, as ``kam analyze`` stored them.

An account's figures follow the account's visibility; the portfolio summary (totals,
concentration) is shown to directors and administrators only, as on the portfolio page.
"""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from kam.core.api import READ_ERRORS, PageNumberPagination, acting_user
from kam.key_accounts.queries import access_account_by_code, visible_accounts
from kam.kpis.models import AccountAnalysis, PortfolioAnalysis
from kam.kpis.queries import latest_account_analysis, latest_portfolio_analysis
from kam.kpis.schemas import AccountAnalysisOut, PortfolioAnalysisOut

router = Router(tags=["analysis"])


def _latest_portfolio() -> PortfolioAnalysis:
    analysis = latest_portfolio_analysis()
    if analysis is None:
        raise Http404(_("No analysis yet: run `kam analyze`."))
    return analysis


@router.get(
    "/accounts/{code}/analysis",
    response={200: AccountAnalysisOut, **READ_ERRORS},
    summary="Get an account's latest analysis",
)
def get_account_analysis(request: HttpRequest, code: str) -> AccountAnalysis:
    """The account's figures from the most recent analysis that covered it."""
    analysis = latest_account_analysis(access_account_by_code(acting_user(request), code))
    if analysis is None:
        raise Http404(_("No analysis of this account yet."))
    return analysis


@router.get("/portfolio/analysis", response={200: PortfolioAnalysisOut, **READ_ERRORS}, summary="Portfolio summary")
def get_portfolio_analysis(request: HttpRequest) -> PortfolioAnalysisOut:
    """The latest portfolio analysis: its date, and its summary for directors."""
    user = acting_user(request)
    analysis = _latest_portfolio()
    return PortfolioAnalysisOut(
        as_of=analysis.as_of,
        created_at=analysis.created_at,
        summary=analysis.summary if user.sees_all_accounts else None,
    )


@router.get(
    "/portfolio/analysis/accounts",
    response={200: list[AccountAnalysisOut], **READ_ERRORS},
    summary="List the latest analysis of each account",
)
@paginate(PageNumberPagination)
def list_account_analyses(request: HttpRequest) -> QuerySet[AccountAnalysis]:
    """The latest portfolio analysis, one row per account you see, by rank of revenue."""
    analysis = _latest_portfolio()
    return (
        AccountAnalysis.objects.filter(
            portfolio=analysis, account__in=visible_accounts(acting_user(request)).values("pk")
        )
        .select_related("account")
        .order_by("revenue_rank", "account__code")
    )
