"""Every migration can be reversed: on a fresh SQLite database, unapply all of them one by one
(newest first), then apply them all again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json
import django
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

django.setup()
executor = MigrationExecutor(connection)
plan = [migration for migration, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes())]
call_command("migrate", interactive=False, verbosity=0)
result = {"migrations": len(plan), "irreversible": None}
for migration in reversed(plan):
    earlier = [m.name for m in plan if m.app_label == migration.app_label]
    position = earlier.index(migration.name)
    target = earlier[position - 1] if position else "zero"
    try:
        call_command("migrate", migration.app_label, target, interactive=False, verbosity=0)
    except Exception as error:  # IrreversibleError, or a reverse step that fails
        result["irreversible"] = f"{migration.app_label}.{migration.name}: {type(error).__name__}: {error}"
        break
else:
    call_command("migrate", interactive=False, verbosity=0)
    result["applied_again"] = len(MigrationExecutor(connection).loader.applied_migrations)
print(json.dumps(result))
"""


def test_every_migration_is_reversible(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    environment |= {"KAM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kam.settings"}

    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=environment, check=False, timeout=600
    )

    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["irreversible"] is None, f"cannot be reversed: {result['irreversible']}"
    assert result["applied_again"] == result["migrations"]
