"""Patience with a busy company file (store.faults, store.database): the retry loop and its limits, the GUI thread's
short patience, a busy statement inside a transaction, and the window's Approve when the file stays busy."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from company_file_faults import write_lock_held
from invoice_desktop.config import DATABASE_NAME
from invoice_desktop.ledger.catalog import create_tax_rate, get_or_create_account
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, create_invoice
from invoice_desktop.store import faults
from invoice_desktop.store.errors import CompanyFileBusyError
from invoice_desktop.store.models import Client, Invoice, InvoiceStatus, database_proxy
from invoice_desktop.ui.approval import approve
from invoice_desktop.ui.message_bar import Tone

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def always_busy(calls: list[int]):
    def attempt() -> None:
        calls.append(1)
        raise sqlite3.OperationalError("database is locked")

    return attempt


def test_a_busy_attempt_is_retried_with_growing_pauses_until_the_patience_is_spent() -> None:
    clock, calls = FakeClock(), []
    with pytest.raises(CompanyFileBusyError) as raised:
        faults.retry_while_busy(always_busy(calls), "BEGIN", clock=lambda: clock.now, sleep=clock.sleep)
    assert str(raised.value) == "The company file is busy (another window or a sync is writing); try again."
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert clock.now == pytest.approx(faults.PATIENCE_S)
    assert len(calls) == len(clock.pauses) + 1 > 5
    assert clock.pauses[3] > clock.pauses[0]  # backoff
    assert max(clock.pauses) <= faults.BACKOFF_MAX_S


def test_the_first_attempt_that_gets_the_lock_ends_the_wait() -> None:
    clock, calls = FakeClock(), []
    busy = always_busy(calls)

    def attempt() -> str:
        if len(calls) < 3:
            busy()
        return "done"

    assert faults.retry_while_busy(attempt, "BEGIN", clock=lambda: clock.now, sleep=clock.sleep) == "done"
    assert len(calls) == 3 and len(clock.pauses) == 3


def test_other_failures_are_not_retried() -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise sqlite3.IntegrityError("UNIQUE constraint failed: invoice.number")

    with pytest.raises(sqlite3.IntegrityError):
        faults.retry_while_busy(attempt, "INSERT", sleep=lambda s: pytest.fail("slept"))
    assert calls == [1]


def test_the_gui_thread_has_a_short_patience_other_threads_the_long_one() -> None:
    seen: dict[str, float] = {}
    faults.mark_interactive_thread()
    try:
        seen["gui"] = faults.patience()
        worker = threading.Thread(target=lambda: seen.update(worker=faults.patience()))
        worker.start()
        worker.join()
    finally:
        faults.mark_interactive_thread(False)
    seen["after"] = faults.patience()
    assert seen == {"gui": faults.INTERACTIVE_PATIENCE_S, "worker": faults.PATIENCE_S, "after": faults.PATIENCE_S}
    assert faults.INTERACTIVE_PATIENCE_S * 1000 < 10_000  # the old busy timeout froze the window for 10 s


def _draft() -> int:
    get_or_create_account("200")
    create_tax_rate("GST on Income", Decimal(10))
    day = date(2026, 3, 2)
    line = LineDraft("Work", Decimal(1), Decimal(100), "200", "GST on Income")
    return create_invoice(InvoiceDraft("Acme", day, day + timedelta(days=14), lines=(line,)))


def test_approve_in_the_window_while_another_process_writes_says_so_and_approves_nothing(
    db, data_dir: Path, gui_thread
) -> None:
    invoice_id = _draft()
    with write_lock_held(data_dir / DATABASE_NAME):
        result, text, tone = approve([invoice_id])
    assert (result.approved, tone) == ((), Tone.PROBLEM)
    assert text == "Nothing was approved: The company file is busy (another window or a sync is writing); try again."
    assert Invoice.get_by_id(invoice_id).status == InvoiceStatus.DRAFT

    result, text, tone = approve([invoice_id])  # the file is free again
    assert result.approved_ids == (invoice_id,) and tone is Tone.SUCCESS


def test_a_statement_that_finds_the_file_busy_inside_a_transaction_is_not_retried_and_rolls_back(
    db, data_dir: Path
) -> None:
    """A read transaction (DEFERRED) that writes after another connection wrote cannot take the lock (its snapshot is
    stale; waiting would not help): the typed error at once, and the transaction rolled back."""
    invoice_id = _draft()
    with pytest.raises(CompanyFileBusyError), database_proxy.atomic(lock_type="DEFERRED"):
        assert Invoice.get_by_id(invoice_id).reference == ""  # the read snapshot starts here
        other = sqlite3.connect(data_dir / DATABASE_NAME)
        other.execute("UPDATE invoice SET reference = 'elsewhere'")
        other.commit()
        other.close()
        Client.create(name="Half done")
    assert not Client.select().where(Client.name == "Half done").exists()
    assert Invoice.get_by_id(invoice_id).reference == "elsewhere"
