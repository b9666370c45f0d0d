"""Backing up and restoring both stores in one archive: ``kam backup FILE`` and ``kam restore FILE``.

The archive is a ``.tar.gz`` holding

* ``manifest.json``: format and version, when it was made, the rows of every table and the
  SHA-256 of every other member;
* ``web.json``: the web database as Django's JSON serialisation of every model (all rows,
  dependencies first, each model by primary key). One format for SQLite and PostgreSQL alike,
  readable by any later Django, and restorable across the two (SQLite → PostgreSQL is how a trial
  moves to production);
* ``facts/``: the facts store as DuckDB's ``EXPORT DATABASE`` in Parquet (schema, load script, one
  file per table), independent of the DuckDB file format version.

The two stores are read as one consistent moment: the facts store is opened (read-only, which
keeps imports out) before the web database is read in one repeatable-read transaction. An
import's facts commit before its web transaction, so every import run of the web dump has its
facts; facts of a run the dump does not have yet are dropped on restore, as after a crash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model
from django.utils.translation import gettext as _

from kam.imports.actions import facts_store
from kam.imports.models import ImportRun
from kam_engine import __version__
from kam_engine.facts import FactsStore

FORMAT = "openkam-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
WEB_DUMP = "web.json"
FACTS_FOLDER = "facts"


class BackupError(Exception):
    """An archive that cannot be made or restored; the message says why, for the person running it."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What an archive holds: rows per table of each store."""

    path: Path
    created_at: str
    web_counts: dict[str, int]
    facts_counts: dict[str, int]


def _models() -> list[type[Model]]:
    """Every table the web database holds, one model each (proxies and unmanaged models left out)."""
    return [model for model in apps.get_models() if model._meta.managed and not model._meta.proxy]


def _created_by_migrations() -> set[type[Model]]:
    """The models whose rows a fresh database already has: the migrations create them."""
    return {ContentType, Permission, apps.get_model("scorecards", "PhaseKpi")}


def _web_counts() -> dict[str, int]:
    return {model._meta.db_table: model._base_manager.count() for model in _models()}


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _migrations_on_disk() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.disk_migrations)


def create_backup(path: Path) -> BackupSummary:
    """Write the web database and the facts store to the archive ``path`` (replaced if present)."""
    store = facts_store()
    with tempfile.TemporaryDirectory(prefix="kam-backup-") as folder:
        work = Path(folder)
        facts_connection = store.connect(read_only=True)
        outermost = not connection.in_atomic_block
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql" and outermost:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                web_counts = _web_counts()
                migrations = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
                # exact_json: JSON with times to the microsecond (Django's json format cuts them to milliseconds).
                call_command("dumpdata", all=True, format="exact_json", output=str(work / WEB_DUMP), verbosity=0)
            facts_counts = store.export_to(work / FACTS_FOLDER, connection=facts_connection)
        finally:
            facts_connection.close()
        members = sorted([WEB_DUMP, *(f"{FACTS_FOLDER}/{file.name}" for file in (work / FACTS_FOLDER).iterdir())])
        created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "openkam_version": __version__,
            "created_at": created_at,
            "web": {"vendor": connection.vendor, "counts": web_counts, "migrations": migrations},
            "facts": {"counts": facts_counts},
            "members": {
                name: {"sha256": _sha256(work / name), "size": (work / name).stat().st_size} for name in members
            },
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        # Written beside the target and renamed: a crash never leaves half an archive under its name.
        partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(partial, "w:gz") as archive:
            for name in [MANIFEST, *members]:
                archive.add(work / name, arcname=name, recursive=False)
        partial.replace(path)
    return BackupSummary(path=path, created_at=created_at, web_counts=web_counts, facts_counts=facts_counts)


