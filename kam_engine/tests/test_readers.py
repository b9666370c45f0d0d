from __future__ import annotations

from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kam_engine.ingest import ProblemCode, SourceError, SourceOptions, read_source

HEADER_AND_ROWS = "code;name\nC1;Peñalara S.L.\nC2;Óptica Ñandú\n"


def _rows(path: Path, options: SourceOptions | None = None) -> list[dict[str, object]]:
    return read_source(path, options or SourceOptions()).table.to_pylist()


@pytest.mark.parametrize(
    ("encoding_case", "data"),
    [
        ("utf-8", HEADER_AND_ROWS.encode("utf-8")),
        ("utf-8 with BOM", b"\xef\xbb\xbf" + HEADER_AND_ROWS.encode("utf-8")),
        ("latin-1", HEADER_AND_ROWS.encode("latin-1")),
    ],
)
def test_it_reads_spanish_text_in_every_usual_encoding(tmp_path: Path, encoding_case: str, data: bytes) -> None:
    path = tmp_path / "clientes.csv"
    path.write_bytes(data)

    rows = _rows(path)

    assert rows == [
        {"code": "C1", "name": "Peñalara S.L.", "_row": 2},
        {"code": "C2", "name": "Óptica Ñandú", "_row": 3},
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_detects_the_delimiter(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(f"a{delimiter}b\n1{delimiter}2\n", encoding="utf-8")

    source = read_source(path, SourceOptions())

    assert source.delimiter == delimiter
    assert source.table.to_pylist() == [{"a": "1", "b": "2", "_row": 2}]


def test_rows_are_numbered_as_a_spreadsheet_shows_them_even_with_newlines_in_values(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('code,address\nC1,"Calle Mayor 1\nPiso 2"\nC2,Plaza 3\n', encoding="utf-8")

    rows = _rows(path)

    assert [(row["code"], row["_row"]) for row in rows] == [("C1", 2), ("C2", 3)]
    assert rows[0]["address"] == "Calle Mayor 1\nPiso 2"


def test_it_reads_xlsx_with_the_sheet_row_numbers_and_the_mapping_decimal(tmp_path: Path) -> None:
    path = tmp_path / "ventas.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([])
    sheet.append(["invoice", "amount", "date"])
    sheet.append(["F1", 1234.5, None])
    sheet.append([])
    sheet.append(["F2", 7, "2024-02-29"])
    workbook.save(path)

    rows = _rows(path, SourceOptions(decimal=","))

    assert rows == [
        {"invoice": "F1", "amount": "1234,5", "date": "", "_row": 3},
        {"invoice": "F2", "amount": "7", "date": "2024-02-29", "_row": 5},
    ]


def test_it_reads_parquet_columns_of_any_type_as_text(tmp_path: Path) -> None:
    path = tmp_path / "lines.parquet"
    pq.write_table(pa.table({"invoice": ["F1", None], "amount": [1.5, 2.0], "paid": [True, False]}), path)

    rows = _rows(path)

    assert rows == [
        {"invoice": "F1", "amount": "1.5", "paid": "true", "_row": 2},
        {"invoice": "", "amount": "2", "paid": "false", "_row": 3},
    ]


@pytest.mark.parametrize(
    ("file_case", "name", "content", "code"),
    [
        ("empty", "empty.csv", b"", ProblemCode.EMPTY_FILE),
        ("duplicate header", "dup.csv", b"a,a\n1,2\n", ProblemCode.DUPLICATE_COLUMN),
        ("unknown suffix", "data.json", b"{}", ProblemCode.UNSUPPORTED_FORMAT),
        ("broken xlsx", "broken.xlsx", b"PK\x03\x04 not really a zip", ProblemCode.UNREADABLE),
        ("broken parquet", "broken.parquet", b"PAR1 nonsense", ProblemCode.UNREADABLE),
        ("ragged csv", "ragged.csv", b"a,b\n1,2,3\n", ProblemCode.UNREADABLE),
    ],
)
def test_it_rejects_files_it_cannot_read(tmp_path: Path, file_case: str, name: str, content: bytes, code: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(SourceError) as raised:
        read_source(path, SourceOptions())

    assert raised.value.problem.code == code
    assert raised.value.problem.file == name


def test_it_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as raised:
        read_source(tmp_path / "nowhere.csv", SourceOptions())

    assert raised.value.problem.code == ProblemCode.FILE_NOT_FOUND


def test_it_reports_bytes_read_as_progress(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n" + "1,2\n" * 1000, encoding="utf-8")
    seen: list[tuple[int, int]] = []

    read_source(path, SourceOptions(), lambda done, total: seen.append((done, total)))

    assert seen[-1] == (path.stat().st_size, path.stat().st_size)
