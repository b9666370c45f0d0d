"""Mapping files: how a user's export (column names, formats) maps onto our fields.

A mapping is a small TOML file; ``docs/importing.md`` documents it with examples.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ColumnRule", "Join", "Mapping", "MappingError", "SourceOptions", "load_mapping"]


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Join:
    """A second file joined to the main one (e.g. order headers for order lines).

    A relative ``file`` is looked up in the folder of the file being imported.
    """

    file: Path
    left_on: str
    right_on: str


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """How to read the source file."""

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    thousands: str = ""
    date_format: str | None = None
    datetime_format: str | None = None
    sheet: str | None = None
    joins: tuple[Join, ...] = ()


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """Where a canonical field comes from: a source column, a SQL expression or a constant."""

    column: str | None = None
    expr: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Mapping:
    """A parsed mapping file. The default mapping expects our canonical column names."""

    kind: str | None = None
    source: SourceOptions = field(default_factory=SourceOptions)
    columns: dict[str, ColumnRule] = field(default_factory=dict)
    create_accounts: bool = False
    origin: str = "default mapping"

    def rule_for(self, name: str) -> ColumnRule:
        """Return the rule for canonical field ``name`` (its own name by default)."""
        return self.columns.get(name, ColumnRule(column=name))


_SOURCE_KEYS = {"encoding", "delimiter", "decimal", "thousands", "date_format", "datetime_format", "sheet", "join"}
_TOP_KEYS = {"kind", "source", "columns", "options"}


def _text(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MappingError(f"{where}: {key} must be text, not {type(value).__name__}")
    return value


def _parse_joins(raw: Any, where: str) -> tuple[Join, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise MappingError(f"{where}: [[source.join]] must be a list of tables")
    joins = []
    for index, item in enumerate(raw, start=1):
        item_where = f"{where}: source.join #{index}"
        if not isinstance(item, dict) or "file" not in item:
            raise MappingError(f'{item_where}: needs file = "..."')
        on = _text(item, "on", item_where)
        left_on = _text(item, "left_on", item_where) or on
        right_on = _text(item, "right_on", item_where) or on
        if not left_on or not right_on:
            raise MappingError(f'{item_where}: needs on = "column" (or left_on and right_on)')
        file_name = _text(item, "file", item_where) or ""
        joins.append(Join(file=Path(file_name), left_on=left_on, right_on=right_on))
    return tuple(joins)


def _parse_rule(name: str, raw: Any, where: str) -> ColumnRule:
    if isinstance(raw, str):
        return ColumnRule(column=raw)
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, value),) = raw.items()
        if key == "column" and isinstance(value, str):
            return ColumnRule(column=value)
        if key == "expr" and isinstance(value, str):
            return ColumnRule(expr=value)
        if key == "value" and isinstance(value, (str, int, float, bool)):
            return ColumnRule(value=str(value).lower() if isinstance(value, bool) else str(value))
    raise MappingError(f'{where}: columns.{name} must be a column name, {{ expr = "..." }} or {{ value = "..." }}')


def parse_mapping(data: dict[str, Any], *, origin: str) -> Mapping:
    """Build a :class:`Mapping` from parsed TOML (joined files resolve against the data file's folder)."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise MappingError(f"{origin}: unknown key(s) {', '.join(sorted(unknown))}")
    source_raw = data.get("source", {})
    if not isinstance(source_raw, dict):
        raise MappingError(f"{origin}: [source] must be a table")
    unknown = set(source_raw) - _SOURCE_KEYS
    if unknown:
        raise MappingError(f"{origin}: unknown key(s) in [source]: {', '.join(sorted(unknown))}")
    where = f"{origin}: [source]"
    decimal = _text(source_raw, "decimal", where) or "."
    if decimal not in {".", ","}:
        raise MappingError(f'{where}: decimal must be "." or ","')
    thousands = _text(source_raw, "thousands", where) or ""
    if thousands == decimal:
        raise MappingError(f"{where}: thousands and decimal separators must differ")
    delimiter = _text(source_raw, "delimiter", where)
    if delimiter is not None and len(delimiter) != 1:
        raise MappingError(f'{where}: delimiter must be one character (use "\\t" for tabs)')
    source = SourceOptions(
        encoding=_text(source_raw, "encoding", where),
        delimiter=delimiter,
        decimal=decimal,
        thousands=thousands,
        date_format=_text(source_raw, "date_format", where),
        datetime_format=_text(source_raw, "datetime_format", where),
        sheet=_text(source_raw, "sheet", where),
        joins=_parse_joins(source_raw.get("join"), where),
    )
    columns_raw = data.get("columns", {})
    if not isinstance(columns_raw, dict):
        raise MappingError(f"{origin}: [columns] must be a table")
    columns = {name: _parse_rule(name, raw, origin) for name, raw in columns_raw.items()}
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise MappingError(f"{origin}: [options] must be a table")
    unknown = set(options) - {"create_accounts"}
    if unknown:
        raise MappingError(f"{origin}: unknown key(s) in [options]: {', '.join(sorted(unknown))}")
    create_accounts = options.get("create_accounts", False)
    if not isinstance(create_accounts, bool):
        raise MappingError(f"{origin}: options.create_accounts must be true or false")
    return Mapping(
        kind=_text(data, "kind", origin),
        source=source,
        columns=columns,
        create_accounts=create_accounts,
        origin=origin,
    )


def load_mapping(path: Path) -> Mapping:
    """Read a mapping file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "m.toml").write_text('[source]\\ndecimal = ","\\n[columns]\\naccount = "Cliente"\\n')
    >>> mapping = load_mapping(folder / "m.toml")
    >>> mapping.rule_for("account").column, mapping.source.decimal
    ('Cliente', ',')
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise MappingError(f"{path}: mapping file not found") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: not a valid TOML file: {error}") from error
    return parse_mapping(data, origin=str(path))
