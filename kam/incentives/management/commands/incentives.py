from __future__ import annotations

import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.incentives.models import IncentivePlan
from kam.incentives.payouts import KamResult, compute_period_payouts, number, payouts_as_dict
from kam.incentives.periods import PeriodError, parse_period
from kam.incentives.plans import PlanValidationError
from kam.incentives.queries import approved_plan


def _money(value: float) -> str:
    return number(value, 2)


class Command(BaseCommand):
    help = "Print each KAM's incentive payout for a period, per account and in total, every component explained."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="A quarter (2026-Q3), a month (2026-09) or a year (2026).")
        parser.add_argument("--plan", type=int, help="The plan's number (default: the approved plan).")
        parser.add_argument("--json", action="store_true", help="Print JSON (see docs/incentives.md).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_period(options["period"])
        except PeriodError as error:
            raise CommandError(str(error)) from error
        if options["plan"] is not None:
            plan = IncentivePlan.objects.filter(pk=options["plan"]).first()
            if plan is None:
                raise CommandError(_("No incentive plan number %(number)s.") % {"number": options["plan"]})
        else:
            plan = approved_plan()
            if plan is None:
                raise CommandError(
                    _(
                        "No incentive plan is approved: approve one on the incentive plans page, "
                        "or name one with --plan."
                    )
                )
        try:
            kams = compute_period_payouts(plan, period.start, period.end)
        except PlanValidationError as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            document = payouts_as_dict(plan, period.label, period.start, period.end, kams)
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
            return
        self._print(plan, period.label, kams)

    def _print(self, plan: IncentivePlan, label: str, kams: list[KamResult]) -> None:
        from rich.console import Console
        from rich.table import Table

        console = Console(file=io.StringIO(), width=140, record=True)
        console.print(_("Incentive payouts for %(period)s under “%(plan)s”") % {"period": label, "plan": plan.name})
        if not kams:
            console.print(_("No key account has a KAM: nothing to pay."))
        for kam in kams:
            table = Table(title=_("%(kam)s: %(total)s") % {"kam": kam.name, "total": _money(kam.total)})
            table.add_column(_("Account"))
            table.add_column(_("Phase"))
            table.add_column(_("Payout"), justify="right")
            table.add_column(_("Explanation"))
            for account in kam.accounts:
                lines = [item.explanation for item in account.components]
                if account.damping_factor != 1:
                    lines.append(_("Retention damping × %(factor)s.") % {"factor": number(account.damping_factor, 2)})
                if account.note:
                    lines.append(account.note)
                table.add_row(
                    f"{account.code} {account.name}", account.phase_label, _money(account.payout), "\n".join(lines)
                )
            table.add_row(_("Total"), "", _money(kam.total), "", end_section=True)
            console.print(table)
        console.print(_("Total of every KAM: %(total)s") % {"total": _money(sum(kam.total for kam in kams))})
        self.stdout.write(console.export_text())
