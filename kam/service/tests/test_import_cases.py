"""`kam import cases`: upsert by (account, code), clocks computed, alerts once, nothing stored from a bad file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine

from kam.alerts.models import Alert
from kam.core.models import AuditRecord
from kam.imports.models import ImportRun
from kam.imports.tests.test_import_command import run_import, write
from kam.key_accounts.models import Account
from kam.service.models import ServiceCase
from kam.service.tests.fixtures import madrid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("service_levels")]

UTC = dt.UTC
HEADER = "account,code,type,subject,opened_at,first_response_at,resolved_at,due_at,status,priority,owner,contact\n"
CASES_CSV = HEADER + (
    "ACME,HD-1,complaint,Pallets crushed,2026-01-02 16:00,2026-01-05 12:00,,,,high,alice,MR\n"
    "ACME,HD-2,support,Manual missing,2026-01-02 16:00,2026-01-02 16:30,2026-01-05 10:00,,,,,\n"
    "DELTA,HD-1,delivery,Late truck,2026-01-02 16:00,,,2026-01-03 12:00,,,bob,\n"
)
NOW = madrid(2026, 1, 5, 12, 30)


@time_machine.travel(NOW, tick=False)
def test_cases_import_with_their_clocks_and_alerts_and_again_change_nothing(
    tmp_path: Path, accounts: dict[str, Account]
) -> None:
    path = write(tmp_path, "cases.csv", CASES_CSV)

    status, out, err = run_import("cases", str(path))

    assert (status, err) == (0, "")
    assert out == "Imported cases.csv as cases: 3 rows — 3 new, 0 updated, 0 unchanged.\n"
    complaint = ServiceCase.objects.get(account__code="ACME", code="HD-1")
    assert complaint.opened_at == dt.datetime(2026, 1, 2, 15, 0, tzinfo=UTC)  # 16:00 in Madrid
    assert (complaint.status, complaint.priority, complaint.owner.username, complaint.contact.code) == (  # type: ignore[union-attr]
        "in_progress",
        "high",
        "alice",
        "MR",
    )
    assert complaint.response_due_at == dt.datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert (complaint.response_state, complaint.response_hours) == ("breached", 5.0)
    assert complaint.resolution_state == "running"
    manual = ServiceCase.objects.get(code="HD-2")
    assert (manual.status, manual.response_state, manual.resolution_state, manual.resolution_hours) == (
        "resolved",
        "met",
        "met",
        3.0,
    )
    truck = ServiceCase.objects.get(account__code="DELTA")
    assert (truck.clock, truck.resolution_due_at) == ("calendar", dt.datetime(2026, 1, 3, 11, 0, tzinfo=UTC))
    # 44.5 calendar hours since Friday 16:00, past both the 24-hour response and the promise.
    assert (truck.response_state, truck.resolution_state) == ("breached", "breached")
    assert sorted(Alert.objects.values_list("event_key", "severity")) == sorted(
        [
            (f"case:{complaint.pk}:complaint", "critical"),
            (f"case:{complaint.pk}:response_breach", "critical"),
            (f"case:{truck.pk}:response_breach", "warning"),
            (f"case:{truck.pk}:resolution_breach", "warning"),
        ]
    )

    alerts, audits = Alert.objects.count(), AuditRecord.objects.count()
    status, out, err = run_import("cases", str(path))

    assert (status, err) == (0, "")
    assert out == "Imported cases.csv as cases: 3 rows — 0 new, 0 updated, 3 unchanged.\n"
    assert Alert.objects.count() == alerts
    assert AuditRecord.objects.count() == audits + 1  # the import run only


def test_a_resolution_in_a_later_file_updates_the_case(tmp_path: Path, accounts: dict[str, Account]) -> None:
    with time_machine.travel(NOW, tick=False):
        run_import("cases", str(write(tmp_path, "cases.csv", CASES_CSV)))
    later = (
        HEADER
        + "ACME,HD-1,complaint,Pallets crushed,2026-01-02 16:00,2026-01-05 12:00,2026-01-07 10:00,,,high,alice,MR\n"
    )
    with time_machine.travel(madrid(2026, 1, 7, 11, 0), tick=False):
        status, out, _err = run_import("cases", str(write(tmp_path, "later.csv", later)))

    assert (status, out) == (0, "Imported later.csv as cases: 1 rows — 0 new, 1 updated, 0 unchanged.\n")
    complaint = ServiceCase.objects.get(account__code="ACME", code="HD-1")
    assert (complaint.status, complaint.resolution_state, complaint.resolution_hours) == ("resolved", "met", 12.0)


@pytest.mark.parametrize(
    ("rows", "problems"),
    [
        (
            "NOPE,C1,complaint,Broken,2026-01-02 16:00,,,,,,,\n",
            ["cases.csv:2:account: unknown account code 'NOPE'"],
        ),
        (
            "ACME,C1,gossip,Broken,2026-01-02 16:00,,,,,,,\n",
            [
                "cases.csv:2:type: 'gossip' is not one of: order_issue, delivery, support, complaint, claim, return, "
                "invoice_dispute"
            ],
        ),
        (
            "ACME,C1,complaint,Broken,2026-01-02 16:00,,,,,,,\n"
            "ACME,C2,complaint,Late,2026-01-02 16:00,2026-01-02 15:00,2026-01-01 09:00,,,,,PS\n",
            [
                "cases.csv:3:first_response_at: invalid value: the first response is before the case was opened",
                "cases.csv:3:resolved_at: invalid value: the case is resolved before it was opened",
            ],
        ),
        (
            "ACME,C1,complaint,Broken,2026-01-02 16:00,,,,,,,ZZ\nACME,C2,claim,Late,2026-01-02 16:00,,,,closed,,,\n",
            ["cases.csv:2:contact: unknown contact code 'ZZ'", "cases.csv:3:resolved_at: a value is required"],
        ),
    ],
)
def test_a_bad_file_stores_nothing_and_names_the_row(
    tmp_path: Path, accounts: dict[str, Account], rows: str, problems: list[str]
) -> None:
    status, out, err = run_import("cases", str(write(tmp_path, "cases.csv", HEADER + rows)))

    assert (status, out) == (1, "")
    assert err.splitlines() == [*problems, "Nothing was imported: fix the file (or the mapping) and import it again."]
    assert ServiceCase.objects.count() == 0
    assert Alert.objects.count() == 0
    assert ImportRun.objects.count() == 0
