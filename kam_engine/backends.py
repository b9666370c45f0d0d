"""Where the engine runs: DuckDB in-process (default) or Apache Spark, through Ibis.

The analysis functions take Ibis tables and return Ibis expressions; this module is the
only place that creates backends and turns facts into Ibis tables. Money and quantities
enter the engine as float64: figures are compared within 1e-9 across backends.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from ibis import BaseBackend
from ibis.expr import types as ir

from kam_engine.facts import FactsStore
from kam_engine.schemas import ACTIVITIES, DELIVERIES, INVOICE_LINES
from kam_engine.specs import FieldType, KindSpec

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "ACCOUNT_SCHEMA",
    "FactTables",
    "arrow_table",
    "duckdb_backend",
    "fact_tables_from_arrow",
    "open_facts",
    "spark_backend",
]

_ACCOUNT_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("code", pa.string()),
    ("estimated_wallet", pa.float64()),
    ("is_key_account", pa.bool_()),
]
ACCOUNT_SCHEMA = pa.schema(_ACCOUNT_COLUMNS)
"""The account columns the engine reads (from the web database, via Arrow)."""

_ARROW_TYPES: dict[FieldType, pa.DataType] = {
    FieldType.TEXT: pa.string(),
    FieldType.CHOICE: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.DECIMAL: pa.float64(),
    FieldType.DATE: pa.date32(),
    FieldType.DATETIME: pa.timestamp("us"),
    FieldType.BOOLEAN: pa.bool_(),
}


def arrow_schema(spec: KindSpec) -> pa.Schema:
    """The Arrow schema of a fact kind as the engine sees it (decimals as float64)."""
    columns: list[tuple[str, pa.DataType]] = [(item.name, _ARROW_TYPES[item.type]) for item in spec.fields]
    return pa.schema(columns)


@dataclass(frozen=True, slots=True)
class FactTables:
    """The engine's inputs, as Ibis tables on one backend."""

    backend: BaseBackend
    invoice_lines: ir.Table
    activities: ir.Table
    deliveries: ir.Table
    accounts: ir.Table

    def table(self, data: pa.Table) -> ir.Table:
        """An Ibis table of ``data`` that this backend can join with the facts."""
        return arrow_table(self.backend, data)

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        """Execute ``expression`` on this backend and return Arrow (in the expression's schema)."""
        if self.backend.name != "duckdb":
            table: pa.Table = self.backend.to_pyarrow(expression)
            return table
        # DuckDB hands Arrow over itself. Ibis's own conversion imports pandas (~1.3 s in a
        # fresh process), for a cast that Arrow does here.
        sql = self.backend.compile(expression)
        result: pa.Table = self.backend.con.sql(sql).to_arrow_table()
        return result.cast(expression.schema().to_pyarrow())


# Arrow tables registered on a DuckDB connection live as long as that connection, as Ibis's
# own memtables do; the counter only keeps their names apart.
_ARROW_NAMES = itertools.count()


def arrow_table(backend: BaseBackend, data: pa.Table) -> ir.Table:
    """Put an Arrow table where ``backend`` can read it.

    DuckDB reads Arrow directly: the table is registered on the connection by name (an Ibis
    memtable would do the same, but its first use imports pandas, polars and the Arrow
    dataset module, ~1.3 s in a fresh process). Spark would receive a memtable through
    pandas, which turns nulls of float and text columns into NaN; a Parquet file keeps the
    types and the nulls exact.
    """
    if backend.name == "duckdb":
        name = f"_kam_arrow_{next(_ARROW_NAMES)}"
        backend.con.register(name, data)
        return backend.table(name)
    if backend.name != "pyspark":
        return ibis.memtable(data)
    folder = Path(tempfile.mkdtemp(prefix="kam-spark-"))
    path = folder / "data.parquet"
    pq.write_table(data, path)
    return backend.read_parquet(str(path))


def duckdb_backend(path: str = ":memory:", *, read_only: bool = False) -> BaseBackend:
    """An in-process DuckDB backend (the default engine)."""
    backend = ibis.duckdb.connect(path, read_only=read_only)
    backend.raw_sql("SET enable_progress_bar = false")
    return backend


def spark_backend(session: SparkSession | None = None) -> BaseBackend:
    """A PySpark backend; without a session, a local one sized for this machine."""
    if session is None:
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[2]")
            .appName("openkam")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    return ibis.pyspark.connect(session)


def _as_engine_types(table: ir.Table, schema: pa.Schema) -> ir.Table:
    casts: dict[str, Any] = {}
    for arrow_field in schema:
        if pa.types.is_floating(arrow_field.type):
            casts[arrow_field.name] = table[arrow_field.name].cast("float64")
    return table.mutate(**casts) if casts else table


def fact_tables_from_arrow(
    backend: BaseBackend,
    *,
    invoice_lines: pa.Table,
    activities: pa.Table,
    deliveries: pa.Table,
    accounts: pa.Table,
) -> FactTables:
    """Load Arrow tables (for tests and small data) into ``backend``.

    Each table is cast to the engine's schema: missing optional columns are filled with
    nulls, so a test can give only the columns it cares about.
    """

    def load(data: pa.Table, schema: pa.Schema) -> ir.Table:
        columns = {}
        for arrow_field in schema:
            if arrow_field.name in data.column_names:
                columns[arrow_field.name] = data.column(arrow_field.name).cast(arrow_field.type)
            else:
                columns[arrow_field.name] = pa.nulls(data.num_rows, arrow_field.type)
        return arrow_table(backend, pa.table(columns, schema=schema))

    return FactTables(
        backend=backend,
        invoice_lines=load(invoice_lines, arrow_schema(INVOICE_LINES)),
        activities=load(activities, arrow_schema(ACTIVITIES)),
        deliveries=load(deliveries, arrow_schema(DELIVERIES)),
        accounts=load(accounts, ACCOUNT_SCHEMA),
    )


def open_facts(store: FactsStore, accounts: pa.Table) -> FactTables:
    """Open the facts store read-only on DuckDB, with the accounts from the web database."""
    store.initialise() if not store.path.exists() else None
    backend = duckdb_backend(str(store.path), read_only=True)
    return FactTables(
        backend=backend,
        invoice_lines=_as_engine_types(backend.table(INVOICE_LINES.table), arrow_schema(INVOICE_LINES)),
        activities=_as_engine_types(backend.table(ACTIVITIES.table), arrow_schema(ACTIVITIES)),
        deliveries=_as_engine_types(backend.table(DELIVERIES.table), arrow_schema(DELIVERIES)),
        accounts=arrow_table(backend, accounts.select(ACCOUNT_SCHEMA.names).cast(ACCOUNT_SCHEMA)),
    )
