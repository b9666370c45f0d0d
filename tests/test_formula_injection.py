"""Formula injection: no XLSX export writes text that a spreadsheet would run as a formula."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from kam.core.spreadsheets import FORMULA_STARTS, safe_cell, safe_row
from kam.incentives.models import IncentivePlan
from kam.incentives.tests.conftest import incentive_plan, paid_portfolio
from kam.key_accounts.actions import do_import_accounts
from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam.plans.actions import do_add_action, do_add_objective, do_create_plan
from kam.plans.choices import ObjectiveKpi
from kam.selection.models import SelectionProposal
from kam.users.models import User

__all__ = ["incentive_plan", "paid_portfolio"]

EVIL = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_a_formula_gets_an_apostrophe(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", [-5, -2.5, Decimal("-3.10"), 0, None, True, dt.date(2026, 1, 1), "plain", ""])
def test_numbers_dates_and_plain_text_pass_unchanged(value: Any) -> None:
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


@given(st.text())
def test_a_neutralised_text_never_starts_a_formula(text: str) -> None:
    safe = safe_cell(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe in (text, "'" + text)


def test_safe_row_neutralises_each_cell() -> None:
    assert safe_row(["=A1", -1, "ok"]) == ["'=A1", -1, "ok"]


def _workbook(response: Any) -> Workbook:
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _no_formula(workbook: Workbook) -> list[Any]:
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    return values


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_selection_export_neutralises_an_account_name(proposal: SelectionProposal, director: User) -> None:
    Account.objects.filter(code="ACME").update(name=EVIL)

    values = _no_formula(_workbook(_client(director).get(f"/selection/proposals/{proposal.pk}/export.xlsx")))

    assert "'" + EVIL in values


def test_the_plan_export_neutralises_text_and_keeps_negative_numbers(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    plan = do_create_plan(
        accounts["ACME"],
        title="ACME 2026",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        acting_user=kam_alice,
    )
    do_add_objective(
        plan, title=EVIL, kpi=ObjectiveKpi.REVENUE, baseline=Decimal(-5), target=Decimal(10), acting_user=kam_alice
    )
    do_add_action(plan, title="@SUM(A1:A9)", owner=kam_alice, due_date=dt.date(2026, 6, 1), acting_user=kam_alice)

    workbook = _workbook(_client(kam_alice).get(f"/accounts/ACME/plan/{plan.pk}/export.xlsx"))

    _no_formula(workbook)
    objective = next(workbook["Objectives"].iter_rows(min_row=2, values_only=True))
    assert objective[0] == "'" + EVIL
    assert objective[2] == -5
    assert next(workbook["Actions"].iter_rows(min_row=2, values_only=True))[0] == "'@SUM(A1:A9)"


def test_the_incentives_export_neutralises_an_account_name(
    director: User, incentive_plan: IncentivePlan, paid_portfolio: dict[dt.date, PortfolioAnalysis]
) -> None:
    do_import_accounts([{"code": "ACME-IB", "name": EVIL}], ["code", "name"], acting_user=None)

    values = _no_formula(_workbook(_client(director).get("/incentives/export.xlsx?period=2025-Q4")))

    assert "'" + EVIL in values
    assert not any(isinstance(value, str) and value.startswith("'-") for value in values)


def test_the_audit_export_neutralises_a_contact_name(accounts: dict[str, Account], kam_alice: User) -> None:
    response = _client(kam_alice).post(
        "/accounts/ACME/map/contacts/", {"code": "EV", "first_name": "", "last_name": EVIL, "influence": "3"}
    )
    assert response.status_code == 302

    values = _no_formula(_workbook(_client(kam_alice).get("/accounts/ACME/audit/export.xlsx")))

    assert any(isinstance(value, str) and value.startswith("'=HYPERLINK") for value in values)
