"""Local faults through main(): a read-only data folder or company file, a full disk, a schema version that does
not describe the file, a folder where the file should be, an unusable log, a closed stdout, a bug in a command. Each
ends as one line on stderr and exit status 2 (never a traceback), the company file as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from company_file_faults import make_company_file, read_only, run_main, write_lock_held
from invoice_desktop.cli import ledger_commands
from invoice_desktop.config import DATABASE_NAME
from invoice_desktop.store import database, faults, migrations
from invoice_desktop.store.database import APPLICATION_ID

HEADER = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType"


def digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` (the company file, its -wal, backups), by content; logs left out."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "logs" not in p.parts
    }


def status_of(data_dir: Path, number: str) -> str:
    conn = sqlite3.connect(f"{(data_dir / DATABASE_NAME).as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT status FROM invoice WHERE number = ?", (number,)).fetchone()[0]
    finally:
        conn.close()


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("invoice-desktop: "), err
    assert "Traceback" not in err
    return err


# --- where the file should be ------------------------------------------------------------------------------------


def test_a_folder_named_like_the_company_file_is_refused(capsys, data_dir: Path) -> None:
    (data_dir / DATABASE_NAME).mkdir()
    code, out, err = run_main(capsys, data_dir, "invoices")
    assert code == 2 and out == ""
    assert "is a folder, not a company file" in one_line(err)
    assert list((data_dir / DATABASE_NAME).iterdir()) == []


def test_a_pipe_named_like_the_company_file_is_refused_without_reading_it(capsys, data_dir: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(data_dir / DATABASE_NAME)  # reading it would wait for a writer forever
    code, _, err = run_main(capsys, data_dir, "invoices")
    assert code == 2 and "not a regular file" in one_line(err)


def test_a_busy_file_after_an_import_leaves_the_drafts_and_says_they_were_not_approved(
    capsys, data_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    make_company_file(data_dir)
    csv = tmp_path / "one.csv"
    csv.write_text(f"{HEADER}\nAcme,CSV-1,2026-03-02,2026-03-16,Work,1,10.00,200,GST on Income\n")
    approve_for_real = ledger_commands.approve_invoices

    def approve_while_another_process_writes(ids):
        with write_lock_held(data_dir / DATABASE_NAME):
            return approve_for_real(ids)

    monkeypatch.setattr(ledger_commands, "approve_invoices", approve_while_another_process_writes)
    monkeypatch.setattr(faults, "PATIENCE_S", 0.3)
    code, out, err = run_main(capsys, data_dir, "import", str(csv), "--approve")
    assert code == 2
    assert out.startswith("Imported 1 invoice as drafts: CSV-1.")
    assert one_line(err) == (
        "invoice-desktop: The company file is busy (another window or a sync is writing); try again. "
        "The imported invoice stayed a draft, not approved: CSV-1.\n"
    )
    assert status_of(data_dir, "CSV-1") == "draft"


def test_a_data_folder_that_is_a_file_is_refused(capsys, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "company"
    not_a_folder.write_text("notes")
    code, _, err = run_main(capsys, not_a_folder, "invoices")
    assert code == 2 and "cannot use the data folder" in one_line(err)
    assert not_a_folder.read_text() == "notes"


# --- schema versions that do not describe the file ---------------------------------------------------------------


def _set_version(path: Path, version: int, drop: str | None = None, add_later: bool = False) -> None:
    conn = sqlite3.connect(path)
    try:
        if drop:
            conn.execute(f'DROP TABLE "{drop}"')
        if add_later:
            conn.execute('CREATE TABLE "xero_invoice_state" ("invoice_id" INTEGER)')
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
        conn.execute("PRAGMA journal_mode = delete")
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("version", "drop", "add_later", "why"),
    [
        (0, None, False, "already has"),  # tables, but a version of 0
        (-1, None, False, "no such version"),
        (-(2**31), None, False, "no such version"),
        (migrations.CURRENT_VERSION, "xero_batch", False, "the table xero_batch is missing"),  # a gap
        (1, "xero_invoice_state", False, "already has xero_batch"),  # says 1, has schema 2's table
        (2, "xero_invoice_state", True, "already has xero_invoice_state"),  # a later table, half there
        (2, None, False, "already has xero_invoice_state"),  # says 2, has schema 3's table
    ],
)
def test_a_schema_version_that_does_not_describe_the_file_is_refused_and_nothing_changes(
    capsys, data_dir: Path, version: int, drop: str | None, add_later: bool, why: str
) -> None:
    [number] = make_company_file(data_dir)
    _set_version(data_dir / DATABASE_NAME, version, drop, add_later)
    before = digest(data_dir)
    for argv in (("invoices",), ("approve", number)):
        code, out, err = run_main(capsys, data_dir, *argv)
        assert code == 2 and out == ""
        assert "does not match its tables" in one_line(err)
        # the later tables are listed in name order: the one the case is about is among them
        assert all(part in one_line(err) for part in why.split("already has ")) and why[:11] in one_line(err)
    assert digest(data_dir) == before  # no backup taken, no -wal, not a byte changed


def test_our_application_id_with_no_tables_and_version_0_is_a_new_file(capsys, data_dir: Path) -> None:
    conn = sqlite3.connect(data_dir / DATABASE_NAME)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.close()
    assert run_main(capsys, data_dir, "invoices")[:2] == (0, "No invoices on this tab.\n")


# --- read-only ---------------------------------------------------------------------------------------------------


def test_a_read_only_company_file_can_be_read_and_a_write_stops_with_one_line(capsys, data_dir: Path) -> None:
    [number] = make_company_file(data_dir)
    before = digest(data_dir)
    with read_only(data_dir / DATABASE_NAME):
        code, out, _ = run_main(capsys, data_dir, "invoices")
        assert code == 0 and number in out
        for argv in (("approve", number), ("approve", "--all-drafts"), ("xero", "settings", "--auto-export", "on")):
            code, out, err = run_main(capsys, data_dir, *argv)
            assert code == 2 and out == "", argv
            assert "cannot be written: the file or its folder is read-only" in one_line(err)
    assert digest(data_dir)[DATABASE_NAME] == before[DATABASE_NAME]
    assert status_of(data_dir, number) == "draft"


def test_a_read_only_data_folder_stops_every_command_with_one_line(capsys, data_dir: Path) -> None:
    [number] = make_company_file(data_dir)
    (data_dir / "logs").mkdir()  # as after any earlier run
    before = digest(data_dir)
    with read_only(data_dir):
        for argv in (("invoices",), ("approve", number), ("xero", "status")):
            code, out, err = run_main(capsys, data_dir, *argv)
            assert code == 2 and out == "", argv
            assert "check that its folder exists and can be written" in one_line(err)
    assert digest(data_dir) == before
    assert status_of(data_dir, number) == "draft"


def test_a_data_folder_that_cannot_be_made_is_one_line(capsys, tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    with read_only(parent):
        code, _, err = run_main(capsys, parent / "company", "invoices")
    assert code == 2 and "cannot use the data folder" in one_line(err)


# --- a full disk -------------------------------------------------------------------------------------------------


def test_a_full_disk_during_an_import_imports_nothing_and_says_so(capsys, data_dir: Path, tmp_path: Path, monkeypatch):
    [number] = make_company_file(data_dir)
    pages = sqlite3.connect(data_dir / DATABASE_NAME).execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setitem(database.PRAGMAS, "max_page_count", pages + 2)  # SQLite's own "database or disk is full"
    rows = [f"Client {n},CSV-{n:04d},2026-03-02,2026-03-16,{'x' * 200},1,10.00,200,GST on Income" for n in range(400)]
    csv = tmp_path / "big.csv"
    csv.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")

    code, out, err = run_main(capsys, data_dir, "import", str(csv), "--json")
    assert code == 2
    assert "cannot be written: the disk is full. The change was not saved." in one_line(err)
    assert out.startswith('{\n  "error": "The company file') and out.count("\n") == 3  # one JSON document

    monkeypatch.delitem(database.PRAGMAS, "max_page_count")
    code, out, _ = run_main(capsys, data_dir, "invoices")
    assert code == 0 and "CSV-" not in out and number in out and "Client 1" not in out  # nothing half-way


def test_a_number_too_large_for_the_file_is_one_line(capsys, data_dir: Path, tmp_path: Path) -> None:
    make_company_file(data_dir)
    csv = tmp_path / "huge.csv"
    csv.write_text(f"{HEADER}\nAcme,BIG-1,2026-03-02,2026-03-16,Gold,1,99999999999999999999,200,GST on Income\n")
    code, out, err = run_main(capsys, data_dir, "import", str(csv))
    assert "Traceback" not in out + err
    if code == 2:  # refused by the company file rather than by the import's own checks
        assert "too large" in one_line(err)
    else:
        assert code == 1 and "Nothing imported" in out
    assert "BIG-1" not in run_main(capsys, data_dir, "invoices")[1]


# --- the log, stdout, a bug --------------------------------------------------------------------------------------


def test_an_unusable_log_does_not_stop_a_command(capsys, data_dir: Path) -> None:
    [number] = make_company_file(data_dir)
    (data_dir / "logs" / "invoice-desktop.log").mkdir(parents=True)  # a folder where the log file should be
    code, out, err = run_main(capsys, data_dir, "approve", number)
    assert (code, err) == (0, "") and "1 invoice approved" in out


def test_a_log_on_a_full_disk_does_not_print_logging_errors(capsys, data_dir: Path, monkeypatch) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    make_company_file(data_dir)
    (data_dir / "logs").mkdir(exist_ok=True)
    (data_dir / "logs" / "invoice-desktop.log").symlink_to("/dev/full")  # every write: No space left on device

    def bug(*_args: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(ledger_commands, "list_invoices", bug)
    code, out, err = run_main(capsys, data_dir, "invoices")
    assert code == 2 and out == ""
    assert "--- Logging error ---" not in err
    assert one_line(err).endswith("could not be written (No space left on device)\n")


def test_a_bug_in_a_command_is_one_line_pointing_at_the_log_with_the_traceback(capsys, data_dir, monkeypatch) -> None:
    make_company_file(data_dir)

    def bug(*_args: object) -> None:
        raise ValueError("refresh_token=SECRET-RT broke the listing")

    monkeypatch.setattr(ledger_commands, "list_invoices", bug)
    code, out, err = run_main(capsys, data_dir, "invoices", "--json")
    log_file = data_dir / "logs" / "invoice-desktop.log"
    assert code == 2
    assert one_line(err) == (
        f"invoice-desktop: unexpected error (ValueError: refresh_token=[redacted] broke the listing); "
        f"see the log at {log_file}\n"
    )
    assert '"error": "unexpected error (ValueError' in out
    log = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "in bug" in log
    assert "SECRET-RT" not in log


def list_invoices_to(data_dir: Path, stdout: int) -> subprocess.CompletedProcess[str]:
    """`invoice-desktop invoices` in a process of its own, its stdout on the file descriptor `stdout`."""
    make_company_file(data_dir, drafts=3)
    return subprocess.run(
        [sys.executable, "-m", "invoice_desktop", "--data-dir", str(data_dir), "invoices"],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )


def test_a_closed_stdout_is_no_traceback(data_dir: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: every write fails (EPIPE)
    try:
        run = list_invoices_to(data_dir, write_end)
    finally:
        os.close(write_end)
    assert (run.returncode, run.stderr) == (2, "")


def test_output_to_a_full_disk_is_one_line(data_dir: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    with open("/dev/full", "w") as full:
        run = list_invoices_to(data_dir, full.fileno())
    assert run.returncode == 2
    assert one_line(run.stderr).startswith("invoice-desktop: No space left on device")


def test_a_keyring_that_raises_does_not_stop_xero_commands(capsys, data_dir: Path, monkeypatch) -> None:
    import keyring

    def broken(*_args: object) -> None:
        raise RuntimeError("the keyring daemon crashed")

    make_company_file(data_dir)
    monkeypatch.setenv("INVOICE_DESKTOP_KEYRING", "keyring")
    for name in ("get_password", "set_password", "delete_password"):
        monkeypatch.setattr(keyring, name, broken)
    for argv in (("xero", "status"), ("xero", "disconnect")):
        code, _, err = run_main(capsys, data_dir, *argv)
        assert (code, err) == (0, ""), argv


def test_a_sign_in_file_that_cannot_be_read_is_its_own_one_line(capsys, data_dir: Path) -> None:
    make_company_file(data_dir)
    (data_dir / "xero-token.json").mkdir()
    code, _, err = run_main(capsys, data_dir, "xero", "disconnect")
    assert code == 2
    assert one_line(err).startswith("invoice-desktop: cannot read the Xero sign-in file")


def test_a_file_where_the_logs_folder_should_be_does_not_stop_a_command(capsys, data_dir: Path) -> None:
    [number] = make_company_file(data_dir)
    (data_dir / "logs").write_text("not a folder")
    code, out, err = run_main(capsys, data_dir, "approve", number)
    assert (code, err) == (0, "") and "1 invoice approved" in out
