"""A full disk during `xero sync`: one line and exit 2, no traceback; once there is room again the next sync sends
every invoice, and none twice. The disk is full the way SQLite sees it (PRAGMA max_page_count): its real
"database or disk is full" error, at whichever write of the sync needs a new page."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from export_fixtures import approve, connect_company, dead_owner

from invoice_desktop.__main__ import main
from invoice_desktop.config import DATABASE_NAME
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store import database
from invoice_desktop.store.models import ExportState, XeroExport

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself


def fill_the_disk(path: Path) -> int:
    """Use up every free page of the file; its page count, to give as max_page_count."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.OperationalError, match="full"):
            while True:
                conn.execute("INSERT INTO filler VALUES (zeroblob(500))")
        return conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()


def test_a_full_disk_during_a_sync_is_one_line_and_the_next_sync_sends_each_invoice_once(
    sandbox: RunningSandbox, db, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    company = connect_company(sandbox, data_dir)
    ids = [approve("Greenway Builders") for _ in range(120)]
    numbers = [XeroExport.get(XeroExport.invoice == i).invoice.number for i in ids]
    pages = fill_the_disk(data_dir / DATABASE_NAME)
    monkeypatch.setitem(database.PRAGMAS, "max_page_count", pages)
    argv = ["--data-dir", str(data_dir), "--xero-endpoint", sandbox.base_url, "xero", "sync"]

    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert err.endswith("cannot be written: the disk is full. The change was not saved.\n") and err.count("\n") == 1
    assert "Traceback" not in out + err

    # The disk filled once a batch was in Xero, before its outcome was written: those stay claimed by the run, and
    # the `xero sync` process has exited (here it is this process: its claims are made a gone process's).
    XeroExport.update(claimed_by=dead_owner()).where(XeroExport.state == ExportState.SENDING).execute()
    monkeypatch.delitem(database.PRAGMAS, "max_page_count")  # room again
    assert main(argv) == 0, capsys.readouterr()
    assert {e.state for e in XeroExport.select()} == {ExportState.SYNCED}
    company.assert_one_copy(*numbers)
