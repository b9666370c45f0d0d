from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.kpis.models import PortfolioAnalysis
from kam.selection.actions import SelectionError, default_policy_version, do_create_proposal, do_ensure_policy_version
from kam.selection.choices import PolicySource
from kam.selection.exports import proposal_as_dict
from kam.selection.models import RatingRound
from kam_engine.selection_policy import SelectionPolicyError, load_selection_policy


@contextlib.contextmanager
def _native_output_to_stderr() -> Iterator[None]:
    """Send what native code (HiGHS) prints to stdout to stderr, so `--json` stays parseable."""
    sys.stdout.flush()
    try:
        stdout = sys.__stdout__.fileno() if sys.__stdout__ else 1
        saved = os.dup(stdout)
    except (OSError, ValueError):  # no real file descriptor (e.g. captured output): nothing to guard
        yield
        return
    try:
        os.dup2(sys.__stderr__.fileno() if sys.__stderr__ else 2, stdout)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, stdout)
        os.close(saved)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(_("%(value)s is not a date (use YYYY-MM-DD)") % {"value": text}) from error


class Command(BaseCommand):
    help = (
        "Propose the key-account portfolio: score every analysed account, choose the key accounts "
        "and their KAMs within capacity, and explain why each account is in or out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--policy", type=Path, help="Selection policy TOML (see docs/selection.md); default: the approved one."
        )
        parser.add_argument(
            "--as-of", type=_date, help="Use the analysis of this date (default: the latest `kam analyze`)."
        )
        parser.add_argument("--round", type=int, help="Use the ratings of this rating round (default: the latest).")
        parser.add_argument("--json", action="store_true", help="Print the proposal as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["policy"] is not None:
            try:
                policy = load_selection_policy(options["policy"])
            except SelectionPolicyError as error:
                raise CommandError(str(error)) from error
            version = do_ensure_policy_version(policy, source=PolicySource.FILE, acting_user=None)
        else:
            version = default_policy_version(acting_user=None)
        analysis = self._analysis(options["as_of"])
        rating_round = self._round(options["round"], version.pk)
        quiet = options["json"] or not sys.stderr.isatty()

        def progress(message: str) -> None:
            if not quiet:
                sys.stderr.write(message + "\n")

        try:
            with _native_output_to_stderr():
                proposal = do_create_proposal(
                    version=version, analysis=analysis, rating_round=rating_round, acting_user=None, progress=progress
                )
        except SelectionError as error:
            raise CommandError(str(error)) from error
        data = proposal_as_dict(proposal)
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self._print(data)
        if not proposal.is_feasible:
            raise CommandError(_("The policy cannot be met:") + "\n" + "\n".join(data["conflicts"]))

    def _analysis(self, as_of: dt.date | None) -> PortfolioAnalysis:
        analyses = PortfolioAnalysis.objects.order_by("-as_of")
        if as_of is None:
            latest = analyses.first()
            if latest is None:
                raise CommandError(_("No analysis yet: run `kam analyze` first, then `kam select`."))
            return latest
        found = analyses.filter(as_of=as_of).first()
        if found is None:
            dates = ", ".join(day.isoformat() for day in analyses.values_list("as_of", flat=True)[:5]) or "—"
            raise CommandError(
                _("No analysis as of %(date)s (analysed dates: %(dates)s). Run `kam analyze --as-of %(date)s` first.")
                % {"date": as_of.isoformat(), "dates": dates}
            )
        return found

    def _round(self, number: int | None, policy_id: int) -> RatingRound | None:
        if number is None:
            return RatingRound.objects.filter(policy_id=policy_id).order_by("-created_at", "-id").first()
        found = RatingRound.objects.filter(pk=number).first()
        if found is None:
            raise CommandError(_("No rating round %(number)s.") % {"number": number})
        return found

    def _print(self, data: dict[str, Any]) -> None:
        from rich.console import Console
        from rich.table import Table

        console = Console(file=io.StringIO(), width=140, record=True)
        solver = data["solver"]
        gap = solver.get("gap")
        console.print(
            _("Proposal %(number)s · policy v%(version)s · analysis of %(date)s")
            % {"number": data["proposal"], "version": data["policy_version"], "date": data["as_of"]}
        )
        console.print(
            _("Solver: %(status)s, gap %(gap)s, %(seconds)s s (%(method)s)")
            % {
                "status": solver.get("status"),
                "gap": "—" if gap is None else f"{gap:.2%}",
                "seconds": solver.get("seconds"),
                "method": solver.get("method"),
            }
        )
        table = Table(title=_("Proposed key accounts"))
        for header in (_("Code"), _("Name"), _("KAM"), _("Attract."), _("Strength"), _("Quadrant"), _("Value")):
            table.add_column(header)
        for row in data["selected"]:
            table.add_row(
                row["code"],
                row["name"],
                row["kam"] or "—",
                f"{row['attractiveness']:.2f}",
                f"{row['strength']:.2f}",
                row["quadrant"],
                f"{row['value']:,.2f}",
            )
        console.print(table)
        marginal = data["marginal"]
        if marginal:
            console.print(
                _("Marginal account: %(code)s (value %(value).2f)")
                % {"code": marginal["account"], "value": marginal["value"]}
            )
        if data["value_of_one_more_kam"] is not None:
            console.print(_("One more KAM would add: %(value).2f") % {"value": data["value_of_one_more_kam"]})
        if data["preselected_out"]:
            console.print(
                _("%(count)s candidates were cut by pre-selection (max_candidates).")
                % {"count": data["preselected_out"]}
            )
        console.print(
            _("Not selected: %(count)s accounts (see --json or the web app for each reason).")
            % {"count": len(data["rejected"])}
        )
        self.stdout.write(console.export_text())
