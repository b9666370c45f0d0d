from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from kam_engine import ACTIVITIES, INVOICE_LINES, FactsStore
from kam_engine.ingest import ImportSession, Join, Mapping, ProblemCode, SourceOptions, read_source
from kam_engine.ingest.mapping import ColumnRule

KNOWN_ACCOUNTS = {"account": pa.table({"code": ["A1", "A2"]})}


def _session(path: Path, mapping: Mapping | None = None, spec=INVOICE_LINES) -> ImportSession:  # type: ignore[no-untyped-def]
    mapping = mapping or Mapping()
    session = ImportSession(spec, mapping, path.name)
    joins = [
        (j.file.name, j.left_on, j.right_on, read_source(path.parent / j.file, mapping.source))
        for j in mapping.source.joins
    ]
    session.stage(read_source(path, mapping.source), joins)
    return session


def _problems(session: ImportSession) -> list[tuple[int | None, str | None, str, str | None]]:
    report = session.validate(KNOWN_ACCOUNTS)
    return [(problem.row, problem.column, problem.code.value, problem.value) for problem in report.problems]


def test_it_parses_a_spanish_erp_export_through_the_mapping(tmp_path: Path) -> None:
    path = tmp_path / "ventas.csv"
    path.write_bytes(
        "Factura;Línea;Cliente;Fecha;Importe;Uds\nF-1;1;A1;31/01/2024;1.234,56;2\nF-1;2;A2;01/02/2024;-10,5;-1\n".encode(
            "latin-1"
        )
    )
    mapping = Mapping(
        source=SourceOptions(decimal=",", thousands=".", date_format="%d/%m/%Y"),
        columns={
            "invoice": ColumnRule(column="Factura"),
            "line": ColumnRule(column="Línea"),
            "account": ColumnRule(column="Cliente"),
            "date": ColumnRule(column="Fecha"),
            "net_revenue": ColumnRule(column="Importe"),
            "quantity": ColumnRule(column="Uds"),
        },
    )

    with _session(path, mapping) as session:
        report = session.validate(KNOWN_ACCOUNTS)
        rows = session.staged_table().select(["_row", "invoice", "line", "date", "net_revenue", "quantity"]).to_pylist()

    assert report.problem_count == 0
    assert rows == [
        {
            "_row": 2,
            "invoice": "F-1",
            "line": "1",
            "date": dt.date(2024, 1, 31),
            "net_revenue": Decimal("1234.5600"),
            "quantity": Decimal("2.0000"),
        },
        {
            "_row": 3,
            "invoice": "F-1",
            "line": "2",
            "date": dt.date(2024, 2, 1),
            "net_revenue": Decimal("-10.5000"),
            "quantity": Decimal("-1.0000"),
        },
    ]


def test_it_reports_every_problem_with_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "invoice,line,account,date,net_revenue,quantity\n"
        "F1,1,A1,2024-01-02,10,1\n"
        "F1,2,ZZ,2024-13-01,abc,1\n"
        "F1,1,A1,,5,x\n"
        ",3,A2,2024-01-03,1,1\n",
        encoding="utf-8",
    )

    with _session(path) as session:
        problems = _problems(session)

    assert problems == [
        (3, "account", "unknown_reference", "ZZ"),
        (3, "date", "not_a_date", "2024-13-01"),
        (3, "net_revenue", "not_a_number", "abc"),
        (4, "date", "required", None),
        (4, "invoice, line", "duplicate_key", "F1 / 1"),
        (4, "quantity", "not_a_number", "x"),
        (5, "invoice", "required", None),
    ]


def test_it_counts_all_problems_but_returns_only_the_first(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "invoice,line,account,date,net_revenue\n" + "".join(f"F{i},1,A1,2024-01-01,bad\n" for i in range(120)),
        encoding="utf-8",
    )

    with _session(path) as session:
        report = session.validate(KNOWN_ACCOUNTS, limit=50)

    assert report.problem_count == 120
    assert len(report.problems) == 50
    assert report.problems[0].row == 2
    assert report.problems[-1].row == 51


def test_a_missing_required_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("invoice,line,date,net_revenue\nF1,1,2024-01-01,1\n", encoding="utf-8")

    with _session(path) as session:
        report = session.validate(KNOWN_ACCOUNTS)

    assert [(p.row, p.column, p.code) for p in report.problems] == [(1, "account", ProblemCode.MISSING_COLUMN)]


