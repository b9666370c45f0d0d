"""``kam snapshot``: the nightly service-level snapshot (clocks, delivery and decline alerts, scorecard)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kam.kpis.actions import as_of_default, do_take_snapshot
from kam.scorecards.queries import kpi_rows_of


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        # argparse turns this into a usage error naming the option.
        raise argparse.ArgumentTypeError(_("%(value)s is not a date (use YYYY-MM-DD)") % {"value": text}) from error


class Command(BaseCommand):
    help = (
        "Evaluate the open cases' clocks, raise late-delivery and purchase-decline alerts, and store the "
        "service-level scorecard of a date (the last 90 days). Run it nightly; running it twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="The day measured, YYYY-MM-DD (default: today).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = do_take_snapshot(options["date"] or as_of_default(), acting_user=None)
        if options["json"]:
            payload = {**dataclasses.asdict(result), "as_of": result.as_of.isoformat()}
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=_("Service levels as of %(date)s") % {"date": result.as_of.isoformat()}, show_header=False)
        evaluated = f"{result.cases_evaluated:,}" if result.cases_evaluated is not None else _("not available")
        table.add_row(_("Open cases evaluated"), evaluated)
        for kind, count in result.alerts.items():
            table.add_row(_("Alerts raised: %(kind)s") % {"kind": kind}, f"{count:,}")
        if not result.alerts:
            table.add_row(_("Alerts raised"), "0")
        table.add_row(_("Accounts measured"), f"{result.accounts_measured:,}")
        table.add_row(_("KPI snapshots (kam.scorecards)"), f"{kpi_rows_of(result.as_of):,}")
        table.add_row(_("Snapshot"), _("replaced") if result.replaced else _("new"))
        console = Console(file=io.StringIO(), width=100, record=True)
        console.print(table)
        self.stdout.write(console.export_text())
