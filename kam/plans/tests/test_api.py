"""The REST API of plans and opportunities: reads follow the account; writes go through the actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kam.key_accounts.models import Account
from kam.opportunities.models import Opportunity
from kam.plans.models import AccountPlan, PlanAction, PlanObjective
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
