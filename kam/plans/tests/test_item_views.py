"""The plan page's in-place add, edit and delete of objectives, strategies, actions, competitors and reviews."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from kam.plans.actions import do_add_competitor_position, do_add_review, do_close_plan
from kam.plans.models import AccountPlan, CompetitorPosition, PlanAction, PlanObjective, PlanReview, PlanStrategy
from kam.users.models import User

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PLURAL = {
    "objective": "objectives",
    "strategy": "strategies",
    "action": "actions",
    "competitor": "competitors",
    "review": "reviews",
}
MODELS: dict[str, Any] = {
    "objective": PlanObjective,
    "strategy": PlanStrategy,
    "action": PlanAction,
    "competitor": CompetitorPosition,
    "review": PlanReview,
}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(plan: AccountPlan, suffix: str = "") -> str:
    return f"/accounts/{plan.account.code}/plan/{plan.pk}/{suffix}"


def _item_url(plan: AccountPlan, kind: str, item: Any, suffix: str = "") -> str:
    return _url(plan, f"{PLURAL[kind]}/{item.pk}/{suffix}")


@pytest.fixture
def items(acme_plan: AccountPlan, kam_alice: User) -> dict[str, Any]:
    return {
        "objective": acme_plan.objectives.get(title="Grow revenue to 600k"),
        "strategy": acme_plan.strategies.get(),
        "action": acme_plan.actions.get(title="Quarterly business review"),
        "competitor": do_add_competitor_position(acme_plan, competitor="Würth", acting_user=kam_alice),
        "review": do_add_review(acme_plan, date=dt.date(2026, 3, 15), acting_user=kam_alice),
    }


def test_the_plan_page_offers_its_editor_to_edit_and_delete_each_item(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    content = _client(kam_alice).get(_url(acme_plan)).content.decode()

    # 2 objectives, 1 strategy, 2 actions, 1 competitor, 1 review
    assert content.count("hx-confirm=") == 7
    assert 'hx-confirm="Delete “Grow revenue to 600k”?"' in content
    objective = items["objective"]
    assert f'href="{_item_url(acme_plan, "objective", objective, "edit/")}"' in content
    assert f'hx-target="#objective-{objective.pk}" hx-swap="outerHTML"' in content


def test_a_team_member_is_offered_no_edit_or_delete(
    acme_plan: AccountPlan, items: dict[str, Any], team_tina: User
) -> None:
    content = _client(team_tina).get(_url(acme_plan)).content.decode()
    assert "hx-confirm=" not in content


def test_an_htmx_objective_form_returns_the_new_row_and_a_fresh_form(acme_plan: AccountPlan, kam_alice: User) -> None:
    response = _client(kam_alice).post(
        _url(acme_plan, "objectives/"),
        {"title": "Win adhesives", "kpi": "other", "baseline": "0", "target": "10", "manual_current": "5"},
        headers=HTMX,
    )

    objective = PlanObjective.objects.get(title="Win adhesives")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith(f'\n<tr id="objective-{objective.pk}" data-objective="Win adhesives">')
    assert '<span class="small" data-progress>50 %</span>' in content
    assert '<template>\n<form id="objective-form"' in content
    assert 'hx-swap-oob="true"' in content


def test_an_invalid_htmx_competitor_form_comes_back_with_its_errors_in_place(
    acme_plan: AccountPlan, kam_alice: User
) -> None:
    response = _client(kam_alice).post(
        _url(acme_plan, "competitors/"), {"competitor": "Würth", "share_estimate": "120"}, headers=HTMX
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#competitor-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Estimated share %: must be between 0 and 100." in response.content.decode()
    assert not CompetitorPosition.objects.exists()


def test_without_htmx_adding_a_review_redirects_to_the_reviews(acme_plan: AccountPlan, kam_alice: User) -> None:
    response = _client(kam_alice).post(_url(acme_plan, "reviews/"), {"date": "2026-04-01", "notes": "Fine"})

    assert response.status_code == 302
    assert response["Location"] == f"{_url(acme_plan)}#reviews"
    assert list(acme_plan.reviews.values_list("date", "notes")) == [(dt.date(2026, 4, 1), "Fine")]


def test_the_htmx_edit_link_swaps_the_row_for_a_filled_form(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    objective = items["objective"]

    response = _client(kam_alice).get(_item_url(acme_plan, "objective", objective, "edit/"), headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert f'<tr id="objective-{objective.pk}" class="plan-editing"><td colspan="8">' in content
    assert f'id="objective-{objective.pk}-title"' in content
    assert 'name="title" value="Grow revenue to 600k"' in content
    assert '<option value="revenue" selected>Revenue</option>' in content
    assert 'name="target" value="600000.00"' in content


def test_an_htmx_objective_edit_returns_the_updated_row(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    objective = items["objective"]
    form = {"title": "Grow revenue to 900k", "kpi": "revenue", "baseline": "400000", "target": "900000"}

    response = _client(kam_alice).post(_item_url(acme_plan, "objective", objective, "edit/"), form, headers=HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith(f'\n<tr id="objective-{objective.pk}" data-objective="Grow revenue to 900k">')
    assert '<span class="small" data-progress>20 %</span>' in content  # 400k → 500k of 900k
    objective.refresh_from_db()
    assert (objective.title, objective.target) == ("Grow revenue to 900k", Decimal("900000.00"))


def test_an_invalid_htmx_edit_comes_back_as_the_form_with_its_errors(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    position = items["competitor"]

    response = _client(kam_alice).post(
        _item_url(acme_plan, "competitor", position, "edit/"),
        {"competitor": "Würth", "share_estimate": "120"},
        headers=HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert f'<tr id="competitor-{position.pk}" class="plan-editing">' in content
    assert (
        '<div class="alert alert--error" role="alert"><p>Estimated share %: must be between 0 and 100.</p></div>'
        in (content)
    )
    position.refresh_from_db()
    assert position.share_estimate is None


def test_an_htmx_action_edit_changes_title_owner_due_date_department_and_strategy(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User, team_tina: User
) -> None:
    action = items["action"]
    client = _client(kam_alice)

    form = client.get(_item_url(acme_plan, "action", action, "edit/"), headers=HTMX).content.decode()
    response = client.post(
        _item_url(acme_plan, "action", action, "edit/"),
        {
            "title": "QBR",
            "owner": team_tina.pk,
            "due_date": "2031-06-01",
            "department": "finance",
            "strategy": items["strategy"].pk,
        },
        headers=HTMX,
    )

    # The edit form offers every field of the action but its status, filled with its values.
    assert f'id="action-{action.pk}-department"' in form
    assert f'id="action-{action.pk}-strategy"' in form
    assert response.status_code == 200
    assert response.content.decode().strip().startswith(f'<tr id="action-{action.pk}" data-action="QBR">')
    action.refresh_from_db()
    assert (action.title, action.owner, action.due_date) == ("QBR", team_tina, dt.date(2031, 6, 1))
    assert (action.department, action.strategy) == ("finance", items["strategy"])


def test_cancelling_an_htmx_edit_returns_the_item_unchanged(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    strategy = items["strategy"]

    response = _client(kam_alice).get(_item_url(acme_plan, "strategy", strategy), headers=HTMX)

    assert response.status_code == 200
    assert response.content.decode().startswith(f'<li id="strategy-{strategy.pk}" data-strategy="{strategy.pk}">')


def test_without_htmx_the_edit_link_shows_the_page_with_the_form_in_place_and_saving_redirects(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    client = _client(kam_alice)
    review = items["review"]
    url = _item_url(acme_plan, "review", review, "edit/")

    page = client.get(url)
    invalid = client.post(url, {"date": ""})
    saved = client.post(url, {"date": "2026-03-20", "decisions": "Extend the contract"})

    assert page.status_code == 200
    assert f'data-edit-form="review-{review.pk}"' in page.content.decode()
    assert 'id="objective-form"' in page.content.decode()
    assert invalid.status_code == 400
    assert f'data-edit-form="review-{review.pk}"' in invalid.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == f"{_url(acme_plan)}#review-{review.pk}"
    review.refresh_from_db()
    assert (review.date, review.decisions) == (dt.date(2026, 3, 20), "Extend the contract")


@pytest.mark.parametrize("kind", ["objective", "strategy", "action", "competitor", "review"])
def test_an_htmx_delete_removes_the_item_and_its_row(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User, kind: str
) -> None:
    client = _client(kam_alice)
    item = items[kind]

    response = client.post(_item_url(acme_plan, kind, item, "delete/"), headers=HTMX)

    assert response.status_code == 200
    assert response.content == b""
    assert not MODELS[kind].objects.filter(pk=item.pk).exists()
    assert f'id="{kind}-{item.pk}"' not in client.get(_url(acme_plan)).content.decode()


def test_without_htmx_a_delete_redirects_with_a_message(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    response = _client(kam_alice).post(_item_url(acme_plan, "competitor", items["competitor"], "delete/"), follow=True)

    assert response.redirect_chain == [(f"{_url(acme_plan)}#competitors", 302)]
    assert "Competitor deleted." in response.content.decode()
    assert not CompetitorPosition.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("team_tina", 403), ("outsider_olga", 404)])
def test_people_who_may_not_edit_the_plan_can_neither_edit_nor_delete_items(
    request: pytest.FixtureRequest, acme_plan: AccountPlan, items: dict[str, Any], persona: str, status: int
) -> None:
    client = _client(request.getfixturevalue(persona))
    objective = items["objective"]

    edit = client.post(
        _item_url(acme_plan, "objective", objective, "edit/"),
        {"title": "Mine", "kpi": "revenue", "baseline": "1", "target": "2"},
        headers=HTMX,
    )
    delete = client.post(_item_url(acme_plan, "objective", objective, "delete/"), headers=HTMX)

    assert (edit.status_code, delete.status_code) == (status, status)
    objective.refresh_from_db()
    assert objective.title == "Grow revenue to 600k"


def test_on_a_closed_plan_htmx_edits_and_deletes_are_refused_in_place(
    acme_plan: AccountPlan, items: dict[str, Any], kam_alice: User
) -> None:
    do_close_plan(acme_plan, acting_user=kam_alice)
    client = _client(kam_alice)
    review = items["review"]

    edit = client.post(_item_url(acme_plan, "review", review, "edit/"), {"date": "2026-05-05"}, headers=HTMX)
    delete = client.post(_item_url(acme_plan, "review", review, "delete/"), headers=HTMX)

    assert edit.status_code == 200
    assert "This plan is closed: it can no longer be changed." in edit.content.decode()
    assert delete.status_code == 200
    assert delete.content.decode().strip().startswith(f'<article id="review-{review.pk}"')
    assert "hx-confirm" not in delete.content.decode()
    review.refresh_from_db()
    assert review.date == dt.date(2026, 3, 15)


def test_an_unknown_item_is_404(acme_plan: AccountPlan, kam_alice: User) -> None:
    client = _client(kam_alice)
    assert client.get(_url(acme_plan, "objectives/999999/edit/")).status_code == 404
    assert client.post(_url(acme_plan, "widgets/1/delete/")).status_code == 404