def test_expressions_and_joins_build_fields_from_two_files(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("order_id,customer,day\n7,A1,2024-03-01\n8,A2,2024-03-02\n", encoding="utf-8")
    path = tmp_path / "details.csv"
    path.write_text(
        "order_id,product,price,qty,discount\n7,P1,10.00,3,0.1\n8,P2,2.50,4,0\n9,P3,1,1,0\n", encoding="utf-8"
    )
    mapping = Mapping(
        source=SourceOptions(joins=(Join(file=Path("orders.csv"), left_on="order_id", right_on="order_id"),)),
        columns={
            "invoice": ColumnRule(column="order_id"),
            "line": ColumnRule(column="product"),
            "account": ColumnRule(column="customer"),
            "date": ColumnRule(column="day"),
            "net_revenue": ColumnRule(expr="num(price) * num(qty) * (1 - num(discount))"),
        },
    )

    with _session(path, mapping) as session:
        report = session.validate(KNOWN_ACCOUNTS)
        problems = [(p.row, p.column, p.code.value, p.value) for p in report.problems]
        revenue = session.staged_table().column("net_revenue").to_pylist()

    assert problems == [
        (4, "customer", "required", None),
        (4, "day", "required", None),
        (4, "order_id", "unmatched_join", "9"),
    ]
    assert revenue == [Decimal("27.0000"), Decimal("10.0000"), Decimal("1.0000")]


def test_appending_the_same_rows_twice_adds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "activities.csv"
    path.write_text(
        "account,date,activity,reference,quantity\nA1,2024-01-01,visit,V1,1\nA1,2024-01-01,visit,,1\n", encoding="utf-8"
    )
    store = FactsStore(tmp_path / "facts.duckdb")

    with _session(path, spec=ACTIVITIES) as session:
        assert session.validate(KNOWN_ACCOUNTS).is_valid
        before = session.count_new(store)
        first = session.append_to(store, import_id="one", sha256="x")
        again = session.count_new(store)
        second = session.append_to(store, import_id="two", sha256="x")

    assert (before.inserted, before.skipped) == (2, 0)
    assert (first.inserted, first.skipped) == (2, 0)
    assert (again.inserted, again.skipped) == (0, 2)
    assert (second.inserted, second.skipped) == (0, 2)
    assert store.row_counts() == {"imports": 2, "invoice_lines": 0, "activities": 2, "deliveries": 0}


def test_unknown_accounts_can_be_returned_for_creation_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "invoice,line,account,date,net_revenue\nF1,1,NEW,2024-01-01,1\nF1,2,A1,2024-01-01,1\n", encoding="utf-8"
    )

    with _session(path) as session:
        report = session.validate(KNOWN_ACCOUNTS, create_references=["account"])

    assert report.problem_count == 0
    assert report.new_references == {"account": ("NEW",)}


def test_a_broken_expression_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("invoice,line,account,date,net_revenue\nF1,1,A1,2024-01-01,1\n", encoding="utf-8")
    mapping = Mapping(columns={"net_revenue": ColumnRule(expr="no_such_function(1)")})

    with _session(path, mapping) as session:
        report = session.validate(KNOWN_ACCOUNTS)

    assert [problem.code for problem in report.problems] == [ProblemCode.BAD_EXPRESSION]
    assert report.problems[0].params["reason"].startswith("Catalog Error: Scalar Function with name no_such_function")


def test_an_expression_failing_on_a_row_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("invoice,line,account,date,net_revenue\nF1,1,A1,2024-01-01,uno\n", encoding="utf-8")
    mapping = Mapping(columns={"net_revenue": ColumnRule(expr="CAST(net_revenue AS INTEGER)")})

    with _session(path, mapping) as session:
        report = session.validate(KNOWN_ACCOUNTS)

    assert [problem.code for problem in report.problems] == [ProblemCode.BAD_EXPRESSION]
    assert report.problems[0].params["reason"].startswith("Conversion Error: Could not convert string 'uno'")


def test_datetimes_are_parsed_in_iso_or_the_mappings_format_and_bad_ones_named(tmp_path: Path) -> None:
    from kam_engine.specs import FieldSpec, FieldType, KindSpec

    spec = KindSpec(
        kind="stamps",
        key=("code",),
        fields=(FieldSpec("code", required=True), FieldSpec("at", FieldType.DATETIME, required=True)),
    )
    path = tmp_path / "stamps.csv"
    path.write_text("code,at\nA,2026-12-04 16:30\nB,04/12/2026 09:05\nC,2026-12-04\nD,half past four\n")
    mapping = Mapping(source=SourceOptions(date_format="%d/%m/%Y", datetime_format="%d/%m/%Y %H:%M"))

    with _session(path, mapping, spec) as session:
        report = session.validate({})
        rows = session.staged_table().select(["code", "at"]).to_pylist()

    assert [(problem.row, problem.column, problem.code.value, problem.value) for problem in report.problems] == [
        (5, "at", "not_a_datetime", "half past four")
    ]
    assert rows[:3] == [
        {"code": "A", "at": dt.datetime(2026, 12, 4, 16, 30)},
        {"code": "B", "at": dt.datetime(2026, 12, 4, 9, 5)},
        {"code": "C", "at": dt.datetime(2026, 12, 4, 0, 0)},
    ]
