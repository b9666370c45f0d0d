from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the web database and the facts store into one archive (.tar.gz)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive to write, e.g. kam-2026-01-31.tar.gz.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = create_backup(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Backed up %(web)d web rows and %(facts)d facts into %(file)s.")
            % {
                "web": sum(summary.web_counts.values()),
                "facts": sum(summary.facts_counts.values()),
                "file": summary.path,
            }
        )
