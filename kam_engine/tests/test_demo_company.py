from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from kam_engine.demo_company import SIZES, DemoFiles, write_demo_company

Rows = list[dict[str, str]]

HEADERS = {
    "users": "username,first_name,last_name,email,role,department",
    "accounts": (
        "code,name,parent,industry,segment,country,size,status,owner,estimated_wallet,relationship_stage,"
        "is_key_account,key_account_since,tier,phase"
    ),
    "contacts": (
        "account,code,first_name,last_name,title,department,email,phone,reports_to,buying_role,influence,attitude,"
        "relationship_owner,relationship_level,last_contact_at"
    ),
    "products": "code,name,product_line,product_line_name,list_price,unit_cost",
    "invoices": (
        "invoice,line,account,product,product_line,date,quantity,net_revenue,list_revenue,cost,order_ref,sales_rep"
    ),
    "activities": "account,date,activity,reference,quantity,cost",
    "deliveries": (
        "delivery,account,order_ref,promised_date,delivered_date,in_full,quantity_ordered,quantity_delivered"
    ),
    "team": "account,username,role,department",
}
FILE_NAMES = tuple(f"{kind}.csv" for kind in HEADERS)
EMAIL = re.compile(r"^[a-z0-9.]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
MONEY = re.compile(r"^-?\d+\.\d\d$")
WHOLE = re.compile(r"^-?\d+$")
TEAM_ROLES = {"key_account_manager", "service", "logistics", "finance", "technical"}
BUYING_ROLES = {
    "", "economic_buyer", "user_buyer", "technical_buyer", "coach", "decision_maker", "influencer", "gatekeeper",
}  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_company(tmp_path_factory.mktemp("demo") / "not" / "yet" / "there", size="small")


@pytest.fixture(scope="module")
def tables(small: DemoFiles) -> dict[str, Rows]:
    return {kind: _read(small.folder / f"{kind}.csv") for kind in HEADERS}


def _read(path: Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _revenue_by_account(invoices: Rows) -> dict[str, Decimal]:
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for row in invoices:
        revenue[row["account"]] += Decimal(row["net_revenue"])
    return revenue


def test_the_same_seed_gives_byte_identical_files_and_another_seed_other_files(
    small: DemoFiles, tmp_path: Path
) -> None:
    again = write_demo_company(tmp_path / "again", size="small", seed=42)
    other = write_demo_company(tmp_path / "other", size="small", seed=7)

    for name in FILE_NAMES:
        first = (small.folder / name).read_bytes()
        assert (again.folder / name).read_bytes() == first, name
        assert (other.folder / name).read_bytes() != first, name


def test_the_folder_is_created_and_the_imports_come_in_reference_order(small: DemoFiles) -> None:
    assert small.folder.is_dir()
    assert [kind for kind, _ in small.imports()] == [
        "users", "accounts", "products", "contacts", "invoices", "activities", "deliveries",
    ]  # fmt: skip
    assert all(path == small.folder / f"{kind}.csv" for kind, path in small.imports())
    assert small.team == small.folder / "team.csv"


def test_every_file_has_exactly_the_canonical_header(small: DemoFiles) -> None:
    for kind, header in HEADERS.items():
        with (small.folder / f"{kind}.csv").open(encoding="utf-8") as handle:
            assert handle.readline() == header + "\n", kind


def test_small_has_150_accounts_and_fifteen_users_in_every_role(tables: dict[str, Rows]) -> None:
    users = tables["users"]

    assert SIZES["small"].customers == 150
    assert len(tables["accounts"]) == 150
    assert len(users) == 15
    assert Counter(user["role"] for user in users) == {
        "director": 1, "administrator": 1, "key_account_manager": 4, "team_member": 8, "viewer": 1,
    }  # fmt: skip
    by_name = {user["username"]: user for user in users}
    assert (by_name["director"]["role"], by_name["director"]["department"]) == ("director", "management")
    assert (by_name["admin"]["role"], by_name["admin"]["department"]) == ("administrator", "management")
    assert (by_name["viewer"]["role"], by_name["viewer"]["department"]) == ("viewer", "marketing")
    for user in users:
        if user["role"] == "key_account_manager":
            assert user["username"].startswith("kam.")
            assert user["department"] == "sales"
        if user["role"] == "team_member":
            assert user["department"] in {
                "customer_service", "logistics", "finance", "technical", "production", "marketing",
            }  # fmt: skip


def test_the_top_fifth_of_customers_holds_between_75_and_85_percent_of_revenue(tables: dict[str, Rows]) -> None:
    revenue = sorted(_revenue_by_account(tables["invoices"]).values(), reverse=True)
    top = revenue[: len(revenue) // 5]

    share = sum(top) / sum(revenue)

    assert Decimal("0.75") <= share <= Decimal("0.85")


def test_every_reference_points_to_an_existing_row(tables: dict[str, Rows]) -> None:
    accounts = [row["code"] for row in tables["accounts"]]
    account_codes = set(accounts)
    usernames = {row["username"] for row in tables["users"]}
    kams = {row["username"] for row in tables["users"] if row["role"] == "key_account_manager"}
    product_line = {row["code"]: row["product_line"] for row in tables["products"]}

    for kind in ("contacts", "invoices", "activities", "deliveries", "team"):
        assert {row["account"] for row in tables[kind]} <= account_codes, kind
    assert {row["owner"] for row in tables["accounts"]} - {""} <= kams
    assert {row["relationship_owner"] for row in tables["contacts"]} - {""} <= kams
    assert {row["sales_rep"] for row in tables["invoices"]} - {""} <= kams
    assert {row["username"] for row in tables["team"]} <= usernames
    for row in tables["invoices"]:
        assert product_line[row["product"]] == row["product_line"]
    for position, row in enumerate(tables["accounts"]):
        if row["parent"]:
            assert row["parent"] in accounts[:position]  # listed earlier, so there can be no cycle


def test_keys_are_unique(tables: dict[str, Rows]) -> None:
    keys = {
        "users": ("username",),
        "accounts": ("code",),
        "products": ("code",),
        "contacts": ("account", "code"),
        "invoices": ("invoice", "line"),
        "activities": ("account", "date", "activity", "reference"),
        "deliveries": ("delivery",),
        "team": ("account", "username"),
    }
    for kind, key in keys.items():
        values = [tuple(row[column] for column in key) for row in tables[kind]]
        assert len(set(values)) == len(values), kind
    names = [row["name"] for row in tables["accounts"]]
    assert len(set(names)) == len(names)


def test_reports_to_is_always_an_earlier_contact_of_the_same_account(tables: dict[str, Rows]) -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    bosses = 0

    for row in tables["contacts"]:
        if row["reports_to"]:
            assert row["reports_to"] in seen[row["account"]]
            bosses += 1
        seen[row["account"]].add(row["code"])

    assert bosses > 0


def test_invoice_lines_are_numbered_and_priced_from_the_catalogue(tables: dict[str, Rows]) -> None:
    prices = {row["code"]: (Decimal(row["list_price"]), Decimal(row["unit_cost"])) for row in tables["products"]}
    lines_of: dict[str, list[int]] = defaultdict(list)
    credit_lines = free_lines = 0

    for row in tables["invoices"]:
        assert re.fullmatch(r"[FA]\d{4}-\d{6}", row["invoice"])
        assert re.fullmatch(r"P\d{4}-\d{6}", row["order_ref"])
        assert all(MONEY.match(row[column]) for column in ("net_revenue", "list_revenue", "cost"))
        assert WHOLE.match(row["quantity"])
        quantity = int(row["quantity"])
        list_price, unit_cost = prices[row["product"]]
        assert Decimal(row["list_revenue"]) == list_price * quantity
        assert Decimal(row["cost"]) == unit_cost * quantity
        if row["invoice"].startswith("A"):
            credit_lines += 1
            assert quantity < 0
            assert Decimal(row["net_revenue"]) <= 0
        else:
            net, list_revenue = Decimal(row["net_revenue"]), Decimal(row["list_revenue"])
            assert quantity > 0
            if net == 0:
                free_lines += 1
            else:  # discounts of 0-25%, to the cent
                assert Decimal("0.75") * list_revenue - Decimal("0.01") <= net <= list_revenue
        lines_of[row["invoice"]].append(int(row["line"]))

    assert all(sorted(lines) == list(range(1, len(lines) + 1)) for lines in lines_of.values())
    assert all(len(lines) <= 12 for invoice, lines in lines_of.items() if invoice.startswith("F"))
    assert 0.002 < credit_lines / len(tables["invoices"]) < 0.01
    assert 0 < free_lines < 0.005 * len(tables["invoices"])
    assert 40_000 < len(tables["invoices"]) < 60_000


def test_statuses_match_the_invoices_and_the_history_ends_the_month_before_today(tables: dict[str, Rows]) -> None:
    last_invoice: dict[str, str] = {}
    for row in tables["invoices"]:
        last_invoice[row["account"]] = max(last_invoice.get(row["account"], ""), row["date"])
    dates = [row["date"] for row in tables["invoices"]]
    status = {row["code"]: row["status"] for row in tables["accounts"]}

    assert min(dates) >= "2023-11-01"
    assert "2026-10-26" <= max(dates) <= "2026-10-31"
    for code, value in status.items():
        if value == "prospect":
            assert code not in last_invoice
        elif value == "former":
            assert last_invoice[code] < "2025-11-01"
        else:
            assert last_invoice[code] >= "2025-11-01"
    assert set(Counter(status.values())) == {"customer", "former", "prospect"}


def test_kams_own_the_top_accounts_and_sell_to_them(tables: dict[str, Rows]) -> None:
    owner = {row["code"]: row["owner"] for row in tables["accounts"]}
    owned = sum(1 for value in owner.values() if value)
    revenue = _revenue_by_account(tables["invoices"])
    owned_revenue = sum(amount for code, amount in revenue.items() if owner[code])

    assert 0.15 * len(owner) <= owned <= 0.25 * len(owner)
    assert owned_revenue / sum(revenue.values()) > Decimal("0.6")
    assert all(row["sales_rep"] == owner[row["account"]] for row in tables["invoices"])
    for code, value in owner.items():
        team = [row for row in tables["team"] if row["account"] == code]
        if value:
            assert [(row["username"], row["role"]) for row in team if row["department"] == "sales"] == [
                (value, "key_account_manager")
            ]
            assert 2 <= len(team) <= 4
            assert {row["role"] for row in team} <= TEAM_ROLES
        else:
            assert team == []


def test_wallets_are_never_below_last_years_revenue(tables: dict[str, Rows]) -> None:
    last_year: dict[str, Decimal] = defaultdict(Decimal)
    for row in tables["invoices"]:
        if row["date"] >= "2025-11-01":
            last_year[row["account"]] += Decimal(row["net_revenue"])
    wallets = {row["code"]: row["estimated_wallet"] for row in tables["accounts"]}

    assert all(Decimal(wallet) >= last_year[code] for code, wallet in wallets.items() if wallet)
    assert 0.2 < sum(1 for wallet in wallets.values() if not wallet) / len(wallets) < 0.4


def test_contacts_have_valid_choices_and_ascii_emails(tables: dict[str, Rows]) -> None:
    contacts = tables["contacts"]
    per_account = Counter(row["account"] for row in contacts)
    owned = {row["code"] for row in tables["accounts"] if row["owner"]}

    for row in contacts:
        assert EMAIL.match(row["email"]), row["email"]
        assert row["buying_role"] in BUYING_ROLES
        assert 1 <= int(row["influence"]) <= 5
        assert row["attitude"] in {"champion", "supporter", "neutral", "critic", "opponent"}
        assert row["relationship_level"] in {"none", "brief", "regular", "in_depth"}
        if row["last_contact_at"]:
            assert "2026-04-15" <= row["last_contact_at"] < "2026-11-01"
    assert all(2 <= per_account[code] <= 8 for code in owned)
    assert all(count <= 2 for code, count in per_account.items() if code not in owned)
    assert all(EMAIL.match(row["email"]) for row in tables["users"])


def test_deliveries_and_activities_follow_the_orders(tables: dict[str, Rows]) -> None:
    orders = {row["order_ref"] for row in tables["invoices"] if row["invoice"].startswith("F")}
    deliveries = tables["deliveries"]
    activities = tables["activities"]

    assert {row["order_ref"] for row in deliveries} == orders
    assert len(deliveries) == len(orders)
    for row in deliveries:
        assert row["in_full"] in {"true", "false"}
        assert int(row["quantity_delivered"]) <= int(row["quantity_ordered"])
        if row["in_full"] == "true":
            assert row["quantity_delivered"] == row["quantity_ordered"]
        if not row["delivered_date"]:
            assert row["promised_date"] >= "2026-09-15"  # only recent orders are still on their way
    counts = Counter(row["activity"] for row in activities)
    assert counts["order"] == counts["order_line"] == len(orders)
    assert set(counts) == {
        "order", "order_line", "delivery", "rush_order", "return", "visit", "support_ticket", "special_packaging",
    }  # fmt: skip
    assert 0.02 < counts["rush_order"] / len(orders) < 0.1
    for row in activities:
        if row["activity"] == "support_ticket":
            assert 0.5 <= float(row["quantity"]) <= 8
        else:
            assert WHOLE.match(row["quantity"])
        assert bool(row["cost"]) == (row["activity"] == "special_packaging")


def test_today_moves_the_three_year_history(tmp_path: Path) -> None:
    files = write_demo_company(tmp_path, size="small", today=dt.date(2025, 3, 15))

    dates = [row["date"] for row in _read(files.invoices)]

    assert min(dates) >= "2022-03-01"
    assert max(dates) <= "2025-02-28"
    assert max(dates) >= "2025-02-20"


def test_an_unknown_size_raises_a_value_error_naming_the_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown demo size 'huge'; choose one of: small, medium, large"):
        write_demo_company(tmp_path / "demo", size="huge")

    assert not (tmp_path / "demo").exists()
