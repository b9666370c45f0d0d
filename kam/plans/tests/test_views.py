"""Plan pages: who sees and edits them, the HTMX edits, the conflict page, exports and the roll-up."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from kam.key_accounts.models import Account
from kam.plans.actions import do_update_plan
from kam.plans.choices import ActionStatus, PlanStatus
from kam.plans.models import AccountPlan, PlanAction
from kam.plans.tests.fixtures import make_plan
from kam.users.models import User

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(plan: AccountPlan, suffix: str = "") -> str:
    return f"/accounts/{plan.account.code}/plan/{plan.pk}/{suffix}"


@pytest.mark.parametrize("persona", ["outsider_olga", "viewer_victor"])
def test_people_who_do_not_see_the_account_get_404_for_its_plan(
    request: pytest.FixtureRequest, acme_plan: AccountPlan, persona: str
) -> None:
    client = _client(request.getfixturevalue(persona))
    assert client.get("/accounts/ACME/plan/").status_code == 404
    assert client.get(_url(acme_plan)).status_code == 404
    assert client.get(_url(acme_plan, "export.pdf")).status_code == 404
    assert client.post(_url(acme_plan, "edit/"), {"revision": 1, "title": "x"}).status_code == 404


def test_the_plan_page_shows_objectives_with_progress_overdue_actions_and_the_whitespace_grid(
    acme_plan: AccountPlan, kam_alice: User
) -> None:
    response = _client(kam_alice).get("/accounts/ACME/plan/")

    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="/accounts/ACME/plan/" aria-current="page">Plan</a>' in content
    assert 'data-objective="Grow revenue to 600k"' in content
    assert '<progress class="plan-progress" max="100" value="50"' in content  # 400k → 500k of 600k
    assert "analysis of 12/31/2025" in content
    assert 'data-overdue-count="1"' in content
    assert "1 action is overdue." in content
    assert content.count('class="badge badge--overdue"') == 1
    assert 'data-cell="Plant Bilbao|GLUE"' in content
    assert '<td class="num strong" data-whitespace-total>150,000 / 80,000</td>' in content
    assert 'id="diagnosis-form"' in content


def test_an_account_without_plan_offers_its_kam_to_create_one(accounts: dict[str, Account], kam_alice: User) -> None:
    client = _client(kam_alice)
    content = client.get("/accounts/BOREAL/plan/").content.decode()
    assert "This account has no key account plan yet." in content
    assert 'id="new-plan-form"' in content

    response = client.post(
        "/accounts/BOREAL/plan/new/",
        {"title": "Borealis 2026", "period_start": "2026-01-01", "period_end": "2026-12-31"},
    )

    plan = AccountPlan.objects.get(account__code="BOREAL")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/BOREAL/plan/{plan.pk}/"


def test_a_team_member_sees_the_plan_but_may_not_edit_the_diagnosis(acme_plan: AccountPlan, team_tina: User) -> None:
    client = _client(team_tina)

    content = client.get("/accounts/ACME/plan/").content.decode()
    response = client.post(_url(acme_plan, "edit/"), {"revision": 1, "title": "Tina's plan"})

    assert 'data-objective="Grow revenue to 600k"' in content
    assert 'id="diagnosis-form"' not in content
    assert 'id="action-form"' not in content
    assert response.status_code == 403
    acme_plan.refresh_from_db()
    assert acme_plan.title == "ACME 2026"


def test_a_team_member_changes_the_status_of_her_action_inline(acme_plan: AccountPlan, team_tina: User) -> None:
    client = _client(team_tina)
    hers = PlanAction.objects.get(title="Audit delivery routes")
    alices = PlanAction.objects.get(title="Quarterly business review")
    content = client.get("/accounts/ACME/plan/").content.decode()
    assert content.count('hx-trigger="change"') == 1  # only her own action offers the status select

    response = client.post(
        _url(acme_plan, f"actions/{hers.pk}/status/"), {"status": "done"}, headers={"HX-Request": "true"}
    )
    refused = client.post(_url(acme_plan, f"actions/{alices.pk}/status/"), {"status": "done"})

    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="action-{hers.pk}" data-action="Audit delivery routes">')
    assert '<option value="done" selected>Done</option>' in row
    assert refused.status_code == 403
    hers.refresh_from_db()
    alices.refresh_from_db()
    assert (hers.status, alices.status) == (ActionStatus.DONE, ActionStatus.OPEN)


def test_an_htmx_action_form_returns_the_new_row_and_a_fresh_form(
    acme_plan: AccountPlan, kam_alice: User, team_tina: User
) -> None:
    response = _client(kam_alice).post(
        _url(acme_plan, "actions/"),
        {"title": "Plant visit", "owner": team_tina.pk, "due_date": "2031-05-04", "department": ""},
        headers={"HX-Request": "true"},
    )

    action = PlanAction.objects.get(title="Plant visit")
    content = response.content.decode()
    assert response.status_code == 200
    assert content.startswith(f'\n<tr id="action-{action.pk}" data-action="Plant visit">')
    assert '<template>\n<form id="action-form"' in content
    assert 'hx-swap-oob="true"' in content
    assert (action.owner, action.department, action.due_date) == (team_tina, "logistics", dt.date(2031, 5, 4))


def test_an_invalid_htmx_action_form_comes_back_with_its_errors_in_place(
    acme_plan: AccountPlan, kam_alice: User
) -> None:
    response = _client(kam_alice).post(
        _url(acme_plan, "actions/"),
        {"title": "Plant visit", "owner": "", "due_date": ""},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#action-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert response.content.decode().count("This field is required.") == 2
    assert not PlanAction.objects.filter(title="Plant visit").exists()


def test_a_stale_diagnosis_save_shows_both_values_and_keeps_the_input(
    accounts: dict[str, Account], kam_alice: User, director: User
) -> None:
    plan = make_plan(accounts["ACME"], kam_alice)
    do_update_plan(plan, {"strengths": "Director's view"}, revision=1, acting_user=director)
    form = {
        "revision": "1",
        "title": "ACME 2026",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "strengths": "Alice's view",
        "threats": "Alice's threat",
    }

    response = _client(kam_alice).post(_url(plan, "edit/"), form)

    content = response.content.decode()
    assert response.status_code == 409
    assert "Not saved: Diana Director changed this plan after you opened it (revision 1, now 2)." in content
    assert '<td class="plan-pre" data-theirs>Director&#x27;s view</td>' in content
    assert '<td class="plan-pre" data-yours>Alice&#x27;s view</td>' in content
    assert '<input type="hidden" name="revision" value="2"' in content
    assert ">\nAlice&#x27;s threat</textarea>" in content
    plan.refresh_from_db()
    assert (plan.strengths, plan.threats, plan.revision) == ("Director's view", "", 2)


def test_activating_a_second_plan_is_refused_with_a_message(acme_plan: AccountPlan, kam_alice: User) -> None:
    draft = make_plan(acme_plan.account, kam_alice, "ACME 2027")
    client = _client(kam_alice)

    response = client.post(_url(draft, "activate/"), follow=True)

    assert "“ACME 2026” is the active plan of this account; close it before activating this one." in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.status == PlanStatus.DRAFT
    # The account's page still shows the active plan, and lists the draft as another plan.
    content = client.get("/accounts/ACME/plan/").content.decode()
    assert f'<a href="/accounts/ACME/plan/{draft.pk}/">ACME 2027</a>' in content


def test_the_pdf_export_holds_the_plan(acme_plan: AccountPlan, team_tina: User) -> None:
    response = _client(team_tina).get(_url(acme_plan, "export.pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="plan-ACME-{acme_plan.pk}.pdf"'
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "ACME 2026" in text
    assert "Grow revenue to 600k" in text
    assert "Audit delivery routes" in text
    assert "Plant Bilbao" in text


def test_the_xlsx_export_has_objectives_actions_and_whitespace(acme_plan: AccountPlan, kam_alice: User) -> None:
    response = _client(kam_alice).get(_url(acme_plan, "export.xlsx"))

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Objectives", "Actions", "Whitespace"]
    objectives = list(workbook["Objectives"].iter_rows(values_only=True))
    assert objectives[0] == ("Objective", "KPI", "Baseline", "Target", "Current", "Progress", "As of", "Due date")
    assert objectives[1][:6] == ("Grow revenue to 600k", "Revenue", 400000, 600000, 500000, 0.5)
    assert [row[0] for row in workbook["Actions"].iter_rows(min_row=2, values_only=True)] == [
        "Audit delivery routes",
        "Quarterly business review",
    ]
    assert list(workbook["Whitespace"].iter_rows(min_row=2, values_only=True)) == [
        ("Plant Bilbao", "Adhesives", "Buys from a competitor", 50000, 0, "Henkel"),
        ("Plant Bilbao", "Fasteners", "Buys from us", 100000, 80000, None),
    ]


@pytest.mark.parametrize(("persona", "status"), [("director", 200), ("kam_alice", 200), ("team_tina", 404)])
def test_the_rollup_is_for_directors_and_kams(
    request: pytest.FixtureRequest, acme_plan: AccountPlan, persona: str, status: int
) -> None:
    response = _client(request.getfixturevalue(persona)).get("/plans/rollup/")
    assert response.status_code == status


def test_the_rollup_shows_targets_against_current_values(acme_plan: AccountPlan, director: User) -> None:
    content = _client(director).get("/plans/rollup/").content.decode()
    assert '<tr data-rollup-row="Alice Anders">' in content
    assert '<td class="num" data-target="revenue">600,000</td>' in content
    assert '<td class="num" data-current="revenue">500,000</td>' in content


def test_a_whitespace_cell_is_saved_from_the_form_and_its_edit_link_fills_the_form(
    acme_plan: AccountPlan, kam_alice: User, whitespace_lines: dict[str, Any]
) -> None:
    client = _client(kam_alice)
    glue = whitespace_lines["GLUE"]

    response = client.post(
        _url(acme_plan, "whitespace/"),
        {"business_unit": "Plant Porto", "product_line": glue.pk, "status": "open", "potential": "25000"},
    )
    edit = client.get(f"/accounts/ACME/plan/?unit=Plant+Bilbao&line={glue.pk}").content.decode()

    assert response.status_code == 302
    cell = acme_plan.whitespace.get(business_unit="Plant Porto")
    assert (cell.product_line, cell.status, cell.potential) == (glue, "open", Decimal(25000))
    assert 'name="competitor" value="Henkel"' in edit
    assert 'name="business_unit" value="Plant Bilbao"' in edit


def test_saving_the_diagnosis_redirects_to_the_plan(acme_plan: AccountPlan, kam_alice: User) -> None:
    form = {"revision": "1", "title": "ACME 2026", "period_start": "2026-01-01", "period_end": "2026-12-31"}
    response = _client(kam_alice).post(_url(acme_plan, "edit/"), {**form, "opportunities": "Adhesives"})

    assert response.status_code == 302
    acme_plan.refresh_from_db()
    assert (acme_plan.opportunities, acme_plan.revision) == ("Adhesives", 2)


def test_a_closed_plan_is_shown_read_only(acme_plan: AccountPlan, kam_alice: User) -> None:
    client = _client(kam_alice)
    client.post(_url(acme_plan, "close/"))

    content = client.get(_url(acme_plan)).content.decode()

    assert '<span class="badge badge--plan-closed" data-plan-status="closed">Closed</span>' in content
    assert 'id="diagnosis-form"' not in content
    assert 'hx-trigger="change"' not in content
