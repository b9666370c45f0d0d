"""Spreadsheet cells that a spreadsheet program never reads as formulas (formula injection).

Every XLSX export writes its cells through :func:`safe_cell` (or :func:`safe_row`): text that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what Excel and LibreOffice
take for a formula (or a DDE call), so such text gets a leading apostrophe and stays text.
Numbers, dates and other values pass unchanged: a negative number stays a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return ``value``, with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Return the row with every cell passed through :func:`safe_cell`."""
    return [safe_cell(value) for value in values]
