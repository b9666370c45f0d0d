"""The web process's warm-up compiles every template of the project before the first request."""

from __future__ import annotations

from pathlib import Path

from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader

from kam.core.startup import project_templates, warm_up

PROJECT = Path(__file__).resolve().parents[2]


def test_the_project_templates_are_every_html_file_under_a_templates_folder_of_kam() -> None:
    expected = sorted(
        {
            path.relative_to(folder).as_posix()
            for folder in PROJECT.rglob("templates")
            if folder.is_dir()
            for path in folder.rglob("*.html")
        }
    )

    assert project_templates() == expected
    assert "users/home.html" in expected
    assert "admin/base.html" not in expected  # Django's own templates are not ours to warm


def test_warm_up_leaves_every_project_template_compiled_in_the_cached_loader() -> None:
    loader = engines["django"].engine.template_loaders[0]  # type: ignore[attr-defined]
    assert isinstance(loader, CachedLoader)
    loader.reset()

    compiled = warm_up()

    assert compiled == len(project_templates())
    cached = {key.split(":")[0] for key in loader.get_template_cache}
    assert cached >= set(project_templates())
