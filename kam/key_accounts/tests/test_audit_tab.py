"""The account's audit tab: every change of the account and its objects, read-only and exportable."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from openpyxl import load_workbook

from kam.core.admin import AuditRecordAdmin
from kam.core.audit import record_audit
from kam.core.models import AuditRecord
from kam.key_accounts.actions import do_change_phase
from kam.key_accounts.models import Account
from kam.plans.actions import do_add_objective, do_create_plan
from kam.plans.choices import ObjectiveKpi
from kam.touchpoints.actions import do_log_touchpoint
from kam.touchpoints.tests.fixtures import touchpoint_details
from kam.users.models import User

EVIL = '=HYPERLINK("http://evil.example","click")'


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _add_contact(client: Client, last_name: str = "Nieto") -> None:
    response = client.post(
        "/accounts/ACME/map/contacts/",
        {"code": "NN", "first_name": "Nuria", "last_name": last_name, "influence": "3"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def acme_changes(accounts: dict[str, Account], kam_alice: User, team_tina: User) -> Account:
    """ACME with a contact added, its phase changed, a plan with an objective and a touchpoint."""
    acme = accounts["ACME"]
    _add_contact(_client(kam_alice))
    do_change_phase(acme, "maintenance", reason="Slower year", acting_user=kam_alice)
    plan = do_create_plan(
        acme,
        title="ACME 2026",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        acting_user=kam_alice,
    )
    do_add_objective(
        plan, title="Grow", kpi=ObjectiveKpi.REVENUE, baseline=Decimal(1), target=Decimal(2), acting_user=kam_alice
    )
    do_log_touchpoint(acme, touchpoint_details(), acting_user=team_tina)
    return acme


def test_the_tab_lists_the_changes_of_the_account_and_its_objects_newest_first(
    acme_changes: Account, kam_alice: User
) -> None:
    response = _client(kam_alice).get("/accounts/ACME/audit/")

    assert response.status_code == 200
    records = [row["record"] for row in response.context["rows"]]
    actions = [record.action for record in records]
    for expected in (
        "contact.create",
        "account.change_phase",
        "plan.create",
        "plan_objective.create",
        "touchpoint.create",
    ):
        assert any(action.startswith(expected.split(".")[0]) for action in actions), (expected, actions)
    assert [record.created_at for record in records] == sorted((r.created_at for r in records), reverse=True)
    assert all(record.account_id == acme_changes.pk for record in records)
    # Another account's records are not there.
    assert not AuditRecord.objects.filter(account__code="COBALT").filter(pk__in=[r.pk for r in records]).exists()
    assert 'aria-current="page">Audit<' in response.content.decode()


def test_a_change_shows_who_when_and_before_after(acme_changes: Account, kam_alice: User) -> None:
    response = _client(kam_alice).get("/accounts/ACME/audit/", {"action": "account.change_phase"})

    rows = response.context["rows"]
    assert [row["record"].action for row in rows] == ["account.change_phase"]
    assert rows[0]["record"].actor == kam_alice
    assert ("phase", "growth", "maintenance") in rows[0]["changes"]
    body = response.content.decode()
    assert "growth → maintenance" in body
    assert "Alice Anders" in body


def test_an_unknown_action_filter_shows_everything(acme_changes: Account, kam_alice: User) -> None:
    response = _client(kam_alice).get("/accounts/ACME/audit/", {"action": "nope"})

    assert response.context["action"] == ""
    assert response.context["page_obj"].paginator.count == AuditRecord.objects.filter(account=acme_changes).count()


def test_the_tab_pages_by_fifty(accounts: dict[str, Account], director: User) -> None:
    acme = accounts["ACME"]
    for number in range(60):
        record_audit(actor=director, action="account.touch", instance=acme, changes={"n": [number, number + 1]})

    first = _client(director).get("/accounts/ACME/audit/", {"action": "account.touch"})
    second = _client(director).get("/accounts/ACME/audit/", {"action": "account.touch", "page": "2"})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 10
    assert first.context["rows"][0]["changes"] == [("n", "59", "60")]


def test_the_htmx_filter_gets_only_the_list(acme_changes: Account, kam_alice: User) -> None:
    response = _client(kam_alice).get(
        "/accounts/ACME/audit/", {"action": "account.change_phase"}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert '<nav class="tabs"' not in body
    assert "account.change_phase" in body


def test_viewers_and_team_members_read_it_others_get_404(
    acme_changes: Account, team_tina: User, viewer_victor: User, kam_bob: User
) -> None:
    from kam.key_accounts.actions import do_add_team_member
    from kam.key_accounts.choices import TeamRole

    do_add_team_member(acme_changes, viewer_victor, role=TeamRole.OTHER, acting_user=None)

    assert _client(team_tina).get("/accounts/ACME/audit/").status_code == 200
    assert _client(viewer_victor).get("/accounts/ACME/audit/").status_code == 200
    assert _client(kam_bob).get("/accounts/ACME/audit/").status_code == 404
    assert _client(kam_bob).get("/accounts/ACME/audit/export.csv").status_code == 404


def test_incentive_and_selection_records_are_hidden_from_who_may_not_see_them(
    accounts: dict[str, Account], team_tina: User, kam_alice: User, director: User
) -> None:
    acme = accounts["ACME"]
    pay = AuditRecord.objects.create(
        account=acme, action="investment.create", object_type="incentives.investment", object_id="1", object_repr="x"
    )
    rating = AuditRecord.objects.create(
        account=acme, action="rating.create", object_type="selection.rating", object_id="1", object_repr="y"
    )

    def seen(user: User) -> set[int]:
        return {row["record"].pk for row in _client(user).get("/accounts/ACME/audit/").context["rows"]}

    assert not {pay.pk, rating.pk} & seen(team_tina)
    assert pay.pk in seen(kam_alice)
    assert rating.pk not in seen(kam_alice)
    assert {pay.pk, rating.pk} <= seen(director)
    assert "investment.create" not in _client(team_tina).get("/accounts/ACME/audit/").context["actions"]


def test_the_csv_export_holds_the_filtered_trail_neutralised(accounts: dict[str, Account], kam_alice: User) -> None:
    _add_contact(_client(kam_alice), last_name=EVIL)

    response = _client(kam_alice).get("/accounts/ACME/audit/export.csv", {"action": "contact.create"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="openkam-audit-ACME.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["When", "Who", "Action", "Object type", "Object id", "Object", "Changes"]
    assert {row[2] for row in rows[1:]} == {"contact.create"}
    mine = [row for row in rows[1:] if row[1] == "Alice Anders"]
    assert len(mine) == 1
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "=HYPERLINK" in mine[0][5] + mine[0][6]


def test_the_xlsx_export_neutralises_a_contact_named_like_a_formula(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    from kam.key_accounts.models import Contact

    _add_contact(_client(kam_alice))
    Contact.objects.filter(code="NN").update(first_name="", last_name=EVIL)
    contact = Contact.objects.get(code="NN")
    record_audit(actor=kam_alice, action="contact.update", instance=contact, changes={"last_name": ["Nieto", EVIL]})

    response = _client(kam_alice).get("/accounts/ACME/audit/export.xlsx", {"action": "contact.update"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    assert str(rows[0][5]).startswith("'=HYPERLINK")
    assert isinstance(rows[0][0], dt.datetime)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_record_audit_sets_the_account_of_plan_parts_and_leaves_others_empty(
    accounts: dict[str, Account], kam_alice: User
) -> None:
    acme = accounts["ACME"]
    plan = do_create_plan(
        acme, title="P", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31), acting_user=kam_alice
    )
    objective = do_add_objective(
        plan, title="Grow", kpi=ObjectiveKpi.REVENUE, baseline=Decimal(1), target=Decimal(2), acting_user=kam_alice
    )

    assert AuditRecord.objects.get(action="plan_objective.create", object_id=str(objective.pk)).account == acme
    assert record_audit(actor=None, action="user.touch", instance=kam_alice, changes={}).account is None


def test_the_backfill_migration_fills_and_empties_the_account(acme_changes: Account) -> None:
    migration = importlib.import_module("kam.core.migrations.0004_backfill_auditrecord_account")
    expected = dict(AuditRecord.objects.filter(account__isnull=False).values_list("pk", "account_id"))
    AuditRecord.objects.update(account=None)

    migration.backfill(django_apps, None)

    assert dict(AuditRecord.objects.filter(account__isnull=False).values_list("pk", "account_id")) == expected
    migration.empty(django_apps, None)
    assert not AuditRecord.objects.filter(account__isnull=False).exists()


def test_the_admin_of_audit_records_is_read_only(administrator: User) -> None:
    administrator.is_staff = administrator.is_superuser = True
    admin = AuditRecordAdmin(AuditRecord, site)
    request = RequestFactory().get("/admin/core/auditrecord/")
    request.user = administrator

    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)
    assert "delete_selected" not in admin.get_actions(request)
