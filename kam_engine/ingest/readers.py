"""Reading users' files (CSV, XLSX, Parquet) into Arrow tables of text.

Every reader returns the same shape: one string column per source column, plus ``_row``,
the row number a spreadsheet would show (header = row 1). Parsing into types happens
later, in one place, so that every format gets the same rules and the same messages.
"""

from __future__ import annotations

import csv
import datetime as dt
import mmap
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kam_engine.ingest.mapping import SourceOptions
from kam_engine.ingest.problems import Problem, ProblemCode, SourceError

__all__ = ["ProgressCallback", "SourceTable", "read_source"]

ROW_COLUMN = "_row"
_SAMPLE_BYTES = 256 * 1024
_BLOCK_BYTES = 8 * 1024 * 1024
_DELIMITERS = ",;\t|"

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes or rows done, total) while a file is read."""


@dataclass(frozen=True, slots=True)
class SourceTable:
    """A file read as text, with how it was read (for the import summary)."""

    table: pa.Table
    encoding: str | None = None
    delimiter: str | None = None


def _error(path: Path, code: ProblemCode, **params: str) -> SourceError:
    return SourceError(Problem(file=path.name, row=None, column=None, code=code, params=params))


def _detect_encoding(path: Path, sample: bytes, requested: str | None) -> str:
    if requested:
        return requested
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if error.start < len(sample) - 4:
            return "latin-1"
    return "utf-8"


def _detect_delimiter(first_lines: str, requested: str | None) -> str:
    if requested:
        return requested
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        header = first_lines.splitlines()[0] if first_lines else ""
        counts = {delimiter: header.count(delimiter) for delimiter in _DELIMITERS}
        return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def _check_header(path: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _error(path, ProblemCode.DUPLICATE_COLUMN, column=name)
        seen.add(name)


def _with_row_numbers(table: pa.Table, first_row: int) -> pa.Table:
    rows = pa.array(np.arange(first_row, first_row + table.num_rows, dtype=np.int64))
    return table.append_column(ROW_COLUMN, rows)


def _read_csv(path: Path, options: SourceOptions, progress: ProgressCallback | None) -> SourceTable:
    size = path.stat().st_size
    if size == 0:
        raise _error(path, ProblemCode.EMPTY_FILE)
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            # Quoted values may hold newlines; parsing them costs speed, so only pay when needed.
            has_quotes = mapped.find(b'"') != -1
    encoding = _detect_encoding(path, sample, options.encoding)
    try:
        text = sample.decode(encoding, errors="replace").lstrip("\ufeff")
    except LookupError as error:
        raise _error(path, ProblemCode.BAD_ENCODING, encoding=encoding) from error
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise _error(path, ProblemCode.EMPTY_FILE)
    delimiter = _detect_delimiter("\n".join(lines[:50]), options.delimiter)
    header = next(csv.reader([lines[0]], delimiter=delimiter))
    names = [name.strip() for name in header]
    _check_header(path, names)
    # Arrow reads UTF-8 natively; naming any other encoding makes it transcode through Python.
    is_utf8 = encoding.lower().replace("-", "").replace("_", "") in {"utf8", "utf8sig"}
    read_options = pacsv.ReadOptions(
        encoding="utf8" if is_utf8 else encoding,
        block_size=_BLOCK_BYTES,
        column_names=names,
        skip_rows=1,
    )
    parse_options = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=has_quotes)
    convert_options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    stream = pa.input_stream(str(path))
    done = threading.Event()

    def report_progress() -> None:
        # read_csv parses in parallel outside the GIL; the stream position tells how far it got.
        while not done.wait(0.2):
            if progress is not None:
                progress(stream.tell(), size)

    watcher = threading.Thread(target=report_progress, daemon=True)
    watcher.start()
    try:
        table = pacsv.read_csv(
            stream,  # type: ignore[arg-type]  # the stubs miss Arrow's own input streams
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as error:
        message = str(error)
        if "UTF8" in message or "utf-8" in message.lower():
            raise _error(path, ProblemCode.BAD_ENCODING, encoding=encoding) from error
        raise _error(path, ProblemCode.UNREADABLE, reason=message.splitlines()[0]) from error
    except UnicodeDecodeError as error:
        raise _error(path, ProblemCode.BAD_ENCODING, encoding=encoding) from error
    finally:
        done.set()
        watcher.join()
        stream.close()
    if progress is not None:
        progress(size, size)
    return SourceTable(_with_row_numbers(table, first_row=2), encoding=encoding, delimiter=delimiter)


def _cell_text(value: Any, options: SourceOptions) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        text = repr(value)
        if text.endswith(".0"):
            text = text[:-2]
        return text.replace(".", options.decimal)
    if isinstance(value, int):
        return str(value)
    return str(value).strip()


def _read_xlsx(path: Path, options: SourceOptions, progress: ProgressCallback | None) -> SourceTable:
    import openpyxl  # Imported here: only XLSX imports pay for it.
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise _error(path, ProblemCode.UNREADABLE, reason=str(error)) from error
    try:
        sheet: Any
        if options.sheet is not None:
            if options.sheet not in workbook.sheetnames:
                raise _error(path, ProblemCode.UNREADABLE, reason=f"no sheet named {options.sheet!r}")
            sheet = workbook[options.sheet]
        else:
            sheet = workbook.worksheets[0]
        total = sheet.max_row or 0
        header: list[str] | None = None
        columns: list[list[str]] = []
        row_numbers: list[int] = []
        for row_number, row_values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            values = list(row_values)
            if not values:
                continue
            if header is None:
                if all(value is None for value in values):
                    continue
                header = [_cell_text(value, options) for value in values]
                while header and not header[-1]:
                    header.pop()
                _check_header(path, header)
                columns = [[] for _ in header]
                continue
            if all(value is None for value in values):
                continue
            for index in range(len(header)):
                columns[index].append(_cell_text(values[index], options) if index < len(values) else "")
            row_numbers.append(row_number)
            if progress is not None and len(row_numbers) % 10_000 == 0:
                progress(row_number, total)
    finally:
        workbook.close()
    if header is None:
        raise _error(path, ProblemCode.EMPTY_FILE)
    table = pa.table({name: pa.array(values, type=pa.string()) for name, values in zip(header, columns, strict=True)})
    table = table.append_column(ROW_COLUMN, pa.array(row_numbers, type=pa.int64()))
    return SourceTable(table)


def _column_as_text(column: Any, options: SourceOptions) -> Any:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = column.cast(pa.string())
    elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        text = pc.strftime(column, format="%Y-%m-%d") if pa.types.is_date(kind) else column.cast(pa.string())
    elif pa.types.is_boolean(kind):
        text = pc.if_else(column, "true", "false")
    else:
        text = column.cast(pa.string())
        if options.decimal != "." and (pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
            text = pc.replace_substring(text, ".", options.decimal)
    return pc.fill_null(text, "")


def _read_parquet(path: Path, options: SourceOptions, progress: ProgressCallback | None) -> SourceTable:
    try:
        raw = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise _error(path, ProblemCode.UNREADABLE, reason=str(error).splitlines()[0]) from error
    _check_header(path, raw.column_names)
    table = pa.table({name: _column_as_text(raw.column(name), options) for name in raw.column_names})
    if progress is not None:
        progress(raw.num_rows, raw.num_rows)
    return SourceTable(_with_row_numbers(table, first_row=2))


_READERS = {
    ".csv": _read_csv,
    ".txt": _read_csv,
    ".tsv": _read_csv,
    ".xlsx": _read_xlsx,
    ".xlsm": _read_xlsx,
    ".parquet": _read_parquet,
    ".pq": _read_parquet,
}


def read_source(path: Path, options: SourceOptions, progress: ProgressCallback | None = None) -> SourceTable:
    """Read a CSV, XLSX or Parquet file into an Arrow table of text columns plus ``_row``.

    Parameters
    ----------
    path
        The file; its suffix chooses the reader.
    options
        Encoding (default: UTF-8, UTF-8 with BOM, else Latin-1), delimiter (default:
        detected), decimal separator (used to write XLSX and Parquet numbers as text)
        and sheet.
    progress
        Called with (done, total) as the file is read.

    Raises
    ------
    SourceError
        When the file is missing, empty, of an unknown format or unreadable.
    """
    if not path.is_file():
        raise _error(path, ProblemCode.FILE_NOT_FOUND, location=str(path))
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise _error(path, ProblemCode.UNSUPPORTED_FORMAT, suffix=path.suffix or "(none)")
    return reader(path, options, progress)
