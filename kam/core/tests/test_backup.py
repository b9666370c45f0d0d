"""`kam backup` and `kam restore`: every row of both stores comes back, and a bad archive changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path

import duckdb
import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql

from kam.core.backup import MANIFEST, BackupError, create_backup, restore_backup
from kam.imports.actions import do_import_file
from kam.key_accounts.models import Account
from kam.plans.actions import do_add_action, do_add_objective, do_create_plan
from kam.plans.choices import ObjectiveKpi
from kam.users.models import User
from kam_engine import FactsStore

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

KAM = str(Path(sys.executable).with_name("kam"))


def _build_company(tmp_path: Path, kam_alice: User) -> None:
    """Accounts, contacts, a plan and an import of invoices, all through our actions."""
    files = {
        "accounts.csv": "code,name,owner,is_key_account\n"
        "ACME,Acme Industrial,alice,true\nBETA,Beta Foods,alice,false\n",
        "contacts.csv": "account,code,last_name,reports_to,email,buying_role\n"
        "ACME,P1,Gil,,gil@acme.es,\nACME,P2,Ruiz,P1,ruiz@acme.es,Economic buyer\n",
        "invoices.csv": "invoice,line,account,date,net_revenue\n"
        + "".join(f"F{n},1,{'ACME' if n % 3 else 'BETA'},2025-{n % 12 + 1:02d}-15,{n * 10}.25\n" for n in range(1, 40)),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        outcome = do_import_file(name.removesuffix(".csv"), tmp_path / name, acting_user=kam_alice)
        assert outcome.is_valid, outcome.problems
    plan = do_create_plan(
        Account.objects.get(code="ACME"),
        title="ACME 2026",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        acting_user=kam_alice,
    )
    do_add_objective(
        plan,
        title="Grow",
        kpi=ObjectiveKpi.REVENUE,
        baseline=Decimal("100"),
        target=Decimal("200.5"),
        acting_user=kam_alice,
    )
    do_add_action(plan, title="Call the buyer", owner=kam_alice, due_date=dt.date(2026, 3, 1), acting_user=kam_alice)


def _web_dump() -> list[dict[str, object]]:
    out = StringIO()
    # exact_json: every microsecond of every moment compared (Django's json format cuts to milliseconds).
    call_command("dumpdata", all=True, format="exact_json", stdout=out, verbosity=0)
    rows: list[dict[str, object]] = json.loads(out.getvalue())
    return rows


def _facts_tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in FactsStore(path).table_names()
        }
    finally:
        connection.close()


def test_a_restore_with_force_brings_back_every_row(tmp_path: Path, facts: FactsStore, kam_alice: User) -> None:
    # given
    _build_company(tmp_path, kam_alice)
    web_before, facts_before = _web_dump(), _facts_tables(facts.path)
    archive = tmp_path / "backup.tar.gz"
    summary = create_backup(archive)
    assert summary.facts_counts["invoice_lines"] == 39
    assert summary.web_counts["key_accounts_account"] == 2

    # when: the data changes, then the archive is restored over it
    Account.objects.filter(code="BETA").update(name="Changed")
    with pytest.raises(BackupError, match="already holds data"):
        restore_backup(archive)
    restore_backup(archive, force=True)

    # then
    assert _web_dump() == web_before
    assert _facts_tables(facts.path) == facts_before


def test_moments_come_back_to_the_microsecond(tmp_path: Path, facts: FactsStore, kam_alice: User) -> None:
    # given: moments less than a millisecond past a second, which Django's JSON format would cut
    _build_company(tmp_path, kam_alice)
    moments = {
        "ACME": dt.datetime(2026, 3, 1, 9, 30, 15, 999, tzinfo=dt.UTC),
        "BETA": dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC),
    }
    for code, moment in moments.items():
        Account.objects.filter(code=code).update(updated_at=moment)
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    Account.objects.update(updated_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))

    # when
    restore_backup(archive, force=True)

    # then
    assert dict(Account.objects.values_list("code", "updated_at")) == moments


@pytest.fixture
def fresh_target(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh data folder; on PostgreSQL, with a new empty database too."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAM_")}
    environment["KAM_DATA_DIR"] = str(tmp_path / "restored")
    if connection.vendor != "postgresql":
        yield environment
        return
    name = f"kam_restore_{uuid.uuid4().hex[:12]}"
    parameters = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**parameters, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings_dict = connection.settings_dict
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    environment["KAM_DATABASE_URL"] = (
        f"postgresql://{settings_dict['USER']}{password}@{settings_dict['HOST'] or 'localhost'}:"
        f"{settings_dict['PORT'] or 5432}/{name}"
    )
    try:
        yield environment
    finally:
        with psycopg.connect(**parameters, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_kam_restore_into_a_fresh_data_folder(
    tmp_path: Path, facts: FactsStore, kam_alice: User, fresh_target: dict[str, str]
) -> None:
    # given: a backup of this company
    _build_company(tmp_path, kam_alice)
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), stdout=StringIO())

    # when
    restored = subprocess.run(  # noqa: S603
        [KAM, "restore", str(archive)], capture_output=True, text=True, env=fresh_target, check=False
    )
    dumped = subprocess.run(  # noqa: S603
        [KAM, "dumpdata", "--all", "--format", "exact_json"],
        capture_output=True,
        text=True,
        env=fresh_target,
        check=False,
    )

    # then: every table's rows are identical
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout
    assert json.loads(dumped.stdout) == _web_dump()
    assert _facts_tables(tmp_path / "restored" / "facts.duckdb") == _facts_tables(facts.path)


def _rewrite(archive: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """Copy ``archive`` to ``target`` with members replaced (``None``: left out)."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member)
            content = data.read() if data is not None else b""
            if member.name in change:
                replaced = change[member.name]
                if replaced is None:
                    continue
                content = replaced
            member.size = len(content)
            copy.addfile(member, io.BytesIO(content))
    return target


