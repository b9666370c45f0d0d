"""The REST API of plans (and adding opportunities): reads follow the account; writes go through the actions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.opportunities.models import Opportunity
from kam.plans.actions import do_update_plan
from kam.plans.models import AccountPlan, PlanAction, PlanObjective
from kam.plans.tests.fixtures import make_plan
from kam.users.models import User

pytestmark = pytest.mark.django_db

Headers = Callable[[User], dict[str, str]]


def test_a_team_member_reads_the_plan_with_its_objectives(
    client: Client, acme_plan: AccountPlan, team_tina: User, api_headers: Headers
) -> None:
    headers = api_headers(team_tina)

    listed = client.get("/api/v1/accounts/ACME/plans", headers=headers).json()
    detail = client.get(f"/api/v1/accounts/ACME/plans/{acme_plan.pk}", headers=headers).json()

    assert [row["id"] for row in listed["results"]] == [acme_plan.pk]
    assert detail["status"] == "active"
    assert [row["title"] for row in detail["objectives"]] == list(
        acme_plan.objectives.order_by("id").values_list("title", flat=True)
    )


def test_a_plan_of_an_account_one_cannot_see_is_404(
    client: Client, acme_plan: AccountPlan, kam_bob: User, api_headers: Headers
) -> None:
    response = client.get(f"/api/v1/accounts/ACME/plans/{acme_plan.pk}", headers=api_headers(kam_bob))

    assert response.status_code == 404


def test_the_kam_adds_an_objective_and_an_action(
    client: Client, acme_plan: AccountPlan, kam_alice: User, team_tina: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)
    before = PlanObjective.objects.count()

    objective = client.post(
        f"/api/v1/accounts/ACME/plans/{acme_plan.pk}/objectives",
        {"title": "Win the Porto plant", "baseline": "0", "target": "1"},
        content_type="application/json",
        headers=headers,
    )
    action = client.post(
        f"/api/v1/accounts/ACME/plans/{acme_plan.pk}/actions",
        {"title": "Book the audit", "owner": "tina", "due_date": "2026-04-30"},
        content_type="application/json",
        headers=headers,
    )

    assert objective.status_code == 201
    assert (objective.json()["title"], objective.json()["kpi"]) == ("Win the Porto plant", "other")
    assert PlanObjective.objects.count() == before + 1
    assert action.status_code == 201
    created = PlanAction.objects.get(title="Book the audit")
    assert (created.owner, created.department, action.json()["owner"]) == (team_tina, "logistics", "tina")


def test_a_team_member_may_not_add_an_objective(
    client: Client, acme_plan: AccountPlan, team_tina: User, api_headers: Headers
) -> None:
    before = PlanObjective.objects.count()

    response = client.post(
        f"/api/v1/accounts/ACME/plans/{acme_plan.pk}/objectives",
        {"title": "x", "baseline": "0", "target": "1"},
        content_type="application/json",
        headers=api_headers(team_tina),
    )

    assert response.status_code == 403
    assert PlanObjective.objects.count() == before


def test_an_action_owned_by_an_outsider_is_422(
    client: Client, acme_plan: AccountPlan, kam_alice: User, kam_bob: User, api_headers: Headers
) -> None:
    response = client.post(
        f"/api/v1/accounts/ACME/plans/{acme_plan.pk}/actions",
        {"title": "Book the audit", "owner": "bob", "due_date": "2026-04-30"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["detail"] == "Owner: pick the account's KAM or a member of its team."
    assert not PlanAction.objects.filter(title="Book the audit").exists()


def test_the_kam_starts_a_plan(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/BOREAL/plans",
        {"title": "Boreal 2026", "period_start": "2026-01-01", "period_end": "2026-12-31"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["owner"], response.json()["objectives"]) == (
        "draft",
        "alice",
        [],
    )


def test_the_kam_adds_an_opportunity_and_a_team_member_may_not(
    client: Client, accounts: dict[str, Account], kam_alice: User, team_tina: User, api_headers: Headers
) -> None:
    body = {
        "name": "Line 3 retrofit",
        "amount": "120000",
        "expected_close_on": "2026-06-30",
        "stage": "proposal",
        "buying_influences": ["MR"],
    }

    created = client.post(
        "/api/v1/accounts/ACME/opportunities", body, content_type="application/json", headers=api_headers(kam_alice)
    )
    refused = client.post(
        "/api/v1/accounts/ACME/opportunities", body, content_type="application/json", headers=api_headers(team_tina)
    )
    listed = client.get("/api/v1/accounts/ACME/opportunities", headers=api_headers(team_tina)).json()

    assert created.status_code == 201
    assert (created.json()["amount"], created.json()["buying_influences"]) == ("120000.00", ["MR"])
    assert refused.status_code == 403
    assert Opportunity.objects.count() == 1
    assert [row["name"] for row in listed["results"]] == ["Line 3 retrofit"]


def test_an_opportunity_with_an_unknown_product_line_is_422(
    client: Client, accounts: dict[str, Account], kam_alice: User, api_headers: Headers
) -> None:
    response = client.post(
        "/api/v1/accounts/ACME/opportunities",
        {"name": "x", "amount": "1", "expected_close_on": "2026-06-30", "product_lines": ["NOPE"]},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "product_lines", "message": "Unknown product lines: NOPE."}]
    assert Opportunity.objects.count() == 0


def plan_url(plan: AccountPlan, suffix: str = "") -> str:
    return f"/api/v1/accounts/{plan.account.code}/plans/{plan.pk}{suffix}"


def test_the_kam_changes_the_fields_sent_of_a_plan_on_the_revision_she_loaded(
    client: Client, acme_plan: AccountPlan, kam_alice: User, api_headers: Headers
) -> None:
    revision = acme_plan.revision

    response = client.patch(
        plan_url(acme_plan),
        {"revision": revision, "title": "ACME 2026-27", "strengths": "Sole supplier of fasteners"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 200
    body = response.json()
    assert {name: body[name] for name in ("title", "strengths", "weaknesses", "period_end", "revision")} == {
        "title": "ACME 2026-27",
        "strengths": "Sole supplier of fasteners",
        "weaknesses": "",
        "period_end": "2026-12-31",
        "revision": revision + 1,
    }
    record = AuditRecord.objects.get(action="plan.update")
    assert (record.actor, record.changes) == (
        kam_alice,
        {
            "title": ["ACME 2026", "ACME 2026-27"],
            "strengths": ["", "Sole supplier of fasteners"],
            "revision": [revision, revision + 1],
        },
    )


def test_a_change_of_a_plan_on_a_stale_revision_is_422_and_saves_nothing(
    client: Client, acme_plan: AccountPlan, kam_alice: User, director: User, api_headers: Headers
) -> None:
    revision = acme_plan.revision
    do_update_plan(acme_plan, {"threats": "A new entrant"}, revision=revision, acting_user=director)

    response = client.patch(
        plan_url(acme_plan),
        {"revision": revision, "threats": "None"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"Not saved: {director} changed this plan after you opened it (revision {revision}, now {revision + 1}). "
        "Compare the changes below, then save again to keep your version."
    )
    acme_plan.refresh_from_db()
    assert (acme_plan.threats, acme_plan.revision) == ("A new entrant", revision + 1)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"period_end": "2025-01-01"}, "", "Period end: the period cannot end before it starts."),
        ({"title": " "}, "", "Title: this is required."),
        ({"title": None}, "title", "Input should be a valid string"),
        ({"revision": None}, "revision", "Input should be a valid integer"),
    ],
)
def test_an_invalid_change_of_a_plan_is_422(
    client: Client,
    acme_plan: AccountPlan,
    kam_alice: User,
    api_headers: Headers,
    change: dict[str, object],
    field: str,
    message: str,
) -> None:
    response = client.patch(
        plan_url(acme_plan),
        {"revision": acme_plan.revision, **change},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not AuditRecord.objects.filter(action="plan.update").exists()


def test_a_team_member_may_not_change_activate_or_close_a_plan_and_others_get_404(
    client: Client, acme_plan: AccountPlan, team_tina: User, kam_bob: User, api_headers: Headers
) -> None:
    change = {"revision": acme_plan.revision, "title": "x"}
    calls = [
        ("patch", plan_url(acme_plan), change),
        ("post", plan_url(acme_plan, "/activate"), None),
        ("post", plan_url(acme_plan, "/close"), None),
    ]

    for user, expected in ((team_tina, 403), (kam_bob, 404)):
        headers = api_headers(user)
        for method, path, data in calls:
            if data is None:
                response = getattr(client, method)(path, headers=headers)
            else:
                response = getattr(client, method)(path, data, content_type="application/json", headers=headers)
            assert response.status_code == expected, (user, method, path)

    acme_plan.refresh_from_db()
    assert (acme_plan.title, acme_plan.status) == ("ACME 2026", "active")


def test_the_kam_closes_the_active_plan_then_activates_a_draft(
    client: Client, acme_plan: AccountPlan, kam_alice: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)
    draft = make_plan(acme_plan.account, kam_alice, title="ACME 2027")

    refused = client.post(plan_url(draft, "/activate"), headers=headers)
    closed = client.post(plan_url(acme_plan, "/close"), headers=headers)
    closed_again = client.post(plan_url(acme_plan, "/close"), headers=headers)
    activated = client.post(plan_url(draft, "/activate"), headers=headers)

    assert (refused.status_code, refused.json()["detail"]) == (
        422,
        "Status: “ACME 2026” is the active plan of this account; close it before activating this one.",
    )
    assert (closed.status_code, closed.json()["id"], closed.json()["status"]) == (200, acme_plan.pk, "closed")
    assert (closed_again.status_code, closed_again.json()["detail"]) == (
        422,
        "This plan is closed: it can no longer be changed.",
    )
    assert (activated.status_code, activated.json()["id"], activated.json()["status"]) == (200, draft.pk, "active")
    assert AuditRecord.objects.get(action="plan.close", object_id=str(acme_plan.pk)).changes == {
        "status": ["active", "closed"]
    }
    assert AuditRecord.objects.filter(action="plan.activate", object_id=str(draft.pk)).get().changes == {
        "status": ["draft", "active"]
    }


def test_the_kam_changes_then_deletes_an_objective(
    client: Client, acme_plan: AccountPlan, kam_alice: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_alice)
    objective = acme_plan.objectives.get(title="Grow revenue to 600k")
    path = plan_url(acme_plan, f"/objectives/{objective.pk}")

    changed = client.patch(path, {"target": "650000"}, content_type="application/json", headers=headers)
    deleted = client.delete(path, headers=headers)
    gone = client.delete(path, headers=headers)

    assert changed.status_code == 200
    assert changed.json() == {
        "id": objective.pk,
        "title": "Grow revenue to 600k",
        "kpi": "revenue",
        "baseline": "400000.00",
        "target": "650000.00",
        "due_date": "2026-12-31",
        "manual_current": None,
    }
    assert AuditRecord.objects.get(action="plan_objective.update").changes == {"target": ["600000.00", "650000.00"]}
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert not PlanObjective.objects.filter(pk=objective.pk).exists()
    assert AuditRecord.objects.get(action="plan_objective.delete").changes["title"] == ["Grow revenue to 600k", None]
    assert (gone.status_code, gone.json()) == (404, {"detail": "No such objective in this plan."})


def test_a_team_member_may_not_change_or_delete_an_objective(
    client: Client, acme_plan: AccountPlan, team_tina: User, api_headers: Headers
) -> None:
    headers = api_headers(team_tina)
    objective = acme_plan.objectives.get(title="Grow revenue to 600k")
    path = plan_url(acme_plan, f"/objectives/{objective.pk}")

    changed = client.patch(path, {"target": "1"}, content_type="application/json", headers=headers)
    deleted = client.delete(path, headers=headers)

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert changed.json() == {"detail": "Only directors, administrators and the account's KAM may edit its plan."}
    objective.refresh_from_db()
    assert objective.target == Decimal("600000.00")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kpi": "happiness"}, "", "KPI: “happiness” is not a KPI we know."),
        ({"title": ""}, "", "Title: this is required."),
        ({"target": None}, "target", "Decimal input should be an integer, float, string or Decimal object"),
    ],
)
def test_an_invalid_change_of_an_objective_is_422(
    client: Client,
    acme_plan: AccountPlan,
    kam_alice: User,
    api_headers: Headers,
    change: dict[str, object],
    field: str,
    message: str,
) -> None:
    objective = acme_plan.objectives.get(title="Grow revenue to 600k")

    response = client.patch(
        plan_url(acme_plan, f"/objectives/{objective.pk}"),
        change,
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not AuditRecord.objects.filter(action="plan_objective.update").exists()


def test_the_kam_changes_then_deletes_an_action_and_a_team_member_may_not(
    client: Client, acme_plan: AccountPlan, kam_alice: User, team_tina: User, api_headers: Headers
) -> None:
    action = acme_plan.actions.get(title="Quarterly business review")
    path = plan_url(acme_plan, f"/actions/{action.pk}")

    refused = client.patch(path, {"title": "x"}, content_type="application/json", headers=api_headers(team_tina))
    refused_delete = client.delete(path, headers=api_headers(team_tina))
    changed = client.patch(
        path,
        {"owner": "tina", "due_date": "2026-05-15"},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )
    deleted = client.delete(path, headers=api_headers(kam_alice))

    assert (refused.status_code, refused_delete.status_code) == (403, 403)
    assert changed.status_code == 200
    assert changed.json() == {
        "id": action.pk,
        "title": "Quarterly business review",
        "owner": "tina",
        "department": action.department,
        "due_date": "2026-05-15",
        "status": "open",
        "strategy": None,
    }
    assert AuditRecord.objects.get(action="plan_action.update").changes == {
        "owner": [kam_alice.pk, team_tina.pk],
        "due_date": [str(action.due_date), "2026-05-15"],
    }
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert not PlanAction.objects.filter(pk=action.pk).exists()
    assert AuditRecord.objects.get(action="plan_action.delete").actor == kam_alice


def test_the_kam_moves_an_action_to_a_department_and_a_strategy_then_unlinks_the_strategy(
    client: Client, acme_plan: AccountPlan, kam_alice: User, api_headers: Headers
) -> None:
    action = acme_plan.actions.get(title="Quarterly business review")
    strategy = acme_plan.strategies.get()
    path = plan_url(acme_plan, f"/actions/{action.pk}")

    moved = client.patch(
        path,
        {"department": "logistics", "strategy": strategy.pk},
        content_type="application/json",
        headers=api_headers(kam_alice),
    )
    unlinked = client.patch(path, {"strategy": None}, content_type="application/json", headers=api_headers(kam_alice))

    assert moved.status_code == 200
    assert (moved.json()["department"], moved.json()["strategy"]) == ("logistics", strategy.pk)
    assert unlinked.status_code == 200
    assert (unlinked.json()["department"], unlinked.json()["strategy"]) == ("logistics", None)
    changes = [record.changes for record in AuditRecord.objects.filter(action="plan_action.update").order_by("id")]
    assert changes == [
        {"department": [action.department, "logistics"], "strategy": [None, strategy.pk]},
        {"strategy": [strategy.pk, None]},
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"owner": "bob"}, "", "Owner: pick the account's KAM or a member of its team."),
        ({"owner": "nobody"}, "owner", "There is no user nobody."),
        ({"due_date": None}, "due_date", "Input should be a valid date"),
        ({"department": "nowhere"}, "", "Department: “nowhere” is not a department."),
        ({"department": None}, "department", "Input should be a valid string"),
        ({"strategy": 999999}, "strategy", "Strategy: pick a strategy of this plan."),
    ],
)
def test_an_invalid_change_of_an_action_is_422(
    client: Client,
    acme_plan: AccountPlan,
    kam_alice: User,
    kam_bob: User,
    api_headers: Headers,
    change: dict[str, object],
    field: str,
    message: str,
) -> None:
    action = acme_plan.actions.get(title="Quarterly business review")

    response = client.patch(
        plan_url(acme_plan, f"/actions/{action.pk}"),
        change,
        content_type="application/json",
        headers=api_headers(kam_alice),
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not AuditRecord.objects.filter(action="plan_action.update").exists()


def test_a_team_member_sets_the_status_of_her_own_action_only(
    client: Client, acme_plan: AccountPlan, team_tina: User, api_headers: Headers
) -> None:
    headers = api_headers(team_tina)
    hers = acme_plan.actions.get(title="Audit delivery routes")
    alices = acme_plan.actions.get(title="Quarterly business review")

    done = client.post(
        plan_url(acme_plan, f"/actions/{hers.pk}/status"),
        {"status": "done"},
        content_type="application/json",
        headers=headers,
    )
    refused = client.post(
        plan_url(acme_plan, f"/actions/{alices.pk}/status"),
        {"status": "done"},
        content_type="application/json",
        headers=headers,
    )
    invalid = client.post(
        plan_url(acme_plan, f"/actions/{hers.pk}/status"),
        {"status": "someday"},
        content_type="application/json",
        headers=headers,
    )

    assert (done.status_code, done.json()["id"], done.json()["status"], done.json()["owner"]) == (
        200,
        hers.pk,
        "done",
        "tina",
    )
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "You may only change the status of the actions you own."},
    )
    assert (invalid.status_code, invalid.json()["detail"]) == (422, "Status: “someday” is not a status.")
    record = AuditRecord.objects.get(action="plan_action.status")
    assert (record.actor, record.object_id, record.changes) == (team_tina, str(hers.pk), {"status": ["open", "done"]})
    alices.refresh_from_db()
    assert alices.status == "open"


def test_objectives_and_actions_of_a_plan_one_cannot_see_are_404(
    client: Client, acme_plan: AccountPlan, kam_bob: User, api_headers: Headers
) -> None:
    headers = api_headers(kam_bob)
    objective = acme_plan.objectives.get(title="Grow revenue to 600k")
    action = acme_plan.actions.get(title="Audit delivery routes")

    responses = [
        client.patch(
            plan_url(acme_plan, f"/objectives/{objective.pk}"),
            {"title": "x"},
            content_type="application/json",
            headers=headers,
        ),
        client.delete(plan_url(acme_plan, f"/objectives/{objective.pk}"), headers=headers),
        client.patch(
            plan_url(acme_plan, f"/actions/{action.pk}"),
            {"title": "x"},
            content_type="application/json",
            headers=headers,
        ),
        client.delete(plan_url(acme_plan, f"/actions/{action.pk}"), headers=headers),
        client.post(
            plan_url(acme_plan, f"/actions/{action.pk}/status"),
            {"status": "done"},
            content_type="application/json",
            headers=headers,
        ),
    ]

    assert [response.status_code for response in responses] == [404] * 5
    assert {response.json()["detail"] for response in responses} == {"No account with this code."}
    assert PlanObjective.objects.filter(pk=objective.pk).exists()
    assert PlanAction.objects.get(pk=action.pk).status == "open"
