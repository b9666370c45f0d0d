from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KAM = str(Path(sys.executable).with_name("kam"))


def run(*arguments: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KAM_DATA_DIR": str(data_dir)}
    environment.pop("KAM_DATABASE_URL", None)
    environment.pop("KAM_FACTS_URL", None)
    return subprocess.run([KAM, *arguments], capture_output=True, text=True, env=environment, check=False)


def test_help_lists_the_commands_without_starting_django(tmp_path: Path) -> None:
    result = run("--help", data_dir=tmp_path)

    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")] == [
        "init",
        "demo",
        "import",
        "analyze",
        "select",
        "incentives",
        "snapshot",
        "clocks",
        "retention",
        "health-calibration",
        "serve",
        "createuser",
        "token",
        "openapi",
        "backup",
        "restore",
    ]
    assert list(tmp_path.iterdir()) == []


def test_init_then_a_bad_import_exits_non_zero_naming_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "accounts.csv"
    bad.write_text("code;name\nA1;\n", encoding="latin-1")

    init = run("init", data_dir=tmp_path / "data")
    imported = run("import", "accounts", str(bad), data_dir=tmp_path / "data")

    assert init.returncode == 0
    assert (tmp_path / "data" / "kam.sqlite3").exists()
    assert (tmp_path / "data" / "facts.duckdb").exists()
    assert imported.returncode == 1
    assert imported.stderr.splitlines()[0] == "accounts.csv:2:name: a value is required"


def test_createuser_reads_the_password_from_the_environment(tmp_path: Path) -> None:
    run("init", data_dir=tmp_path)
    os.environ["KAM_TEST_PASSWORD"] = "a-long-enough-secret-42"
    try:
        result = run(
            "createuser", "marta", "--role", "director", "--password-from-env", "KAM_TEST_PASSWORD", data_dir=tmp_path
        )
    finally:
        del os.environ["KAM_TEST_PASSWORD"]

    assert result.returncode == 0
    assert result.stdout == "Created marta (Director).\n"
