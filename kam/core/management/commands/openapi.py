"""``kam openapi`` writes the REST API's OpenAPI schema to docs/openapi.json; ``--check`` compares instead.

CI runs ``kam openapi --check`` (``make lint``): a change of the API without its committed schema fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "openapi.json"


def current_schema() -> dict[str, Any]:
    """The schema of the API as the code defines it, in English, as plain JSON values."""
    from kam.api import api

    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
    loaded: dict[str, Any] = json.loads(json.dumps(schema))
    return loaded


def render_schema(schema: dict[str, Any]) -> str:
    """The schema as it is committed: indented, non-ASCII kept, one final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the REST API's OpenAPI schema to docs/openapi.json (--check: exit 1 if the file differs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Compare with the committed file; change nothing.")
        parser.add_argument("--output", type=Path, default=SCHEMA_PATH, help="Where the schema is (docs/openapi.json).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["output"]
        schema = current_schema()
        if options["check"]:
            try:
                committed = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                committed = None
            if committed != schema:
                self.stderr.write(
                    _("%(path)s is not the API's current schema: run `kam openapi` and commit the file.")
                    % {"path": path}
                )
                raise SystemExit(1)
            self.stdout.write(_("%(path)s is up to date.") % {"path": path})
            return
        path.write_text(render_schema(schema), encoding="utf-8")
        self.stdout.write(_("Wrote %(path)s.") % {"path": path})
