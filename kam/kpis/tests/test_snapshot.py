"""The nightly service-level snapshot: the scorecard it stores, the alerts it raises, once."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from kam.alerts.choices import AlertKind
from kam.alerts.models import Alert
from kam.core.models import AuditRecord
from kam.key_accounts.models import Account
from kam.kpis import actions
from kam.kpis.actions import do_take_snapshot, evaluation_moment
from kam.kpis.models import AccountAnalysis, ServiceLevelSnapshot
from kam.kpis.tests.fixtures import LATEST
from kam.kpis.tests.service_fixtures import SNAPSHOT_DAY, import_csv

pytestmark = pytest.mark.django_db

FIGURES = (
    "cases",
    "complaints",
    "complaint_rate",
    "repeat_complaints",
    "response_hours_median",
    "resolution_hours_median",
    "clocks_met",
    "clocks_measured",
    "sla_attainment",
    "touchpoints",
    "negative_share",
    "orders",
    "deliveries",
    "otif_deliveries",
    "otif_rate",
)


def figures(row: ServiceLevelSnapshot) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIGURES}


def stored_rows() -> list[tuple[Any, ...]]:
    return list(
        ServiceLevelSnapshot.objects.order_by("group", "account__code").values_list(
            "as_of", "group", "account__code", "is_key_account", "accounts", *FIGURES
        )
    )


def group_rows(as_of: dt.date = SNAPSHOT_DAY) -> dict[str, ServiceLevelSnapshot]:
    return {row.group: row for row in ServiceLevelSnapshot.objects.filter(as_of=as_of, account__isnull=True)}


def test_the_snapshot_compares_key_accounts_with_the_rest(service_history: dict[str, Account]) -> None:
    result = do_take_snapshot(SNAPSHOT_DAY)

    assert (result.as_of, result.accounts_measured, result.replaced) == (SNAPSHOT_DAY, 6, False)
    groups = group_rows()
    assert figures(groups["key"]) == {
        "cases": 3,
        "complaints": 2,
        "complaint_rate": pytest.approx(100 * 2 / 15),
        "repeat_complaints": 1,
        "response_hours_median": 4.0,
        "resolution_hours_median": 20.0,
        "clocks_met": 4,
        "clocks_measured": 6,
        "sla_attainment": pytest.approx(4 / 6),
        "touchpoints": 2,
        "negative_share": 0.5,
        "orders": 15,
        "deliveries": 4,
        "otif_deliveries": 1,
        "otif_rate": 0.25,
    }
    assert figures(groups["other"]) == {
        "cases": 2,
        "complaints": 1,
        "complaint_rate": 25.0,
        "repeat_complaints": 0,
        "response_hours_median": 2.0,
        "resolution_hours_median": 6.5,
        "clocks_met": 4,
        "clocks_measured": 4,
        "sla_attainment": 1.0,
        "touchpoints": 1,
        "negative_share": 0.0,
        "orders": 4,
        "deliveries": 1,
        "otif_deliveries": 0,
        "otif_rate": 0.0,
    }
    assert (groups["all"].accounts, groups["all"].cases, groups["all"].orders) == (6, 5, 19)
    acme = ServiceLevelSnapshot.objects.get(as_of=SNAPSHOT_DAY, account__code="ACME")
    assert (acme.is_key_account, acme.cases, acme.repeat_complaints, acme.sla_attainment) == (True, 2, 1, 0.75)
    echo = ServiceLevelSnapshot.objects.get(as_of=SNAPSHOT_DAY, account__code="ECHO")
    assert (echo.is_key_account, echo.cases, echo.orders, echo.complaint_rate, echo.sla_attainment) == (
        False,
        0,
        0,
        None,
        None,
    )


def test_the_snapshot_raises_the_key_accounts_late_delivery_alerts(service_history: dict[str, Account]) -> None:
    # The deliveries were imported long after December 2025: the import itself raised none.
    assert Alert.objects.filter(kind=AlertKind.LATE_DELIVERY).count() == 0

    result = do_take_snapshot(SNAPSHOT_DAY)

    alerts = Alert.objects.filter(kind=AlertKind.LATE_DELIVERY).order_by("event_key")
    assert [(alert.event_key, alert.account.code, alert.title) for alert in alerts] == [
        ("delivery:D1:late", "ACME", "Late delivery: D1, promised for 12/10/2025"),
        ("delivery:D2:late", "ACME", "Incomplete delivery: D2 of 12/15/2025"),
        ("delivery:D4:late", "COBALT", "Delivery not made: D4, promised for 12/30/2025"),
    ]
    assert [alert.detail for alert in alerts] == [
        "Delivered on 12/12/2025.",
        "Delivered on 12/15/2025. Not in full.",
        "Not delivered yet.",
    ]
    assert alerts[0].link == "/accounts/ACME/service-levels/"
    assert result.alerts == {"late_delivery": 3}


def test_taking_the_same_day_twice_gives_the_same_rows_and_no_second_alert(
    service_history: dict[str, Account],
) -> None:
    first = do_take_snapshot(SNAPSHOT_DAY)
    rows = stored_rows()
    alerts = Alert.objects.count()

    second = do_take_snapshot(SNAPSHOT_DAY)

    assert stored_rows() == rows
    assert len(rows) == 9  # three groups and six accounts
    assert Alert.objects.count() == alerts
    assert (first.replaced, second.replaced, second.alerts) == (False, True, {})
    audits = AuditRecord.objects.filter(action__startswith="service_level_snapshot.").order_by("pk")
    assert [audit.action for audit in audits] == ["service_level_snapshot.create", "service_level_snapshot.replace"]


def test_other_dates_are_kept_as_history(service_history: dict[str, Account]) -> None:
    do_take_snapshot(SNAPSHOT_DAY)
    do_take_snapshot(dt.date(2025, 11, 30))

    assert sorted(set(ServiceLevelSnapshot.objects.values_list("as_of", flat=True))) == [
        dt.date(2025, 11, 30),
        SNAPSHOT_DAY,
    ]
    # The 90 days up to 30 November hold ACME's complaint of September and COBALT's of November.
    assert (group_rows(dt.date(2025, 11, 30))["key"].cases, group_rows()["key"].cases) == (2, 3)


@pytest.mark.usefixtures("analyses")
def test_purchase_decline_alerts_follow_the_threshold(accounts: dict[str, Account]) -> None:
    # DELTA shrank 40 % but is no key account; the key accounts grew.
    assert do_take_snapshot(SNAPSHOT_DAY).alerts == {}
    AccountAnalysis.objects.filter(account=accounts["ACME"], as_of=LATEST).update(growth_yoy=-0.12)

    with override_settings(DECLINE_ALERT_THRESHOLD=-0.15):
        assert do_take_snapshot(SNAPSHOT_DAY).alerts == {}
    raised = do_take_snapshot(SNAPSHOT_DAY).alerts
    again = do_take_snapshot(SNAPSHOT_DAY).alerts

    assert (raised, again) == ({"purchase_decline": 1}, {})
    alert = Alert.objects.get(kind=AlertKind.PURCHASE_DECLINE)
    assert alert.event_key == f"account:{accounts['ACME'].pk}:decline:2025-12"
    assert alert.title == "Purchases down 12.0% year on year"
    assert alert.detail == "The analysis of 12/31/2025 shows revenue growth of -12.0% against the year before."
    assert alert.link == "/accounts/ACME/"


def test_a_deliveries_import_alerts_on_its_late_deliveries_at_once(
    accounts: dict[str, Account], tmp_path: Path
) -> None:
    today = timezone.localdate()

    def day(offset: int) -> str:
        return (today - dt.timedelta(days=offset)).isoformat()

    import_csv(
        tmp_path,
        "deliveries",
        "delivery,account,promised_date,delivered_date,in_full\n"
        f"N1,ACME,{day(5)},{day(2)},true\n"  # late, key account
        f"N2,ACME,{day(5)},{day(5)},true\n"  # on time in full
        f"N3,BOREAL,{day(5)},,\n"  # not delivered, but no key account
        f"N4,COBALT,{day(0)},,\n",  # due today: not late yet
    )

    assert list(Alert.objects.values_list("event_key", "kind")) == [("delivery:N1:late", AlertKind.LATE_DELIVERY)]
    assert do_take_snapshot(today).alerts == {}


def test_open_cases_are_evaluated_at_the_end_of_a_past_day(
    service_history: dict[str, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dt.datetime] = []

    class Evaluated:
        evaluated = 7

    def evaluate(*, now: dt.datetime) -> Evaluated:
        calls.append(now)
        return Evaluated()

    monkeypatch.setattr(actions, "_case_evaluator", lambda: evaluate)

    assert do_take_snapshot(SNAPSHOT_DAY).cases_evaluated == 7
    assert calls == [timezone.make_aware(dt.datetime(2025, 12, 31, 23, 59, 59, 999999))]
    assert evaluation_moment(timezone.localdate() + dt.timedelta(days=3)) <= timezone.now()


def test_without_an_evaluator_the_snapshot_still_measures(
    service_history: dict[str, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "_case_evaluator", lambda: None)

    result = do_take_snapshot(SNAPSHOT_DAY)

    assert (result.cases_evaluated, result.accounts_measured) == (None, 6)


# --- the command ------------------------------------------------------------------------


def test_the_command_prints_what_it_did_as_json(service_history: dict[str, Account]) -> None:
    out = io.StringIO()

    call_command("snapshot", "--date", "2025-12-31", "--json", stdout=out)

    printed = json.loads(out.getvalue())
    assert printed == {
        "as_of": "2025-12-31",
        "cases_evaluated": printed["cases_evaluated"],
        "alerts": {"late_delivery": 3},
        "accounts_measured": 6,
        "replaced": False,
    }
    assert printed["cases_evaluated"] in (None, 0)  # every case of the history is resolved


def test_the_command_prints_a_table(service_history: dict[str, Account]) -> None:
    out = io.StringIO()

    call_command("snapshot", "--date", "2025-12-31", stdout=out)

    text = out.getvalue()
    assert "Service levels as of 2025-12-31" in text
    assert "Alerts raised: late_delivery" in text
    assert "Accounts measured" in text


def test_a_malformed_date_is_a_usage_error_naming_the_option() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("snapshot", "--date", "2025-13-01")

    assert str(raised.value) == "Error: argument --date: 2025-13-01 is not a date (use YYYY-MM-DD)"
    assert ServiceLevelSnapshot.objects.count() == 0
