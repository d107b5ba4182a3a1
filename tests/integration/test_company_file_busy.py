"""A company file another process keeps busy: writers wait (retrying with backoff) and then apply their change, or,
when it stays busy past their patience, stop with one line and exit 2, their change not applied. Real processes: the
command in one, the write lock held in another."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from export_fixtures import connect_company, create_catalog, line

from company_file_faults import busy_waits_logged, finish, start_cli, write_lock_held
from invoice_desktop.config import DATABASE_NAME
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    invoice_ids_by_number,
)
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.errors import CompanyFileBusyError
from invoice_desktop.store.models import ExportState, Invoice, InvoiceStatus, XeroExport
from waiting import wait_until

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself

BUSY_LINE = f"invoice-desktop: {CompanyFileBusyError.MESSAGE}\n"


def make_drafts(count: int) -> list[str]:
    create_catalog()
    day = date(2026, 3, 2)
    ids = [
        create_invoice(InvoiceDraft("Greenway Builders", day, day + timedelta(days=14), lines=(line(),)))
        for _ in range(count)
    ]
    return [get_invoice_detail(i).number for i in ids]


def file_bytes(database: Path) -> tuple[bytes, ...]:
    """The company file and its write-ahead log, as they are on disk."""
    return tuple(p.read_bytes() for p in (database, database.with_name(database.name + "-wal")) if p.exists())


def status_of(number: str) -> str:
    return Invoice.get_by_id(invoice_ids_by_number([number])[number]).status


def test_an_approval_waits_for_the_write_lock_then_is_applied(db, data_dir: Path) -> None:
    [number] = make_drafts(1)
    with write_lock_held(data_dir / DATABASE_NAME) as lock:
        approving = start_cli(data_dir, "approve", number)
        wait_until(lambda: busy_waits_logged(data_dir) == 1 or approving.poll() is not None, "a busy wait")
        assert approving.poll() is None  # still waiting
        lock.release()
        code, out, err = finish(approving)
    assert (code, err) == (0, "")
    assert out.strip() == f"1 invoice approved: {number}."
    assert status_of(number) == InvoiceStatus.AWAITING_PAYMENT


@pytest.mark.parametrize(
    "argv",
    [
        ("approve", "{number}"),
        ("approve", "--all-drafts", "--json"),
        ("renumber", "{number}", "NEW-0001"),
        ("import", "{csv}"),
        ("xero", "settings", "--auto-export", "off"),
    ],
    ids=lambda argv: "-".join(a for a in argv if not a.startswith("{")),
)
def test_a_writer_the_file_stays_busy_for_stops_with_one_line_and_changes_nothing(
    db, data_dir: Path, tmp_path: Path, argv: tuple[str, ...]
) -> None:
    [number] = make_drafts(1)
    csv = tmp_path / "more.csv"
    csv.write_text(
        "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType\n"
        "Acme,CSV-1,2026-03-02,2026-03-16,Work,1,10.00,200,GST on Income\n",
        encoding="utf-8",
    )
    database = data_dir / DATABASE_NAME
    args = [a.format(number=number, csv=csv) for a in argv]
    with write_lock_held(database):
        before = file_bytes(database)
        code, out, err = finish(start_cli(data_dir, *args, patience=0.5))
        after = file_bytes(database)
    assert (code, err) == (2, BUSY_LINE)
    assert out == ("" if "--json" not in argv else json.dumps({"error": CompanyFileBusyError.MESSAGE}, indent=2) + "\n")
    assert after == before
    assert status_of(number) == InvoiceStatus.DRAFT


def test_many_approvals_and_syncs_wait_out_a_long_write_and_all_apply(
    sandbox: RunningSandbox, db, data_dir: Path
) -> None:
    """The issue: 23 processes approving and syncing while an import held the write lock; 16 died."""
    connect_company(sandbox, data_dir)
    numbers = make_drafts(6)
    queued = make_drafts(2)
    approve_invoices(invoice_ids_by_number(queued).values())  # something for the syncs to export
    endpoint = ("--xero-endpoint", sandbox.base_url)
    with write_lock_held(data_dir / DATABASE_NAME) as lock:
        runs = [start_cli(data_dir, "approve", n) for n in numbers]
        runs += [start_cli(data_dir, *endpoint, "xero", "sync") for _ in range(2)]
        wait_until(
            lambda: busy_waits_logged(data_dir) == len(runs) or any(r.poll() is not None for r in runs),
            "every process to find the file busy",
        )
        assert all(r.poll() is None for r in runs), [finish(r) for r in runs if r.poll() is not None]
        lock.release()
        results = [finish(r) for r in runs]
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(runs)
    assert {status_of(n) for n in numbers} == {InvoiceStatus.AWAITING_PAYMENT}
    exports = XeroExport.select().join(Invoice).where(Invoice.number.in_(queued))
    assert {e.state for e in exports} == {ExportState.SYNCED}  # sent once the file was free
