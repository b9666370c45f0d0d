"""Return on KAM for the key accounts a user sees: margin from the facts store, cost from investments.

The method is ``kam_engine.return_on_kam``'s: incremental margin over the 1, 2 and 3 years
after an account became key, against its own trend and against matched non-key accounts,
set against what the account cost the programme over the same months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from kam.incentives.models import Investment
from kam.key_accounts.models import Account
from kam.kpis.models import PortfolioAnalysis
from kam_engine.facts import FactsStore
from kam_engine.return_on_kam import return_on_kam

_MONTHLY_MARGIN = (
    "SELECT account, CAST(date_trunc('month', date) AS DATE) AS month, "
    "CAST(sum(net_revenue - coalesce(cost, 0)) AS DOUBLE) AS margin "
    "FROM invoice_lines GROUP BY 1, 2 ORDER BY 1, 2"
)


@dataclass(frozen=True, slots=True)
class HorizonTotal:
    """The programme over one horizon: sums over its accounts and the return on what they cost."""

    years: int
    accounts: int
    actual_margin: float
    incremental_vs_trend: float | None
    incremental_vs_matched: float | None
    invested: float
    return_vs_trend: float | None
    return_vs_matched: float | None

    @property
    def return_vs_trend_pct(self) -> float | None:
        return None if self.return_vs_trend is None else self.return_vs_trend * 100

    @property
    def return_vs_matched_pct(self) -> float | None:
        return None if self.return_vs_matched is None else self.return_vs_matched * 100


@dataclass(frozen=True, slots=True)
class ReturnOnKam:
    """Rows of ``kam_engine.return_on_kam`` (by account and horizon), totals and what was left out."""

    last_month: dt.date | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: list[HorizonTotal] = field(default_factory=list)
    without_key_since: list[Account] = field(default_factory=list)
    too_recent: list[Account] = field(default_factory=list)


def monthly_margin(store: FactsStore) -> pa.Table:
    """Margin (net revenue − cost of the invoice lines) by account and month."""
    connection = store.connect(read_only=True)
    try:
        table: pa.Table = connection.sql(_MONTHLY_MARGIN).to_arrow_table()
    finally:
        connection.close()
    return table


def last_complete_month(store: FactsStore) -> dt.date | None:
    """The first day of the last month the data covers in full (by the latest analysis, else the invoices)."""
    reference = PortfolioAnalysis.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    if reference is None:
        connection = store.connect(read_only=True)
        try:
            row = connection.execute("SELECT max(date) FROM invoice_lines").fetchone()
        finally:
            connection.close()
        reference = row[0] if row else None
    if reference is None:
        return None
    if (reference + dt.timedelta(days=1)).month != reference.month:
        return reference.replace(day=1)
    return (reference.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _total(years: int, rows: list[dict[str, Any]], baseline: str) -> tuple[float | None, float | None]:
    measured = [row for row in rows if row[f"incremental_vs_{baseline}"] is not None]
    if not measured:
        return None, None
    incremental = sum(row[f"incremental_vs_{baseline}"] for row in measured)
    invested = sum(row["invested"] for row in measured)
    return incremental, (incremental - invested) / invested if invested > 0 else None


def compute_return_on_kam(
    store: FactsStore, key_accounts: Sequence[Account], *, horizons: Sequence[int] = (1, 2, 3)
) -> ReturnOnKam:
    """Return on KAM for ``key_accounts``, compared with every non-key account of the portfolio."""
    last_month = last_complete_month(store)
    without = [account for account in key_accounts if account.key_account_since is None]
    dated = [account for account in key_accounts if account.key_account_since is not None]
    if last_month is None or not dated:
        return ReturnOnKam(last_month, without_key_since=without)
    others = Account.objects.filter(is_key_account=False).values_list("code", "industry", "size")
    accounts = pa.table(
        {
            "account": [account.code for account in dated] + [code for code, _industry, _size in others],
            "is_key": [True] * len(dated) + [False] * len(others),
            "key_since": pa.array(
                [account.key_account_since for account in dated] + [None] * len(others), type=pa.date32()
            ),
            "industry": [account.industry for account in dated] + [industry for _code, industry, _size in others],
            "size": [account.size for account in dated] + [size for _code, _industry, size in others],
        }
    )
    spent = Investment.objects.filter(account__in=dated).select_related("account")
    investments = pa.table(
        {
            "account": pa.array([item.account.code for item in spent], type=pa.string()),
            "month": pa.array([item.month for item in spent], type=pa.date32()),
            "amount": pa.array([float(item.amount) for item in spent], type=pa.float64()),
        }
    )
    result = return_on_kam(monthly_margin(store), accounts, investments, last_month=last_month, horizons=horizons)
    rows = result.to_pylist()
    names = {account.code: account for account in dated}
    for row in rows:
        row["account_name"] = names[row["account"]].name
        for name in ("return_vs_trend", "return_vs_matched"):
            row[f"{name}_pct"] = None if row[name] is None else row[name] * 100
    reported = {row["account"] for row in rows}
    totals = []
    for years in horizons:
        of_horizon = [row for row in rows if row["years"] == years]
        if not of_horizon:
            continue
        trend, trend_return = _total(years, of_horizon, "trend")
        matched, matched_return = _total(years, of_horizon, "matched")
        totals.append(
            HorizonTotal(
                years=years,
                accounts=len(of_horizon),
                actual_margin=sum(row["actual_margin"] for row in of_horizon),
                incremental_vs_trend=trend,
                incremental_vs_matched=matched,
                invested=sum(row["invested"] for row in of_horizon),
                return_vs_trend=trend_return,
                return_vs_matched=matched_return,
            )
        )
    too_recent = [account for account in dated if account.code not in reported]
    return ReturnOnKam(last_month, rows, totals, without, too_recent)
