"""`kam import touchpoints`: upserts by (account, code), local times, contacts of the account,
and alerts raised once for negative touchpoints and complaints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kam.alerts.models import Alert, AlertNotice
from kam.core.models import AuditRecord
from kam.imports.models import ImportRun
from kam.imports.tests.test_import_command import run_import, write
from kam.key_accounts.models import Account
from kam.touchpoints.models import Touchpoint
from kam.users.models import User

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")

HEADER = "account,code,happened_at,user,department,channel,type,summary,sentiment,contact\n"
TOUCHPOINTS_CSV = HEADER + (
    "ACME,TP-1,2026-03-04 09:30,tina,logistics,phone,delivery,Pallets arrived damaged,negative,MR\n"
    "ACME,TP-2,2026-03-05 16:00:00,alice,sales,visit,complaint,Price list not applied,,\n"
    "BOREAL,TP-3,2026-03-06 11:15,bob,sales,email,order,Asked for a quote,positive,\n"
)


def test_touchpoints_import_with_alerts_and_again_change_nothing(
    tmp_path: Path, accounts: dict[str, Account], team_tina: User
) -> None:
    path = write(tmp_path, "touchpoints.csv", TOUCHPOINTS_CSV)

    status, out, err = run_import("touchpoints", str(path))

    assert (status, err) == (0, "")
    assert out == "Imported touchpoints.csv as touchpoints: 3 rows — 3 new, 0 updated, 0 unchanged.\n"
    first = Touchpoint.objects.get(code="TP-1")
    assert (first.account.code, first.user.username, first.contact.code if first.contact else None) == (
        "ACME",
        "tina",
        "MR",
    )
    assert first.happened_at == dt.datetime(2026, 3, 4, 9, 30, tzinfo=MADRID)
    assert (first.department, first.channel, first.type, first.summary, first.sentiment) == (
        "logistics",
        "phone",
        "delivery",
        "Pallets arrived damaged",
        "negative",
    )
    second = Touchpoint.objects.get(code="TP-2")
    assert (second.sentiment, second.contact, second.happened_at) == (
        "neutral",
        None,
        dt.datetime(2026, 3, 5, 16, 0, tzinfo=MADRID),
    )
    assert list(Alert.objects.order_by("event_key").values_list("event_key", "kind", "severity")) == [
        (f"touchpoint:{first.pk}:negative", "negative_experience", "critical"),
        (f"touchpoint:{second.pk}:complaint", "complaint", "critical"),
    ]
    assert sorted(AlertNotice.objects.values_list("alert__event_key", "recipient__username")) == [
        (f"touchpoint:{first.pk}:negative", "alice"),
        (f"touchpoint:{first.pk}:negative", "tina"),
        (f"touchpoint:{second.pk}:complaint", "alice"),
        (f"touchpoint:{second.pk}:complaint", "tina"),
    ]
    assert AuditRecord.objects.filter(action="touchpoint.create").count() == 3
    audit_before = AuditRecord.objects.exclude(action="import.run").count()

    status, out, _err = run_import("touchpoints", str(path))

    assert status == 0
    assert out == "Imported touchpoints.csv as touchpoints: 3 rows — 0 new, 0 updated, 3 unchanged.\n"
    assert Touchpoint.objects.count() == 3
    assert Alert.objects.count() == 2
    assert AlertNotice.objects.count() == 4
    assert AuditRecord.objects.exclude(action="import.run").count() == audit_before


def test_a_touchpoint_turned_negative_by_a_later_file_raises_its_alert(
    tmp_path: Path, accounts: dict[str, Account], team_tina: User
) -> None:
    run_import("touchpoints", str(write(tmp_path, "first.csv", TOUCHPOINTS_CSV)))
    changed = write(
        tmp_path,
        "changed.csv",
        HEADER + "BOREAL,TP-3,2026-03-06 11:15,bob,sales,email,order,The quote came too late,negative,\n",
    )

    status, out, _err = run_import("touchpoints", str(changed))

    assert status == 0
    assert out == "Imported changed.csv as touchpoints: 1 rows — 0 new, 1 updated, 0 unchanged.\n"
    third = Touchpoint.objects.get(code="TP-3")
    alert = Alert.objects.get(event_key=f"touchpoint:{third.pk}:negative")
    assert (alert.severity, alert.title) == ("warning", "Negative touchpoint: The quote came too late")
    assert sorted(alert.notices.values_list("recipient__username", flat=True)) == ["alice", "bob"]


def test_bad_touchpoints_name_each_problem_and_write_nothing(tmp_path: Path, accounts: dict[str, Account]) -> None:
    # Row 2's unknown contact is not reported yet: the application's checks run once the engine's pass.
    bad = write(
        tmp_path,
        "bad.csv",
        HEADER + "ACME,TP-1,2026-03-04 09:30,alice,sales,phone,order,Fine,negative,AD\n"
        "NOPE,TP-2,2026-03-04 09:30,alice,sales,phone,order,Fine,,\n"
        "ACME,TP-3,yesterday,ghost,sales,phone,order,Fine,,\n",
    )

    status, out, err = run_import("touchpoints", str(bad))

    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "bad.csv:3:account: unknown account code 'NOPE'",
        "bad.csv:4:happened_at: 'yesterday' is not a date and time (YYYY-MM-DD HH:MM, or set datetime_format "
        "in the mapping)",
        "bad.csv:4:user: unknown user name 'ghost'",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    assert Touchpoint.objects.count() == 0
    assert Alert.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_an_unknown_contact_is_named_by_its_row_and_nothing_is_written(
    tmp_path: Path, accounts: dict[str, Account]
) -> None:
    # AD is a contact of COBALT, not of ACME.
    bad = write(
        tmp_path,
        "bad.csv",
        HEADER + "ACME,TP-1,2026-03-04 09:30,alice,sales,phone,order,Fine,negative,MR\n"
        "ACME,TP-2,2026-03-04 10:30,alice,sales,phone,order,Fine,negative,AD\n",
    )

    status, out, err = run_import("touchpoints", str(bad))

    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "bad.csv:3:contact: unknown contact code 'AD'",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    assert Touchpoint.objects.count() == 0
    assert Alert.objects.count() == 0
    assert not AuditRecord.objects.filter(action__startswith="touchpoint").exists()
