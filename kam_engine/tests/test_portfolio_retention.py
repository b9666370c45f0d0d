"""Retention inside ``kam analyze``: the purchase summary, the models' figures per account, the
holdout check, a fit that cannot be made, and concentration risk — on hand-built data.

Accounts A, B and C are checked by hand (days from D0 = 2025-01-06; as of 2026-06-30):

| account | lines                                                              | purchases (day: margin)   |
|---------|--------------------------------------------------------------------|---------------------------|
| A       | order O1 invoiced on day 0 (100 − 60) and day 3 (50 − 30); order   | 0: 60, 14: 50, 35: 60     |
|         | O2 (80 − 50) and invoice F4 without order (20, no cost) on day 14; |                           |
|         | a credit note alone on day 21 (−30); postage on day 28 (charge);   |                           |
|         | order O4 on day 35 (100 − 40)                                      |                           |
| B       | one order on day 70 (90 − 45)                                      | 70: 45                    |
| C       | day 7 (40 − 30); day 49 (50 − 80)                                  | 7: 10, 49: −30            |

G00…G10 buy regularly (every 2–5 weeks, 3–11 times, from day i), each purchase one order
with a positive margin, so the models have enough accounts and repeaters to fit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from ibis import BaseBackend

from kam_engine.analysis import analyze_portfolio
from kam_engine.backends import FactTables, arrow_table, fact_tables_from_arrow
from kam_engine.concentration import concentration_risk, margin_share, summarise_concentration_risk
from kam_engine.config import AnalysisPolicy, CostToServeConfig, PolicyError, RetentionConfig, parse_policy
from kam_engine.portfolio_retention import purchase_summary
from kam_engine.retention import (
    BgNbdParameters,
    GammaGammaParameters,
    conditional_expected_purchases,
    customer_lifetime_value,
    expected_average_value,
    probability_alive,
)

D0 = dt.date(2025, 1, 6)
AS_OF = dt.date(2026, 6, 30)
AGE = (AS_OF - D0).days  # 540
POLICY = AnalysisPolicy(cost_to_serve=CostToServeConfig(charge_products=("PORTES",)))


def day(offset: int) -> dt.date:
    return D0 + dt.timedelta(days=offset)


def _generated() -> list[tuple[str, int, float]]:
    """(account, day, margin) of G00…G10: one order a purchase, revenue 2 × margin."""
    purchases = []
    for i in range(11):
        every = 7 * (2 + i % 4)
        for k in range(3 + (i * 5) % 9):
            purchases.append((f"G{i:02d}", i + k * every, 40.0 + 7 * i + 3 * k))
    return purchases


GENERATED = _generated()


def _lines() -> pa.Table:
    rows: list[dict[str, Any]] = [
        {"invoice": "F1", "order_ref": "O1", "account": "A", "date": day(0), "net_revenue": 100.0, "cost": 60.0},
        {"invoice": "F2", "order_ref": "O1", "account": "A", "date": day(3), "net_revenue": 50.0, "cost": 30.0},
        {"invoice": "F3", "order_ref": "O2", "account": "A", "date": day(14), "net_revenue": 80.0, "cost": 50.0},
        {"invoice": "F4", "order_ref": None, "account": "A", "date": day(14), "net_revenue": 20.0, "cost": None},
        {"invoice": "F5", "order_ref": None, "account": "A", "date": day(21), "net_revenue": -30.0, "cost": None},
        {"invoice": "F6", "order_ref": None, "account": "A", "date": day(28), "net_revenue": 12.0, "product": "PORTES"},
        {"invoice": "F7", "order_ref": "O4", "account": "A", "date": day(35), "net_revenue": 100.0, "cost": 40.0},
        {"invoice": "F8", "order_ref": "O8", "account": "B", "date": day(70), "net_revenue": 90.0, "cost": 45.0},
        {"invoice": "F9", "order_ref": "O9", "account": "C", "date": day(7), "net_revenue": 40.0, "cost": 30.0},
        {"invoice": "F10", "order_ref": "O10", "account": "C", "date": day(49), "net_revenue": 50.0, "cost": 80.0},
    ]
    for number, (account, offset, margin) in enumerate(GENERATED):
        rows.append(
            {
                "invoice": f"G{number}",
                "order_ref": f"GO{number}",
                "account": account,
                "date": day(offset),
                "net_revenue": 2 * margin,
                "cost": margin,
            }
        )
    for row in rows:
        row.setdefault("product", "P1")
        row.setdefault("cost", None)
        row["line"] = "1"
    return pa.Table.from_pylist(rows)


@pytest.fixture
def tables(backend: BaseBackend) -> FactTables:
    codes = ["A", "B", "C", *sorted({account for account, _day, _margin in GENERATED})]
    return fact_tables_from_arrow(
        backend,
        invoice_lines=_lines(),
        activities=pa.table({"account": pa.array([], pa.string())}),
        deliveries=pa.table({"delivery": pa.array([], pa.string())}),
        accounts=pa.table({"code": codes}),
    )


def _summary(tables: FactTables, **options: Any) -> dict[str, dict[str, Any]]:
    expression = purchase_summary(tables.invoice_lines, charge_products=("PORTES",), **options)
    return {row["account"]: row for row in tables.to_arrow(expression).to_pylist()}


def test_the_summary_counts_orders_once_a_day_without_charges_or_lone_credit_notes(tables: FactTables) -> None:
    summary = _summary(tables, calibration_end=AS_OF)

    assert summary["A"] == {"account": "A", "purchases": 3, "x": 2, "t_x": 5.0, "T": AGE / 7, "m_x": 55.0}
    assert summary["B"] == {"account": "B", "purchases": 1, "x": 0, "t_x": 0.0, "T": (AGE - 70) / 7, "m_x": None}
    assert summary["C"] == {"account": "C", "purchases": 2, "x": 1, "t_x": 6.0, "T": (AGE - 7) / 7, "m_x": -30.0}
    assert len(summary) == 14


def test_the_holdout_summary_stops_at_the_calibration_end_and_counts_the_later_purchases(tables: FactTables) -> None:
    summary = _summary(tables, calibration_end=day(20), holdout_end=day(60))

    # B's first purchase is after the calibration end: it is left out.
    assert "B" not in summary
    assert summary["A"] == {
        "account": "A",
        "purchases": 2,
        "x": 1,
        "t_x": 2.0,
        "T": 20 / 7,
        "m_x": 50.0,
        "holdout_purchases": 1,
    }
    assert summary["C"]["holdout_purchases"] == 1
    assert summary["C"]["x"] == 0


def test_the_analysis_stores_the_models_figures_for_every_account(tables: FactTables) -> None:
    result = analyze_portfolio(tables, as_of=AS_OF, policy=POLICY)

    report = result.retention
    assert report["warnings"] == []
    assert (report["accounts"], report["repeat_accounts"]) == (14, 13)
    bgnbd = BgNbdParameters(**report["bgnbd"])
    gamma_gamma = GammaGammaParameters(**report["gamma_gamma"])
    rows = result.accounts.sort_by("account")
    x = np.asarray(rows.column("repeat_purchases").to_numpy(), dtype=np.float64)
    t_x, big_t = rows.column("t_x_weeks").to_numpy(), rows.column("T_weeks").to_numpy()
    m_x = np.asarray(rows.column("mean_repeat_margin").to_numpy(zero_copy_only=False), dtype=np.float64)
    assert rows.column("account").to_pylist()[:3] == ["A", "B", "C"]
    assert (x[0], t_x[0], big_t[0], m_x[0]) == (2.0, 5.0, AGE / 7, 55.0)

    alive = probability_alive(bgnbd, x, t_x, big_t)
    assert rows.column("probability_alive").to_pylist() == pytest.approx(alive.tolist(), rel=1e-12)
    assert rows.column("churn_risk").to_pylist() == pytest.approx((1 - alive).tolist(), rel=1e-12)
    assert rows.column("declining").to_pylist() == (alive < 0.5).tolist()
    expected = conditional_expected_purchases(bgnbd, 52.0, x, t_x, big_t)
    assert rows.column("expected_purchases_12m").to_pylist() == pytest.approx(expected.tolist(), rel=1e-12)

    value = rows.column("expected_margin_per_purchase").to_pylist()
    clv = rows.column("clv").to_pylist()
    own = expected_average_value(gamma_gamma, x, m_x)
    lifetime = customer_lifetime_value(
        bgnbd, gamma_gamma, x, t_x, big_t, m_x, months=12, monthly_discount_rate=0.01, time_units_per_month=30 / 7
    )
    population = gamma_gamma.gamma * gamma_gamma.p / (gamma_gamma.q - 1)
    # A and the G accounts have a positive mean margin: exactly the library's CLV.
    for index in [0, *range(3, 14)]:
        assert value[index] == pytest.approx(own[index], rel=1e-12)
        assert clv[index] == pytest.approx(lifetime[index], rel=1e-12)
    # B (no repeat) and C (negative mean margin) are valued at the population mean.
    assert value[1] == pytest.approx(population, rel=1e-12)
    assert value[2] == pytest.approx(population, rel=1e-12)
    assert clv[2] == pytest.approx(
        population
        * customer_lifetime_value(
            bgnbd, gamma_gamma, x[2:3], t_x[2:3], big_t[2:3], np.zeros(1), months=12, time_units_per_month=30 / 7
        )[0]
        / expected_average_value(gamma_gamma, x[2:3], np.zeros(1))[0],
        rel=1e-12,
    )
    assert result.summary["retention"]["fitted"] is True
    assert result.summary["retention"]["declining_accounts"] == int(np.sum(alive < 0.5))


@pytest.mark.parametrize("backend", ["duckdb"], indirect=True)
def test_the_holdout_check_compares_predicted_and_actual_purchases_by_frequency(tables: FactTables) -> None:
    result = analyze_portfolio(tables, as_of=AS_OF, policy=POLICY)

    holdout = result.retention["holdout"]
    calibration_end = AS_OF - dt.timedelta(weeks=26)
    assert holdout["status"] == "done"
    assert (holdout["calibration_end"], holdout["weeks"]) == (calibration_end.isoformat(), 26)
    later = [offset for _account, offset, _margin in GENERATED if day(offset) > calibration_end]
    groups = holdout["by_frequency"]
    assert [group["x"] for group in groups] == list(range(8))
    assert sum(group["actual"] for group in groups) == len(later)
    assert sum(group["accounts"] for group in groups) == 14
    assert all(group["predicted"] >= 0 for group in groups)


@pytest.mark.parametrize("backend", ["duckdb"], indirect=True)
def test_a_portfolio_too_small_to_fit_is_still_analysed_with_a_warning(backend: BaseBackend) -> None:
    tables = fact_tables_from_arrow(
        backend,
        invoice_lines=pa.table(
            {
                "invoice": ["F1", "F2", "F3"],
                "line": ["1"] * 3,
                "account": ["A", "A", "B"],
                "date": [day(400), day(430), day(410)],
                "net_revenue": [100.0, 50.0, 70.0],
                "cost": [50.0, 20.0, 30.0],
            }
        ),
        activities=pa.table({"account": pa.array([], pa.string())}),
        deliveries=pa.table({"delivery": pa.array([], pa.string())}),
        accounts=pa.table({"code": ["A", "B"]}),
    )

    result = analyze_portfolio(tables, as_of=AS_OF, policy=AnalysisPolicy())

    assert result.accounts.num_rows == 2
    assert result.retention["warnings"] == ["BG/NBD not fitted: 2 customers: at least 10 are needed to fit the model"]
    assert result.retention["bgnbd"] is None
    assert result.retention["holdout"] == {
        "status": "skipped",
        "reason": "no purchase before 2025-12-30",
    }
    for column in ("probability_alive", "churn_risk", "expected_purchases_12m", "clv", "declining"):
        assert result.accounts.column(column).to_pylist() == [None, None]
    assert result.accounts.column("repeat_purchases").to_pylist() == [1, 0]
    assert result.summary["retention"] == {
        "accounts": 2,
        "repeat_accounts": 1,
        "declining_accounts": None,
        "months": 12,
        "warnings": ["BG/NBD not fitted: 2 customers: at least 10 are needed to fit the model"],
        "fitted": False,
        "clv": None,
        "holdout": "skipped",
    }
    assert result.summary["concentration_risk"]["top1_share"] == round(80 / 120, 6)


def _concentration(backend: BaseBackend, accounts: pa.Table, **options: Any) -> tuple[dict[str, Any], list[Any]]:
    """The risk report and each account's margin share (by code), computed on ``backend``."""
    table = arrow_table(backend, accounts)
    risk = summarise_concentration_risk(backend.to_pyarrow(concentration_risk(table, **options)).to_pylist())
    shares = backend.to_pyarrow(table.select("account", share=margin_share(table)).order_by("account"))
    return risk, shares.column("share").to_pylist()


