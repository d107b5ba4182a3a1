"""Opening company files: refusals leave the file byte-identical; migrations equal a fresh schema."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from invoice_desktop.store import faults, migrations
from invoice_desktop.store.database import (
    APPLICATION_ID,
    CorruptDatabaseError,
    NewerVersionError,
    NotADatabaseError,
    close_database,
    open_database,
)
from invoice_desktop.store.models import Client, Invoice, database_proxy

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def schema_of(path: Path) -> dict:
    """Tables with their columns, indexes and foreign keys, independent of column order."""
    conn = sqlite3.connect(path)
    try:
        # the planner's statistics (sqlite_stat1, gathered by schema 5) are not schema
        query = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name"
        tables = [r[0] for r in conn.execute(query)]
        out = {}
        for t in tables:
            cols = sorted(tuple(r[1:]) for r in conn.execute(f'PRAGMA table_info("{t}")'))
            idx = sorted(
                (r[1], r[2], tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{r[1]}")')))
                for r in conn.execute(f'PRAGMA index_list("{t}")')
            )
            fks = sorted(tuple(r[2:]) for r in conn.execute(f'PRAGMA foreign_key_list("{t}")'))
            out[t] = (cols, idx, fks)
        out["_pragmas"] = (
            conn.execute("PRAGMA user_version").fetchone()[0],
            conn.execute("PRAGMA application_id").fetchone()[0],
        )
        return out
    finally:
        conn.close()


def test_fresh_file_is_wal_with_foreign_keys(tmp_path: Path):
    db = open_database(tmp_path / "c.sqlite3")
    try:
        assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == faults.BUSY_ATTEMPT_MS  # then retries
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == migrations.CURRENT_VERSION
    finally:
        close_database()


def test_refuses_a_file_that_is_not_a_database(tmp_path: Path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"ContactName,InvoiceNumber\nAcme,INV-1\n" * 50)
    before = digest(path)
    with pytest.raises(NotADatabaseError, match="not a SQLite database"):
        open_database(path)
    assert digest(path) == before


def test_refuses_another_programs_sqlite_file(tmp_path: Path):
    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE songs (title TEXT)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(NotADatabaseError, match="not an Invoice Desktop company file"):
        open_database(path)
    assert digest(path) == before


def _filled_company_file(path: Path) -> None:
    open_database(path)
    client = Client.create(name="Acme Pty Ltd")
    for n in range(300):
        Invoice.create(
            number=f"INV-{n:04d}",
            client=client,
            date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            reference="x" * 200,
            total=Decimal("10.00"),
        )
    database_proxy.obj.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_database()


def test_refuses_a_truncated_database(tmp_path: Path):
    path = tmp_path / "c.sqlite3"
    _filled_company_file(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    before = digest(path)
    with pytest.raises(CorruptDatabaseError, match="damaged"):
        open_database(path)
    assert digest(path) == before
    assert not Path(str(path) + "-wal").exists()


def test_refuses_a_database_from_a_newer_version(tmp_path: Path):
    path = tmp_path / "c.sqlite3"
    _filled_company_file(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.CURRENT_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = delete")
    conn.close()
    before = digest(path)
    with pytest.raises(NewerVersionError, match="newer version of Invoice Desktop"):
        open_database(path)
    assert digest(path) == before


def _make_schema_1_file(path: Path) -> None:
    conn = sqlite3.connect(path)
    migrations.STEPS[1](_RawDb(conn))
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO client (name, email, address_line1, address_line2, address_line3, address_line4, city, region,"
        " postal_code, country, created_at) VALUES ('Old Client', '', '', '', '', '', '', '', '', '',"
        " '2025-01-01T00:00:00.000000Z')"
    )
    conn.commit()
    conn.close()


class _RawDb:
    """Just enough of peewee's database for a migration step, over a plain sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute_sql(self, sql: str):
        return self.conn.execute(sql)


def test_schema_1_migrated_equals_a_fresh_file_and_keeps_data(tmp_path: Path):
    old = tmp_path / "old" / "c.sqlite3"
    old.parent.mkdir()
    _make_schema_1_file(old)
    open_database(old, tmp_path / "old" / "backups")
    assert Client.get().name == "Old Client"
    close_database()

    fresh = tmp_path / "fresh.sqlite3"
    open_database(fresh)
    close_database()

    assert schema_of(old) == schema_of(fresh)
    backups = list((tmp_path / "old" / "backups").glob("*.sqlite3"))
    assert len(backups) == 1
    assert schema_of(backups[0])["_pragmas"] == (1, APPLICATION_ID)


