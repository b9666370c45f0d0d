"""Importing a file: read, validate everything, then write all of it or nothing.

Master data (accounts, contacts, products, users, team members, meetings, opportunities)
is upserted into the web database; facts (invoice lines, activities, deliveries) are
appended to the facts store. A file with any problem writes nothing to either store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.db import transaction

from kam.core.audit import record_audit
from kam.core.upserts import UpsertResult
from kam.imports.checks import (
    check_cases,
    check_contact_managers,
    check_emails,
    check_hierarchy,
    check_meetings,
    check_opportunities,
    check_surveys,
    check_touchpoints,
)
from kam.imports.kinds import ALL_KINDS
from kam.imports.models import ImportRun
from kam.incentives.actions import do_import_investments
from kam.key_accounts.actions import (
    do_create_accounts_from_codes,
    do_import_accounts,
    do_import_contacts,
    do_import_products,
    do_import_surveys,
    do_import_team_members,
)
from kam.key_accounts.models import Account
from kam.opportunities.actions import do_import_opportunities
from kam.service.actions import do_import_cases
from kam.touchpoints.actions import do_import_meetings, do_import_touchpoints
from kam.users.actions import do_import_users
from kam.users.models import User
from kam_engine.facts import FactsStore
from kam_engine.ingest import (
    ImportSession,
    KindSpec,
    Mapping,
    MappingError,
    Problem,
    ProblemCode,
    SourceError,
    SourceTable,
    load_mapping,
    read_source,
)

StageCallback = Callable[[str, int, int], None]
"""Progress: called with (stage, done, total); stages are read, validate and write."""

PROBLEM_LIMIT = 50

_MASTER_WRITERS: dict[str, Callable[..., UpsertResult]] = {
    "accounts": do_import_accounts,
    "contacts": do_import_contacts,
    "products": do_import_products,
    "users": do_import_users,
    "team": do_import_team_members,
    "meetings": do_import_meetings,
    "opportunities": do_import_opportunities,
    "touchpoints": do_import_touchpoints,
    "cases": do_import_cases,
    "surveys": do_import_surveys,
    "investments": do_import_investments,
}
# Writers that name the file in what they record (the reason of an account's history rows).
_NAMING_WRITERS = {"accounts", "surveys"}


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an import did, or would do with ``--dry-run``, and every problem it found."""

    kind: str
    file_name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    accounts_created: int = 0
    problems: tuple[Problem, ...] = ()
    problem_count: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    import_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.problem_count == 0


def facts_store() -> FactsStore:
    """The facts store configured by ``KAM_FACTS_URL``."""
    return FactsStore.from_url(settings.FACTS_URL)


def _file_problem(path: Path, code: ProblemCode, **params: str) -> Problem:
    return Problem(file=path.name, row=None, column=None, code=code, params=params)


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _codes_table(values: Any) -> pa.Table:
    return pa.table({"code": pa.array(sorted({str(value) for value in values}), type=pa.string())})


def _master_checks(kind: str, rows: list[dict[str, Any]], session: ImportSession) -> list[Problem]:
    columns = {name: session.mapping.rule_for(name).column or name for name in session.provided_fields}
    name = session.file_name
    problems: list[Problem] = []
    if kind in {"contacts", "users"} and "email" in session.provided_fields:
        problems += check_emails(rows, name, columns)
    if kind == "accounts" and "parent" in session.provided_fields:
        problems += check_hierarchy(rows, name, columns, key=("code",), parent=("parent",))
    if kind == "contacts" and "reports_to" in session.provided_fields:
        problems += check_contact_managers(rows, name, columns)
        problems += check_hierarchy(rows, name, columns, key=("account", "code"), parent=("account", "reports_to"))
    if kind == "meetings":
        problems += check_meetings(rows, name, columns, session.provided_fields)
    if kind == "opportunities":
        problems += check_opportunities(rows, name, columns, session.provided_fields)
    if kind == "touchpoints":
        problems += check_touchpoints(rows, name, columns, session.provided_fields)
    if kind == "cases":
        problems += check_cases(rows, name, columns, session.provided_fields)
    if kind == "surveys":
        problems += check_surveys(rows, name, columns, session.provided_fields)
    return sorted(problems, key=lambda problem: (problem.row or 0, problem.column or ""))


