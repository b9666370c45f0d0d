"""The service-level scorecard on a hand-built portfolio: every figure checked by hand.

Window: the 90 days 2026-01-01 … 2026-03-31. Cases in the window as "type (response hours
state / resolution hours state)":

- K1, key, 50 orders, 10 deliveries of which 9 OTIF: complaint 01-10 (2 met / 10 met), a repeat
  of the complaint of 2025-12-20; support 02-01 (4 breached / — running).
- K2, key, 50 orders, 10 deliveries, 7 OTIF: complaint 03-31 23:00 (1 met / — at risk); its
  earlier complaint (2025-11-01) is 150 days older, so not a repeat.
- O1, other, 20 orders, 5 deliveries, 5 OTIF: complaint 02-15 (8 breached / 30 breached);
  complaint 03-01 (6 met / 20 met), a repeat.
- O2, other, orders and deliveries unknown: delivery 01-01 00:00 (3 met / 12, no target).

Left out: O1's case of 2026-04-01 (after the window) and a case of an account not listed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from kam_engine.service_scorecard import SCORECARD_FIGURES, service_scorecard

AS_OF = dt.date(2026, 3, 31)


def _cases() -> pa.Table:
    rows = [
        ("K1", "complaint", dt.datetime(2025, 12, 20, 10), 1.0, 5.0, "met", "met"),
        ("K1", "complaint", dt.datetime(2026, 1, 10, 9), 2.0, 10.0, "met", "met"),
        ("K1", "support", dt.datetime(2026, 2, 1, 12), 4.0, None, "breached", "running"),
        ("K2", "complaint", dt.datetime(2025, 11, 1, 9), 1.0, 3.0, "met", "met"),
        ("K2", "complaint", dt.datetime(2026, 3, 31, 23), 1.0, None, "met", "at_risk"),
        ("O1", "complaint", dt.datetime(2026, 2, 15, 9), 8.0, 30.0, "breached", "breached"),
        ("O1", "complaint", dt.datetime(2026, 3, 1, 9), 6.0, 20.0, "met", "met"),
        ("O1", "order_issue", dt.datetime(2026, 4, 1, 0), 1.0, 1.0, "met", "met"),
        ("O2", "delivery", dt.datetime(2026, 1, 1, 0), 3.0, 12.0, "met", "none"),
        ("GONE", "complaint", dt.datetime(2026, 2, 1, 9), 1.0, 1.0, "breached", "breached"),
    ]
    names = ["account", "type", "opened_at", "response_hours", "resolution_hours", "response_state", "resolution_state"]
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})


def _touchpoints() -> pa.Table:
    rows = [
        ("K1", dt.datetime(2025, 12, 1, 10), "negative"),
        ("K1", dt.datetime(2026, 1, 5, 10), "negative"),
        ("K1", dt.datetime(2026, 2, 5, 10), "positive"),
        ("K1", dt.datetime(2026, 3, 5, 10), "neutral"),
        ("K2", dt.datetime(2026, 3, 10, 10), "positive"),
        ("O1", dt.datetime(2026, 1, 20, 10), "negative"),
        ("O1", dt.datetime(2026, 1, 21, 10), "negative"),
    ]
    return pa.table(
        {
            "account": [row[0] for row in rows],
            "happened_at": pa.array([row[1] for row in rows], type=pa.timestamp("us")),
            "sentiment": [row[2] for row in rows],
        }
    )


def _accounts() -> pa.Table:
    return pa.table(
        {
            "account": ["O2", "K1", "O1", "K2"],
            "is_key": [False, True, False, True],
            "orders": pa.array([None, 50, 20, 50], type=pa.int64()),
            "deliveries": pa.array([None, 10, 5, 10], type=pa.int64()),
            "otif": pa.array([None, 9, 5, 7], type=pa.int64()),
        }
    )


def _rows(table: pa.Table, key: str) -> dict[str, dict[str, Any]]:
    return {row.pop(key): row for row in table.to_pylist()}


@pytest.fixture(scope="module")
def scorecard() -> Any:
    return service_scorecard(_cases(), _touchpoints(), _accounts(), as_of=AS_OF)


def test_the_account_rows_come_in_account_order_with_every_figure(scorecard: Any) -> None:
    assert scorecard.accounts.column_names == ["account", "is_key", *SCORECARD_FIGURES]
    assert scorecard.accounts.column("account").to_pylist() == ["K1", "K2", "O1", "O2"]
    assert scorecard.groups.column_names == ["group", "accounts", *SCORECARD_FIGURES]


def test_each_account_is_measured_over_its_window(scorecard: Any) -> None:
    rows = _rows(scorecard.accounts, "account")

    assert rows["K1"] == {
        "is_key": True,
        "cases": 2,
        "complaints": 1,
        "complaint_rate": 2.0,
        "repeat_complaints": 1,
        "response_hours_median": 3.0,
        "response_hours_p90": pytest.approx(3.8),
        "resolution_hours_median": 10.0,
        "resolution_hours_p90": 10.0,
        "clocks_met": 2,
        "clocks_measured": 3,
        "sla_attainment": pytest.approx(2 / 3),
        "touchpoints": 3,
        "negative_touchpoints": 1,
        "negative_share": pytest.approx(1 / 3),
        "orders": 50,
        "deliveries": 10,
        "otif_deliveries": 9,
        "otif_rate": 0.9,
    }
    assert rows["K2"]["repeat_complaints"] == 0  # the earlier complaint is more than 90 days older
    assert (rows["K2"]["cases"], rows["K2"]["resolution_hours_median"], rows["K2"]["sla_attainment"]) == (1, None, 1.0)
    assert rows["O1"]["cases"] == 2  # the case of 1 April is after the window
    assert (rows["O1"]["complaint_rate"], rows["O1"]["repeat_complaints"]) == (10.0, 1)
    assert (rows["O1"]["response_hours_median"], rows["O1"]["resolution_hours_p90"]) == (7.0, 29.0)
    assert (rows["O1"]["sla_attainment"], rows["O1"]["negative_share"]) == (0.5, 1.0)
    # No orders, deliveries or touchpoints known: no rate; a clock without target is not measured.
    assert {name: rows["O2"][name] for name in ("cases", "complaint_rate", "clocks_measured", "negative_share")} == {
        "cases": 1,
        "complaint_rate": None,
        "clocks_measured": 1,
        "negative_share": None,
    }
    assert (rows["O2"]["orders"], rows["O2"]["otif_rate"]) == (None, None)


def test_key_accounts_are_compared_with_the_rest_on_pooled_figures(scorecard: Any) -> None:
    groups = _rows(scorecard.groups, "group")

    assert list(groups) == ["key", "other", "all"]
    assert groups["key"] == {
        "accounts": 2,
        "cases": 3,
        "complaints": 2,
        "complaint_rate": 2.0,
        "repeat_complaints": 1,
        "response_hours_median": 2.0,
        "response_hours_p90": pytest.approx(3.6),
        "resolution_hours_median": 10.0,
        "resolution_hours_p90": 10.0,
        "clocks_met": 3,
        "clocks_measured": 4,
        "sla_attainment": 0.75,
        "touchpoints": 4,
        "negative_touchpoints": 1,
        "negative_share": 0.25,
        "orders": 100,
        "deliveries": 20,
        "otif_deliveries": 16,
        "otif_rate": 0.8,
    }
    assert groups["other"] == {
        "accounts": 2,
        "cases": 3,
        "complaints": 2,
        "complaint_rate": 10.0,
        "repeat_complaints": 1,
        "response_hours_median": 6.0,
        "response_hours_p90": pytest.approx(7.6),
        "resolution_hours_median": 20.0,
        "resolution_hours_p90": pytest.approx(28.0),
        "clocks_met": 3,
        "clocks_measured": 5,
        "sla_attainment": 0.6,
        "touchpoints": 2,
        "negative_touchpoints": 2,
        "negative_share": 1.0,
        "orders": 20,
        "deliveries": 5,
        "otif_deliveries": 5,
        "otif_rate": 1.0,
    }
    # Pooled, not averaged: the median of all six response times, not the mean of the two medians.
    assert groups["all"] == {
        "accounts": 4,
        "cases": 6,
        "complaints": 4,
        "complaint_rate": pytest.approx(100 * 4 / 120),
        "repeat_complaints": 2,
        "response_hours_median": 3.5,
        "response_hours_p90": pytest.approx(7.0),
        "resolution_hours_median": 16.0,
        "resolution_hours_p90": pytest.approx(27.0),
        "clocks_met": 6,
        "clocks_measured": 9,
        "sla_attainment": pytest.approx(2 / 3),
        "touchpoints": 6,
        "negative_touchpoints": 3,
        "negative_share": 0.5,
        "orders": 120,
        "deliveries": 25,
        "otif_deliveries": 21,
        "otif_rate": 0.84,
    }


def test_complaints_of_accounts_without_orders_stay_out_of_the_group_rate() -> None:
    cases = pa.table(
        {
            "account": ["A", "B", "B"],
            "type": ["complaint"] * 3,
            "opened_at": [dt.datetime(2026, 3, 1, 9)] * 3,
            "response_hours": [1.0] * 3,
            "resolution_hours": [1.0] * 3,
            "response_state": ["met"] * 3,
            "resolution_state": ["met"] * 3,
        }
    )
    accounts = pa.table(
        {
            "account": ["A", "B"],
            "is_key": [False, False],
            "orders": pa.array([40, None], type=pa.int64()),
            "deliveries": pa.array([None, None], type=pa.int64()),
            "otif": pa.array([None, None], type=pa.int64()),
        }
    )
    touchpoints = pa.table(
        {
            "account": pa.array([], pa.string()),
            "happened_at": pa.array([], pa.timestamp("us")),
            "sentiment": pa.array([], pa.string()),
        }
    )

    groups = _rows(service_scorecard(cases, touchpoints, accounts, as_of=AS_OF).groups, "group")

    assert (groups["other"]["complaints"], groups["other"]["complaint_rate"]) == (3, 2.5)
    # B's two complaints on the same day: the second repeats the first.
    assert groups["other"]["repeat_complaints"] == 1
    assert groups["key"] == {
        "accounts": 0,
        **dict.fromkeys(("cases", "complaints", "repeat_complaints", "clocks_met", "clocks_measured"), 0),
        **dict.fromkeys(("touchpoints", "negative_touchpoints"), 0),
        **dict.fromkeys(
            (
                "complaint_rate",
                "response_hours_median",
                "response_hours_p90",
                "resolution_hours_median",
                "resolution_hours_p90",
                "sla_attainment",
                "negative_share",
                "orders",
                "deliveries",
                "otif_deliveries",
                "otif_rate",
            )
        ),
    }


def test_a_shorter_window_and_aware_times() -> None:
    cases = _cases().set_column(
        2, "opened_at", _cases().column("opened_at").cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    )

    scorecard = service_scorecard(cases, _touchpoints(), _accounts(), as_of=AS_OF, days=30)

    # 2026-03-02 … 2026-03-31: only K2's complaint; O1's of 1 March is a day too early.
    groups = _rows(scorecard.groups, "group")
    assert (groups["key"]["cases"], groups["other"]["cases"], groups["other"]["repeat_complaints"]) == (1, 0, 0)
    assert groups["all"]["cases"] == 1


def test_the_window_must_have_a_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        service_scorecard(_cases(), _touchpoints(), _accounts(), as_of=AS_OF, days=0)
