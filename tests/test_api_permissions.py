"""The permission matrix of the REST API: every persona × every operation of /api/v1/.

The API reads and writes through the same queries and actions as the web pages (docs/api.md),
so the expected outcome of each cell comes from the rules the web UI's matrix proves
(``tests.test_permissions``, DESIGN.md and docs/), not from what the endpoints happen to do:

- another user's account answers 404, exactly as an account that does not exist — and so does
  everything of it (a meeting, a case, an alert, a plan, its figures);
- whoever sees an account reads all of it (``read``);
- its KAM (owner), directors and administrators manage it: phase, stage, contacts,
  opportunities, plans with their objectives and actions (``manage``); team members and viewers
  who see it get 403;
- its team members work its touchpoints, meetings, service cases and alerts, and set the status
  of the plan actions they own (``work``); viewers read and never write (403);
- lists answer everyone 200 with what they see (``everyone``): the accounts, the cases, the
  alerts, the portfolio's analysis (its summary for directors only);
- selection proposals are for directors and administrators: anyone else gets an empty list and
  404 for a proposal, its lines and its decisions (``selection``);
- a call without a token is 401, whatever the operation (``anonymous``, the eighth persona).

Each cell is one operation of the schema (method and path template) with one representative
request on account ACME's objects from the web matrix's ``World`` (ids filled in, and for a
write a small valid JSON body that succeeds for an allowed persona). Allowed is the operation's
documented success code exactly (200, 201 or 204); a refusal is 403 or 404 exactly as the rules
say. A write that succeeds changes the world, so each test builds its own (function scope,
rolled back by the ``db`` fixture). A cell where the API contradicts the rules is marked
``xfail(strict=True)`` with the rule it breaks, for that persona only.

``test_every_api_operation_is_in_the_matrix`` keeps the table complete: it reads the live schema
(``kam.api.api``) and fails naming any operation without a cell, any cell whose operation is gone,
and any cell whose success code is not the schema's.

Lists answer everyone 200, so their cells also check what is in them (ACME's rows only for who
sees ACME; the portfolio summary and the proposals only for directors and administrators). Beside
the matrix: a session write without the CSRF token is 403 for every write operation, a session
reads as its token does, and a team member may not set the status of an action she does not own.

Personas (``kam.users.tests.fixtures``, plus the viewer granted ACME by ``World``):

| key           | who                                                        |
|---------------|------------------------------------------------------------|
| administrator | adam, administrator                                        |
| director      | diana, director                                            |
| kam_a         | alice, KAM and owner of account A (ACME)                   |
| kam_b         | bob, KAM and owner of COBALT and DELTA, not on A's team    |
| team_a        | tina, team member on A's team (owner of the plan's action) |
| viewer_a      | victor, viewer on A's team (the grant that lets him read)  |
| outsider      | olga, an active KAM with no account at all                 |
| anonymous     | no token: 401 everywhere                                   |
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kam.api import api
from kam.plans.actions import do_create_plan
from kam.service.actions import do_resolve_case
from kam.service.tests.fixtures import es_calendar, service_levels
from kam.users.models import User
from tests.test_permissions import PERSONAS, World, world

# Fixtures of other test modules, used here too (``World`` asks for them by name).
__all__ = ["es_calendar", "service_levels", "world"]

ANONYMOUS = "anonymous"
ALLOWED = "allowed"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _row(**cells: str | int) -> dict[str, str | int]:
    assert set(cells) == set(PERSONAS), cells
    return cells


# The outcome of each persona by access class: ALLOWED (the operation's success code) or the refusal.
ACCESS: dict[str, dict[str, str | int]] = {
    "everyone": _row(
        administrator=ALLOWED,
        director=ALLOWED,
        kam_a=ALLOWED,
        kam_b=ALLOWED,
        team_a=ALLOWED,
        viewer_a=ALLOWED,
        outsider=ALLOWED,
    ),
    "read": _row(
        administrator=ALLOWED,
        director=ALLOWED,
        kam_a=ALLOWED,
        kam_b=404,
        team_a=ALLOWED,
        viewer_a=ALLOWED,
        outsider=404,
    ),
    "manage": _row(
        administrator=ALLOWED, director=ALLOWED, kam_a=ALLOWED, kam_b=404, team_a=403, viewer_a=403, outsider=404
    ),
    "work": _row(
        administrator=ALLOWED, director=ALLOWED, kam_a=ALLOWED, kam_b=404, team_a=ALLOWED, viewer_a=403, outsider=404
    ),
    "selection": _row(
        administrator=ALLOWED, director=ALLOWED, kam_a=404, kam_b=404, team_a=404, viewer_a=404, outsider=404
    ),
}


# Who is shown ACME's objects in a list: whoever reads ACME. Who is shown what directors see.
SEES_ACME: dict[str, bool | None] = {persona: ACCESS["read"][persona] == ALLOWED for persona in PERSONAS}
SEES_ALL: dict[str, bool | None] = {persona: ACCESS["selection"][persona] == ALLOWED for persona in PERSONAS}
# The alerts list holds the alerts one was told of (directors: all); an alert is raised "for the
# account team" (docs/api.md): the KAM and every member, the viewer too (his grant is a team seat).
TOLD_OF_ACME: dict[str, bool | None] = dict(SEES_ACME)


def _lists_acme(answer: Any) -> bool:
    return any(row["account"] == "ACME" for row in answer["results"])


def _lists_acme_account(answer: Any) -> bool:
    return any(row["code"] == "ACME" for row in answer["results"])


def _lists_anything(answer: Any) -> bool:
    return bool(answer["results"])


def _has_summary(answer: Any) -> bool:
    return answer["summary"] is not None


@dataclass(frozen=True)
class ApiCell:
    """One operation of the schema, one representative request, and who may make it."""

    method: str  # upper case, as in the UI matrix
    template: str  # the schema's path, ``/api/v1/accounts/{code}``
    access: str  # a key of ACCESS
    path: Callable[[World], str]
    body: Callable[[World], dict[str, Any]] | None = None
    ok: int = 200  # the documented success code
    # A list's answer: does it show ACME's object (or, for the portfolio, its summary)? And who must
    # (True) or must not (False) be shown it; None makes no claim. Checked when the answer is 200.
    shows: Callable[[Any], bool] | None = None
    shown_to: dict[str, bool | None] = field(default_factory=dict)
    # Personas whose real answer contradicts the rules: persona -> why (the cell is xfail for them).
    known_bugs: dict[str, str] = field(default_factory=dict)

    @property
    def operation(self) -> tuple[str, str]:
        return (self.method, self.template)

    def expected(self, persona: str) -> int:
        if persona == ANONYMOUS:
            return 401
        outcome = ACCESS[self.access][persona]
        return self.ok if outcome == ALLOWED else int(outcome)


def _fixed(path: str) -> Callable[[World], str]:
    return lambda w: f"/api/v1/{path}"


def _acme(path: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/accounts/ACME{path}"


def _meeting(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/accounts/ACME/meetings/{w.meeting.pk}{suffix}"


def _case(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/cases/{w.case.pk}{suffix}"


def _alert(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/alerts/{w.alert.pk}{suffix}"


def _opportunity(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/accounts/ACME/opportunities/{w.opportunity.pk}{suffix}"


def _plan(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/accounts/ACME/plans/{w.plan.pk}{suffix}"


def _item(kind: str, plural: str, suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/accounts/ACME/plans/{w.plan.pk}/{plural}/{w.item(kind)}{suffix}"


def _analysed(path: str) -> Callable[[World], str]:
    """A path that needs the engine's analyses stored (otherwise every persona gets 404)."""

    def fill(w: World) -> str:
        w.request.getfixturevalue("analyses")
        return f"/api/v1/{path}"

    return fill


