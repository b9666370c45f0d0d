"""The return-on-KAM page: margin from a small facts store, investments from the web database.

ACME (alice's, key since 2021-03-01) earns 1,000 a month of margin in the 12 months before
and 1,500 a month in the 12 months after; it cost 1,000 in each of its first two months as
key. Its own-trend baseline is 12 × 1,000, so it earned 6,000 more than its trend and
returned (6,000 − 2,000) ÷ 2,000 = 200 %. No non-key account is of its size: no matched
baseline. ACME-IB and COBALT are key without a "key account since" date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from kam.imports.actions import do_import_file
from kam.incentives.actions import do_record_investment
from kam.key_accounts.models import Account
from kam.users.models import User
from kam_engine import FactsStore

pytestmark = pytest.mark.django_db

URL = reverse("incentives:return_on_kam")


def _months(first: dt.date, count: int) -> list[dt.date]:
    return [
        dt.date(first.year + (first.month - 1 + index) // 12, (first.month - 1 + index) % 12 + 1, 1)
        for index in range(count)
    ]


@pytest.fixture
def acme_history(tmp_path: Path, accounts: dict[str, Account], facts: FactsStore) -> None:
    lines = ["invoice,line,account,date,net_revenue,cost"]
    for index, month in enumerate(_months(dt.date(2020, 3, 1), 24)):
        margin = 1_000 if month < dt.date(2021, 3, 1) else 1_500
        lines.append(f"F{index},1,ACME,{month.replace(day=15)},{margin + 4_000},4000")
    lines.append("G1,1,BOREAL,2022-02-28,100,50")  # the last day of data: February 2022 is complete
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert do_import_file("invoices", path, acting_user=None).is_valid
    for month in (dt.date(2021, 3, 1), dt.date(2021, 4, 1)):
        do_record_investment(accounts["ACME"], month, kam_hours=10, hourly_rate=100, acting_user=None)


def test_a_director_sees_each_key_account_and_the_programme(client: Client, director: User, acme_history: None) -> None:
    client.force_login(director)

    response = client.get(URL)

    assert response.status_code == 200
    result = response.context["result"]
    assert result.last_month == dt.date(2022, 2, 1)
    assert [
        (
            row["account"],
            row["years"],
            row["window_start"],
            row["window_end"],
            row["actual_margin"],
            round(row["trend_baseline"], 2),
            row["matched_baseline"],
            row["matched_accounts"],
            row["invested"],
            round(row["return_vs_trend"], 6),
        )
        for row in result.rows
    ] == [("ACME", 1, dt.date(2021, 3, 1), dt.date(2022, 2, 1), 18_000.0, 12_000.0, None, 0, 2_000.0, 2.0)]
    [total] = result.totals
    assert (total.years, total.accounts, total.actual_margin, total.invested, round(total.return_vs_trend, 6)) == (
        1,
        1,
        18_000.0,
        2_000.0,
        2.0,
    )
    assert total.return_vs_matched is None
    assert [account.code for account in result.without_key_since] == ["ACME-IB", "COBALT"]
    content = response.content.decode()
    assert "200.0 %" in content
    assert "no “key account since” date" in content


def test_a_kam_sees_only_their_key_accounts(client: Client, kam_bob: User, acme_history: None) -> None:
    client.force_login(kam_bob)

    response = client.get(URL)

    result = response.context["result"]
    assert result.rows == []
    assert [account.code for account in result.without_key_since] == ["COBALT"]
    assert "ACME" not in response.content.decode()


def test_without_facts_the_page_says_so(client: Client, director: User, accounts: dict[str, Account]) -> None:
    client.force_login(director)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["result"].rows == []
    assert "No key account has been key long enough for a full year of data." in response.content.decode()
