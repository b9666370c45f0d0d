"""What each import kind expects: its fields, their types, and its natural key."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class FieldType(enum.StrEnum):
    """How a source value is parsed."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    """A local date and time (``YYYY-MM-DD HH:MM[:SS]``, or the mapping's ``datetime_format``)."""
    BOOLEAN = "boolean"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One canonical field of an import kind.

    Parameters
    ----------
    name
        Canonical name (the column name in our stores).
    type
        How the source text is parsed.
    required
        Whether an empty value is a problem.
    choices
        Allowed codes for ``FieldType.CHOICE`` (matched case-insensitively, spaces as ``_``).
    minimum, maximum
        Inclusive bounds for numbers.
    reference
        Name of a reference set (e.g. ``"account"``) the value must belong to.
    default
        Text used when the column is absent from the source (never when a cell is empty).
    max_length
        Most characters a text value may have (the store's column width), if limited.
    """

    name: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    reference: str | None = None
    default: str | None = None
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class KindSpec:
    """An import kind: its fields, the fields that identify a record, and (for facts) its table."""

    kind: str
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    is_fact: bool = False
    table: str = ""

    def field(self, name: str) -> FieldSpec:
        """Return the field called ``name``."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)