def _proposal(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/selection/proposals/{w.proposal_pk}{suffix}"


def _with_case(w: World) -> str:
    assert w.case.pk
    return "/api/v1/cases"


def _with_alert(w: World) -> str:
    assert w.alert.pk
    return "/api/v1/alerts?status=all"


def _proposals(w: World) -> str:
    """The list of proposals, with one stored (others still get 200, with an empty list)."""
    assert w.proposal_pk
    return "/api/v1/selection/proposals"


def _resolved_case(w: World) -> str:
    """A case that may be reopened: resolved by its KAM."""
    do_resolve_case(w.case, None, "Fixed", acting_user=w.alice)
    return f"/api/v1/cases/{w.case.pk}/reopen"


def _draft_plan(w: World) -> str:
    """A draft plan, and no active one on the account: activating it is allowed."""
    plan = do_create_plan(
        w.acme,
        title="Draft",
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        acting_user=w.alice,
    )
    return f"/api/v1/accounts/ACME/plans/{plan.pk}/activate"


def _due_date() -> str:
    return (timezone.localdate() + dt.timedelta(days=10)).isoformat()


ACCOUNTS = "/api/v1/accounts"
ACCOUNT = f"{ACCOUNTS}/{{code}}"
MEETING = f"{ACCOUNT}/meetings/{{meeting_id}}"
CASE = "/api/v1/cases/{case_id}"
ALERT = "/api/v1/alerts/{alert_id}"
OPPORTUNITY = f"{ACCOUNT}/opportunities/{{opportunity_id}}"
PLAN = f"{ACCOUNT}/plans/{{plan_id}}"
PROPOSAL = "/api/v1/selection/proposals/{proposal_id}"

CELLS: list[ApiCell] = [
    # --- accounts, contacts and team -------------------------------------------------------------
    ApiCell("GET", ACCOUNTS, "everyone", _fixed("accounts"), shows=_lists_acme_account, shown_to=SEES_ACME),
    ApiCell("GET", ACCOUNT, "read", _acme()),
    ApiCell(
        "POST", f"{ACCOUNT}/phase", "manage", _acme("/phase"), lambda w: {"phase": "maintenance", "reason": "Matrix"}
    ),
    ApiCell(
        "POST",
        f"{ACCOUNT}/stage",
        "manage",
        _acme("/stage"),
        lambda w: {"stage": "interdependent", "reason": "Matrix"},
    ),
    ApiCell("GET", f"{ACCOUNT}/contacts", "read", _acme("/contacts")),
    ApiCell(
        "POST",
        f"{ACCOUNT}/contacts",
        "manage",
        _acme("/contacts"),
        lambda w: {"code": "NEW", "first_name": "Nuria", "last_name": "Nieto", "influence": 3},
        ok=201,
    ),
    ApiCell(
        "PATCH", f"{ACCOUNT}/contacts/{{contact_code}}", "manage", _acme("/contacts/MR"), lambda w: {"title": "CFO"}
    ),
    ApiCell("GET", f"{ACCOUNT}/team", "read", _acme("/team")),
    # --- touchpoints and meetings ----------------------------------------------------------------
    ApiCell("GET", f"{ACCOUNT}/touchpoints", "read", _acme("/touchpoints")),
    ApiCell(
        "POST",
        f"{ACCOUNT}/touchpoints",
        "work",
        _acme("/touchpoints"),
        lambda w: {
            "happened_at": "2026-03-02T10:30:00+01:00",
            "department": "sales",
            "channel": "phone",
            "type": "order",
            "summary": "Matrix",
            "sentiment": "neutral",
        },
        ok=201,
    ),
    ApiCell("GET", f"{ACCOUNT}/meetings", "read", _acme("/meetings")),
    ApiCell(
        "POST",
        f"{ACCOUNT}/meetings",
        "work",
        _acme("/meetings"),
        lambda w: {"held_at": "2026-03-05T09:00:00+01:00", "objective": "negotiate", "goal": "Matrix"},
        ok=201,
    ),
    ApiCell("GET", MEETING, "read", _meeting()),
    ApiCell("PATCH", MEETING, "work", _meeting(), lambda w: {"goal": "Matrix"}),
    ApiCell("POST", f"{MEETING}/follow-up/complete", "work", _meeting("/follow-up/complete")),
    # --- service cases ---------------------------------------------------------------------------
    ApiCell("GET", "/api/v1/cases", "everyone", _with_case, shows=_lists_acme, shown_to=SEES_ACME),
    ApiCell("GET", CASE, "read", _case()),
    ApiCell("PATCH", CASE, "work", _case(), lambda w: {"subject": "Matrix", "priority": "high"}),
    ApiCell(
        "POST",
        f"{ACCOUNT}/cases",
        "work",
        _acme("/cases"),
        lambda w: {"type": "complaint", "subject": "Matrix", "priority": "normal"},
        ok=201,
    ),
    ApiCell("POST", f"{CASE}/first-response", "work", _case("/first-response"), lambda w: {}),
    ApiCell("POST", f"{CASE}/resolve", "work", _case("/resolve"), lambda w: {"note": "Relabelled"}),
    ApiCell("POST", f"{CASE}/close", "work", _case("/close"), lambda w: {}),
    ApiCell("POST", f"{CASE}/reopen", "work", _resolved_case),
    # --- alerts ----------------------------------------------------------------------------------
    ApiCell("GET", "/api/v1/alerts", "everyone", _with_alert, shows=_lists_acme, shown_to=TOLD_OF_ACME),
    ApiCell("GET", ALERT, "read", _alert()),
    ApiCell("POST", f"{ALERT}/acknowledge", "work", _alert("/acknowledge")),
    ApiCell("POST", f"{ALERT}/resolve", "work", _alert("/resolve"), lambda w: {"note": "Called back"}),
    # --- opportunities ---------------------------------------------------------------------------
    ApiCell("GET", f"{ACCOUNT}/opportunities", "read", _acme("/opportunities")),
    ApiCell(
        "POST",
        f"{ACCOUNT}/opportunities",
        "manage",
        _acme("/opportunities"),
        lambda w: {"name": "Matrix", "amount": "1000", "expected_close_on": "2027-06-15"},
        ok=201,
    ),
    ApiCell("GET", OPPORTUNITY, "read", _opportunity()),
    ApiCell("PATCH", OPPORTUNITY, "manage", _opportunity(), lambda w: {"name": "Matrix", "amount": "2000"}),
    ApiCell("POST", f"{OPPORTUNITY}/close", "manage", _opportunity("/close"), lambda w: {"won": True}),
    # --- plans -----------------------------------------------------------------------------------
    ApiCell("GET", f"{ACCOUNT}/plans", "read", _acme("/plans")),
    ApiCell(
        "POST",
        f"{ACCOUNT}/plans",
        "manage",
        _acme("/plans"),
        lambda w: {"title": "Next", "period_start": "2027-01-01", "period_end": "2027-12-31"},
        ok=201,
    ),
    ApiCell("GET", PLAN, "read", _plan()),
    ApiCell("PATCH", PLAN, "manage", _plan(), lambda w: {"revision": w.plan.revision, "title": "Renamed"}),
    ApiCell("POST", f"{PLAN}/activate", "manage", _draft_plan),
    ApiCell("POST", f"{PLAN}/close", "manage", _plan("/close")),
    ApiCell(
        "POST",
        f"{PLAN}/objectives",
        "manage",
        _plan("/objectives"),
        lambda w: {"title": "More", "kpi": "revenue", "baseline": "1", "target": "2"},
        ok=201,
    ),
    ApiCell(
        "PATCH",
        f"{PLAN}/objectives/{{objective_id}}",
        "manage",
        _item("objective", "objectives"),
        lambda w: {"target": "3"},
    ),
    ApiCell("DELETE", f"{PLAN}/objectives/{{objective_id}}", "manage", _item("objective", "objectives"), ok=204),
    ApiCell(
        "POST",
        f"{PLAN}/actions",
        "manage",
        _plan("/actions"),
        lambda w: {"title": "Call", "owner": "tina", "due_date": _due_date()},
        ok=201,
    ),
    ApiCell(
        "PATCH", f"{PLAN}/actions/{{action_id}}", "manage", _item("action", "actions"), lambda w: {"title": "Call back"}
    ),
    ApiCell("DELETE", f"{PLAN}/actions/{{action_id}}", "manage", _item("action", "actions"), ok=204),
    # Tina owns the plan's action: the status of one's own action is work, not management.
    ApiCell(
        "POST",
        f"{PLAN}/actions/{{action_id}}/status",
        "work",
        _item("action", "actions", "/status"),
        lambda w: {"status": "in_progress"},
    ),
    # --- analysis (read only) --------------------------------------------------------------------
    ApiCell("GET", f"{ACCOUNT}/analysis", "read", _analysed("accounts/ACME/analysis")),
    ApiCell(
        "GET",
        "/api/v1/portfolio/analysis",
        "everyone",
        _analysed("portfolio/analysis"),
        shows=_has_summary,
        shown_to=SEES_ALL,
    ),
    ApiCell(
        "GET",
        "/api/v1/portfolio/analysis/accounts",
        "everyone",
        _analysed("portfolio/analysis/accounts"),
        shows=_lists_acme,
        shown_to=SEES_ACME,
    ),
    # --- selection (directors and administrators; an empty list and 404 for anyone else) ----------
    ApiCell("GET", "/api/v1/selection/proposals", "everyone", _proposals, shows=_lists_anything, shown_to=SEES_ALL),
    ApiCell("GET", PROPOSAL, "selection", _proposal()),
    ApiCell("GET", f"{PROPOSAL}/lines", "selection", _proposal("/lines")),
    ApiCell(
        "POST",
        f"{PROPOSAL}/decisions",
        "selection",
        _proposal("/decisions"),
        lambda w: {"decisions": [{"account": "ACME", "decision": "approved"}]},
    ),
]


def _cases() -> list[Any]:
    params = []
    for cell in CELLS:
        for persona in (*PERSONAS, ANONYMOUS):
            expected = cell.expected(persona)
            marks = []
            if persona in cell.known_bugs:
                marks.append(pytest.mark.xfail(strict=True, reason=cell.known_bugs[persona]))
            params.append(
                pytest.param(cell, persona, id=f"{cell.method} {cell.template}-{persona}-{expected}", marks=marks)
            )
    return params


def _call(client: Client, cell: ApiCell, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
    if cell.method == "GET":
        return client.get(path, headers=headers)
    if body is None:
        return client.generic(cell.method, path, headers=headers)
    return client.generic(cell.method, path, json.dumps(body), content_type="application/json", headers=headers)


@pytest.mark.parametrize(("cell", "persona"), _cases())
def test_api_permission_matrix(
    world: World, api_headers: Callable[[User], dict[str, str]], cell: ApiCell, persona: str
) -> None:
    path = cell.path(world)
    body = cell.body(world) if cell.body is not None else None
    headers = {} if persona == ANONYMOUS else api_headers(world.people[persona])
    response = _call(Client(), cell, path, body, headers)
    assert response.status_code == cell.expected(persona), (path, response.content[:300])
    if cell.shows is not None and persona != ANONYMOUS:
        shown = cell.shows(response.json())
        claim = cell.shown_to[persona]
        assert claim is None or shown is claim, (path, response.content[:300])


def _schema_operations() -> dict[tuple[str, str], set[int]]:
    """Every (method, path) of the live schema, with its documented success codes."""
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path): {int(code) for code in operation["responses"] if str(code).startswith("2")}
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS
    }


