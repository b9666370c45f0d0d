"""``kam health-calibration``: do accounts of low relationship health lose revenue more often?"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kam.scorecards.queries import health_calibration


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(_("%(value)s is not a date (use YYYY-MM-DD)") % {"value": text}) from error


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class Command(BaseCommand):
    help = (
        "Check the relationship health against history: of the accounts in each health band at the earlier date "
        "(their KPI snapshot), how many lost more than 10 % of their revenue by the later one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="date_from", type=_date, help="The health's date, YYYY-MM-DD (default: earliest snapshot)."
        )
        parser.add_argument(
            "--to", dest="date_to", type=_date, help="The later revenue's date, YYYY-MM-DD (default: latest analysis)."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = health_calibration(options["date_from"], options["date_to"])
        if options["json"]:
            payload = {
                "from": report.date_from.isoformat() if report.date_from else None,
                "to": report.date_to.isoformat() if report.date_to else None,
                "revenue_from": report.revenue_from.isoformat() if report.revenue_from else None,
                "revenue_to": report.revenue_to.isoformat() if report.revenue_to else None,
                "accounts": report.accounts,
                "bands": report.bands,
                "problem": report.problem or None,
            }
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        if report.problem:
            self.stdout.write(report.problem)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(
            title=_("Health of %(start)s against revenue of %(revenue_start)s and %(revenue_end)s")
            % {
                "start": report.date_from,
                "revenue_start": report.revenue_from,
                "revenue_end": report.revenue_to,
            }
        )
        for header in (_("Health band"), _("Accounts"), _("Lost revenue"), _("Loss rate"), _("Median change")):
            table.add_column(header, justify="left" if header == _("Health band") else "right")
        for band in report.bands:
            table.add_row(
                f"{band['band_from']:.0f}–{band['band_to']:.0f}",
                f"{band['accounts']:,}",
                f"{band['lost']:,}",
                _percent(band["loss_rate"]),
                _percent(band["median_change"]),
            )
        console = Console(file=io.StringIO(), width=100, record=True)
        console.print(table)
        self.stdout.write(console.export_text())
