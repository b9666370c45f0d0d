"""WSGI entry point for `kam serve` (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
application = get_wsgi_application()

# After Django is set up: templates, catalogues and URLs loaded before the first request
# (once in gunicorn's master with --preload; the workers inherit them).
from kam.core.startup import warm_up  # noqa: E402 - needs the settings configured above

warm_up()
