from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kam.imports.actions import do_import_file
from kam.imports.console import outcome_as_dict, print_outcome, progress_bar
from kam.imports.kinds import ALL_KINDS


class Command(BaseCommand):
    help = "Import a file whole or not at all; every problem is reported as file:row:column: reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(ALL_KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, help="TOML file mapping your columns and formats onto ours.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and count only; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the outcome as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        with ExitStack() as stack:
            progress = progress_bar(stack, options["file"].name)
            outcome = do_import_file(
                options["kind"],
                options["file"],
                mapping_path=options["mapping"],
                dry_run=options["dry_run"],
                acting_user=None,
                progress=progress,
            )
        if options["json"]:
            self.stdout.write(json.dumps(outcome_as_dict(outcome), indent=2, ensure_ascii=False))
        else:
            write = self.stdout.write if outcome.is_valid else self.stderr.write
            print_outcome(outcome, write)
        if not outcome.is_valid:
            sys.exit(1)
