"""Real faults of a company file for tests: another process holding its write lock, the CLI in a process of its own
(optionally with a shorter patience for a busy file), and a file or folder made read-only even for root."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

WAIT_S = 60  # an upper bound for a hung test, not a timing assertion

_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
conn.close()
"""

_CLI = """
import sys
from invoice_desktop.store import faults
if sys.argv[1] != "-":
    faults.PATIENCE_S = float(sys.argv[1])
from invoice_desktop.__main__ import main
sys.exit(main(sys.argv[2:]))
"""


class WriteLock:
    """Another process holding the company file's write lock (BEGIN IMMEDIATE) until `release()`."""

    def __init__(self, database: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            assert self.process.wait(timeout=WAIT_S) == 0


@contextmanager
def write_lock_held(database: Path) -> Iterator[WriteLock]:
    lock = WriteLock(database)
    try:
        yield lock
    finally:
        lock.release()


def start_cli(data_dir: Path, *argv: str, patience: float | None = None) -> subprocess.Popen[str]:
    """`invoice-desktop --data-dir DATA_DIR ARGV...` in a process of its own; `patience`: seconds it waits out a busy
    company file (default: the app's)."""
    command = [sys.executable, "-c", _CLI, "-" if patience is None else str(patience), "--data-dir", str(data_dir)]
    return subprocess.Popen(
        [*command, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ}
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=WAIT_S)
    return process.returncode, out, err


def busy_waits_logged(data_dir: Path) -> int:
    """How many times the log says a process found the company file busy and is trying again."""
    log = data_dir / "logs" / "invoice-desktop.log"
    return log.read_text(encoding="utf-8").count("the company file is busy") if log.exists() else 0


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` (a file or a folder) cannot be written, even by root (chattr +i where chmod does not stop root)."""
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    immutable = False
    if _writable(path):
        if os.geteuid() != 0 or shutil.which("chattr") is None:
            path.chmod(mode)
            pytest.skip("cannot make a path read-only here")
        immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        if not immutable or _writable(path):
            if immutable:
                subprocess.run(["chattr", "-i", str(path)], check=True)
            path.chmod(mode)
            pytest.skip("cannot make a path read-only here")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def _writable(path: Path) -> bool:
    try:
        if path.is_dir():
            probe = path / ".write-probe"
            probe.touch()
            probe.unlink()
        else:
            with path.open("r+b"):
                pass
    except OSError:
        return False
    return True


def run_main(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, str, str]:
    """`invoice-desktop --data-dir DATA_DIR ARGV...` in this process: (exit status, stdout, stderr)."""
    from invoice_desktop.__main__ import main

    code = main(["--data-dir", str(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def make_company_file(data_dir: Path, drafts: int = 1) -> list[str]:
    """A closed company file in `data_dir` with `drafts` draft invoices; their numbers."""
    from invoice_desktop.config import DATABASE_NAME
    from invoice_desktop.ledger import catalog
    from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, create_invoice, get_invoice_detail
    from invoice_desktop.store.database import close_database, open_database

    open_database(data_dir / DATABASE_NAME, data_dir / "backups")
    try:
        catalog.get_or_create_account("200", "Sales")
        catalog.create_tax_rate("GST on Income", Decimal(10))
        line = LineDraft("Consulting", Decimal(1), Decimal("100.00"), "200", "GST on Income")
        day = date(2026, 3, 2)
        ids = [create_invoice(InvoiceDraft("Acme Pty Ltd", day, day, lines=(line,))) for _ in range(drafts)]
        return [get_invoice_detail(i).number for i in ids]
    finally:
        close_database()
