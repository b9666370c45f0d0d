"""`kam import surveys`: answers upserted by (account, code), problems named by row, nothing partial;
and the account history's reason naming the imported file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kam.imports.models import ImportRun
from kam.imports.tests.test_import_command import run_import, write
from kam.key_accounts.models import Account, AccountChange, SurveyResponse

pytestmark = pytest.mark.django_db

HEADER = "account,code,answered_on,satisfaction,nps,contact,comment\n"
SURVEYS_CSV = HEADER + (
    "ACME,2026-Q1-17,2026-03-02,8,9,MR,Quick answers\n"
    "COBALT,2026-Q1-18,2026-03-04,4,,AD,Deliveries late\n"
    "BOREAL,2026-Q1-19,2026-03-05,7,6,,\n"
)


def test_surveys_import_and_the_same_file_again_adds_nothing(tmp_path: Path, accounts: dict[str, Account]) -> None:
    path = write(tmp_path, "surveys.csv", SURVEYS_CSV)

    status, out, err = run_import("surveys", str(path))

    assert (status, err) == (0, "")
    assert out == "Imported surveys.csv as surveys: 3 rows — 3 new, 0 updated, 0 unchanged.\n"
    assert list(
        SurveyResponse.objects.order_by("code").values_list(
            "account__code", "code", "answered_on", "satisfaction", "nps", "contact__code", "comment"
        )
    ) == [
        ("ACME", "2026-Q1-17", dt.date(2026, 3, 2), 8, 9, "MR", "Quick answers"),
        ("COBALT", "2026-Q1-18", dt.date(2026, 3, 4), 4, None, "AD", "Deliveries late"),
        ("BOREAL", "2026-Q1-19", dt.date(2026, 3, 5), 7, 6, None, ""),
    ]

    status, out, _err = run_import("surveys", str(path))

    assert status == 0
    assert out == "Imported surveys.csv as surveys: 3 rows — 0 new, 0 updated, 3 unchanged.\n"
    assert SurveyResponse.objects.count() == 3


def test_bad_surveys_name_each_problem_and_write_nothing(tmp_path: Path, accounts: dict[str, Account]) -> None:
    bad = write(
        tmp_path,
        "bad.csv",
        HEADER + "ACME,S-1,2026-03-02,8,9,MR,Fine\nNOPE,S-2,2026-03-02,8,,,\nACME,S-3,2026-03-02,11,10,,\n",
    )

    status, out, err = run_import("surveys", str(bad))

    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "bad.csv:3:account: unknown account code 'NOPE'",
        "bad.csv:4:satisfaction: 11 is outside the allowed range 1 to 10",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    assert SurveyResponse.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_a_contact_of_another_account_is_named_by_its_row(tmp_path: Path, accounts: dict[str, Account]) -> None:
    # AD is a contact of COBALT, not of ACME.
    bad = write(tmp_path, "bad.csv", HEADER + "ACME,S-1,2026-03-02,8,9,MR,\nACME,S-2,2026-03-02,5,,AD,\n")

    status, out, err = run_import("surveys", str(bad))

    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "bad.csv:3:contact: unknown contact code 'AD'",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    assert SurveyResponse.objects.count() == 0


def test_an_accounts_file_names_itself_in_the_history(tmp_path: Path, accounts: dict[str, Account]) -> None:
    path = write(tmp_path, "accounts-march.csv", "code,name,phase,tier\nACME,Acme Group,maintenance,strategic\n")

    status, _out, _err = run_import("accounts", str(path))

    assert status == 0
    assert list(AccountChange.objects.values_list("account__code", "field", "old_value", "new_value", "reason")) == [
        ("ACME", "phase", "growth", "maintenance", "import accounts-march.csv")
    ]
