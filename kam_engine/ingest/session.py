"""Validating a source table against an import kind and staging it, all in DuckDB.

The session parses every field with one SQL statement, collects every problem with
its spreadsheet row, and — only when there are none — appends the facts in a single
transaction, skipping rows whose natural key is already stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from kam_engine.facts import FactsStore, quote, sql_type
from kam_engine.ingest.mapping import Mapping
from kam_engine.ingest.problems import Problem, ProblemCode
from kam_engine.ingest.readers import ROW_COLUMN, SourceTable
from kam_engine.specs import FieldSpec, FieldType, KindSpec

__all__ = ["AppendResult", "ImportSession", "ValidationReport"]

_TRUE_WORDS = ("1", "true", "t", "yes", "y", "si", "sí", "s", "x", "verdadero")
_FALSE_WORDS = ("0", "false", "f", "no", "n", "falso")
_TYPE_PROBLEMS = {
    FieldType.INTEGER: ProblemCode.NOT_AN_INTEGER,
    FieldType.DECIMAL: ProblemCode.NOT_A_NUMBER,
    FieldType.DATE: ProblemCode.NOT_A_DATE,
    FieldType.DATETIME: ProblemCode.NOT_A_DATETIME,
    FieldType.BOOLEAN: ProblemCode.NOT_A_BOOLEAN,
    FieldType.CHOICE: ProblemCode.NOT_A_CHOICE,
}


_ABSENT = "CAST(NULL AS VARCHAR)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _real_moment(raw: str, parsed: str) -> str:
    """``parsed`` unless DuckDB read a word as a moment: 'infinity' and 'epoch' are no dates of a file.

    An infinite date cannot even be turned into a Python date; a date is written with digits.
    """
    return f"CASE WHEN regexp_matches({raw}, '[0-9]') AND isfinite({parsed}) THEN {parsed} END"


def _raw_name(name: str) -> str:
    return quote(f"__raw_{name}")


@dataclass(frozen=True, slots=True)
class _RowCheck:
    """A condition on staged rows that marks a problem; its parts are SQL snippets."""

    condition: str
    label: str
    code: ProblemCode
    value: str
    params: str


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validation: the first problems (sorted by row) and their total."""

    rows: int
    problems: tuple[Problem, ...]
    problem_count: int
    new_references: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.problem_count == 0


@dataclass(frozen=True, slots=True)
class AppendResult:
    """How many staged rows were added to the facts store, and how many were already there."""

    inserted: int
    skipped: int


