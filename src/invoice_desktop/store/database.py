"""Opening a company file: checks first, then WAL + foreign keys + busy timeout, then migrations.

Rule for writes from threads: peewee gives each thread its own connection; every writer keeps its
transactions short (`with db.atomic():` around one unit of work), WAL lets readers go on while one writer
writes, every transaction begins IMMEDIATE (it takes the write lock at BEGIN) and the busy timeout makes a
second writer wait instead of failing. Claims that must be exclusive
(an invoice taken for export) are single UPDATE statements with a WHERE on the current state.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from peewee import SqliteDatabase

from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.migrations import CURRENT_VERSION, migrate
from invoice_desktop.store.models import ALL_MODELS, database_proxy

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
# 'INVD': marks a SQLite file as an Invoice Desktop company file.
APPLICATION_ID = 0x494E5644
BUSY_TIMEOUT_MS = 10_000
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",
}


class CompanyFileError(Exception):
    """The company file cannot be opened; the file was not touched."""


class NotADatabaseError(CompanyFileError):
    pass


class CorruptDatabaseError(CompanyFileError):
    pass


class NewerVersionError(CompanyFileError):
    pass


@dataclass(frozen=True)
class FileCheck:
    exists: bool
    version: int = 0
    application_id: int = 0
    has_tables: bool = False


def inspect_file(path: Path) -> FileCheck:
    """Look at a company file without changing a byte of it (a read-only open).

    A file another process has open in WAL mode has its latest pages in the `-wal` file: it is read through
    SQLite's normal read-only path so they count. Otherwise it is opened immutable (no lock, no -shm), so a
    file that is refused stays byte-for-byte as it was."""
    if not path.exists() or path.stat().st_size == 0:
        return FileCheck(exists=False)
    with path.open("rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotADatabaseError(f"{path} is not an Invoice Desktop company file (it is not a SQLite database).")
    try:
        wal = path.with_name(path.name + "-wal")
        flags = "mode=ro" if wal.exists() and wal.stat().st_size > 0 else "mode=ro&immutable=1"
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabaseError(
            f"{path} is damaged and cannot be opened ({exc}). Restore it from a backup."
        ) from exc
    if check != "ok":
        raise CorruptDatabaseError(f"{path} is damaged ({check}). Restore it from a backup.")
    return FileCheck(exists=True, version=version, application_id=app_id, has_tables=tables > 0)


def open_database(path: Path, backup_dir: Path | None = None) -> SqliteDatabase:
    """Open (creating or migrating) the company file at `path` and bind the models to it."""
    found = inspect_file(path)
    if found.exists and found.version > CURRENT_VERSION:
        raise NewerVersionError(
            f"{path} was written by a newer version of Invoice Desktop (schema {found.version}; this version "
            f"understands up to {CURRENT_VERSION}). Update Invoice Desktop to open it; the file was not changed."
        )
    if found.exists and found.has_tables and found.application_id != APPLICATION_ID:
        raise NotADatabaseError(f"{path} is a SQLite database but not an Invoice Desktop company file.")
    if found.exists and found.has_tables and found.version < CURRENT_VERSION:
        copy = backup_before_migration(path, found.version, backup_dir or path.parent / "backups")
        log.info("backed up %s to %s before migrating from schema %d", path, copy, found.version)

    path.parent.mkdir(parents=True, exist_ok=True)
    # Every transaction BEGINs IMMEDIATE: it takes the write lock up front, so the busy timeout applies. A
    # deferred one that reads and then writes fails at once with "database is locked" when another process
    # wrote in between (SQLite cannot upgrade a stale WAL snapshot to a writer).
    db = SqliteDatabase(str(path), pragmas=PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE")
    database_proxy.initialize(db)
    db.connect(reuse_if_open=True)
    bring_up_to_date(db)
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
        db.execute_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute_sql(f"PRAGMA user_version = {CURRENT_VERSION}")


def backup_before_migration(path: Path, version: int, backup_dir: Path) -> Path:
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    target = backup_dir / f"{path.stem}-schema{version}-{stamp}{path.suffix}"
    # The SQLite backup API copies a consistent snapshot, including pages still in the WAL.
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    if not target.exists():  # pragma: no cover - backup() raises on failure
        shutil.copy2(path, target)
    return target


def close_database() -> None:
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()
