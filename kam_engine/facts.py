"""The facts store: a DuckDB file holding invoice lines, activities and deliveries.

This module is the only place that knows where the facts live and how their tables
are laid out. Connections are short-lived: DuckDB allows one writing process at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kam_engine.schemas import FACT_KINDS
from kam_engine.specs import FieldType, KindSpec

__all__ = ["FactsStore", "FactsStoreError", "sql_type"]

_SQL_TYPES = {
    FieldType.TEXT: "VARCHAR",
    FieldType.CHOICE: "VARCHAR",
    FieldType.INTEGER: "BIGINT",
    FieldType.DECIMAL: "DECIMAL(18,4)",
    FieldType.DATE: "DATE",
    FieldType.DATETIME: "TIMESTAMP",
    FieldType.BOOLEAN: "BOOLEAN",
}


class FactsStoreError(ValueError):
    """A facts-store URL we cannot use."""


def sql_type(field_type: FieldType) -> str:
    """Return the DuckDB column type used for a field type."""
    return _SQL_TYPES[field_type]


def quote(name: str) -> str:
    """Quote a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """Quote a string literal (DuckDB's EXPORT and IMPORT take no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def table_ddl(spec: KindSpec, schema: str | None = None) -> str:
    """Return ``CREATE TABLE IF NOT EXISTS`` for a fact kind."""
    prefix = f"{schema}." if schema else ""
    columns = [
        f"{quote(field.name)} {sql_type(field.type)}{' NOT NULL' if field.required else ''}" for field in spec.fields
    ]
    columns.append("import_id VARCHAR NOT NULL")
    return f"CREATE TABLE IF NOT EXISTS {prefix}{spec.table} ({', '.join(columns)})"


IMPORTS_DDL = (
    "CREATE TABLE IF NOT EXISTS {prefix}imports ("
    "import_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, file_name VARCHAR NOT NULL, "
    "sha256 VARCHAR NOT NULL, rows BIGINT NOT NULL, inserted BIGINT NOT NULL, imported_at TIMESTAMPTZ NOT NULL)"
)


@dataclass(frozen=True, slots=True)
class FactsStore:
    """Where the facts live: a DuckDB database file.

    Parameters
    ----------
    path
        The DuckDB file; created with its tables on first use.
    """

    path: Path

    @classmethod
    def from_url(cls, url: str) -> FactsStore:
        """Parse ``duckdb:///absolute/path.duckdb``, ``duckdb://relative/path.duckdb`` or a plain path.

        Examples
        --------
        >>> FactsStore.from_url("duckdb:///srv/kam/facts.duckdb").path
        PosixPath('/srv/kam/facts.duckdb')
        >>> FactsStore.from_url("var/facts.duckdb").path
        PosixPath('var/facts.duckdb')
        """
        if url.startswith("duckdb://"):
            location = url.removeprefix("duckdb://")
            if not location:
                raise FactsStoreError(f"{url!r}: no file named (use duckdb:///path/to/facts.duckdb)")
            return cls(Path(location))
        if "://" in url:
            raise FactsStoreError(f"{url!r}: only duckdb:// URLs or file paths are supported for the facts store")
        return cls(Path(url))

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open a connection; create the file and its tables first when writing."""
        if read_only and not self.path.exists():
            self.initialise()
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(self.path), read_only=read_only)
        if not read_only:
            self.create_tables(connection)
        return connection

    def initialise(self) -> None:
        """Create the file and every table if missing."""
        self.connect().close()

    @staticmethod
    def create_tables(connection: duckdb.DuckDBPyConnection, schema: str | None = None) -> None:
        """Create the fact tables in ``connection`` (optionally in an attached ``schema``)."""
        prefix = f"{schema}." if schema else ""
        connection.execute(IMPORTS_DDL.format(prefix=prefix))
        for spec in FACT_KINDS.values():
            connection.execute(table_ddl(spec, schema))

    def delete_import(self, import_id: str) -> None:
        """Remove every fact of one import (used to undo an import whose web side failed)."""
        connection = self.connect()
        try:
            connection.execute("BEGIN TRANSACTION")
            for spec in FACT_KINDS.values():
                connection.execute(f"DELETE FROM {spec.table} WHERE import_id = ?", [import_id])
            connection.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
            connection.execute("COMMIT")
        finally:
            connection.close()

    def delete_orphans(self, known_import_ids: Iterable[str]) -> dict[str, int]:
        """Remove every fact (and recorded import) whose import is not among ``known_import_ids``.

        The facts of an import commit just before its web transaction does; a process killed in
        between leaves facts whose import the web database never recorded. Call this with the web
        database's import ids, while no other import can be between those two commits.
        Returns the number of rows removed per table.
        """
        connection = self.connect()
        try:
            connection.execute("CREATE TEMP TABLE known_imports (import_id VARCHAR PRIMARY KEY)")
            known = [[value] for value in set(known_import_ids)]
            if known:
                connection.executemany("INSERT INTO known_imports VALUES (?)", known)
            removed = {}
            connection.execute("BEGIN TRANSACTION")
            for table in (*(spec.table for spec in FACT_KINDS.values()), "imports"):
                rows = connection.execute(
                    f"DELETE FROM {table} WHERE import_id NOT IN (SELECT import_id FROM known_imports)"
                ).fetchall()
                removed[table] = int(rows[0][0]) if rows else 0
            connection.execute("COMMIT")
            return removed
        finally:
            connection.close()

    def import_ids(self) -> set[str]:
        """Every import id that has a fact or a recorded import."""
        connection = self.connect(read_only=True)
        try:
            tables = ("imports", *(spec.table for spec in FACT_KINDS.values()))
            union = " UNION ".join(f"SELECT DISTINCT import_id FROM {table}" for table in tables)
            return {str(row[0]) for row in connection.execute(union).fetchall()}
        finally:
            connection.close()

    def table_names(self) -> tuple[str, ...]:
        """The tables of the store: recorded imports, then one per fact kind."""
        return ("imports", *(spec.table for spec in FACT_KINDS.values()))

    def export_to(self, folder: Path, *, connection: duckdb.DuckDBPyConnection | None = None) -> dict[str, int]:
        """Write the whole store to ``folder`` (Parquet files + DuckDB's schema and load scripts).

        The export reads one snapshot, through ``connection`` if given (it is left open). Returns
        the number of rows per table in that snapshot.
        """
        own = connection is None
        if connection is None:
            connection = self.connect(read_only=True)
        try:
            connection.execute("BEGIN TRANSACTION")
            counts = {
                table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
                for table in self.table_names()
            }
            connection.execute(f"EXPORT DATABASE {_literal(str(folder))} (FORMAT parquet)")
            connection.execute("COMMIT")
            return counts
        finally:
            if own:
                connection.close()

    @classmethod
    def import_from(cls, folder: Path, path: Path) -> FactsStore:
        """Create a new store at ``path`` from a folder written by :meth:`export_to`."""
        if path.exists():
            raise FactsStoreError(f"{path}: already exists")
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(path))
        try:
            connection.execute(f"IMPORT DATABASE {_literal(str(folder))}")
            cls.create_tables(connection)
        finally:
            connection.close()
        return cls(path)

    def row_counts(self) -> dict[str, int]:
        """Return the number of rows of every fact table (and of recorded imports)."""
        connection = self.connect(read_only=True)
        try:
            counts = {}
            for table in ("imports", *(spec.table for spec in FACT_KINDS.values())):
                rows = connection.execute(f"SELECT count(*) FROM {table}").fetchall()
                counts[table] = int(rows[0][0])
            return counts
        finally:
            connection.close()
