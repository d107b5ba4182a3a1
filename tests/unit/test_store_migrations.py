"""Numbered migrations: an old company file brought forward has exactly the schema of a fresh one (the models),
and a backup copy is made before a migration touches the file."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from invoice_desktop.store import migrations
from invoice_desktop.store.database import (
    APPLICATION_ID,
    CompanyFileError,
    close_database,
    create_fresh,
    open_database,
)
from invoice_desktop.store.models import ALL_MODELS, Client

Master = list[tuple[str, str, str, str | None]]


def normalise(sql: str | None) -> str | None:
    """CREATE statements compared by meaning: no IF NOT EXISTS, no layout whitespace."""
    if sql is None:
        return None
    sql = re.sub(r"\bIF NOT EXISTS\s+", "", sql, flags=re.IGNORECASE)
    sql = re.sub(r"\s*([(),])\s*", r"\1", sql)
    return re.sub(r"\s+", " ", sql).strip()


def master_of(conn: sqlite3.Connection) -> Master:
    rows = conn.execute(  # the planner's statistics (sqlite_stat1) are not schema
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name"
    ).fetchall()
    return [(kind, name, table, normalise(sql)) for kind, name, table, sql in rows]


def master_at(path: Path) -> Master:
    conn = sqlite3.connect(path)
    try:
        return master_of(conn)
    finally:
        conn.close()


def pragmas_at(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0], conn.execute("PRAGMA application_id").fetchone()[0]
    finally:
        conn.close()


class _RawDb:
    """Just enough of peewee's database for a migration step, over a plain sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute_sql(self, sql: str) -> sqlite3.Cursor:
        return self.conn.execute(sql)


def make_old_file(path: Path, version: int) -> None:
    """A company file as release `version` created it (its frozen steps), with one client in it."""
    conn = sqlite3.connect(path)
    try:
        for step in range(1, version + 1):
            migrations.STEPS[step](_RawDb(conn))
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute(
            "INSERT INTO client (name, email, address_line1, address_line2, address_line3, address_line4, city,"
            " region, postal_code, country, created_at)"
            " VALUES ('Old Client', '', '', '', '', '', '', '', '', '', '2025-01-01T00:00:00.000000Z')"
        )
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def fresh_master(tmp_path: Path) -> Master:
    path = tmp_path / "fresh" / "company.sqlite3"
    open_database(path)
    close_database()
    return master_at(path)


def test_steps_are_numbered_one_to_current():
    assert sorted(migrations.STEPS) == list(range(1, migrations.CURRENT_VERSION + 1))


def test_the_frozen_steps_build_exactly_what_the_models_build():
    """Drift between models.py and migrations.py is caught even when there is only schema 1."""
    by_steps = sqlite3.connect(":memory:")
    for version in range(1, migrations.CURRENT_VERSION + 1):
        migrations.STEPS[version](_RawDb(by_steps))
    by_models = SqliteDatabase(":memory:")
    with by_models.bind_ctx(ALL_MODELS):
        create_fresh(by_models)
    try:
        assert master_of(by_steps) == master_of(by_models.connection())
        assert master_of(by_steps)  # not two empty schemas
    finally:
        by_steps.close()
        by_models.close()


@pytest.mark.parametrize("version", range(1, migrations.CURRENT_VERSION))
def test_an_old_file_migrated_has_the_fresh_schema_and_keeps_its_data(tmp_path, fresh_master, version):
    path = tmp_path / "old" / "company.sqlite3"
    path.parent.mkdir()
    make_old_file(path, version)

    open_database(path, tmp_path / "old" / "backups")
    try:
        assert [c.name for c in Client.select()] == ["Old Client"]
    finally:
        close_database()

    assert master_at(path) == fresh_master
    assert pragmas_at(path) == (migrations.CURRENT_VERSION, APPLICATION_ID)


@pytest.mark.parametrize("version", range(1, migrations.CURRENT_VERSION))
def test_the_backup_is_the_file_as_it_was_before_migrating(tmp_path, version):
    path = tmp_path / "company.sqlite3"
    make_old_file(path, version)
    old_master = master_at(path)

    open_database(path, tmp_path / "backups")
    close_database()

    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1
    assert f"schema{version}" in backups[0].name
    assert master_at(backups[0]) == old_master
    assert pragmas_at(backups[0]) == (version, APPLICATION_ID)
    conn = sqlite3.connect(backups[0])
    try:
        assert conn.execute("SELECT name FROM client").fetchall() == [("Old Client",)]
    finally:
        conn.close()


@pytest.mark.skipif(migrations.CURRENT_VERSION < 2, reason="needs a step after schema 1")
def test_a_failing_step_leaves_the_file_at_its_version_with_the_backup_made_first(tmp_path, monkeypatch):
    path = tmp_path / "company.sqlite3"
    previous = migrations.CURRENT_VERSION - 1
    make_old_file(path, previous)
    old_master = master_at(path)

    def broken(db) -> None:
        db.execute_sql('CREATE TABLE "half_done" ("id" INTEGER)')
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setitem(migrations.STEPS, migrations.CURRENT_VERSION, broken)
    with pytest.raises(CompanyFileError, match="disk I/O error"):  # one line for the user, not a traceback
        open_database(path, tmp_path / "backups")
    close_database()

    assert master_at(path) == old_master
    assert pragmas_at(path)[0] == previous
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1
    assert master_at(backups[0]) == old_master


def test_no_backup_for_a_fresh_or_current_file(tmp_path):
    path = tmp_path / "company.sqlite3"
    for _ in range(2):  # created, then opened again at the current version
        open_database(path, tmp_path / "backups")
        close_database()
    assert not (tmp_path / "backups").exists()


def test_every_step_after_team_mode_began_runs_on_both_engines():
    """The rule in store/migrations.py: each step after POSTGRESQL_FIRST_VERSION has SQL for both engines."""
    later = set(range(migrations.POSTGRESQL_FIRST_VERSION + 1, migrations.CURRENT_VERSION + 1))
    assert set(migrations.POSTGRESQL_STEPS) == later
