from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kam.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore the web database and the facts store from an archive made by `kam backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive made by `kam backup`.")
        parser.add_argument(
            "--force", action="store_true", help="Replace whatever the web database and the facts store hold."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Restoring into a fresh data folder, as `kam init` would create it.
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        try:
            summary = restore_backup(options["file"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Restored %(web)d web rows and %(facts)d facts from %(file)s (made %(created)s).")
            % {
                "web": sum(summary.web_counts.values()),
                "facts": sum(summary.facts_counts.values()),
                "file": summary.path,
                "created": summary.created_at,
            }
        )
