from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kam.imports.actions import do_recover_facts, facts_store


class Command(BaseCommand):
    help = "Create or migrate the web database and the facts store."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        store = facts_store()
        store.initialise()
        removed = sum(do_recover_facts().values())
        if removed and not options["quiet"]:
            self.stdout.write(_("Removed %(count)d facts of imports that never completed.") % {"count": removed})
        if not options["quiet"]:
            self.stdout.write(
                _("Web database ready: %(database)s\nFacts store ready: %(facts)s")
                % {"database": settings.DATABASES["default"]["NAME"], "facts": store.path}
            )
