from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.imports.actions import do_import_file
from kam.imports.console import outcome_as_dict, print_outcome, progress_bar
from kam.imports.messages import describe_problem
from kam.incentives.demo import set_up_incentives
from kam.service.demo import set_up_service_levels
from kam.users.actions import do_set_shared_password
from kam.users.models import User
from kam_engine.demo_company import SIZES, write_demo_company

DEMO_PASSWORD = "openkam-demo"  # noqa: S105 - printed on the console on purpose: it is the demo's login
DEMO_LOGINS = ("director", "admin")


HISTORY_MONTHS = 5


def _month_ends_before(day: dt.date, count: int) -> list[dt.date]:
    """The last days of the ``count`` months before ``day``'s month, oldest first."""
    ends = []
    first = day.replace(day=1)
    for _month in range(count):
        end = first - dt.timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return list(reversed(ends))


class Command(BaseCommand):
    help = "Build the demo company, import its files like a user's, and serve the web app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="medium", help="Size of the company.")
        parser.add_argument("--seed", type=int, default=42, help="Seed of the generator (same seed, same company).")
        parser.add_argument("--no-serve", action="store_true", help="Build and import only; do not serve.")
        parser.add_argument("--no-analyze", action="store_true", help="Do not run `kam analyze` after importing.")
        parser.add_argument("--json", action="store_true", help="Print the import outcomes as JSON.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("init", quiet=True)
        folder = settings.DATA_DIR / "demo" / f"{options['size']}-seed{options['seed']}"
        if not options["json"]:
            self.stdout.write(_("Writing the demo company's files to %(folder)s …") % {"folder": folder})
        files = write_demo_company(folder, size=options["size"], seed=options["seed"])
        outcomes = []
        for kind, path in [*files.imports(), ("team", files.team), ("cases", files.cases)]:
            if kind == "cases":
                set_up_service_levels()
            with ExitStack() as stack:
                outcome = do_import_file(kind, path, acting_user=None, progress=progress_bar(stack, path.name))
            if not outcome.is_valid:
                problems = "\n".join(describe_problem(problem) for problem in outcome.problems)
                raise CommandError(
                    _("The demo file %(file)s did not import:\n%(problems)s") % {"file": path, "problems": problems}
                )
            outcomes.append(outcome)
            if not options["json"]:
                print_outcome(outcome, self.stdout.write)
        # Imported users cannot log in until someone sets a password; in the demo, we do.
        do_set_shared_password(
            User.objects.filter(password__startswith=UNUSABLE_PASSWORD_PREFIX), DEMO_PASSWORD, acting_user=None
        )
        if not options["no_analyze"]:
            # The portfolio pages show the latest analysis: make one, as of the demo's last day of data.
            call_command("analyze", as_of=files.last_day, json=True, stdout=io.StringIO())
            if not options["json"]:
                self.stdout.write(_("Analysed the portfolio as of %(date)s.") % {"date": files.last_day.isoformat()})
            # And a first key-account proposal, waiting for a director's review on the selection page.
            call_command("select", json=True, stdout=io.StringIO())
            if not options["json"]:
                self.stdout.write(_("Proposed a key-account portfolio: review it on the selection page."))
            # A history for the scorecards' lines, as if the nightly jobs had run: the analysis and
            # the snapshot of each of the five month ends before the last day, then the last day's.
            for month_end in _month_ends_before(files.last_day, HISTORY_MONTHS):
                call_command("analyze", as_of=month_end, json=True, stdout=io.StringIO())
                call_command("snapshot", date=month_end, json=True, stdout=io.StringIO())
            call_command("snapshot", date=files.last_day, json=True, stdout=io.StringIO())
            if not options["json"]:
                self.stdout.write(
                    _("Recorded %(months)d months of analyses, service levels and KPI snapshots.")
                    % {"months": HISTORY_MONTHS + 1}
                )
            # The KAM programme: key accounts, an approved incentive plan and what the accounts cost.
            quarter = set_up_incentives(files.last_day)
            if not options["json"]:
                self.stdout.write(_("Try `kam incentives --period %(period)s`.") % {"period": quarter.label})
        if options["json"]:
            self.stdout.write(
                json.dumps([outcome_as_dict(outcome) for outcome in outcomes], indent=2, ensure_ascii=False)
            )
        else:
            kam = User.objects.filter(role="key_account_manager").order_by("username").first()
            logins = [*DEMO_LOGINS, *([kam.username] if kam else [])]
            self.stdout.write(
                _("Demo ready. Log in as %(logins)s with the password %(password)s")
                % {"logins": ", ".join(logins), "password": DEMO_PASSWORD}
            )
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