def _read_archive(path: Path, work: Path) -> dict[str, Any]:
    """Extract and verify ``path`` into ``work``; return its manifest. Nothing else is touched."""
    if not path.is_file():
        raise BackupError(_("%(file)s: no such file.") % {"file": path})
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
            names = [member.name for member in members]
            if MANIFEST not in names:
                raise BackupError(_("%(file)s is not an OpenKAM backup: it has no manifest.") % {"file": path})
            if any(not member.isfile() and not member.isdir() for member in members):
                raise BackupError(_("%(file)s is not an OpenKAM backup: it holds links.") % {"file": path})
            archive.extractall(work, filter="data")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise BackupError(
            _("%(file)s is not a readable backup archive (%(reason)s).") % {"file": path, "reason": error}
        ) from error
    try:
        manifest: dict[str, Any] = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(
            _("%(file)s: the manifest is damaged (%(reason)s).") % {"file": path, "reason": error}
        ) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(file)s is not an OpenKAM backup.") % {"file": path})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("%(file)s is a backup of format %(version)s; this OpenKAM reads format %(ours)s.")
            % {"file": path, "version": manifest.get("format_version"), "ours": FORMAT_VERSION}
        )
    listed = set(manifest.get("members", {}))
    present = {name for name in names if name != MANIFEST and (work / name).is_file()}
    if listed != present:
        missing = ", ".join(sorted(listed ^ present))
        raise BackupError(_("%(file)s is incomplete or altered: %(members)s.") % {"file": path, "members": missing})
    for name, member in sorted(manifest["members"].items()):
        if _sha256(work / name) != member.get("sha256"):
            raise BackupError(
                _("%(file)s is damaged: %(member)s does not match its checksum.") % {"file": path, "member": name}
            )
    return manifest


def _existing_data(store: FactsStore) -> list[str]:
    """What the target already holds, as "table: rows", ignoring the rows the migrations create."""
    held = []
    tables = set(connection.introspection.table_names())
    exempt = _created_by_migrations()
    for model in _models():
        if model in exempt or model._meta.db_table not in tables:
            continue
        count = model._base_manager.count()
        if count:
            held.append(f"{model._meta.db_table}: {count}")
    if store.path.exists():
        held += [f"{table}: {count}" for table, count in store.row_counts().items() if count]
    return held


def restore_backup(path: Path, *, force: bool = False) -> BackupSummary:
    """Replace the web database and the facts store with the archive ``path``.

    The target must be empty (a fresh ``KAM_DATA_DIR`` or database) unless ``force``. The
    archive is verified whole first; a damaged or foreign one leaves the target untouched.
    """
    store = facts_store()
    with tempfile.TemporaryDirectory(prefix="kam-restore-") as folder:
        work = Path(folder)
        manifest = _read_archive(path, work)
        archived = set(manifest["web"]["migrations"])
        on_disk = set(_migrations_on_disk())
        if not archived <= on_disk:
            raise BackupError(
                _("%(file)s was made by a newer OpenKAM (migrations unknown here: %(names)s); upgrade first.")
                % {"file": path, "names": ", ".join(sorted(archived - on_disk)[:5])}
            )
        if archived != on_disk:
            raise BackupError(
                _("%(file)s was made by an older OpenKAM (%(version)s): restore it with that version, then upgrade.")
                % {"file": path, "version": manifest.get("openkam_version")}
            )
        held = _existing_data(store)
        if held and not force:
            raise BackupError(
                _(
                    "The target already holds data (%(tables)s): restore into an empty one, "
                    "or pass --force to replace it."
                )
                % {"tables": ", ".join(held[:5])}
            )

        incoming = store.path.with_name(store.path.name + ".restoring")
        incoming.unlink(missing_ok=True)
        restored = FactsStore.import_from(work / FACTS_FOLDER, incoming)
        try:
            facts_counts = restored.row_counts()
            if facts_counts != manifest["facts"]["counts"]:
                raise BackupError(_("%(file)s: the facts do not match the manifest's counts.") % {"file": path})
            call_command("migrate", interactive=False, verbosity=0)
            with transaction.atomic(durable=True):
                call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
                call_command("loaddata", str(work / WEB_DUMP), verbosity=0)
                web_counts = _web_counts()
                if web_counts != manifest["web"]["counts"]:
                    raise BackupError(
                        _("%(file)s: the web database does not match the manifest's counts.") % {"file": path}
                    )
                # Facts whose import the web dump had not recorded yet (an import running during
                # the backup) are dropped, as after a crash.
                restored.delete_orphans(str(value) for value in ImportRun.objects.values_list("import_id", flat=True))
        except BaseException:
            incoming.unlink(missing_ok=True)
            raise
        # The web side is committed: put the facts in place (a stale write-ahead log of the old
        # store must not be replayed onto the new one).
        Path(f"{store.path}.wal").unlink(missing_ok=True)
        os.replace(incoming, store.path)
    return BackupSummary(
        path=path, created_at=str(manifest["created_at"]), web_counts=web_counts, facts_counts=facts_counts
    )
