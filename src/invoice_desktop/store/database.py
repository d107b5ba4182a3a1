"""Opening a company file: checks first (store.file_check), then WAL + foreign keys + busy timeout, then migrations.

Rule for writes from threads: peewee gives each thread its own connection; every writer keeps its
transactions short (`with db.atomic():` around one unit of work), WAL lets readers go on while one writer
writes, every transaction begins IMMEDIATE (it takes the write lock at BEGIN) and a second writer waits instead of
failing: SQLite's busy timeout, then retries with backoff for as long as its thread's patience (store.faults).
Claims that must be exclusive (an invoice taken for export) are single UPDATE statements with a WHERE on the
current state.

Every failure of the file itself reaches callers as one typed CompanyFileError (store.errors) whose message is for
the user: busy past the patience, disk full, read-only, a disk error, damaged, a number too large to store. The
transaction it happened in is rolled back whole, so nothing is saved half-way.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from peewee import Database, SqliteDatabase
from peewee import DatabaseError as PeeweeDatabaseError

from invoice_desktop.store.errors import (
    CompanyFileError,
    CompanyFileUnwritableError,
    CorruptDatabaseError,
    NewerVersionError,
    NotADatabaseError,
    SchemaMismatchError,
)
from invoice_desktop.store.faults import BUSY_ATTEMPT_MS, company_file_error, retry_while_busy
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.file_check import APPLICATION_ID, SQLITE_HEADER, FileCheck, inspect_file, refuse_unusable
from invoice_desktop.store.location import CompanyLocation, checked_url, is_database_url
from invoice_desktop.store.migrations import CURRENT_VERSION, migrate, sqlite_extras
from invoice_desktop.store.models import ALL_MODELS, database_proxy

__all__ = [
    "APPLICATION_ID",
    "SQLITE_HEADER",
    "CompanyDatabase",
    "CompanyFileError",
    "CorruptDatabaseError",
    "FileCheck",
    "NewerVersionError",
    "NotADatabaseError",
    "SchemaMismatchError",
    "close_database",
    "inspect_file",
    "open_database",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

PRAGMAS = {
    "busy_timeout": BUSY_ATTEMPT_MS,  # first: the other pragmas may wait for a lock
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
}
_FILE_ERRORS = (sqlite3.Error, PeeweeDatabaseError, OverflowError)


class CompanyDatabase(SqliteDatabase):
    """peewee's SqliteDatabase, patient with a busy file and speaking in CompanyFileErrors.

    A BEGIN, a new connection and a statement outside a transaction are retried while the file is busy (they changed
    nothing when they failed busy); a statement inside a transaction is not (the transaction is then rolled back).
    SQLite rolls a transaction back by itself on some failures (a full disk): the rollback that follows is then
    skipped, and a statement the transaction would otherwise run on its own (autocommit) is refused."""

    engine = "sqlite"

    def _connect(self) -> sqlite3.Connection:
        return self._file_call(super()._connect, "opening it", retry=True)  # type: ignore[misc]  # not in the stubs

    def begin(self, lock_type: str | None = None) -> None:
        self._file_call(lambda: SqliteDatabase.begin(self, lock_type), "BEGIN", retry=True)

    def commit(self) -> None:
        self._file_call(super().commit, "COMMIT", retry=False)

    def rollback(self) -> None:
        conn = self._state.conn  # type: ignore[attr-defined]  # peewee's per-thread state, not in its stubs
        if conn is not None and not conn.in_transaction:
            return  # SQLite rolled it back already (peewee has popped it from its stack by now)
        self._file_call(super().rollback, "ROLLBACK", retry=False)

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if not self.in_transaction():
            return self._file_call(lambda: SqliteDatabase.execute_sql(self, sql, params), sql[:20], retry=True)
        if self._rolled_back_by_sqlite():
            if sql.startswith("ROLLBACK TO SAVEPOINT"):
                return self.cursor()  # nothing left to roll back
            raise CompanyFileUnwritableError(
                f"The company file {self.database} could not be written and the change under way was rolled back."
            )
        return self._file_call(lambda: SqliteDatabase.execute_sql(self, sql, params), sql[:20], retry=False)

    def _rolled_back_by_sqlite(self) -> bool:
        conn = self._state.conn  # type: ignore[attr-defined]  # peewee's per-thread state, not in its stubs
        return conn is not None and self.in_transaction() and not conn.in_transaction

    def _file_call(self, call: Callable[[], T], what: str, retry: bool) -> T:
        try:
            return retry_while_busy(call, what) if retry else call()
        except CompanyFileError:
            raise
        except _FILE_ERRORS as exc:
            error = company_file_error(exc, Path(self.database))
            if error is None:
                raise
            raise error from exc


def open_database(location: CompanyLocation, backup_dir: Path | None = None) -> Database:
    """Open (creating or migrating) the company file at `location` (a SQLite file's path, or a PostgreSQL URL:
    store.postgres) and bind the models to it. Raises a CompanyFileError, the file unchanged, when it cannot."""
    if is_database_url(location):
        from invoice_desktop.store.postgres import open_team_database  # psycopg is loaded for team mode only

        return open_team_database(str(location))
    if isinstance(location, str):
        checked_url(location)  # a URL of another kind: its one line
    return open_sqlite_file(Path(location), backup_dir)


def open_sqlite_file(path: Path, backup_dir: Path | None = None) -> CompanyDatabase:
    found = inspect_file(path)
    refuse_unusable(path, found)
    if found.has_tables and found.version < CURRENT_VERSION:
        copy = backup_before_migration(path, found.version, backup_dir or path.parent / "backups")
        log.info("backed up %s to %s before migrating from schema %d", path, copy, found.version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CompanyFileError(f"The folder {path.parent} cannot be made: {exc.strerror or exc}.") from exc
    # Every transaction BEGINs IMMEDIATE: it takes the write lock up front, so the busy timeout applies. A
    # deferred one that reads and then writes fails at once with "database is locked" when another process
    # wrote in between (SQLite cannot upgrade a stale WAL snapshot to a writer).
    db = CompanyDatabase(
        str(path), pragmas=PRAGMAS, timeout=BUSY_ATTEMPT_MS / 1000, check_same_thread=False, lock_type="IMMEDIATE"
    )
    database_proxy.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        if not (found.has_tables and found.version == CURRENT_VERSION):
            bring_up_to_date(db)  # takes the write lock: not for a file already up to date (a reader must not wait)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            db.close()
        if isinstance(exc, _FILE_ERRORS) and not isinstance(exc, CompanyFileError):
            raise company_file_error(exc, path) or CompanyFileError(
                f"{path} could not be opened ({exc}); it was left as it was."
            ) from exc
        raise
    return db


def bring_up_to_date(db: SqliteDatabase) -> None:
    """Create or migrate the schema under SQLite's write lock, reading the version again inside it: when two
    processes open one file at once (the window and a scheduled `xero sync`), the work is done once."""
    with db.atomic(lock_type="IMMEDIATE"):
        version = db.execute_sql("PRAGMA user_version").fetchone()[0]
        tables = db.execute_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        if not tables:
            create_fresh(db)
        elif version < CURRENT_VERSION:
            migrate(db, version)


def create_fresh(db: SqliteDatabase) -> None:
    with db.atomic():
        db.create_tables(ALL_MODELS)
        sqlite_extras(db)
        db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute_sql(f"PRAGMA user_version = {CURRENT_VERSION}")


def backup_before_migration(path: Path, version: int, backup_dir: Path) -> Path:
    """A copy of the file as it is, before a migration changes it; CompanyFileUnwritableError (and no copy) when it
    cannot be made, and then the file is not migrated."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"{path.stem}-schema{version}-{stamp}{path.suffix}"
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        # The SQLite backup API copies a consistent snapshot, including pages still in the WAL.
        with contextlib.closing(sqlite3.connect(str(path))) as src, contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise CompanyFileUnwritableError(
            f"{path} needs updating to this version, but the copy taken first could not be made in {backup_dir} "
            f"({why}); the file was not changed."
        ) from exc
    return target


def close_database() -> None:
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()
