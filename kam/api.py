"""OpenKAM's REST API: one NinjaAPI at /api/v1/, with the routers of every app.

Callers authenticate with a personal API token (``Authorization: Bearer okam_…``, made on
/account/tokens/ or with ``kam token create``) or with the browser's session (then unsafe
methods need the CSRF token, as the web forms do). The interactive documentation
(/api/v1/docs) is Swagger UI served from our own static files — ``ninja`` is an installed app,
so django-ninja renders its local template, not the CDN one — with the online validator
badge switched off, so the page loads nothing from outside. The schema is /api/v1/openapi.json,
committed as docs/openapi.json (``kam openapi --check`` fails when it drifts).
"""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.security import SessionAuth

from kam.alerts.actions import AlertError
from kam.alerts.api import router as alerts_router
from kam.core.api import QueryParser, install_error_handlers
from kam.key_accounts.api import router as key_accounts_router
from kam.kpis.api import router as kpis_router
from kam.opportunities.actions import OpportunityError
from kam.opportunities.api import router as opportunities_router
from kam.plans.actions import PlanError
from kam.plans.api import router as plans_router
from kam.selection.actions import SelectionError
from kam.selection.api import router as selection_router
from kam.service.actions import CaseError, ServiceLevelError
from kam.service.api import router as service_router
from kam.touchpoints.actions import MeetingError, TouchpointError
from kam.touchpoints.api import router as touchpoints_router
from kam.users.actions import TokenError
from kam.users.auth import ApiTokenAuth
from kam_engine import __version__

# The actions' own "cannot store this" errors: answered 422 with their (translated) message.
ACTION_ERRORS: tuple[type[Exception], ...] = (
    AlertError,
    CaseError,
    MeetingError,
    OpportunityError,
    PlanError,
    SelectionError,
    ServiceLevelError,
    TokenError,
    TouchpointError,
)

api = NinjaAPI(
    title="OpenKAM",
    version=__version__,
    description="The REST API of OpenKAM, key account management for B2B suppliers. See docs/api.md.",
    auth=[ApiTokenAuth(), SessionAuth(csrf=True)],
    urls_namespace="api",
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=QueryParser(),
)
install_error_handlers(api, ACTION_ERRORS)

api.add_router("/", key_accounts_router)
api.add_router("/", touchpoints_router)
api.add_router("/", service_router)
api.add_router("/", alerts_router)
api.add_router("/", opportunities_router)
api.add_router("/", plans_router)
api.add_router("/", kpis_router)
api.add_router("/", selection_router)
