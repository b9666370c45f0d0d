from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.imports.actions import facts_store
from kam.kpis.actions import as_of_default, do_record_portfolio_analysis
from kam.kpis.queries import accounts_for_engine
from kam_engine.analysis import analyze_portfolio
from kam_engine.backends import open_facts
from kam_engine.config import PolicyError, load_policy


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        # argparse turns this into a usage error naming the option.
        raise argparse.ArgumentTypeError(_("%(value)s is not a date (use YYYY-MM-DD)") % {"value": text}) from error


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class Command(BaseCommand):
    help = (
        "Analyse every account (metrics, ABC, cost-to-serve, profit, whale curve, retention and lifetime value, "
        "concentration risk) and store a dated snapshot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=_date, help="Last day of the analysis window (default: today).")
        parser.add_argument("--policy", type=Path, help="TOML policy file (see docs/analysis.md).")
        parser.add_argument("--account", help="Print this account's figures instead of the portfolio summary.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            policy = load_policy(options["policy"])
        except PolicyError as error:
            raise CommandError(str(error)) from error
        as_of = options["as_of"] or as_of_default()
        status = self._status(options["json"])
        status(_("Analysing the portfolio as of %(date)s …") % {"date": as_of.isoformat()})
        tables = open_facts(facts_store(), accounts_for_engine())
        try:
            result = analyze_portfolio(tables, as_of=as_of, policy=policy)
        finally:
            tables.backend.disconnect()
        if not result.accounts.num_rows:
            raise CommandError(
                _(
                    "Nothing to analyse: no invoice lines on or before %(date)s. "
                    "Import them first with `kam import invoices FILE`."
                )
                % {"date": as_of.isoformat()}
            )
        do_record_portfolio_analysis(result, policy, acting_user=None)
        if options["account"]:
            self._print_account(result.accounts.to_pylist(), result.costs_by_activity.to_pylist(), options)
            return
        if options["json"]:
            self.stdout.write(json.dumps(result.summary, indent=2, ensure_ascii=False))
        else:
            self._print_summary(result.summary)

    def _status(self, quiet: bool) -> Any:
        def write(message: str) -> None:
            if not quiet and sys.stderr.isatty():
                sys.stderr.write(message + "\n")

        return write

    def _print_account(self, rows: list[dict[str, Any]], costs: list[dict[str, Any]], options: Any) -> None:
        code = options["account"]
        found = [row for row in rows if row["account"] == code]
        if not found:
            raise CommandError(_("No sales up to the analysis date for account %(code)s.") % {"code": code})
        figures = {name: _json_value(value) for name, value in found[0].items()}
        figures["costs_by_activity"] = {
            row["activity"]: {"quantity": row["quantity"], "cost": row["cost"]}
            for row in costs
            if row["account"] == code
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False))
            return
        for name, value in figures.items():
            self.stdout.write(f"{name}: {value}")

    def _print_summary(self, summary: dict[str, Any]) -> None:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=_("Portfolio as of %(date)s") % {"date": summary["as_of"]}, show_header=False)
        pareto, whale = summary["pareto"], summary["whale"]
        rows = [
            (_("Accounts with sales"), f"{summary['accounts']:,}"),
            (_("Revenue"), f"{summary['revenue']:,.2f}"),
            (_("Gross margin"), f"{summary['gross_margin']:,.2f}"),
            (_("Cost to serve"), f"{summary['cost_to_serve']:,.2f}"),
            (_("Customer profit"), f"{summary['profit']:,.2f}"),
            (_("Top 20 % of accounts make"), f"{(pareto['top20_revenue_share'] or 0):.1%}"),
            (_("Accounts making 80 %"), str(pareto["accounts_for_80_percent"])),
            (_("ABC classes"), " / ".join(f"{label} {count}" for label, count in summary["abc"].items())),
            (_("Herfindahl index"), f"{(summary['hhi'] or 0):,.0f}"),
            (_("Gini"), f"{(summary['gini'] or 0):.3f}"),
            (_("Whale curve peak"), f"{whale['peak_share']:.1%} at {whale['peak_at_accounts']} accounts"),
            (_("Loss-making accounts"), f"{whale['loss_making_accounts']:,} (−{whale['tail_loss']:,.2f})"),
        ]
        rows.extend(self._risk_rows(summary))
        for label, value in rows:
            table.add_row(label, value)
        console = Console(file=io.StringIO(), width=100, record=True)
        console.print(table)
        self.stdout.write(console.export_text())
        for warning in summary.get("retention", {}).get("warnings", []):
            self.stdout.write(self.style.WARNING(_("Warning: %(warning)s") % {"warning": warning}))

    def _risk_rows(self, summary: dict[str, Any]) -> list[tuple[str, str]]:
        """Concentration risk and the retention models' results."""
        rows: list[tuple[str, str]] = []
        risk = summary.get("concentration_risk") or {}
        if risk.get("top1_share") is not None:
            shares = " / ".join(f"{risk[key]:.1%}" for key in ("top1_share", "top5_share", "top10_share"))
            rows.append((_("Margin at stake in the top 1 / 5 / 10 accounts"), shares))
        retention = summary.get("retention") or {}
        if not retention.get("fitted"):
            rows.append((_("Retention models"), _("not fitted (see the warning below)")))
            return rows
        rows.append(
            (
                _("Accounts likely to have stopped buying"),
                _("%(declining)s of %(accounts)s")
                % {
                    "declining": f"{retention['declining_accounts']:,}",
                    "accounts": f"{retention['accounts']:,}",
                },
            )
        )
        if retention.get("clv") is not None:
            rows.append(
                (
                    _("Lifetime value, next %(months)s months") % {"months": retention["months"]},
                    f"{retention['clv']:,.2f}",
                )
            )
        holdout = {"done": _("done"), "skipped": _("skipped")}
        rows.append((_("Holdout check"), str(holdout.get(retention.get("holdout", ""), "—"))))
        return rows