def test_every_api_operation_is_in_the_matrix() -> None:
    operations = _schema_operations()
    cells = [cell.operation for cell in CELLS]
    without_cell = sorted(set(operations) - set(cells))
    assert without_cell == [], f"operations without a cell: {without_cell}"
    gone = sorted(set(cells) - set(operations))
    assert gone == [], f"cells of operations that no longer exist: {gone}"
    twice = sorted({operation for operation in cells if cells.count(operation) > 1})
    assert twice == [], f"operations with more than one cell: {twice}"
    wrong_codes = [
        (cell.operation, cell.ok, sorted(operations[cell.operation]))
        for cell in CELLS
        if operations[cell.operation] != {cell.ok}
    ]
    assert wrong_codes == [], f"cells whose success code is not the schema's: {wrong_codes}"


def test_the_matrix_table_is_complete() -> None:
    for cell in CELLS:
        assert cell.access in ACCESS, cell.operation
        assert set(cell.known_bugs) <= {*PERSONAS, ANONYMOUS}, cell.operation
        assert cell.method in {method.upper() for method in HTTP_METHODS}, cell.operation
        assert (cell.shows is None) == (cell.shown_to == {}), cell.operation
        assert cell.shows is None or set(cell.shown_to) == set(PERSONAS), cell.operation