def test_concentration_risk_is_each_large_account_s_share_of_the_total_margin(backend: BaseBackend) -> None:
    margins = [("A", 500.0), ("B", 200.0), ("C", 100.0), ("D", 100.0), ("E", 50.0), ("F", 50.0), ("G", -100.0)]
    accounts = pa.table({"account": [code for code, _ in margins], "gross_margin": [value for _, value in margins]})

    risk, shares = _concentration(backend, accounts, top=3)

    # Total 900: the loss-maker G counts, it is margin the company does not make.
    assert risk == {
        "by": "gross_margin",
        "total_margin": 900.0,
        "top1_share": round(500 / 900, 6),
        "top5_share": round(950 / 900, 6),
        "top10_share": 1.0,
        "accounts": [
            {"account": "A", "margin": 500.0, "share": round(500 / 900, 6)},
            {"account": "B", "margin": 200.0, "share": round(200 / 900, 6)},
            {"account": "C", "margin": 100.0, "share": round(100 / 900, 6)},
        ],
    }
    assert shares == [value / 900 for _, value in margins]


def test_concentration_risk_has_no_shares_without_a_positive_total_margin(backend: BaseBackend) -> None:
    accounts = pa.table({"account": ["A", "B"], "gross_margin": pa.array([-10.0, None], pa.float64())})

    risk, shares = _concentration(backend, accounts)

    assert (risk["total_margin"], risk["top1_share"], risk["top5_share"], risk["top10_share"]) == (
        -10.0,
        None,
        None,
        None,
    )
    assert risk["accounts"] == [
        {"account": "B", "margin": 0.0, "share": None},
        {"account": "A", "margin": -10.0, "share": None},
    ]
    assert shares == [None, None]


