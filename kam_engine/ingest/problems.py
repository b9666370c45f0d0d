"""Problems found while reading or validating a file.

Problems carry a code and parameters, not English sentences: the application layer
turns them into messages in the user's language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["Problem", "ProblemCode", "SourceError"]


class ProblemCode(enum.StrEnum):
    """Every kind of problem the importer reports."""

    FILE_NOT_FOUND = "file_not_found"
    UNSUPPORTED_FORMAT = "unsupported_format"
    UNREADABLE = "unreadable"
    EMPTY_FILE = "empty_file"
    BAD_ENCODING = "bad_encoding"
    DUPLICATE_COLUMN = "duplicate_column"
    MISSING_COLUMN = "missing_column"
    BAD_EXPRESSION = "bad_expression"
    REQUIRED = "required"
    NOT_A_NUMBER = "not_a_number"
    NOT_AN_INTEGER = "not_an_integer"
    NOT_A_DATE = "not_a_date"
    NOT_A_DATETIME = "not_a_datetime"
    NOT_A_BOOLEAN = "not_a_boolean"
    NOT_A_CHOICE = "not_a_choice"
    OUT_OF_RANGE = "out_of_range"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_REFERENCE = "unknown_reference"
    UNMATCHED_JOIN = "unmatched_join"
    DUPLICATE_JOIN_KEY = "duplicate_join_key"
    NOT_AN_EMAIL = "not_an_email"
    HIERARCHY_LOOP = "hierarchy_loop"
    INVALID = "invalid"
    NUL_CHARACTER = "nul_character"
    TOO_LONG = "too_long"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: where (file, spreadsheet row, column) and what.

    ``row`` is numbered as a spreadsheet shows it (the header is row 1); ``None`` means
    the problem concerns the whole file or a column.
    """

    file: str
    row: int | None
    column: str | None
    code: ProblemCode
    value: str | None = None
    params: dict[str, str] = field(default_factory=dict)


class SourceError(Exception):
    """A file that cannot be read at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.file}: {problem.code}")
        self.problem = problem