WRITES = [cell for cell in CELLS if cell.method != "GET"]


@pytest.mark.parametrize("cell", WRITES, ids=[f"{cell.method} {cell.template}" for cell in WRITES])
def test_a_session_write_without_the_csrf_token_is_refused(world: World, cell: ApiCell) -> None:
    """A signed-in browser calls the API with its session; an unsafe method needs the CSRF token (403)."""
    path = cell.path(world)
    body = cell.body(world) if cell.body is not None else None
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["director"])
    response = _call(client, cell, path, body, {})
    assert response.status_code == 403, (path, response.content[:300])
    assert response.json() == {"detail": "CSRF check Failed"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_session_reads_what_a_token_reads(world: World, persona: str) -> None:
    """The session is the same person as the token: ACME's plan answers as in the matrix."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people[persona])
    (cell,) = [cell for cell in CELLS if cell.operation == ("GET", PLAN)]
    response = client.get(cell.path(world))
    assert response.status_code == cell.expected(persona)


def test_a_team_member_sets_the_status_of_her_own_actions_only(
    world: World, api_headers: Callable[[User], dict[str, str]]
) -> None:
    """Tina owns the plan's action (the matrix's cell); an action alice owns is not hers to move (403)."""
    response = Client().post(
        f"/api/v1/accounts/ACME/plans/{world.plan.pk}/actions",
        json.dumps({"title": "Alice's", "owner": "alice", "due_date": _due_date()}),
        content_type="application/json",
        headers=api_headers(world.alice),
    )
    assert response.status_code == 201
    path = f"/api/v1/accounts/ACME/plans/{world.plan.pk}/actions/{response.json()['id']}/status"
    response = Client().post(
        path,
        json.dumps({"status": "in_progress"}),
        content_type="application/json",
        headers=api_headers(world.people["team_a"]),
    )
    assert response.status_code == 403, response.content
