from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kam.core.models import AuditRecord
from kam.imports.models import ImportRun
from kam.key_accounts.models import Account, Contact, Product
from kam.users.actions import do_create_user
from kam_engine import FactsStore

pytestmark = pytest.mark.django_db

ACCOUNTS_CSV = (
    "code,name,parent,segment,owner,estimated_wallet\nA1,Alfa S.A.,,OEM,kam.ana,1000.50\nA2,Beta S.L.,A1,,,\n"
)
INVOICES_CSV = (
    "invoice,line,account,date,net_revenue,quantity\nF1,1,A1,2024-01-02,100.00,2\nF1,2,A2,2024-01-02,-5.5,-1\n"
)


def run_import(*arguments: str) -> tuple[int, str, str]:
    """Run `kam import …` and return (exit status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import", *arguments, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def kam_ana() -> None:
    do_create_user("kam.ana", None, role="key_account_manager", acting_user=None)


def test_it_imports_accounts_with_parents_and_owners(tmp_path: Path, kam_ana: None) -> None:
    status, out, _err = run_import("accounts", str(write(tmp_path, "accounts.csv", ACCOUNTS_CSV)))

    assert status == 0
    assert out == "Imported accounts.csv as accounts: 2 rows — 2 new, 0 updated, 0 unchanged.\n"
    alfa, beta = Account.objects.order_by("code")
    assert (alfa.name, alfa.segment, alfa.owner.username if alfa.owner else None, str(alfa.estimated_wallet)) == (
        "Alfa S.A.",
        "OEM",
        "kam.ana",
        "1000.50",
    )
    assert beta.parent == alfa
    assert AuditRecord.objects.filter(action="account.create").count() == 2


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path, kam_ana: None, facts: FactsStore) -> None:
    accounts = write(tmp_path, "accounts.csv", ACCOUNTS_CSV)
    invoices = write(tmp_path, "invoices.csv", INVOICES_CSV)
    run_import("accounts", str(accounts))
    run_import("invoices", str(invoices))
    accounts_before = list(Account.objects.values())
    audit_before = AuditRecord.objects.exclude(action="import.run").count()

    status_accounts, out_accounts, _ = run_import("accounts", str(accounts))
    status_invoices, out_invoices, _ = run_import("invoices", str(invoices))

    assert (status_accounts, status_invoices) == (0, 0)
    assert out_accounts == "Imported accounts.csv as accounts: 2 rows — 0 new, 0 updated, 2 unchanged.\n"
    assert out_invoices == "Imported invoices.csv as invoices: 2 rows — 0 new, 0 updated, 2 unchanged.\n"
    assert list(Account.objects.values()) == accounts_before
    assert AuditRecord.objects.exclude(action="import.run").count() == audit_before
    assert facts.row_counts()["invoice_lines"] == 2


def test_a_file_with_bad_rows_names_each_and_leaves_both_stores_as_they_were(
    tmp_path: Path, kam_ana: None, facts: FactsStore
) -> None:
    run_import("accounts", str(write(tmp_path, "accounts.csv", ACCOUNTS_CSV)))
    run_import("invoices", str(write(tmp_path, "invoices.csv", INVOICES_CSV)))
    counts_before = facts.row_counts()
    runs_before = ImportRun.objects.count()
    bad = write(
        tmp_path,
        "bad.csv",
        "invoice,line,account,date,net_revenue\nF2,1,A1,2024-02-01,10\nF2,2,NOPE,2024-02-31,diez\n",
    )

    status, out, err = run_import("invoices", str(bad))

    assert status == 1
    assert out == ""
    assert err.splitlines() == [
        "bad.csv:3:account: unknown account code 'NOPE'",
        "bad.csv:3:date: '2024-02-31' is not a date (ISO YYYY-MM-DD, or set date_format in the mapping)",
        "bad.csv:3:net_revenue: 'diez' is not a number (check decimal and thousands in the mapping)",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    assert facts.row_counts() == counts_before
    assert ImportRun.objects.count() == runs_before


def test_bad_master_data_writes_no_account(tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.csv", "code,name,size,owner\nA1,Alfa,huge,\nA2,,small,ghost\nA1,Dup,,\n")

    status, _out, err = run_import("accounts", str(path))

    assert status == 1
    assert err.splitlines()[:-1] == [
        "accounts.csv:2:size: 'huge' is not one of: micro, small, medium, large, enterprise",
        "accounts.csv:3:name: a value is required",
        "accounts.csv:3:owner: unknown user name 'ghost'",
        "accounts.csv:4:code: A1 appears again: it was first on row 2",
    ]
    assert Account.objects.count() == 0
    assert AuditRecord.objects.count() == 0


def test_a_column_missing_from_the_file_leaves_stored_values_untouched(tmp_path: Path, kam_ana: None) -> None:
    run_import("accounts", str(write(tmp_path, "accounts.csv", ACCOUNTS_CSV)))

    status, out, _ = run_import("accounts", str(write(tmp_path, "renamed.csv", "code,name\nA1,Alfa Group\n")))

    assert status == 0
    assert out == "Imported renamed.csv as accounts: 1 rows — 0 new, 1 updated, 0 unchanged.\n"
    alfa = Account.objects.get(code="A1")
    assert (alfa.name, alfa.segment, alfa.owner_id is not None) == ("Alfa Group", "OEM", True)
    change = AuditRecord.objects.get(action="account.update")
    assert change.changes == {"name": ["Alfa S.A.", "Alfa Group"]}


def test_dry_run_validates_and_counts_without_writing(tmp_path: Path, kam_ana: None, facts: FactsStore) -> None:
    run_import("accounts", str(write(tmp_path, "accounts.csv", ACCOUNTS_CSV)))

    status, out, _ = run_import("invoices", str(write(tmp_path, "invoices.csv", INVOICES_CSV)), "--dry-run", "--json")

    assert status == 0
    result = json.loads(out)
    assert (result["ok"], result["dry_run"], result["rows"], result["created"], result["unchanged"]) == (
        True,
        True,
        2,
        2,
        0,
    )
    assert facts.row_counts()["invoice_lines"] == 0


def test_the_mapping_can_create_accounts_met_in_facts(tmp_path: Path, facts: FactsStore) -> None:
    mapping = write(tmp_path, "mapping.toml", 'kind = "invoices"\n[options]\ncreate_accounts = true\n')

    status, out, _ = run_import(
        "invoices", str(write(tmp_path, "invoices.csv", INVOICES_CSV)), "--mapping", str(mapping)
    )

    assert status == 0
    assert out.splitlines()[1] == "2 accounts created from unknown codes."
    assert list(Account.objects.order_by("code").values_list("code", "name")) == [("A1", "A1"), ("A2", "A2")]
    assert facts.row_counts()["invoice_lines"] == 2


def test_json_output_lists_problems_with_their_place(tmp_path: Path) -> None:
    status, out, _ = run_import(
        "products", str(write(tmp_path, "p.csv", "code,name,list_price\nP1,Perno,-3\n")), "--json"
    )

    assert status == 1
    assert json.loads(out)["problems"] == [
        {
            "file": "p.csv",
            "row": 2,
            "column": "list_price",
            "code": "out_of_range",
            "message": "p.csv:2:list_price: -3 is below the minimum 0",
        }
    ]
    assert Product.objects.count() == 0


def test_contacts_link_to_their_manager_and_loops_are_rejected(tmp_path: Path, kam_ana: None) -> None:
    run_import("accounts", str(write(tmp_path, "accounts.csv", ACCOUNTS_CSV)))
    good = write(
        tmp_path,
        "contacts.csv",
        "account,code,last_name,reports_to,email,buying_role\nA1,P2,Ruiz,P1,ruiz@alfa.es,Economic buyer\n"
        "A1,P1,Gil,,gil@alfa.es,\n",
    )
    looping = write(tmp_path, "loop.csv", "account,code,last_name,reports_to,email\nA1,P3,Paz,P4,paz@\nA1,P4,Sol,P3,\n")

    status_good, _, _ = run_import("contacts", str(good))
    status_loop, _, err = run_import("contacts", str(looping))

    assert status_good == 0
    ruiz = Contact.objects.get(code="P2")
    assert (ruiz.reports_to.code if ruiz.reports_to else None, ruiz.buying_role) == ("P1", "economic_buyer")
    assert status_loop == 1
    assert err.splitlines()[:-1] == [
        "loop.csv:2:email: 'paz@' is not an e-mail address",
        "loop.csv:2:reports_to: 'P4' makes the hierarchy loop back to this row",
        "loop.csv:3:reports_to: 'P3' makes the hierarchy loop back to this row",
    ]
    assert Contact.objects.count() == 2


def test_a_mapping_for_another_kind_is_refused(tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.toml", 'kind = "contacts"\n')

    status, _, err = run_import(
        "accounts", str(write(tmp_path, "a.csv", "code,name\nA1,Alfa\n")), "--mapping", str(mapping)
    )

    assert status == 1
    assert err.splitlines()[0] == f"a.csv: invalid value: the mapping {mapping} is for contacts, not accounts"
