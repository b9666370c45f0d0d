"""Property-based tests of the whole REST API against its own OpenAPI schema (schemathesis).

The schema is the live one, ``/api/v1/openapi.json`` as the WSGI app serves it (``kam openapi
--check`` keeps docs/openapi.json equal to it). Every operation is called with generated
requests — valid ones and, in negative mode, ones that break the schema — through the real WSGI
application (``kam.wsgi.application``: every middleware, as gunicorn serves it), authenticated
with an API token of a director and, separately, of a KAM. Each response must:

- not be a server error (``not_a_server_error``);
- have a status code the operation documents (``status_code_conformance``), with no exception:
  django-ninja's own 400 ``{"detail": "Cannot parse request body"}`` for a body that is not JSON
  at all is documented (``WRITE_ERRORS`` in ``kam.core.api``), so it is checked like any other;
- have the documented content type and headers (``content_type_conformance``,
  ``response_headers_conformance``);
- match the documented schema of that status (``response_schema_conformance``).

Schemathesis' other checks are left out on purpose: ``positive_data_acceptance`` expects 2xx
for every valid request, but a valid request may name an account or case that does not exist
or that the caller may not see (404 by design, docs/api.md), or ask for a transition that the
object's state forbids (422); ``negative_data_rejection`` would flag query strings whose
invalid form Django reads leniently (a repeated parameter: the last one wins); the stateful
checks (``use_after_free``, ``ensure_resource_availability``) need links the schema does not
declare; and ``ignored_auth``/``missing_required_header`` are covered by
``kam/users/tests/test_api_tokens.py``.

Path parameters are drawn half of the time from the objects of the test portfolio (accounts,
contacts, plans with their objectives and actions, meetings, opportunities, cases, alerts,
proposals), so that operations reach past the 404 of an unknown code. Examples are
derandomised (the same requests every run) and bounded: the module runs in well under the three
minutes ``make test`` allows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kam.alerts.models import Alert
from kam.key_accounts.models import Account
from kam.opportunities.models import Opportunity
from kam.plans.models import AccountPlan
from kam.selection.models import SelectionProposal
from kam.service.actions import do_open_case
from kam.service.tests.fixtures import case_details, es_calendar, service_levels
from kam.touchpoints.models import Meeting
from kam.users.models import User
from kam.wsgi import application

# Fixtures of the service app's own test folder, used here too.
__all__ = ["es_calendar", "service_levels"]

pytestmark = [pytest.mark.slow]

MAX_EXAMPLES = 20

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# The identifiers of the test portfolio's objects by path parameter, filled by the ``portfolio`` fixture.
KNOWN: dict[str, list[Any]] = {}


@schema.hook
def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> Any:
    """Half of the time, replace each generated identifier by one of an object that exists."""
    known = {name: KNOWN[name] for name in path_parameters or {} if KNOWN.get(name)}
    if not known:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in known.items()})
    return st.one_of(st.just(path_parameters), real.map(lambda chosen: {**(path_parameters or {}), **chosen}))


@pytest.fixture
def _wsgi_keeps_the_test_transaction() -> Iterator[None]:
    """Calling the WSGI app sends request_started/finished, whose handler would close the test's connection.

    Django's test ``Client`` disconnects it the same way; the test database's transaction (rolled
    back at the end) then survives from one request to the next.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def portfolio(
    accounts: dict[str, Account],
    acme_plan: AccountPlan,
    acme_alert: Alert,
    proposal: SelectionProposal,
    acme_meeting: Meeting,
    acme_retrofit: Opportunity,
    service_levels: None,
    kam_alice: User,
    _wsgi_keeps_the_test_transaction: None,
) -> Iterator[None]:
    """Accounts, contacts, a plan, a meeting, an opportunity, an alert, a service case and a selection proposal."""
    case = do_open_case(accounts["ACME"], case_details(), acting_user=kam_alice)
    KNOWN.update(
        code=sorted(accounts),
        contact_code=sorted({contact.code for contact in accounts["ACME"].contacts.all()}),
        plan_id=[acme_plan.pk],
        objective_id=sorted(acme_plan.objectives.values_list("pk", flat=True)),
        action_id=sorted(acme_plan.actions.values_list("pk", flat=True)),
        meeting_id=[acme_meeting.pk],
        opportunity_id=[acme_retrofit.pk],
        case_id=[case.pk],
        alert_id=[acme_alert.pk],
        proposal_id=[proposal.pk],
    )
    yield
    KNOWN.clear()


@pytest.fixture
def director_headers(director: User, api_headers: Callable[[User], dict[str, str]]) -> dict[str, str]:
    return api_headers(director)


@pytest.fixture
def kam_headers(kam_alice: User, api_headers: Callable[[User], dict[str, str]]) -> dict[str, str]:
    return api_headers(kam_alice)


_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@_SETTINGS
def test_api_as_director(case: Case[Any], portfolio: None, director_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=director_headers, checks=CHECKS)


@schema.parametrize()
@_SETTINGS
def test_api_as_kam(case: Case[Any], portfolio: None, kam_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=kam_headers, checks=CHECKS)


# Regressions schemathesis found, kept as plain tests.


@pytest.mark.parametrize(
    "path", ["/api/v1/accounts", "/api/v1/accounts/DELTA/team", "/api/v1/accounts/DELTA/plans", "/api/v1/alerts"]
)
def test_a_page_far_past_the_end_is_empty_not_a_server_error(
    client: Client,
    accounts: dict[str, Account],
    kam_bob: User,
    api_headers: Callable[[User], dict[str, str]],
    path: str,
) -> None:
    """A page number whose OFFSET overflows the database's integers answered 500 (SQLite: "datatype mismatch")."""
    response = client.get(f"{path}?limit=100&page=17365311013708331044831232", headers=api_headers(kam_bob))

    assert response.status_code == 200
    body = response.json()
    assert body["results"] == []
    assert body["next"] is None


def test_a_nul_character_in_a_query_parameter_is_refused_not_a_server_error(
    client: Client, accounts: dict[str, Account], director: User, api_headers: Callable[[User], dict[str, str]]
) -> None:
    """PostgreSQL cannot compare text with a NUL byte: ``?status=…%00`` answered 500 there."""
    response = client.get("/api/v1/accounts?status=customer%00", headers=api_headers(director))

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "status", "message": "must not contain the NUL character."}]


def test_a_nul_character_in_an_account_code_is_not_found_not_a_server_error(
    client: Client, accounts: dict[str, Account], director: User, api_headers: Callable[[User], dict[str, str]]
) -> None:
    """``/api/v1/accounts/AC%00ME`` answered 500 on PostgreSQL (the code is compared with a NUL byte)."""
    response = client.get("/api/v1/accounts/AC%00ME", headers=api_headers(director))

    assert response.status_code == 404
