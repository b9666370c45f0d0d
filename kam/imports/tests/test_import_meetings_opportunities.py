"""`kam import meetings` and `kam import opportunities`: upserts by (account, code), links included."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kam.core.models import AuditRecord
from kam.imports.models import ImportRun
from kam.imports.tests.test_import_command import run_import, write
from kam.key_accounts.actions import do_import_products
from kam.key_accounts.models import Account
from kam.opportunities.models import Opportunity
from kam.touchpoints.models import Meeting
from kam.users.models import User

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")

MEETINGS_CSV = (
    "account,code,date,time,objective,goal,outcome,goal_met,next_step,follow_up_on,follow_up_done,"
    "our_attendees,their_attendees\n"
    "ACME,CRM-1,2025-03-04,09:30,Learn needs,Hear the plant's plans,Two new lines in 2026,yes,"
    "Send a proposal,2025-03-20,no,alice;bob,MR; JL\n"
    "ACME,CRM-2,2025-04-01,,present,Present the offer,,,,,,alice,\n"
)
OPPORTUNITIES_CSV = (
    "account,code,name,stage,amount,probability,expected_close_on,owner,product_lines,buying_influences\n"
    "ACME,OP-1,Line 3 retrofit,proposal,120000.50,,2025-09-30,alice,FAS;BRG,MR;PS\n"
    "ACME,OP-2,Spare parts 2025,negotiation,8000,90,2025-06-30,,FAS,\n"
    "ACME,OP-3,Old deal,won,5000,,2024-12-15,bob,,\n"
)


@pytest.fixture
def product_lines(accounts: dict[str, Account]) -> None:
    rows = [
        {"code": "P1", "name": "Bolt", "product_line": "FAS", "product_line_name": "Fasteners"},
        {"code": "P2", "name": "Bearing", "product_line": "BRG", "product_line_name": "Bearings"},
    ]
    do_import_products(rows, ("code", "name", "product_line", "product_line_name"), acting_user=None)


def test_meetings_import_with_their_attendees_and_again_change_nothing(
    tmp_path: Path, accounts: dict[str, Account]
) -> None:
    path = write(tmp_path, "meetings.csv", MEETINGS_CSV)

    status, out, err = run_import("meetings", str(path))

    assert (status, err) == (0, "")
    assert out == "Imported meetings.csv as meetings: 2 rows — 2 new, 0 updated, 0 unchanged.\n"
    first = Meeting.objects.get(code="CRM-1")
    assert first.account == accounts["ACME"]
    assert first.held_at == dt.datetime(2025, 3, 4, 9, 30, tzinfo=MADRID)
    assert (first.objective, first.goal, first.outcome, first.goal_met, first.next_step) == (
        "learn_needs",
        "Hear the plant's plans",
        "Two new lines in 2026",
        "yes",
        "Send a proposal",
    )
    assert (first.follow_up_on, first.follow_up_done) == (dt.date(2025, 3, 20), False)
    assert sorted(first.our_attendees.values_list("username", flat=True)) == ["alice", "bob"]
    assert sorted(first.their_attendees.values_list("code", flat=True)) == ["JL", "MR"]
    second = Meeting.objects.get(code="CRM-2")
    assert second.held_at == dt.datetime(2025, 4, 1, tzinfo=MADRID)
    assert (second.goal_met, second.follow_up_on, second.follow_up_done) == ("unknown", None, False)
    assert list(second.our_attendees.values_list("username", flat=True)) == ["alice"]
    assert second.their_attendees.count() == 0
    assert AuditRecord.objects.filter(action="meeting.create").count() == 2
    audit_before = AuditRecord.objects.exclude(action="import.run").count()

    status, out, _err = run_import("meetings", str(path))

    assert status == 0
    assert out == "Imported meetings.csv as meetings: 2 rows — 0 new, 0 updated, 2 unchanged.\n"
    assert Meeting.objects.count() == 2
    assert AuditRecord.objects.exclude(action="import.run").count() == audit_before


def test_a_meeting_changed_only_in_its_attendees_counts_as_updated(
    tmp_path: Path, accounts: dict[str, Account]
) -> None:
    run_import("meetings", str(write(tmp_path, "meetings.csv", MEETINGS_CSV)))
    changed = write(
        tmp_path,
        "changed.csv",
        "account,code,date,objective,goal,their_attendees\n"
        "ACME,CRM-1,2025-03-04,learn_needs,Hear the plant's plans,PS\n",
    )

    status, out, _err = run_import("meetings", str(changed))

    assert status == 0
    assert out == "Imported changed.csv as meetings: 1 rows — 0 new, 1 updated, 0 unchanged.\n"
    first = Meeting.objects.get(code="CRM-1")
    # Absent columns (time, outcome, our attendees…) are left as they were.
    assert first.held_at == dt.datetime(2025, 3, 4, 9, 30, tzinfo=MADRID)
    assert first.outcome == "Two new lines in 2026"
    assert sorted(first.our_attendees.values_list("username", flat=True)) == ["alice", "bob"]
    assert list(first.their_attendees.values_list("code", flat=True)) == ["PS"]
    links = AuditRecord.objects.filter(action="meeting.links", object_id=str(first.pk)).latest("pk")
    assert links.changes == {
        "their_attendees": [sorted(links.changes["their_attendees"][0]), [first.their_attendees.get().pk]]
    }
    assert links.changes["their_attendees"][1] == [first.their_attendees.get().pk]


def test_bad_meetings_name_each_problem_and_write_nothing(tmp_path: Path, accounts: dict[str, Account]) -> None:
    header = "account,code,date,time,objective,goal,follow_up_on,our_attendees,their_attendees\n"
    bad_values = write(tmp_path, "values.csv", header + "ACME,M1,2025-03-04,,chat,Offer,,,\n")
    bad_links = write(
        tmp_path,
        "bad.csv",
        header + "ACME,M1,2025-03-04,25:00,present,Offer,,alice;ghost,MR;AD\n"
        "ACME,M2,2025-03-04,10:00,close,Offer,2025-03-01,,ZZ\n",
    )

    status_values, _out, err_values = run_import("meetings", str(bad_values))
    status, out, err = run_import("meetings", str(bad_links))

    assert status_values == 1
    assert err_values.splitlines()[:-1] == [
        "values.csv:2:objective: 'chat' is not one of: identify_decision_makers, learn_competitor_offer, "
        "learn_needs, present, negotiate, close, review",
    ]
    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "bad.csv:2:our_attendees: unknown user name 'ghost'",
        "bad.csv:2:their_attendees: unknown contact code 'AD'",
        "bad.csv:2:time: invalid value: '25:00' is not a time of day (HH:MM)",
        "bad.csv:3:follow_up_on: invalid value: the follow-up date is before the meeting",
        "bad.csv:3:their_attendees: unknown contact code 'ZZ'",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    assert Meeting.objects.count() == 0
    assert not AuditRecord.objects.filter(action__startswith="meeting").exists()
    assert ImportRun.objects.count() == 0


def test_opportunities_import_with_lines_and_influences_and_again_change_nothing(
    tmp_path: Path, accounts: dict[str, Account], product_lines: None
) -> None:
    path = write(tmp_path, "opportunities.csv", OPPORTUNITIES_CSV)

    status, out, err = run_import("opportunities", str(path))

    assert (status, err) == (0, "")
    assert out == "Imported opportunities.csv as opportunities: 3 rows — 3 new, 0 updated, 0 unchanged.\n"
    retrofit = Opportunity.objects.get(code="OP-1")
    assert (retrofit.account, retrofit.name, retrofit.stage, retrofit.amount, retrofit.probability) == (
        accounts["ACME"],
        "Line 3 retrofit",
        "proposal",
        Decimal("120000.50"),
        50,  # the proposal stage's default
    )
    assert (retrofit.expected_close_on, retrofit.closed_on) == (dt.date(2025, 9, 30), None)
    assert retrofit.owner == User.objects.get(username="alice")
    assert sorted(retrofit.product_lines.values_list("code", flat=True)) == ["BRG", "FAS"]
    assert sorted(retrofit.buying_influences.values_list("code", flat=True)) == ["MR", "PS"]
    spares = Opportunity.objects.get(code="OP-2")
    assert (spares.probability, spares.owner, spares.buying_influences.count()) == (90, None, 0)
    old = Opportunity.objects.get(code="OP-3")
    assert (old.stage, old.probability, old.closed_on) == ("won", 100, dt.date(2024, 12, 15))
    assert AuditRecord.objects.filter(action="opportunity.create").count() == 3
    audit_before = AuditRecord.objects.exclude(action="import.run").count()

    status, out, _err = run_import("opportunities", str(path))

    assert status == 0
    assert out == "Imported opportunities.csv as opportunities: 3 rows — 0 new, 0 updated, 3 unchanged.\n"
    assert Opportunity.objects.count() == 3
    assert AuditRecord.objects.exclude(action="import.run").count() == audit_before


def test_a_stage_change_without_probability_takes_the_new_stages_default(
    tmp_path: Path, accounts: dict[str, Account], product_lines: None
) -> None:
    run_import("opportunities", str(write(tmp_path, "opportunities.csv", OPPORTUNITIES_CSV)))

    status, out, _err = run_import(
        "opportunities",
        str(write(tmp_path, "stage.csv", "account,code,name,stage\nACME,OP-1,Line 3 retrofit,negotiation\n")),
    )

    assert status == 0
    assert out == "Imported stage.csv as opportunities: 1 rows — 0 new, 1 updated, 0 unchanged.\n"
    retrofit = Opportunity.objects.get(code="OP-1")
    assert (retrofit.stage, retrofit.probability, retrofit.amount) == ("negotiation", 75, Decimal("120000.50"))
    assert retrofit.product_lines.count() == 2
    change = AuditRecord.objects.get(action="opportunity.update")
    assert change.changes == {"stage": ["proposal", "negotiation"], "probability": [50, 75]}


def test_bad_opportunities_name_each_problem_and_write_nothing(
    tmp_path: Path, accounts: dict[str, Account], product_lines: None
) -> None:
    bad = write(
        tmp_path,
        "bad.csv",
        "account,code,name,stage,amount,probability,expected_close_on,owner,product_lines,buying_influences\n"
        "ACME,OP-1,Retrofit,closing,100,,2025-09-30,alice,FAS;NOPE,MR\n"
        "ACME,OP-2,Spares,proposal,,101,2025-09-30,ghost,,AD\n",
    )

    status, out, err = run_import("opportunities", str(bad))

    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "bad.csv:2:stage: 'closing' is not one of: prospecting, qualification, proposal, negotiation, won, lost",
        "bad.csv:3:owner: unknown user name 'ghost'",
        "bad.csv:3:probability: 101 is outside the allowed range 0 to 100",
        "Nothing was imported: fix the file (or the mapping) and import it again.",
    ]
    # Once the values parse, the cross-row checks speak: product lines, contacts, required amounts.
    bad = write(
        tmp_path,
        "bad2.csv",
        "account,code,name,amount,expected_close_on,product_lines,buying_influences\n"
        "ACME,OP-1,Retrofit,100,2025-09-30,FAS;NOPE,MR\n"
        "ACME,OP-2,Spares,,2025-09-30,,AD\n",
    )
    status, _out, err = run_import("opportunities", str(bad))
    assert status == 1
    assert err.splitlines()[:-1] == [
        "bad2.csv:2:product_lines: unknown product line code 'NOPE'",
        "bad2.csv:3:amount: a value is required",
        "bad2.csv:3:buying_influences: unknown contact code 'AD'",
    ]
    assert Opportunity.objects.count() == 0
    assert not AuditRecord.objects.filter(action__startswith="opportunity").exists()
    assert ImportRun.objects.count() == 0


def test_a_new_opportunity_needs_an_amount_and_a_close_date(tmp_path: Path, accounts: dict[str, Account]) -> None:
    status, _out, err = run_import(
        "opportunities", str(write(tmp_path, "o.csv", "account,code,name\nACME,OP-9,Something\n"))
    )

    assert status == 1
    assert err.splitlines()[:-1] == [
        "o.csv:2:amount: a value is required",
        "o.csv:2:expected_close_on: a value is required",
    ]


def test_dry_run_writes_neither_meetings_nor_opportunities(
    tmp_path: Path, accounts: dict[str, Account], product_lines: None
) -> None:
    meetings = write(tmp_path, "meetings.csv", MEETINGS_CSV)
    opportunities = write(tmp_path, "opportunities.csv", OPPORTUNITIES_CSV)

    status_meetings, out_meetings, _ = run_import("meetings", str(meetings), "--dry-run", "--json")
    status_opportunities, out_opportunities, _ = run_import("opportunities", str(opportunities), "--dry-run")

    assert (status_meetings, status_opportunities) == (0, 0)
    result = json.loads(out_meetings)
    assert (result["ok"], result["dry_run"], result["rows"]) == (True, True, 2)
    assert "opportunities.csv" in out_opportunities
    assert Meeting.objects.count() == 0
    assert Opportunity.objects.count() == 0
    assert ImportRun.objects.count() == 0
