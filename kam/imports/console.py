"""Showing import outcomes on a console: human text, JSON, and a progress bar."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

from django.utils.translation import gettext as _

from kam.imports.actions import ImportOutcome, StageCallback
from kam.imports.messages import describe_problem


def outcome_as_dict(outcome: ImportOutcome) -> dict[str, Any]:
    """The import outcome as printed by ``--json``."""
    return {
        "kind": outcome.kind,
        "file": outcome.file_name,
        "dry_run": outcome.dry_run,
        "ok": outcome.is_valid,
        "rows": outcome.rows,
        "created": outcome.created,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "accounts_created": outcome.accounts_created,
        "encoding": outcome.encoding,
        "delimiter": outcome.delimiter,
        "import_id": outcome.import_id,
        "problem_count": outcome.problem_count,
        "problems": [
            {
                "file": problem.file,
                "row": problem.row,
                "column": problem.column,
                "code": str(problem.code),
                "message": describe_problem(problem),
            }
            for problem in outcome.problems
        ],
    }


def print_outcome(outcome: ImportOutcome, write: Any) -> None:
    """Print a human summary of an import (or of its problems)."""
    if not outcome.is_valid:
        for problem in outcome.problems:
            write(describe_problem(problem))
        if outcome.problem_count > len(outcome.problems):
            write(
                _("… and %(more)d more problems (%(total)d in all).")
                % {"more": outcome.problem_count - len(outcome.problems), "total": outcome.problem_count}
            )
        write(_("Nothing was imported: fix the file (or the mapping) and import it again."))
        return
    verb = _("Would import") if outcome.dry_run else _("Imported")
    write(
        _(
            "%(verb)s %(file)s as %(kind)s: %(rows)d rows — "
            "%(created)d new, %(updated)d updated, %(unchanged)d unchanged."
        )
        % {
            "verb": verb,
            "file": outcome.file_name,
            "kind": outcome.kind,
            "rows": outcome.rows,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
        }
    )
    if outcome.accounts_created:
        write(_("%(count)d accounts created from unknown codes.") % {"count": outcome.accounts_created})


def progress_bar(stack: ExitStack, label: str) -> StageCallback | None:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

    progress = stack.enter_context(
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
    )
    stages = {
        "read": _("Reading %(file)s") % {"file": label},
        "validate": _("Checking every row"),
        "write": _("Writing"),
    }
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stages.get(stage, stage), total=total or None)
        progress.update(tasks[stage], completed=done, total=total or None)

    return update
