"""``kam retention fit``: fit the BG/NBD and Gamma-Gamma models on a transactions file."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from kam_engine.retention import (
    RetentionFitError,
    TransactionFileError,
    fit_bgnbd,
    fit_gamma_gamma,
    holdout_by_frequency,
    read_transactions,
    summarise_transactions,
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(_("%(value)s is not a date (use YYYY-MM-DD)") % {"value": text}) from error


def _file_error(error: TransactionFileError) -> str:
    params = error.params
    if error.code == "not_found":
        return _("%(file)s: file not found") % params
    if error.code == "unreadable":
        return _("%(file)s: the file cannot be read: %(reason)s") % params
    if error.code == "missing_column":
        return _("column %(column)s not found in the file (its columns: %(available)s)") % params
    if error.code == "not_a_date":
        return _("row %(row)s: %(value)r is not a date (ISO YYYY-MM-DD, YYYYMMDD, or set --date-format)") % params
    if error.code == "not_a_number":
        return _("row %(row)s: %(value)r is not a number") % params
    return _("%(file)s: the file has no transactions") % params


def _fit_error(error: RetentionFitError) -> str:
    return _("The models cannot be fitted on this file: %(reason)s") % {"reason": str(error)}


class Command(BaseCommand):
    help = "Lifetime value and retention models (BG/NBD and Gamma-Gamma, Fader, Hardie & Lee 2005)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        fit = actions.add_parser("fit", help="Fit both models on a transactions file and print their parameters.")
        fit.add_argument("file", type=Path, help="CSV, TSV, whitespace-separated text or Parquet.")
        fit.add_argument("--customer-col", required=True, help="Column of the customer id.")
        fit.add_argument("--date-col", required=True, help="Column of the purchase date.")
        fit.add_argument("--value-col", required=True, help="Column of the value (use margin for lifetime value).")
        fit.add_argument("--calibration-end", type=_date, required=True, help="Last day of the calibration period.")
        fit.add_argument(
            "--holdout-end", type=_date, help="Also compare predicted and actual purchases up to this day."
        )
        fit.add_argument("--date-format", help="strptime codes of the dates, e.g. %%d/%%m/%%Y.")
        fit.add_argument("--delimiter", help="Column separator (default: guessed; runs of spaces work).")
        fit.add_argument("--no-header", action="store_true", help="The file has no header: columns are 1, 2, 3…")
        fit.add_argument("--time-unit-days", type=float, default=7.0, help="Days per time unit (default 7: weeks).")
        fit.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            transactions = read_transactions(
                options["file"],
                customer_column=options["customer_col"],
                date_column=options["date_col"],
                value_column=options["value_col"],
                date_format=options["date_format"],
                delimiter=options["delimiter"],
                header=not options["no_header"],
            )
        except TransactionFileError as error:
            raise CommandError(_file_error(error)) from error
        summary = summarise_transactions(
            transactions,
            calibration_end=options["calibration_end"],
            time_unit_days=options["time_unit_days"],
            holdout_end=options["holdout_end"],
        )
        x = summary.column("x").to_numpy().astype("float64")
        t_x = summary.column("t_x").to_numpy()
        big_t = summary.column("T").to_numpy()
        try:
            bgnbd = fit_bgnbd(x, t_x, big_t)
            gamma_gamma = fit_gamma_gamma(x, summary.column("m_x").to_numpy(zero_copy_only=False))
        except RetentionFitError as error:
            raise CommandError(_fit_error(error)) from error
        result: dict[str, Any] = {
            "file": options["file"].name,
            "customers": summary.num_rows,
            "repeat_customers": int((x > 0).sum()),
            "calibration_end": options["calibration_end"].isoformat(),
            "time_unit_days": options["time_unit_days"],
            "bgnbd": {
                "r": bgnbd.r,
                "alpha": bgnbd.alpha,
                "a": bgnbd.a,
                "b": bgnbd.b,
                "log_likelihood": bgnbd.log_likelihood,
            },
            "gamma_gamma": {"p": gamma_gamma.p, "q": gamma_gamma.q, "gamma": gamma_gamma.gamma},
        }
        if options["holdout_end"] is not None:
            length = (options["holdout_end"] - options["calibration_end"]).days / options["time_unit_days"]
            report = holdout_by_frequency(bgnbd, summary, holdout_length=length)
            result["holdout"] = {"length": length, "by_frequency": report.to_pylist()}
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self._print(result)

    def _print(self, result: dict[str, Any]) -> None:
        console = Console(file=io.StringIO(), width=100, record=True, highlight=False)
        console.print(
            _("%(customers)d customers (%(repeat)d with repeat purchases), calibration to %(end)s")
            % {"customers": result["customers"], "repeat": result["repeat_customers"], "end": result["calibration_end"]}
        )
        table = Table(title=_("BG/NBD (purchases and drop-out)"))
        for name in ("r", "alpha", "a", "b", "log_likelihood"):
            table.add_column(name, justify="right")
        table.add_row(*(f"{result['bgnbd'][name]:.4f}" for name in ("r", "alpha", "a", "b", "log_likelihood")))
        console.print(table)
        table = Table(title=_("Gamma-Gamma (value per purchase)"))
        for name in ("p", "q", "gamma"):
            table.add_column(name, justify="right")
        table.add_row(*(f"{result['gamma_gamma'][name]:.4f}" for name in ("p", "q", "gamma")))
        console.print(table)
        if "holdout" in result:
            table = Table(title=_("Holdout: repeat purchases by calibration frequency"))
            for name in (_("repeat purchases"), _("customers"), _("actual"), _("predicted")):
                table.add_column(name, justify="right")
            rows = result["holdout"]["by_frequency"]
            for row in rows:
                label = f"{row['x']}+" if row is rows[-1] else str(row["x"])
                table.add_row(label, str(row["customers"]), f"{row['actual']:.0f}", f"{row['predicted']:.1f}")
            console.print(table)
        self.stdout.write(console.export_text())
