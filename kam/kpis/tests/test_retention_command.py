"""``kam retention fit`` on the CDNOW sample reproduces the published parameters; bad files are named."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.datasets import dataset


def _fit(*arguments: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("retention", "fit", *arguments, "--json", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_the_cdnow_sample_gives_the_published_parameters() -> None:
    result = _fit(
        str(dataset("cdnow", "CDNOW_sample.txt")),
        "--no-header",
        "--customer-col=2",
        "--date-col=3",
        "--value-col=5",
        "--calibration-end=1997-09-30",
        "--holdout-end=1998-06-30",
    )
    bgnbd = result["bgnbd"]
    gamma_gamma = result["gamma_gamma"]
    assert isinstance(bgnbd, dict)
    assert isinstance(gamma_gamma, dict)
    assert result["customers"] == 2357
    assert result["repeat_customers"] == 946
    assert {name: round(value, 3) for name, value in bgnbd.items() if name != "log_likelihood"} == {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
    }
    assert round(bgnbd["log_likelihood"], 1) == -9582.4
    assert {name: round(value, 2) for name, value in gamma_gamma.items()} == {"p": 6.25, "q": 3.74, "gamma": 15.44}
    holdout = result["holdout"]
    assert isinstance(holdout, dict)
    assert sum(row["actual"] for row in holdout["by_frequency"]) == 1882


def test_the_text_output_names_the_models() -> None:
    out = io.StringIO()
    call_command(
        "retention",
        "fit",
        str(dataset("cdnow", "CDNOW_sample.txt")),
        "--no-header",
        "--customer-col=2",
        "--date-col=3",
        "--value-col=5",
        "--calibration-end=1997-09-30",
        stdout=out,
    )
    text = out.getvalue()
    assert "2357 customers (946 with repeat purchases), calibration to 1997-09-30" in text
    assert "0.2426" in text
    assert "6.2495" in text


def test_a_missing_column_is_named_with_the_columns_there_are(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer,day,amount\nA,2024-01-01,10\n")
    with pytest.raises(CommandError, match=r"column date not found in the file \(its columns: customer, day, amount\)"):
        _fit(
            str(path),
            "--customer-col=customer",
            "--date-col=date",
            "--value-col=amount",
            "--calibration-end=2024-06-30",
        )


def test_a_bad_date_or_value_names_its_row(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer;day;amount\nA;2024-01-01;10\nB;yesterday;5\n")
    with pytest.raises(CommandError, match="row 3: 'yesterday' is not a date"):
        _fit(
            str(path), "--customer-col=customer", "--date-col=day", "--value-col=amount", "--calibration-end=2024-06-30"
        )
    path.write_text("customer;day;amount\nA;2024-01-01;ten\n")
    with pytest.raises(CommandError, match="row 2: 'ten' is not a number"):
        _fit(
            str(path), "--customer-col=customer", "--date-col=day", "--value-col=amount", "--calibration-end=2024-06-30"
        )


def test_too_few_customers_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer,day,amount\nA,2024-01-01,10\nA,2024-02-01,12\n")
    with pytest.raises(CommandError, match="The models cannot be fitted on this file: 1 customers: at least 10"):
        _fit(
            str(path), "--customer-col=customer", "--date-col=day", "--value-col=amount", "--calibration-end=2024-06-30"
        )


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"nothing\.csv: file not found"):
        _fit(
            str(tmp_path / "nothing.csv"),
            "--customer-col=c",
            "--date-col=d",
            "--value-col=v",
            "--calibration-end=2024-06-30",
        )