class ImportSession:
    """One file being imported: staged in an in-memory DuckDB database.

    Parameters
    ----------
    spec
        The import kind.
    mapping
        How the user's columns map onto the kind's fields.
    file_name
        The name used in problems (``file:row:column: reason``).
    """

    def __init__(self, spec: KindSpec, mapping: Mapping, file_name: str) -> None:
        self.spec = spec
        self.mapping = mapping
        self.file_name = file_name
        # DuckDB's own progress bar would scribble over ours (and over --json output).
        self.connection = duckdb.connect(":memory:")
        self.connection.execute("SET enable_progress_bar = false")
        self._source_columns: dict[str, str] = {}
        self._raw_columns: dict[str, str] = {}
        self._rows = 0
        self._row_checks: list[_RowCheck] = []
        self._early_problems: list[Problem] = []
        decimal_source = self._number_text("x")
        self.connection.execute(f"CREATE MACRO num(x) AS TRY_CAST({decimal_source} AS DOUBLE)")
        self.connection.execute(f"CREATE MACRO day(x) AS {self._date_sql('x')}")

    def _scalar(self, sql: str, parameters: list[object] | None = None) -> int:
        # fetchall() completes the result: DuckDB allows one open result per connection.
        rows = self.connection.execute(sql, parameters or []).fetchall()
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def close(self) -> None:
        """Release the in-memory database."""
        self.connection.close()

    # -- building SQL -------------------------------------------------------------------

    def _number_text(self, raw: str) -> str:
        source = self.mapping.source
        text = raw
        if source.thousands:
            text = f"replace({text}, {_literal(source.thousands)}, '')"
        if source.decimal != ".":
            text = f"replace({text}, {_literal(source.decimal)}, '.')"
        return text

    def _date_sql(self, raw: str) -> str:
        candidates = []
        if self.mapping.source.date_format:
            candidates.append(f"TRY_CAST(try_strptime({raw}, {_literal(self.mapping.source.date_format)}) AS DATE)")
        candidates.append(f"TRY_CAST({raw} AS DATE)")
        candidates.append(f"TRY_CAST(TRY_CAST({raw} AS TIMESTAMP) AS DATE)")
        return f"COALESCE({', '.join(candidates)})"

    def _datetime_sql(self, raw: str) -> str:
        candidates = []
        if self.mapping.source.datetime_format:
            candidates.append(f"try_strptime({raw}, {_literal(self.mapping.source.datetime_format)})")
        if self.mapping.source.date_format:
            # a day alone, in the file's date format, is that day at midnight
            candidates.append(f"CAST(try_strptime({raw}, {_literal(self.mapping.source.date_format)}) AS TIMESTAMP)")
        candidates.append(f"TRY_CAST({raw} AS TIMESTAMP)")
        return f"COALESCE({', '.join(candidates)})"

    def _parse_sql(self, spec: FieldSpec, raw: str, *, canonical: bool) -> str:
        """SQL that parses the text ``raw``; ``canonical`` text uses '.' decimals and ISO dates."""
        if spec.type is FieldType.TEXT:
            return raw
        if spec.type in (FieldType.DECIMAL, FieldType.INTEGER):
            text = raw if canonical else self._number_text(raw)
            return f"TRY_CAST({text} AS {sql_type(spec.type)})"
        if spec.type is FieldType.DATE:
            return _real_moment(raw, f"TRY_CAST({raw} AS DATE)" if canonical else self._date_sql(raw))
        if spec.type is FieldType.DATETIME:
            return _real_moment(raw, f"TRY_CAST({raw} AS TIMESTAMP)" if canonical else self._datetime_sql(raw))
        if spec.type is FieldType.BOOLEAN:
            words_true = ", ".join(_literal(word) for word in _TRUE_WORDS)
            words_false = ", ".join(_literal(word) for word in _FALSE_WORDS)
            return (
                f"CASE WHEN lower({raw}) IN ({words_true}) THEN TRUE "
                f"WHEN lower({raw}) IN ({words_false}) THEN FALSE END"
            )
        normalised = f"lower(replace({raw}, ' ', '_'))"
        allowed = ", ".join(_literal(choice) for choice in spec.choices)
        return f"CASE WHEN {normalised} IN ({allowed}) THEN {normalised} END"

    def _field_sql(self, spec: FieldSpec, columns: set[str]) -> tuple[str, str, str] | None:
        """Return (raw SQL, parsed SQL, column label) for a field, or None when it is absent."""
        rule = self.mapping.rule_for(spec.name)
        explicit = spec.name in self.mapping.columns
        if rule.expr is not None:
            raw = f"CAST(({rule.expr}) AS VARCHAR)"
            if spec.type in (FieldType.TEXT, FieldType.CHOICE, FieldType.BOOLEAN):
                return raw, self._parse_sql(spec, f"NULLIF(trim({raw}), '')", canonical=True), spec.name
            return raw, f"TRY_CAST(({rule.expr}) AS {sql_type(spec.type)})", spec.name
        if rule.value is not None:
            raw = _literal(rule.value)
            return raw, self._parse_sql(spec, raw, canonical=True), spec.name
        column = rule.column or spec.name
        if column not in columns:
            if explicit or spec.required:
                self._early_problems.append(
                    Problem(self.file_name, 1, column, ProblemCode.MISSING_COLUMN, params={"field": spec.name})
                )
                return None
            if spec.default is not None:
                raw = _literal(spec.default)
                return raw, self._parse_sql(spec, raw, canonical=True), spec.name
            return _ABSENT, f"CAST(NULL AS {sql_type(spec.type)})", spec.name
        raw = f"NULLIF(trim(src.{quote(column)}), '')"
        return raw, self._parse_sql(spec, raw, canonical=False), column

    # -- staging ------------------------------------------------------------------------

    def stage(self, source: SourceTable, joins: Iterable[tuple[str, str, str, SourceTable]] = ()) -> None:
        """Parse ``source`` (and joined files) into the staged table.

        ``joins`` are (file name, left column, right column, table) tuples.
        """
        joins = list(joins)
        self.connection.register("main_source", source.table)
        columns = set(source.table.column_names) - {ROW_COLUMN}
        from_sql = "main_source"
        join_rows: list[tuple[str, str, str]] = []
        for index, (join_file, left_on, right_on, joined) in enumerate(joins, start=1):
            alias = f"join_{index}"
            self.connection.register(alias, joined.table)
            if left_on not in columns:
                self._early_problems.append(Problem(self.file_name, 1, left_on, ProblemCode.MISSING_COLUMN))
                continue
            if right_on not in joined.table.column_names:
                self._early_problems.append(Problem(join_file, 1, right_on, ProblemCode.MISSING_COLUMN))
                continue
            self._check_join(alias, join_file, right_on)
            extra = [name for name in joined.table.column_names if name not in columns and name != ROW_COLUMN]
            picked = "".join(f", j.{quote(name)}" for name in extra)
            row_alias = f"__join_row_{index}"
            from_sql = (
                f"(SELECT src.*, j.{ROW_COLUMN} AS {row_alias}{picked} FROM {from_sql} AS src "
                f"LEFT JOIN {alias} AS j ON src.{quote(left_on)} = j.{quote(right_on)})"
            )
            # Joined columns become available to later joins and to the mapping.
            columns.update(extra)
            join_rows.append((row_alias, join_file, left_on))
        from_sql = f"{from_sql} AS src"
        selects = [f"src.{ROW_COLUMN} AS {ROW_COLUMN}"]
        self._source_columns = {}
        self._raw_columns = {}
        for spec in self.spec.fields:
            parsed = self._field_sql(spec, columns)
            if parsed is None:
                selects.append(f"CAST(NULL AS VARCHAR) AS {_raw_name(spec.name)}")
                selects.append(f"CAST(NULL AS {sql_type(spec.type)}) AS {quote(spec.name)}")
                continue
            raw, value, label = parsed
            if raw != _ABSENT:
                self._source_columns[spec.name] = label
            if raw == value:
                # Text needs no parsing: keep one copy, which matters on ten million rows.
                self._raw_columns[spec.name] = quote(spec.name)
            else:
                selects.append(f"{raw} AS {_raw_name(spec.name)}")
            selects.append(f"{value} AS {quote(spec.name)}")
        for name, _file, left_on in join_rows:
            selects.append(f"src.{name} AS {name}")
            selects.append(f"CAST(src.{quote(left_on)} AS VARCHAR) AS {name}_key")
        try:
            # Parsed once and stored: every check and the final insert scan it again (a view
            # would parse on each scan, which measured slower on ten million rows).
            self.connection.execute(f"CREATE TEMP TABLE staged AS SELECT {', '.join(selects)} FROM {from_sql}")
        except duckdb.Error as error:
            # Nothing was staged, so no per-field check can run.
            self._source_columns = {}
            self._early_problems.append(
                Problem(
                    self.file_name,
                    None,
                    None,
                    ProblemCode.BAD_EXPRESSION,
                    params={"reason": str(error).splitlines()[0]},
                )
            )
            self.connection.execute(
                "CREATE OR REPLACE TEMP TABLE staged AS SELECT "
                + ", ".join(
                    [f"CAST(NULL AS BIGINT) AS {ROW_COLUMN}"]
                    + [f"CAST(NULL AS {sql_type(spec.type)}) AS {quote(spec.name)}" for spec in self.spec.fields]
                )
                + " WHERE FALSE"
            )
            return
        self._rows = self._scalar("SELECT count(*) FROM staged")
        for name, join_file, left_on in join_rows:
            self._row_checks.append(
                _RowCheck(
                    condition=f"{name} IS NULL",
                    label=_literal(left_on),
                    code=ProblemCode.UNMATCHED_JOIN,
                    value=f"{name}_key",
                    params=_literal(json.dumps({"file": join_file})),
                )
            )

    def _check_join(self, alias: str, join_file: str, right_on: str) -> None:
        duplicates = self.connection.execute(
            f"SELECT {ROW_COLUMN}, {quote(right_on)} FROM (SELECT {ROW_COLUMN}, {quote(right_on)}, "
            f"row_number() OVER (PARTITION BY {quote(right_on)} ORDER BY {ROW_COLUMN}) AS n FROM {alias}) "
            f"WHERE n > 1 ORDER BY {ROW_COLUMN} LIMIT 1000"
        ).fetchall()
        for row_number, value in duplicates:
            self._early_problems.append(
                Problem(join_file, int(row_number), right_on, ProblemCode.DUPLICATE_JOIN_KEY, value=str(value))
            )

    # -- validation ---------------------------------------------------------------------

    def validate(
        self,
        references: MappingType[str, pa.Table] | None = None,
        *,
        create_references: Iterable[str] = (),
        limit: int = 50,
    ) -> ValidationReport:
        """Check every field of every staged row.

        Parameters
        ----------
        references
            For each reference name (e.g. ``"account"``), a one-column table of known codes.
        create_references
            Reference names whose unknown codes are returned as ``new_references``
            instead of being problems (e.g. accounts created on the fly).
        limit
            How many problems to return (all are counted).
        """
        references = references or {}
        creatable = set(create_references)
        row_checks = list(self._row_checks)
        checks: list[str] = []
        for spec in self.spec.fields:
            label = _literal(self._source_columns.get(spec.name, spec.name))
            name, raw = quote(spec.name), self._raw_columns.get(spec.name, _raw_name(spec.name))
            if spec.name not in self._source_columns:
                continue
            described = {"field": spec.name}
            if spec.choices:
                described["choices"] = ", ".join(spec.choices)
            field_params = _literal(json.dumps(described))
            if spec.required:
                row_checks.append(_RowCheck(f"{raw} IS NULL", label, ProblemCode.REQUIRED, "NULL", field_params))
            if spec.max_length is not None:
                length_params = (
                    f"""'{{"field": "{spec.name}", "maximum": "{spec.max_length}", "length": "' """
                    f"""|| CAST(length({raw}) AS VARCHAR) || '"}}'"""
                )
                row_checks.append(
                    _RowCheck(
                        f"{raw} IS NOT NULL AND length({raw}) > {spec.max_length}",
                        label,
                        ProblemCode.TOO_LONG,
                        f"left({raw}, 40) || '…'",
                        length_params,
                    )
                )
            # No database stores a NUL character in text (PostgreSQL refuses it outright).
            row_checks.append(
                _RowCheck(
                    f"{raw} IS NOT NULL AND contains({raw}, chr(0))",
                    label,
                    ProblemCode.NUL_CHARACTER,
                    f"replace({raw}, chr(0), '\\0')",
                    field_params,
                )
            )
            if spec.type in _TYPE_PROBLEMS:
                row_checks.append(
                    _RowCheck(
                        f"{raw} IS NOT NULL AND {name} IS NULL", label, _TYPE_PROBLEMS[spec.type], raw, field_params
                    )
                )
            if spec.minimum is not None or spec.maximum is not None:
                bounds = {"field": spec.name, "minimum": "", "maximum": ""}
                conditions = []
                if spec.minimum is not None:
                    bounds["minimum"] = f"{spec.minimum:g}"
                    conditions.append(f"{name} < {spec.minimum}")
                if spec.maximum is not None:
                    bounds["maximum"] = f"{spec.maximum:g}"
                    conditions.append(f"{name} > {spec.maximum}")
                row_checks.append(
                    _RowCheck(
                        " OR ".join(conditions), label, ProblemCode.OUT_OF_RANGE, raw, _literal(json.dumps(bounds))
                    )
                )
            if spec.reference is not None and spec.reference in references and spec.reference not in creatable:
                table_name = f"reference_{spec.name}"
                self.connection.register(table_name, references[spec.reference])
                code_column = quote(references[spec.reference].column_names[0])
                checks.append(
                    f"SELECT s.{ROW_COLUMN}, {label}, {_literal(ProblemCode.UNKNOWN_REFERENCE)}, s.{raw}, "
                    f"{_literal(json.dumps({'field': spec.name, 'reference': spec.reference}))} FROM staged AS s "
                    f"ANTI JOIN {table_name} AS r ON s.{name} = r.{code_column} WHERE s.{name} IS NOT NULL"
                )
        self.connection.execute(
            "CREATE OR REPLACE TEMP TABLE problems (row_number BIGINT, column_name VARCHAR, code VARCHAR, "
            "value VARCHAR, params VARCHAR)"
        )
        try:
            checks.extend(self._failing_row_checks(row_checks))
            checks.extend(self._duplicate_key_checks())
            for check in checks:
                self.connection.execute(f"INSERT INTO problems {check}")
        except duckdb.Error as error:
            # A mapping expression can also fail while rows are evaluated (e.g. a strict cast).
            problem = Problem(
                self.file_name, None, None, ProblemCode.BAD_EXPRESSION, params={"reason": str(error).splitlines()[0]}
            )
            return ValidationReport(rows=self._rows, problems=(problem,), problem_count=1)
        total = self._scalar("SELECT count(*) FROM problems") + len(self._early_problems)
        fetched = self.connection.execute(
            "SELECT row_number, column_name, code, value, params FROM problems "
            "ORDER BY row_number NULLS FIRST, column_name LIMIT ?",
            [limit],
        ).fetchall()
        problems = list(self._early_problems[:limit])
        for row_number, column, code, value, params in fetched[: max(0, limit - len(problems))]:
            problems.append(
                Problem(
                    file=self.file_name,
                    row=None if row_number is None else int(row_number),
                    column=column,
                    code=ProblemCode(code),
                    value=None if value is None else str(value)[:200],
                    params=json.loads(params) if params else {},
                )
            )
        new_references = {}
        for spec in self.spec.fields:
            if spec.reference in creatable and spec.reference in references and spec.name in self._source_columns:
                self.connection.register(f"reference_{spec.name}", references[spec.reference])
                code_column = quote(references[spec.reference].column_names[0])
                rows = self.connection.execute(
                    f"SELECT DISTINCT s.{quote(spec.name)} FROM staged AS s ANTI JOIN reference_{spec.name} AS r "
                    f"ON s.{quote(spec.name)} = r.{code_column} WHERE s.{quote(spec.name)} IS NOT NULL ORDER BY 1"
                ).fetchall()
                new_references[spec.reference] = tuple(str(value) for (value,) in rows)
        return ValidationReport(
            rows=self._rows, problems=tuple(problems), problem_count=total, new_references=new_references
        )

    def _failing_row_checks(self, row_checks: list[_RowCheck]) -> list[str]:
        """Count every row check in one scan; return the queries of those that fail."""
        if not row_checks or not self._rows:
            return []
        counts = self.connection.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {check.condition})" for check in row_checks) + " FROM staged"
        ).fetchall()[0]
        return [
            f"SELECT {ROW_COLUMN}, {check.label}, {_literal(check.code)}, {check.value}, {check.params} "
            f"FROM staged WHERE {check.condition}"
            for check, count in zip(row_checks, counts, strict=True)
            if count
        ]

    def _duplicate_key_checks(self) -> list[str]:
        if not self.spec.key or any(
            name not in self._source_columns and self.spec.field(name).required for name in self.spec.key
        ):
            return []
        key = ", ".join(quote(name) for name in self.spec.key)
        if not self._scalar(f"SELECT count(*) FROM (SELECT 1 FROM staged GROUP BY {key} HAVING count(*) > 1)"):
            return []
        label = _literal(", ".join(self._source_columns.get(name, name) for name in self.spec.key))
        return [
            f"SELECT {ROW_COLUMN}, {label}, {_literal(ProblemCode.DUPLICATE_KEY)}, "
            f"concat_ws(' / ', {', '.join(f'CAST({quote(name)} AS VARCHAR)' for name in self.spec.key)}), "
            f"json_object('first_row', CAST(first_row AS VARCHAR)) FROM ("
            f"SELECT {ROW_COLUMN}, {key}, min({ROW_COLUMN}) OVER (PARTITION BY {key}) AS first_row FROM staged) "
            f"WHERE {ROW_COLUMN} <> first_row"
        ]

    # -- results ------------------------------------------------------------------------

    @property
    def provided_fields(self) -> frozenset[str]:
        """Fields that the file (or the mapping) gives a value for; the others stay untouched."""
        return frozenset(self._source_columns)

    def staged_table(self) -> pa.Table:
        """Return the parsed rows (canonical fields plus ``_row``) as Arrow, in file order."""
        columns = ", ".join([ROW_COLUMN, *(quote(name) for name in self.spec.field_names)])
        table: pa.Table = self.connection.sql(f"SELECT {columns} FROM staged ORDER BY {ROW_COLUMN}").to_arrow_table()
        return table

    def _new_rows_sql(self, target: str) -> str:
        condition = " AND ".join(f"f.{quote(name)} IS NOT DISTINCT FROM s.{quote(name)}" for name in self.spec.key)
        columns = ", ".join(f"s.{quote(name)}" for name in self.spec.field_names)
        return f"SELECT {columns} FROM staged AS s ANTI JOIN {target} AS f ON {condition}"

    def count_new(self, store: FactsStore) -> AppendResult:
        """Count how many staged rows the facts store does not hold yet (for ``--dry-run``)."""
        if not store.path.exists():
            return AppendResult(inserted=self._rows, skipped=0)
        self.connection.execute(f"ATTACH {_literal(str(store.path))} AS facts (READ_ONLY)")
        try:
            inserted = self._scalar(f"SELECT count(*) FROM ({self._new_rows_sql(f'facts.{self.spec.table}')})")
        finally:
            self.connection.execute("DETACH facts")
        return AppendResult(inserted=inserted, skipped=self._rows - inserted)

    def append_to(self, store: FactsStore, *, import_id: str, sha256: str) -> AppendResult:
        """Append the staged rows that are not stored yet, in one transaction."""
        store.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection.execute(f"ATTACH {_literal(str(store.path))} AS facts")
        try:
            self.connection.execute("BEGIN TRANSACTION")
            try:
                FactsStore.create_tables(self.connection, "facts")
                columns = ", ".join(quote(name) for name in self.spec.field_names)
                inserted = self._scalar(
                    f"INSERT INTO facts.{self.spec.table} ({columns}, import_id) "
                    f"SELECT *, {_literal(import_id)} FROM ({self._new_rows_sql(f'facts.{self.spec.table}')})"
                )
                self.connection.execute(
                    "INSERT INTO facts.imports VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [import_id, self.spec.kind, self.file_name, sha256, self._rows, inserted, dt.datetime.now(dt.UTC)],
                )
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
        finally:
            self.connection.execute("DETACH facts")
        return AppendResult(inserted=inserted, skipped=self._rows - inserted)

    def __enter__(self) -> ImportSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
