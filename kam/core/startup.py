"""What a web process loads before its first request, so that no visitor waits for it.

Django compiles a template the first time a page uses it, loads a language's catalogues the
first time a request is in that language, and builds its URL resolver on the first
``reverse()``. Under gunicorn each worker paid for all of it on its first requests: seconds on
a busy machine, seen as the slow first page of every person in the load test
(docs/performance.md). ``kam serve`` runs gunicorn with ``--preload``: :func:`warm_up` runs
once in the master process, and every worker it forks starts with the compiled templates, the
catalogues and the resolver in memory.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import get_resolver
from django.utils import translation

import kam

PROJECT = Path(kam.__file__).resolve().parent


def project_templates() -> list[str]:
    """The names of the project's own templates (``kam/templates`` and each app's ``templates``)."""
    folders = [Path(folder).resolve() for folder in engines["django"].template_dirs]
    return sorted(
        {
            path.relative_to(folder).as_posix()
            for folder in folders
            if folder.is_relative_to(PROJECT) and folder.is_dir()
            for path in folder.rglob("*.html")
        }
    )


def warm_up() -> int:
    """Compile the project's templates, load every language's catalogues and the URL resolver.

    Returns
    -------
    int
        How many templates were compiled (and are now in the cached template loader).
    """
    engine = engines["django"]
    names = project_templates()
    for name in names:
        engine.get_template(name)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("OpenKAM")
    get_resolver().url_patterns  # noqa: B018 - building the resolver is the point
    return len(names)
