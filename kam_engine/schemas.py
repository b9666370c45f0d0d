"""Canonical frames of the facts store: invoice lines, cost-to-serve activities, deliveries.

Facts are large and append-only; they live in the analytics store (DuckDB by default),
never in the web database. Each kind has a natural key so that importing the same file
twice adds nothing.
"""

from __future__ import annotations

from kam_engine.specs import FieldSpec, FieldType, KindSpec

__all__ = ["ACTIVITIES", "DELIVERIES", "FACT_KINDS", "INVOICE_LINES"]

INVOICE_LINES = KindSpec(
    kind="invoices",
    is_fact=True,
    table="invoice_lines",
    key=("invoice", "line"),
    fields=(
        FieldSpec("invoice", required=True),
        FieldSpec("line", required=True),
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("product"),
        FieldSpec("product_line"),
        FieldSpec("date", FieldType.DATE, required=True),
        FieldSpec("quantity", FieldType.DECIMAL, default="1"),
        FieldSpec("net_revenue", FieldType.DECIMAL, required=True),
        FieldSpec("list_revenue", FieldType.DECIMAL),
        FieldSpec("cost", FieldType.DECIMAL),
        FieldSpec("order_ref"),
        FieldSpec("sales_rep"),
    ),
)

ACTIVITIES = KindSpec(
    kind="activities",
    is_fact=True,
    table="activities",
    key=("account", "date", "activity", "reference"),
    fields=(
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("date", FieldType.DATE, required=True),
        FieldSpec("activity", required=True),
        FieldSpec("reference"),
        FieldSpec("quantity", FieldType.DECIMAL, default="1"),
        FieldSpec("cost", FieldType.DECIMAL),
    ),
)

DELIVERIES = KindSpec(
    kind="deliveries",
    is_fact=True,
    table="deliveries",
    key=("delivery",),
    fields=(
        FieldSpec("delivery", required=True),
        FieldSpec("account", required=True, reference="account"),
        FieldSpec("order_ref"),
        FieldSpec("promised_date", FieldType.DATE, required=True),
        FieldSpec("delivered_date", FieldType.DATE),
        FieldSpec("in_full", FieldType.BOOLEAN, default="true"),
        FieldSpec("quantity_ordered", FieldType.DECIMAL),
        FieldSpec("quantity_delivered", FieldType.DECIMAL),
    ),
)

FACT_KINDS: dict[str, KindSpec] = {spec.kind: spec for spec in (INVOICE_LINES, ACTIVITIES, DELIVERIES)}