def test_money_is_exact_in_the_database(db):
    client = Client.create(name="C")
    inv = Invoice.create(
        number="INV-1", client=client, date=date(2026, 1, 1), due_date=date(2026, 1, 2), total=Decimal("0.10")
    )
    inv.total_tax = Decimal("0.20")
    inv.save()
    again = Invoice.get_by_id(inv.id)
    assert again.total + again.total_tax == Decimal("0.30")
    with pytest.raises(ValueError, match="decimal places"):
        Invoice.update(total=Decimal("0.001")).where(Invoice.id == inv.id).execute()


def test_a_file_open_in_another_connection_is_seen_with_its_wal(db, data_dir) -> None:
    from invoice_desktop.store.database import inspect_file
    from invoice_desktop.store.migrations import CURRENT_VERSION

    check = inspect_file(data_dir / "company.sqlite3")  # `db` keeps it open: the schema may sit in the -wal file
    assert check.has_tables and check.version == CURRENT_VERSION


def test_two_processes_opening_a_new_company_file_at_once(tmp_path) -> None:
    import subprocess
    import sys

    target = tmp_path / "company.sqlite3"
    script = (
        "import sys, pathlib\n"
        "from invoice_desktop.store.database import open_database\n"
        "from invoice_desktop.store.models import Client\n"
        "db = open_database(pathlib.Path(sys.argv[1]))\n"
        "Client.create(name=sys.argv[2])\n"
        "db.close()\n"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(target), name], stderr=subprocess.PIPE, text=True)
        for name in ("First", "Second", "Third")
    ]
    for run in runs:
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    import sqlite3

    conn = sqlite3.connect(target)
    try:
        assert sorted(r[0] for r in conn.execute("SELECT name FROM client")) == ["First", "Second", "Third"]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _fill_until_full(db) -> None:
    pages = db.execute_sql("PRAGMA page_count").fetchone()[0]
    db.execute_sql(f"PRAGMA max_page_count = {pages + 1}")  # SQLite's own "database or disk is full"
    # Clients: a table no trigger writes from (a statement that fires triggers has a statement journal, and then
    # SQLite takes back just that statement on a full disk, not the transaction)
    for n in range(10_000):
        Client.create(name=f"Filler {n} " + "x" * 250)


def test_a_full_disk_in_a_nested_transaction_is_one_typed_error_and_nothing_is_saved(db) -> None:
    from invoice_desktop.store.errors import CompanyFileUnwritableError

    with pytest.raises(CompanyFileUnwritableError, match=r"the disk is full\. The change was not saved\."), db.atomic():
        Client.create(name="Before")
        with db.atomic():  # a savepoint: SQLite rolls the whole transaction back, not just it
            _fill_until_full(db)
    db.execute_sql("PRAGMA max_page_count = 1000000")
    assert Client.select().count() == 0


def test_after_sqlite_rolled_a_transaction_back_its_later_statements_are_refused(db) -> None:
    """Code that catches the error inside the transaction must not go on in autocommit mode (half a change)."""
    from invoice_desktop.store.errors import CompanyFileUnwritableError

    with pytest.raises(CompanyFileUnwritableError, match="rolled back"), db.atomic():
        Client.create(name="Before")
        with contextlib.suppress(CompanyFileUnwritableError):
            _fill_until_full(db)
        db.execute_sql("PRAGMA max_page_count = 1000000")
        Client.create(name="After")
    assert Client.select().count() == 0


def test_a_number_too_large_to_store_is_the_typed_error(db) -> None:
    from invoice_desktop.store.errors import ValueTooLargeError

    client = Client.create(name="C")
    inv = Invoice.create(number="INV-1", client=client, date=date(2026, 1, 1), due_date=date(2026, 1, 2))
    with pytest.raises(ValueTooLargeError, match="too large to store"), db.atomic():
        Invoice.update(reference="changed").where(Invoice.id == inv.id).execute()
        Invoice.update(total=Decimal("1e30")).where(Invoice.id == inv.id).execute()
    assert Invoice.get_by_id(inv.id).reference == ""


def test_a_migration_whose_backup_cannot_be_made_leaves_the_file_alone(tmp_path: Path) -> None:
    from invoice_desktop.store.errors import CompanyFileUnwritableError

    old = tmp_path / "c.sqlite3"
    _make_schema_1_file(old)
    before = digest(old)
    (tmp_path / "backups").write_text("a file where the backups folder should be")
    with pytest.raises(CompanyFileUnwritableError, match="copy taken first could not be made"):
        open_database(old, tmp_path / "backups")
    assert digest(old) == before
