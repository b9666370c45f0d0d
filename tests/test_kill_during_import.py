"""Killing `kam import` at any moment leaves both stores with all of the file or none of it.

A ~200,000-line invoice file is imported in a subprocess that is SIGKILLed after delays spread
over the import's duration (fixed seed). After each kill the web database's ImportRun and the
facts store agree (facts whose run never committed are only the leftovers the next import
removes first); the next import of the same file then holds exactly the file.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

KAM = str(Path(sys.executable).with_name("kam"))
LINES = 200_000
ACCOUNTS = 50
KILLS = 5
SEED = 20_260_101

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("KAM_DATABASE_URL", "").startswith("postgres"),
        reason="runs `kam` on SQLite data folders; the SQLite run of the suite covers it",
    ),
]


@dataclass(frozen=True)
class State:
    runs: list[str]  # import ids of the web database's ImportRun rows
    accounts: int
    facts_by_import: dict[str, int]

    @property
    def facts(self) -> int:
        return sum(self.facts_by_import.values())


def _environment(data_dir: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return {**environment, "KAM_DATA_DIR": str(data_dir)}


def _kam(data_dir: Path, *arguments: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [KAM, *arguments], env=_environment(data_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _finish(process: subprocess.Popen[bytes]) -> None:
    _, error = process.communicate(timeout=300)
    assert process.returncode == 0, error.decode()


def _state(data_dir: Path) -> State:
    web = sqlite3.connect(data_dir / "kam.sqlite3")
    try:
        runs = [str(uuid.UUID(row[0])) for row in web.execute("SELECT import_id FROM imports_importrun")]
        accounts = int(web.execute("SELECT count(*) FROM key_accounts_account").fetchone()[0])
    finally:
        web.close()
    facts = duckdb.connect(str(data_dir / "facts.duckdb"))
    try:
        rows = facts.execute("SELECT import_id, count(*) FROM invoice_lines GROUP BY import_id").fetchall()
    finally:
        facts.close()
    return State(runs=runs, accounts=accounts, facts_by_import={str(key): int(count) for key, count in rows})


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("big")
    path = folder / "invoices.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("invoice,line,account,date,net_revenue\n")
        for index in range(LINES):
            month, day = index % 12 + 1, index % 28 + 1
            handle.write(
                f"F{index // 4},{index % 4 + 1},A{index % ACCOUNTS},2024-{month:02d}-{day:02d},{index % 997}.5\n"
            )
    mapping = folder / "mapping.toml"
    mapping.write_text("[options]\ncreate_accounts = true\n", encoding="utf-8")
    return path, mapping


def _assert_exactly_the_file(state: State, *, runs: int = 1) -> None:
    """Every line of the file once, each fact of a recorded run (a repeated import adds a run, no fact)."""
    assert len(state.runs) == runs
    assert state.facts == LINES
    assert set(state.facts_by_import) <= set(state.runs)
    assert state.accounts == ACCOUNTS


def test_a_killed_import_leaves_all_or_nothing(tmp_path: Path, big_file: tuple[Path, Path]) -> None:
    path, mapping = big_file
    template = tmp_path / "template"
    _finish(_kam(template, "init", "--quiet"))
    arguments = ("import", "invoices", str(path), "--mapping", str(mapping))

    # The time a whole import takes here, to spread the kills over it.
    reference = tmp_path / "reference"
    shutil.copytree(template, reference)
    started = time.monotonic()
    _finish(_kam(reference, *arguments))
    duration = time.monotonic() - started
    _assert_exactly_the_file(_state(reference))

    rng = random.Random(SEED)  # noqa: S311 - reproducible delays, not a secret
    delays = [duration * (stratum + rng.random()) / KILLS for stratum in range(KILLS)]
    to_import_again = []
    for number, delay in enumerate(delays):
        folder = tmp_path / f"killed-{number}"
        shutil.copytree(template, folder)
        process = _kam(folder, *arguments)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        state = _state(folder)
        print(f"killed after {delay:.2f} s of {duration:.2f} s: {len(state.runs)} run, {state.facts} facts")
        if state.runs:
            # Killed after the web commit: the whole file is in both stores.
            _assert_exactly_the_file(state)
            to_import_again.append(folder)
        elif state.facts:
            # Killed between the facts commit and the web commit: all the facts, of no recorded
            # run, and nothing in the web database. The next import removes them first.
            assert state.accounts == 0, (delay, state)
            assert state.facts == LINES, (delay, state)
            to_import_again.append(folder)
        else:
            # Killed before the facts commit: nothing in either store. The next import is then
            # the reference import above, which held exactly the file.
            assert state == State(runs=[], accounts=0, facts_by_import={}), (delay, state)

    def import_again(folder: Path) -> tuple[int, State]:
        runs_before = len(_state(folder).runs)
        _finish(_kam(folder, *arguments))
        return runs_before, _state(folder)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for runs_before, state in pool.map(import_again, to_import_again):
            _assert_exactly_the_file(state, runs=runs_before + 1)