def _bad_archives(archive: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    with tarfile.open(archive, "r:gz") as source:
        manifest = json.loads(source.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    foreign = folder / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as other:
        text = b"hello"
        info = tarfile.TarInfo("readme.txt")
        info.size = len(text)
        other.addfile(info, io.BytesIO(text))
    not_ours = {**manifest, "format": "something-else"}
    miscounted = {
        **manifest,
        "web": {**manifest["web"], "counts": {**manifest["web"]["counts"], "plans_accountplan": 9}},
    }
    truncated = folder / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return {
        "truncated": (truncated, "not a readable backup archive"),
        "not a tar": ((folder / "plain.txt"), "not a readable backup archive"),
        "foreign": (foreign, "not an OpenKAM backup: it has no manifest"),
        "other format": (
            _rewrite(archive, folder / "format.tar.gz", {MANIFEST: json.dumps(not_ours).encode()}),
            "is not an OpenKAM backup",
        ),
        # Loaded whole, then found short of the manifest: the web transaction is rolled back.
        "miscounted": (
            _rewrite(archive, folder / "miscounted.tar.gz", {MANIFEST: json.dumps(miscounted).encode()}),
            "does not match the manifest's counts",
        ),
        "altered member": (_rewrite(archive, folder / "altered.tar.gz", {"web.json": b"[]"}), "checksum"),
        "missing member": (_rewrite(archive, folder / "missing.tar.gz", {"web.json": None}), "incomplete or altered"),
    }


def test_a_corrupt_or_foreign_archive_is_refused_and_changes_nothing(
    tmp_path: Path, facts: FactsStore, kam_alice: User
) -> None:
    _build_company(tmp_path, kam_alice)
    archive = tmp_path / "backup.tar.gz"
    create_backup(archive)
    (tmp_path / "plain.txt").write_text("not an archive", encoding="utf-8")
    web_before, facts_before = _web_dump(), _facts_tables(facts.path)

    for name, (bad, message) in _bad_archives(archive, tmp_path).items():
        with pytest.raises(BackupError, match=message):
            restore_backup(bad, force=True)
        assert _web_dump() == web_before, name
        assert _facts_tables(facts.path) == facts_before, name

    with pytest.raises(CommandError, match="not a readable backup archive"):
        call_command("restore", str(tmp_path / "plain.txt"), "--force")
