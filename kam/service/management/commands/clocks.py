"""``kam clocks``: measure every open case's service-level clocks now and alert on the changes.

Breaches that happen by the passing of time have no event to hang an alert on; run this
every few minutes (cron, a systemd timer) so that an imminent or actual breach reaches the
account team within that interval, not only at the nightly ``kam snapshot``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from kam.service.actions import do_evaluate_open_cases


class Command(BaseCommand):
    help = "Measure every open case's service-level clocks now; alert on those newly at risk or breached."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():  # do_evaluate_open_cases is not durable: the command's transaction
            result = do_evaluate_open_cases()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "evaluated": result.evaluated,
                        "newly_at_risk": result.newly_at_risk,
                        "newly_breached": result.newly_breached,
                    }
                )
            )
            return
        self.stdout.write(
            _("%(evaluated)d open cases measured: %(at_risk)d newly at risk, %(breached)d newly breached.")
            % {"evaluated": result.evaluated, "at_risk": result.newly_at_risk, "breached": result.newly_breached}
        )
