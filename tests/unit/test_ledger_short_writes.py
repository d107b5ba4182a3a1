"""No ledger write holds the company file's write lock for long: the CSV import reads and checks everything, and
stages its rows in TEMP tables, before its one write transaction, which copies them across in a few statements
whatever the file's size (ledger.bulk_write); approving many drafts goes a chunk at a time. Another process that
writes meanwhile is never locked out, and what it changed is respected (the issue: approvals died with 'database
is locked' while a large import held the lock past the 10 s busy timeout). Behaviour only, never time."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ledger_books import HEADER

from invoice_desktop.ledger import bulk_write, catalog, csv_import, invoices
from invoice_desktop.ledger.csv_import import CsvFileError, import_csv_text
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, approve_invoices, create_invoice
from invoice_desktop.store.models import Client, Invoice, InvoiceLine, InvoiceStatus, database_proxy

pytestmark = pytest.mark.sqlite_only  # about the SQLite file itself


def csv(count: int, lines: int = 2, first: int = 1, tag: str = "") -> str:
    """`count` invoices of `lines` lines, for 7 clients and `lines` accounts (new ones but 200), named with `tag`."""
    rows = [
        f"{tag}Client {i % 7},INV-{i:04d},01/03/2024,31/03/2024,Work {i}.{n},1,100.00,{tag}{200 + n},GST on Income"
        for i in range(first, first + count)
        for n in range(lines)
    ]
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def other_process(db) -> sqlite3.Connection:
    """Another process's connection to the company file, that will not wait for a lock (busy timeout 0)."""
    return sqlite3.connect(Path(db.database), timeout=0, isolation_level=None)


