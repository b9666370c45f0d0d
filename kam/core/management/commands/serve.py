from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Serve the web app with gunicorn; whitenoise serves the static files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("KAM_WEB_WORKERS", "3")),
            help="Worker processes (default KAM_WEB_WORKERS or 3).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(_("Serving OpenKAM on http://%(bind)s/ (Ctrl+C stops it)") % {"bind": bind})
        self.stdout.flush()
        arguments = [
            sys.executable,
            "-m",
            "gunicorn",
            "kam.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            # The app (and kam.core.startup's warm-up) loads once in the master; workers fork ready.
            "--preload",
            "--access-logfile",
            "-",
        ]
        # exec: gunicorn takes over this process, so signals reach it directly.
        os.execv(sys.executable, arguments)  # noqa: S606
