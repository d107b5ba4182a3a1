"""Looking at a company file before it is opened, without changing a byte of it: is it there, is it ours, is it
whole, and does its schema version describe its tables? Each refusal is a CompanyFileError (store.errors)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from peewee import SqliteDatabase

from invoice_desktop.store.errors import (
    CompanyFileError,
    CorruptDatabaseError,
    NewerVersionError,
    NotADatabaseError,
    SchemaMismatchError,
)
from invoice_desktop.store.migrations import CURRENT_VERSION, STEPS

SQLITE_HEADER = b"SQLite format 3\x00"
# 'INVD': marks a SQLite file as an Invoice Desktop company file.
APPLICATION_ID = 0x494E5644

Schema = Mapping[str, frozenset[str]]  # table -> its column names


@dataclass(frozen=True)
class FileCheck:
    exists: bool
    version: int = 0
    application_id: int = 0
    tables: Schema = field(default_factory=dict)

    @property
    def has_tables(self) -> bool:
        return bool(self.tables)


def inspect_file(path: Path) -> FileCheck:
    """Look at a company file without changing a byte of it (a read-only open).

    A file another process has open in WAL mode has its latest pages in the `-wal` file: it is read through
    SQLite's normal read-only path so they count. Otherwise it is opened immutable (no lock, no -shm), so a
    file that is refused stays byte-for-byte as it was."""
    try:
        if path.is_dir():
            raise NotADatabaseError(f"{path} is a folder, not a company file. Move it away or use another --data-dir.")
        if path.exists() and not path.is_file():  # a device, a pipe (reading one could wait forever)
            raise NotADatabaseError(f"{path} is not a company file (it is not a regular file).")
        if not path.exists() or path.stat().st_size == 0:
            return FileCheck(exists=False)
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise CompanyFileError(f"{path} cannot be read: {exc.strerror or exc}.") from exc
    if header != SQLITE_HEADER:
        raise NotADatabaseError(f"{path} is not an Invoice Desktop company file (it is not a SQLite database).")
    try:
        wal = path.with_name(path.name + "-wal")
        flags = "mode=ro" if wal.is_file() and wal.stat().st_size > 0 else "mode=ro&immutable=1"
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = _schema_of(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabaseError(
            f"{path} is damaged and cannot be opened ({exc}). Restore it from a backup."
        ) from exc
    if check != "ok":
        raise CorruptDatabaseError(f"{path} is damaged ({check}). Restore it from a backup.")
    return FileCheck(exists=True, version=version, application_id=app_id, tables=tables)


def refuse_unusable(path: Path, found: FileCheck) -> None:
    """Raise when the app must not open (or migrate) the file `inspect_file` found."""
    if not found.exists:
        return
    if found.version > CURRENT_VERSION:
        raise NewerVersionError(
            f"{path} was written by a newer version of Invoice Desktop (schema {found.version}; this version "
            f"understands up to {CURRENT_VERSION}). Update Invoice Desktop to open it; the file was not changed."
        )
    if found.has_tables and found.application_id != APPLICATION_ID:
        raise NotADatabaseError(f"{path} is a SQLite database but not an Invoice Desktop company file.")
    mismatch = schema_mismatch(found) if found.version >= 0 else "there is no such version"
    if mismatch:
        raise SchemaMismatchError(
            f"{path} cannot be opened: its schema version ({found.version}) does not match its tables "
            f"({mismatch}). The file was not changed; restore it from a backup."
        )


def schema_mismatch(found: FileCheck) -> str | None:
    """What is wrong between the file's version and its tables: a table or column its version has and the file
    lacks, or a table only a later version has (a migration would then fail half-way). None when they match.
    Tables of nobody's schema are left alone."""
    expected = schema_at(found.version)
    for table, columns in expected.items():
        if table not in found.tables:
            return f"the table {table} is missing"
        if missing := sorted(columns - found.tables[table]):
            return f"the table {table} lacks {', '.join(missing)}"
    later = sorted((set(schema_at(CURRENT_VERSION)) - set(expected)) & set(found.tables))
    return f"it already has {', '.join(later)} of a later schema" if later else None


@cache
def schema_at(version: int) -> Schema:
    """The tables and columns a company file of schema `version` has: its migration steps run in memory."""
    db = SqliteDatabase(":memory:")
    try:
        for step in range(1, min(version, CURRENT_VERSION) + 1):
            STEPS[step](db)
        return _schema_of(db.connection())
    finally:
        db.close()


def _schema_of(conn: sqlite3.Connection) -> Schema:
    query = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite%'"
    names = [r[0] for r in conn.execute(query)]
    return {name: frozenset(r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')) for name in names}