def write_from(conn: sqlite3.Connection, sql: str = "INSERT INTO setting VALUES ('other.process', '1')") -> None:
    """A write as another process makes it: raises 'database is locked' when the lock is held."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(sql)
    conn.execute("COMMIT")


OTHER_INVOICE = (
    "INSERT INTO invoice (number, client_id, date, due_date, reference, currency, branding_theme, amounts_type, "
    "status, subtotal, total_tax, total, amount_paid, created_at, updated_at) VALUES ('{}', {}, '2024-03-01', "
    "'2024-03-31', '', '', '', 'exclusive', 'draft', 0, 0, 0, 0, '2024-03-01T00:00:00.000000Z', "
    "'2024-03-01T00:00:00.000000Z')"
)


def after(monkeypatch, target, name: str, action) -> None:
    """Run `action` right after `target.name` returns (a step of the import)."""
    original = getattr(target, name)

    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        action()
        return result

    monkeypatch.setattr(target, name, wrapped)


def write_transactions(action) -> list[list[str]]:
    """Each write transaction (BEGIN IMMEDIATE .. COMMIT) `action` runs, as the statements SQLite ran in it (the
    app's own, each once: a trigger a statement fires, once per row, is traced as that statement again)."""
    seen: list[str] = []
    database_proxy.obj.connection().set_trace_callback(seen.append)
    try:
        action()
    finally:
        database_proxy.obj.connection().set_trace_callback(None)
    transactions: list[list[str]] = []
    inside = False
    for sql in seen:
        if sql.startswith("BEGIN IMMEDIATE"):
            transactions.append([])
            inside = True
        elif inside and sql not in transactions[-1]:
            transactions[-1].append(sql)
            inside = not sql.startswith(("COMMIT", "ROLLBACK"))
    return transactions


def imported(text: str):
    return lambda: import_csv_text(text).invoice_ids or pytest.fail("nothing imported")


# --- the import ----------------------------------------------------------------------------------------------------


def test_another_process_can_write_while_the_import_checks_and_stages(books, monkeypatch):
    conn = other_process(books)
    writes: list[str] = []

    def write(tag: str):
        return lambda: (write_from(conn, f"INSERT INTO setting VALUES ('other.{tag}', '1')"), writes.append(tag))

    after(monkeypatch, csv_import._Planner, "plan", write("checked"))
    after(monkeypatch, bulk_write._Prepared, "stage", write("staged"))
    result = import_csv_text(csv(30))
    assert result.ok, result.errors
    assert writes == ["checked", "staged"]  # neither was 'database is locked'
    assert Invoice.select().count() == 30


def test_the_write_is_one_transaction_of_the_same_few_statements_for_any_size(books):
    small = write_transactions(imported(csv(3, tag="S")))
    large = write_transactions(imported(csv(400, first=1001, tag="L")))
    assert len(small) == len(large) == 1
    assert len(small[0]) == len(large[0]) < 20
    assert InvoiceLine.select().count() == 806
    assert not any(sql.startswith("INSERT INTO temp") for sql in large[0])  # staged before it


def test_a_number_taken_by_another_process_meanwhile_imports_nothing(books, monkeypatch):
    client_id = catalog.get_or_create_client("Someone")[0].id
    conn = other_process(books)
    after(
        monkeypatch,
        bulk_write._Prepared,
        "stage",
        lambda: write_from(conn, OTHER_INVOICE.format("inv-0002", client_id)),
    )
    with pytest.raises(CsvFileError, match="INV-0002 was taken meanwhile") as error:
        import_csv_text(csv(5))
    assert "Import the file again" in str(error.value)
    assert list(Invoice.select(Invoice.number).scalars()) == ["inv-0002"]
    assert Client.select().count() == 1


def test_rows_another_process_adds_meanwhile_keep_their_ids_and_the_import_takes_the_next(books, monkeypatch):
    conn = other_process(books)
    done: list[bool] = []

    def add_client_once() -> None:
        if not done:
            done.append(True)
            write_from(
                conn,
                "INSERT INTO client (name, email, address_line1, address_line2, address_line3, "
                "address_line4, city, region, postal_code, country, created_at) VALUES "
                "('Other', '', '', '', '', '', '', '', '', '', '2024-03-01T00:00:00.000000Z')",
            )

    after(monkeypatch, bulk_write._Prepared, "stage", add_client_once)
    result = import_csv_text(csv(10))
    assert result.ok, result.errors
    names = {row.id: row.name for row in Client.select()}
    assert "Other" in names.values() and len(names) == 8
    assert {Invoice.get_by_id(i).client.name for i in result.invoice_ids} == {f"Client {n}" for n in range(7)}


def test_a_client_another_process_creates_meanwhile_is_not_created_twice(books, monkeypatch):
    conn = other_process(books)
    after(
        monkeypatch,
        bulk_write._Prepared,
        "stage",
        lambda: write_from(
            conn,
            "INSERT INTO client (name, email, address_line1, address_line2, address_line3, "
            "address_line4, city, region, postal_code, country, created_at) VALUES ('client 3', '', "
            "'', '', '', '', '', '', '', '', '2024-03-01T00:00:00.000000Z')",
        ),
    )
    with pytest.raises(CsvFileError, match="Client 3 was added meanwhile"):
        import_csv_text(csv(5))
    assert Invoice.select().count() == 0


# --- approving many ------------------------------------------------------------------------------------------------


def test_approving_many_drafts_goes_a_chunk_per_transaction_of_the_same_few_statements(books, monkeypatch):
    line = LineDraft("Work", D(1), D(100), "200", "GST on Income")
    day = date(2024, 3, 1)
    ids = [create_invoice(InvoiceDraft("Acme", day, day, lines=(line,))) for _ in range(5)]
    monkeypatch.setattr(invoices, "APPROVAL_CHUNK", 2)
    results = []
    transactions = write_transactions(lambda: results.append(approve_invoices(ids)))
    assert results[0].approved_ids == tuple(ids)
    assert len(transactions) == 3  # 2 + 2 + 1: another process's write waits for one chunk at most
    assert len({len(t) for t in transactions}) == 1  # the same statements, however many in the chunk
    assert {i.status for i in Invoice.select()} == {InvoiceStatus.AWAITING_PAYMENT.value}
    write_from(other_process(books))  # and nothing is left locked
