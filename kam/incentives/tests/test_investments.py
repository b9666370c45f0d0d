"""What key accounts cost the programme: recorded one month at a time or imported (`kam import investments`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from kam.core.models import AuditRecord
from kam.incentives.actions import IncentiveError, do_record_investment
from kam.incentives.models import Investment
from kam.key_accounts.models import Account
from kam.users.models import User

pytestmark = pytest.mark.django_db

INVESTMENTS_CSV = (
    "account,month,kam_hours,team_hours,hourly_rate,special_costs,note\n"
    "ACME,2025-01-01,10,5,80,200,Kick-off workshop\n"
    "ACME,2025-02-01,8,4,80,0,\n"
    "COBALT,2025-01-01,6,0,90,,\n"
)


def run_import(path: Path) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import", "investments", str(path), stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "investments.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_imports_investments_by_account_and_month(tmp_path: Path, accounts: dict[str, Account]) -> None:
    status, out, _err = run_import(write(tmp_path, INVESTMENTS_CSV))

    assert status == 0
    assert out == "Imported investments.csv as investments: 3 rows — 3 new, 0 updated, 0 unchanged.\n"
    assert [
        (item.account.code, item.month, item.amount, item.note) for item in Investment.objects.select_related("account")
    ] == [
        ("ACME", dt.date(2025, 1, 1), Decimal("1400.00"), "Kick-off workshop"),
        ("ACME", dt.date(2025, 2, 1), Decimal("960.00"), ""),
        ("COBALT", dt.date(2025, 1, 1), Decimal("540.00"), ""),
    ]
    assert AuditRecord.objects.filter(action="investment.create").count() == 3


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path, accounts: dict[str, Account]) -> None:
    path = write(tmp_path, INVESTMENTS_CSV)
    run_import(path)
    audits = AuditRecord.objects.exclude(action="import.run").count()

    status, out, _err = run_import(path)

    assert status == 0
    assert out == "Imported investments.csv as investments: 3 rows — 0 new, 0 updated, 3 unchanged.\n"
    assert Investment.objects.count() == 3
    assert AuditRecord.objects.exclude(action="import.run").count() == audits


def test_an_unknown_account_is_named_by_row_and_nothing_is_written(
    tmp_path: Path, accounts: dict[str, Account]
) -> None:
    status, _out, err = run_import(write(tmp_path, INVESTMENTS_CSV + "NOPE,2025-01-01,1,1,50,0,\n"))

    assert status == 1
    assert err == (
        "investments.csv:5:account: unknown account code 'NOPE'\n"
        "Nothing was imported: fix the file (or the mapping) and import it again.\n"
    )
    assert Investment.objects.count() == 0


def test_a_kam_records_an_investment_of_their_account(accounts: dict[str, Account], kam_alice: User) -> None:
    investment = do_record_investment(
        accounts["ACME"],
        dt.date(2025, 3, 17),
        kam_hours=12,
        team_hours=Decimal("3.5"),
        hourly_rate=70,
        special_costs=150,
        acting_user=kam_alice,
    )

    assert (investment.month, investment.amount) == (dt.date(2025, 3, 1), Decimal("1235.00"))


def test_a_kam_cannot_record_another_kams_account(accounts: dict[str, Account], kam_alice: User) -> None:
    with pytest.raises(PermissionDenied):
        do_record_investment(accounts["COBALT"], dt.date(2025, 3, 1), kam_hours=1, acting_user=kam_alice)

    assert Investment.objects.count() == 0


def test_negative_hours_are_refused(accounts: dict[str, Account]) -> None:
    with pytest.raises(IncentiveError) as raised:
        do_record_investment(accounts["ACME"], dt.date(2025, 3, 1), kam_hours=-1, acting_user=None)

    assert str(raised.value) == "KAM hours: it cannot be negative."
    assert Investment.objects.count() == 0