def do_import_file(
    kind: str,
    path: Path,
    *,
    mapping_path: Path | None = None,
    dry_run: bool = False,
    acting_user: User | None,
    progress: StageCallback | None = None,
) -> ImportOutcome:
    """Import ``path`` as ``kind``: all rows or, at the first problem, none.

    Parameters
    ----------
    kind
        One of accounts, contacts, products, users, team, meetings, opportunities, invoices,
        activities, deliveries.
    path
        A CSV (any delimiter; UTF-8, UTF-8 with BOM or Latin-1), XLSX or Parquet file.
    mapping_path
        A TOML mapping of the file's columns and formats onto ours.
    dry_run
        Validate and count only; write nothing.
    """
    outcome = ImportOutcome(kind=kind, file_name=path.name, dry_run=dry_run)
    spec = ALL_KINDS.get(kind)
    if spec is None:
        problem = _file_problem(path, ProblemCode.INVALID, reason=f"unknown kind {kind!r}")
        return _with_problems(outcome, [problem], 1)
    try:
        mapping = load_mapping(mapping_path) if mapping_path is not None else Mapping()
    except MappingError as error:
        return _with_problems(outcome, [_file_problem(path, ProblemCode.INVALID, reason=str(error))], 1)
    if mapping.kind is not None and mapping.kind != kind:
        reason = f"the mapping {mapping.origin} is for {mapping.kind}, not {kind}"
        return _with_problems(outcome, [_file_problem(path, ProblemCode.INVALID, reason=reason)], 1)

    # The file's fingerprint is computed alongside the reading and checking (hashing releases the GIL).
    with ThreadPoolExecutor(max_workers=1) as hasher:
        fingerprint = hasher.submit(_sha256, path) if path.is_file() else None
        return _import_file(
            kind, path, spec, mapping, fingerprint, dry_run=dry_run, acting_user=acting_user, progress=progress
        )


def _import_file(
    kind: str,
    path: Path,
    spec: KindSpec,
    mapping: Mapping,
    fingerprint: Future[str] | None,
    *,
    dry_run: bool,
    acting_user: User | None,
    progress: StageCallback | None,
) -> ImportOutcome:
    outcome = ImportOutcome(kind=kind, file_name=path.name, dry_run=dry_run)

    def on_read(done: int, total: int) -> None:
        if progress is not None:
            progress("read", done, total)

    try:
        source = read_source(path, mapping.source, on_read)
        joins: list[tuple[str, str, str, SourceTable]] = []
        for join in mapping.source.joins:
            join_path = join.file if join.file.is_absolute() else path.parent / join.file
            joins.append((join_path.name, join.left_on, join.right_on, read_source(join_path, mapping.source)))
    except SourceError as error:
        return _with_problems(outcome, [error.problem], 1)
    outcome = ImportOutcome(
        kind=kind, file_name=path.name, dry_run=dry_run, encoding=source.encoding, delimiter=source.delimiter
    )
    with ImportSession(spec, mapping, path.name) as session:
        if progress is not None:
            progress("validate", 0, 1)
        session.stage(source, joins)
        references = {"account": _codes_table(Account.objects.values_list("code", flat=True))}
        if kind == "accounts":
            file_codes = session.staged_table().column("code").to_pylist()
            references["account"] = _codes_table(
                [*Account.objects.values_list("code", flat=True), *(code for code in file_codes if code)]
            )
        references["user"] = _codes_table(User.objects.values_list("username", flat=True))
        creatable = ("account",) if mapping.create_accounts and spec.is_fact else ()
        report = session.validate(references, create_references=creatable, limit=PROBLEM_LIMIT)
        rows: list[dict[str, Any]] = []
        problems = list(report.problems)
        problem_count = report.problem_count
        if not spec.is_fact and report.is_valid:
            rows = session.staged_table().to_pylist()
            extra = _master_checks(kind, rows, session)
            problems += extra[: PROBLEM_LIMIT - len(problems)]
            problem_count += len(extra)
        if progress is not None:
            progress("validate", 1, 1)
        outcome = ImportOutcome(
            kind=kind,
            file_name=path.name,
            dry_run=dry_run,
            rows=report.rows,
            encoding=source.encoding,
            delimiter=source.delimiter,
            problems=tuple(problems),
            problem_count=problem_count,
        )
        if problem_count:
            return outcome
        new_accounts = report.new_references.get("account", ())
        if dry_run:
            return _dry_run(outcome, session, spec.is_fact, rows, new_accounts)
        if progress is not None:
            progress("write", 0, 1)
        sha256 = fingerprint.result() if fingerprint is not None else _sha256(path)
        if spec.is_fact:
            result = _write_facts(kind, path, session, sha256, new_accounts, acting_user)
        else:
            result = _write_master(kind, path, session, sha256, rows, acting_user)
        if progress is not None:
            progress("write", 1, 1)
        return ImportOutcome(**{**_fields(outcome), **result})


