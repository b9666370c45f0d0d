"""Northwind, a real ERP export, imported with the mapping files in examples/northwind."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path

import duckdb
import pytest
from django.core.management import call_command

from kam.key_accounts.models import Account, Contact, Product, ProductLine
from kam.users.models import User
from kam_engine import FactsStore
from tests.datasets import dataset

pytestmark = pytest.mark.django_db

MAPPINGS = Path(__file__).resolve().parents[1] / "examples" / "northwind"
IMPORTS = [
    ("users", "employees.csv"),
    ("accounts", "customers.csv"),
    ("contacts", "customers.csv"),
    ("products", "products_canonical_neo4j.csv"),
    ("invoices", "order_details.csv"),
    ("activities", "orders.csv"),
    ("deliveries", "orders.csv"),
]


def import_northwind() -> list[str]:
    folder = dataset("northwind")
    outputs = []
    for kind, file_name in IMPORTS:
        out = StringIO()
        call_command("import", kind, str(folder / file_name), "--mapping", str(MAPPINGS / f"{kind}.toml"), stdout=out)
        outputs.append(out.getvalue().strip())
    return outputs


def scalar_rows(store: FactsStore, sql: str) -> tuple[object, ...]:
    with duckdb.connect(str(store.path), read_only=True) as connection:
        rows = connection.execute(sql).fetchall()
    return tuple(rows[0])


def test_northwind_imports_with_its_published_totals(facts: FactsStore) -> None:
    outputs = import_northwind()

    assert outputs[4] == "Imported order_details.csv as invoices: 2155 rows — 2155 new, 0 updated, 0 unchanged."
    assert Account.objects.count() == 91
    assert Contact.objects.count() == 91
    assert (Product.objects.count(), ProductLine.objects.count()) == (77, 8)
    assert User.objects.filter(role="key_account_manager").count() == 6
    # Lines are exact to 4 decimals; the published total is rounded to cents.
    assert scalar_rows(
        facts,
        "SELECT count(*), count(DISTINCT invoice), round(sum(net_revenue), 2), count(DISTINCT account) "
        "FROM invoice_lines",
    ) == (2155, 830, Decimal("1265793.04"), 89)
    assert scalar_rows(facts, "SELECT count(*), sum(cost) FROM activities") == (830, Decimal("64942.6900"))
    assert scalar_rows(
        facts,
        "SELECT count(*), count(*) FILTER (delivered_date IS NULL), count(*) FILTER (delivered_date > promised_date) "
        "FROM deliveries",
    ) == (830, 21, 37)


def test_importing_northwind_again_adds_nothing(facts: FactsStore) -> None:
    import_northwind()
    counts = facts.row_counts()

    outputs = import_northwind()

    assert outputs[1] == "Imported customers.csv as accounts: 91 rows — 0 new, 0 updated, 91 unchanged."
    assert outputs[4] == "Imported order_details.csv as invoices: 2155 rows — 0 new, 0 updated, 2155 unchanged."
    assert {table: count for table, count in facts.row_counts().items() if table != "imports"} == {
        table: count for table, count in counts.items() if table != "imports"
    }