def test_concentration_risk_of_an_empty_portfolio_has_no_accounts_and_no_shares(backend: BaseBackend) -> None:
    accounts = pa.table({"account": pa.array([], pa.string()), "gross_margin": pa.array([], pa.float64())})

    risk, shares = _concentration(backend, accounts)

    assert risk == {
        "by": "gross_margin",
        "total_margin": 0.0,
        "top1_share": None,
        "top5_share": None,
        "top10_share": None,
        "accounts": [],
    }
    assert shares == []


def test_the_retention_table_of_the_policy_has_defaults_and_checks_its_values() -> None:
    assert parse_policy({}).retention == RetentionConfig(
        months=12, monthly_discount_rate=0.01, decline_probability_alive=0.5, holdout_weeks=26
    )
    policy = parse_policy(
        {"retention": {"months": 24, "monthly_discount_rate": 0.02, "decline_probability_alive": 0.4}}
    )
    assert (policy.retention.months, policy.retention.monthly_discount_rate) == (24, 0.02)
    assert policy.retention.decline_probability_alive == 0.4
    with pytest.raises(PolicyError, match=r"^policy: retention.decline_probability_alive must be between 0 and 1$"):
        parse_policy({"retention": {"decline_probability_alive": 1.5}})
    with pytest.raises(PolicyError, match=r"^policy: retention.months must be at least 1$"):
        parse_policy({"retention": {"months": 0}})
    with pytest.raises(PolicyError, match=r"unknown key\(s\) horizon"):
        parse_policy({"retention": {"horizon": 3}})


def test_retention_can_be_switched_off_and_leaves_its_figures_empty(tables: FactTables) -> None:
    policy = parse_policy({"retention": {"enabled": False}})
    result = analyze_portfolio(tables, as_of=AS_OF, policy=policy)

    assert result.retention["bgnbd"] is None
    assert result.retention["warnings"] == []
    assert result.retention["holdout"] == {"status": "skipped", "reason": "retention is disabled"}
    assert set(result.accounts.column("probability_alive").to_pylist()) == {None}
    assert set(result.accounts.column("clv").to_pylist()) == {None}
    assert result.accounts.num_rows == analyze_portfolio(tables, as_of=AS_OF, policy=POLICY).accounts.num_rows