def _fields(outcome: ImportOutcome) -> dict[str, Any]:
    return {name: getattr(outcome, name) for name in ImportOutcome.__dataclass_fields__}


def _with_problems(outcome: ImportOutcome, problems: list[Problem], count: int) -> ImportOutcome:
    return ImportOutcome(**{**_fields(outcome), "problems": tuple(problems), "problem_count": count})


def _dry_run(
    outcome: ImportOutcome,
    session: ImportSession,
    is_fact: bool,
    rows: list[dict[str, Any]],
    new_accounts: tuple[str, ...],
) -> ImportOutcome:
    if is_fact:
        counted = session.count_new(facts_store())
        return ImportOutcome(
            **{
                **_fields(outcome),
                "created": counted.inserted,
                "unchanged": counted.skipped,
                "accounts_created": len(new_accounts),
            }
        )
    return outcome


def _write_master(
    kind: str,
    path: Path,
    session: ImportSession,
    sha256: str,
    rows: list[dict[str, Any]],
    acting_user: User | None,
) -> dict[str, Any]:
    with transaction.atomic(durable=True):
        named = {"file_name": path.name} if kind in _NAMING_WRITERS else {}
        result: UpsertResult = _MASTER_WRITERS[kind](rows, session.provided_fields, acting_user=acting_user, **named)
        run = ImportRun.objects.create(
            kind=kind,
            file_name=path.name,
            sha256=sha256,
            rows=len(rows),
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            imported_by=acting_user,
        )
        _audit_run(run, acting_user)
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "import_id": str(run.import_id),
    }


def _write_facts(
    kind: str,
    path: Path,
    session: ImportSession,
    sha256: str,
    new_accounts: tuple[str, ...],
    acting_user: User | None,
) -> dict[str, Any]:
    store = facts_store()
    run = ImportRun(kind=kind, file_name=path.name, sha256=sha256, rows=0, imported_by=acting_user)
    appended = False
    try:
        with transaction.atomic(durable=True):
            # Facts of an import killed between its two commits would otherwise be taken for
            # rows already present: remove them first.
            _delete_orphan_facts(store)
            accounts_created = (
                do_create_accounts_from_codes(new_accounts, acting_user=acting_user) if new_accounts else 0
            )
            run.save()
            # The facts commit inside the web transaction: if the web commit then fails,
            # the facts of this import are removed again below, so both stores agree.
            result = session.append_to(store, import_id=str(run.import_id), sha256=sha256)
            appended = True
            run.rows = result.inserted + result.skipped
            run.created = result.inserted
            run.unchanged = result.skipped
            run.save(update_fields=["rows", "created", "unchanged"])
            _audit_run(run, acting_user)
    except BaseException:
        if appended:
            store.delete_import(str(run.import_id))
        raise
    if kind == "deliveries":
        # Imported here: kam.kpis.actions reads the facts store through this module.
        from kam.kpis.actions import do_raise_late_delivery_alerts

        # The import is committed: alert the key accounts' teams of its late or incomplete deliveries.
        do_raise_late_delivery_alerts(store, import_id=str(run.import_id), acting_user=acting_user)
    return {
        "created": result.inserted,
        "unchanged": result.skipped,
        "accounts_created": accounts_created,
        "import_id": str(run.import_id),
    }


# Any constant: the PostgreSQL advisory lock held by the transaction that writes facts.
_FACTS_WRITE_LOCK = 0x6B616D66


def _delete_orphan_facts(store: FactsStore) -> dict[str, int]:
    """Remove facts whose import the web database does not record; call inside a web transaction.

    The transaction first takes the facts-write lock, so no other import is between its facts
    commit and its web commit (whose facts would look orphaned): SQLite's transactions here begin
    IMMEDIATE, one writer at a time; on PostgreSQL an advisory lock held to the commit does the same.
    """
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FACTS_WRITE_LOCK])
    known = {str(value) for value in ImportRun.objects.values_list("import_id", flat=True)}
    return store.delete_orphans(known)


def do_recover_facts() -> dict[str, int]:
    """Remove the facts of imports that never committed in the web database (``kam init`` runs it)."""
    with transaction.atomic(durable=True):
        return _delete_orphan_facts(facts_store())


def _audit_run(run: ImportRun, acting_user: User | None) -> None:
    record_audit(
        actor=acting_user,
        action="import.run",
        instance=run,
        changes={
            "kind": [None, run.kind],
            "file_name": [None, run.file_name],
            "rows": [None, run.rows],
            "created": [None, run.created],
            "updated": [None, run.updated],
            "unchanged": [None, run.unchanged],
        },
    )
