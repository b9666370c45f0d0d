"""The ``kam`` command line: OpenKAM's commands, then any Django management command.

``kam --help`` and ``kam version`` need no configuration and do not start Django.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

COMMANDS = {
    "init": "Create or migrate the web database and the facts store.",
    "demo": "Build the demo company, import it and serve the web app.",
    "import": "Import a file: accounts, contacts, products, users, invoices, activities or deliveries.",
    "analyze": "Analyse every account and store a dated snapshot (metrics, ABC, cost-to-serve, profit).",
    "select": "Propose the key-account portfolio: score, choose under KAM capacity, explain every account.",
    "incentives": "Print each KAM's incentive payout for a period, every component explained.",
    "snapshot": "The nightly job: clocks, alerts, the day's service levels and KPI snapshots (`--date`).",
    "clocks": "Measure every open case's service-level clocks now; alert on new risks and breaches.",
    "retention": "Fit BG/NBD and Gamma-Gamma on a transactions file (`retention fit FILE …`).",
    "health-calibration": "Do low-health accounts lose revenue more often? Loss rate by health band.",
    "serve": "Serve the web app with a production server (gunicorn + whitenoise).",
    "createuser": "Create a login user with a role.",
    "token": "Make (`token create USERNAME --name NAME`) or revoke (`token revoke ID`) an API token.",
    "openapi": "Write the REST API's schema to docs/openapi.json (`--check`: fail if it differs).",
    "backup": "Back up the web database and the facts store into one archive (`kam backup FILE.tar.gz`).",
    "restore": "Restore both stores from a backup archive into an empty target (`--force`: replace).",
}

HELP = """usage: kam COMMAND [options]

OpenKAM — key account management for B2B suppliers.

commands:
{commands}

Run `kam COMMAND --help` for a command's options. Any Django management command
also works (e.g. `kam migrate`, `kam check --deploy`).
Configuration comes from environment variables: see docs/configuration.md.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kam`` command line and return its exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] in {"-h", "--help", "help"}:
        width = max(len(name) for name in COMMANDS)
        lines = "\n".join(f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items())
        sys.stdout.write(HELP.format(commands=lines))
        return 0
    if arguments[0] in {"version", "--version"}:
        from kam_engine import __version__

        sys.stdout.write(f"openkam {__version__}\n")
        return 0
    if arguments[0] in COMMANDS:
        # Our commands are written with dashes; Django names them after their module (underscores).
        arguments[0] = arguments[0].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if arguments[0] in NEEDS_CURRENT_DATABASE and "--help" not in arguments and "-h" not in arguments:
        pending = _pending_migrations()
        if pending:
            from django.utils.translation import gettext as _

            sys.stderr.write(
                _("The web database is not ready (%(count)d migrations to apply): run `kam init` first.\n")
                % {"count": pending}
            )
            return 1
    execute_from_command_line(["kam", *arguments])
    return 0


NEEDS_CURRENT_DATABASE = {
    "import", "analyze", "snapshot", "clocks", "health_calibration", "select", "serve", "createuser", "token",
    "backup", "incentives",
}  # fmt: skip


def _pending_migrations() -> int:
    """How many migrations the web database lacks (it may not exist yet)."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections["default"]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


if __name__ == "__main__":
    sys.exit(main())
