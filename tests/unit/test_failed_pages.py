"""The Failed list a page at a time (xero.failed_pages): failed payments and credit notes among the invoices (the
UNION ALL, sorted from outside for PostgreSQL) and the invoices alone; every sort, both ways, pages that neither
repeat nor skip a row, the select-all's keys in the same order, its COUNT and its membership query; on either
engine. And on SQLite the sorts walk an index rather than sorting the failed rows (schema 11)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from invoice_desktop.ledger.credit_notes import CreditLineDraft, CreditNoteDraft, create_credit_note
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, approve_invoices, create_invoice
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import (
    Client,
    ExportState,
    Invoice,
    Payment,
    XeroCreditNoteExport,
    XeroExport,
    XeroPaymentExport,
    database_proxy,
)
from invoice_desktop.xero.export_actions import FailedRow, key_of, list_failed
from invoice_desktop.xero.failed_pages import (
    FailedSort,
    _ordered,
    count_failed,
    failed_among,
    failed_keys,
    failed_page,
)

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
FAILED = ExportState.FAILED.value
CATEGORIES = (FailureCategory.ARCHIVED_CONTACT, FailureCategory.ACCOUNT_MAPPING, FailureCategory.VALIDATION)


def fail(model, where, n: int) -> None:
    model.update(state=FAILED, category=CATEGORIES[n % 3].value, messages='["refused"]', attempts=1 + n % 2,
                 last_attempt_at=AT + timedelta(minutes=(n * 7) % 5)).where(where).execute()  # fmt: skip


def invoices(clients: list[str]) -> list[int]:
    ids = []
    for i, client in enumerate(clients):
        line = LineDraft("Work", Decimal(1), Decimal(f"{100 + 10 * (i % 3)}.00"), "200", "GST on Income")
        invoice_id = create_invoice(InvoiceDraft(client, DAY, DAY + timedelta(days=14), lines=(line,)))
        approve_invoices([invoice_id])
        fail(XeroExport, XeroExport.invoice == invoice_id, i)
        ids.append(invoice_id)
    return ids


@pytest.fixture
def failed(books) -> list[int]:
    """Five failed invoices (two clients differing only in case), two failed payments on the first and third, a
    failed credit note of the second; equal totals, categories and attempt times among them."""
    ids = invoices(["beta Plumbing", "Alpha Builders", "gamma Roofing", "BETA PLUMBING", "Delta Tiles"])
    shouting = Client.create(name="BETA PLUMBING")  # a client of its own (invoices find clients by any case)
    Invoice.update(client=shouting).where(Invoice.id == ids[3]).execute()
    for n, invoice_id in enumerate((ids[0], ids[2])):
        payment = Payment.create(invoice=invoice_id, date=DAY, amount=Decimal("5.00"))
        XeroPaymentExport.create(payment=payment, state=FAILED)
        fail(XeroPaymentExport, XeroPaymentExport.payment == payment.id, n + 5)
    note = create_credit_note(CreditNoteDraft(ids[1], DAY, "Refund", [CreditLineDraft(1, Decimal("20.00"))]))
    if not note.queued_for_xero:  # its invoice is not in Xero: made here as failed all the same
        XeroCreditNoteExport.create(credit_note=note.credit_note_id, state=FAILED)
    fail(XeroCreditNoteExport, XeroCreditNoteExport.credit_note == note.credit_note_id, 7)
    return ids


def identity(rows: list[FailedRow]) -> list[tuple[str, int]]:
    return [(r.kind, key_of(r)) for r in rows]


def key_of_sort(sort: FailedSort, row: FailedRow) -> object:
    return {
        FailedSort.NUMBER: row.number,
        FailedSort.CLIENT: row.client.lower(),
        FailedSort.TOTAL: Decimal(row.total),
        FailedSort.TYPE: row.kind,
        FailedSort.LAST_ATTEMPT: row.last_attempt,
        FailedSort.STATUS: row.category.value if row.category else "",
    }[sort]


def pages_of(sort: FailedSort, descending: bool, size: int, total: int) -> list[FailedRow]:
    return [row for offset in range(0, total, size) for row in failed_page(sort, descending, offset, size)]


@pytest.mark.parametrize("sort", list(FailedSort))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_through_invoices_payments_and_credit_notes(failed, sort, descending):
    whole = failed_page(sort, descending)
    assert len(whole) == 8 and {r.kind for r in whole} == {"invoice", "payment", "credit_note"}
    assert identity(pages_of(sort, descending, 3, 8)) == identity(whole)  # no repeat, no skip
    keys = [key_of_sort(sort, r) for r in whole]
    assert keys == sorted(keys, reverse=descending)  # type: ignore[type-var]
    assert failed_keys(sort, descending) == [key_of(r) for r in whole]  # a select-all: the same order


def test_payments_and_credit_notes_are_interleaved_with_the_invoices(failed):
    numbers = {invoice_id: Invoice.get_by_id(invoice_id).number for invoice_id in failed}
    rows = failed_page(FailedSort.NUMBER)
    assert [(r.kind, r.number) for r in rows] == [
        ("credit_note", "CN-0001"),
        ("invoice", numbers[failed[0]]),
        ("payment", numbers[failed[0]]),  # equal numbers: by type, invoice first
        ("invoice", numbers[failed[1]]),
        ("invoice", numbers[failed[2]]),
        ("payment", numbers[failed[2]]),
        ("invoice", numbers[failed[3]]),
        ("invoice", numbers[failed[4]]),
    ]
    payment = rows[2]
    assert payment.payment_id is not None and payment.total == "5.00" and payment.client == "beta Plumbing"
    note = rows[0]
    assert note.credit_note_id is not None and note.invoice_id == failed[1] and note.client == "Alpha Builders"
    assert note.category is CATEGORIES[7 % 3] and note.messages == ("refused",)
    assert list_failed(payments=True) == rows  # `xero failed`: the same rows, whole
    assert [r.kind for r in list_failed()] == ["invoice"] * 5


def test_clients_differing_only_in_case_are_kept_apart(failed):
    clients = [r.client for r in failed_page(FailedSort.CLIENT)]
    # one client's rows (the invoice and its payment), then the other's: by the client made first
    assert clients == ["Alpha Builders", "Alpha Builders", "beta Plumbing", "beta Plumbing", "BETA PLUMBING",
                       "Delta Tiles", "gamma Roofing", "gamma Roofing"]  # fmt: skip


def test_the_count_and_the_membership_are_of_the_failed_list(failed):
    rows = failed_page()
    assert count_failed() == 8
    keys = [key_of(r) for r in rows]
    assert failed_among([*keys, 999_999, -999_999]) == set(keys)
    XeroExport.update(state=ExportState.SYNCED.value).where(XeroExport.invoice == failed[4]).execute()
    assert count_failed() == 7 and failed_among([failed[4]]) == set()


@pytest.mark.parametrize("sort", list(FailedSort))
@pytest.mark.parametrize("descending", [False, True])
def test_the_invoices_alone_page_in_order_too(books, sort, descending):
    invoices(["beta Plumbing", "Alpha Builders", "gamma Roofing", "BETA PLUMBING", "Delta Tiles", "Echo Ltd"])
    whole = failed_page(sort, descending)
    assert len(whole) == 6 and {r.kind for r in whole} == {"invoice"}
    assert identity(pages_of(sort, descending, 4, 6)) == identity(whole)
    keys = [key_of_sort(sort, r) for r in whole]
    assert keys == sorted(keys, reverse=descending)  # type: ignore[type-var]
    assert failed_keys(sort, descending) == [key_of(r) for r in whole]


# --- the plan (SQLite): the failed rows are not sorted, an index is walked -----------------------------------------


@pytest.fixture
def many_failed(books):
    """600 approved invoices of 30 clients, one in five failed, the planner's statistics gathered."""
    clients = [Client.create(name=f"Client {n:02d}").id for n in range(30)]
    rows = [{"number": f"T-{n:04d}", "client": clients[n % 30], "date": DAY, "due_date": DAY, "status": "paid",
             "subtotal": 100 + n, "total_tax": 0, "total": 100 + n, "amount_paid": 100 + n}
            for n in range(600)]  # fmt: skip
    Invoice.insert_many(rows).execute()
    for n, (invoice_id,) in enumerate(list(Invoice.select(Invoice.id).tuples())):  # read before writing
        state = FAILED if n % 5 == 0 else ExportState.SYNCED.value
        XeroExport.create(invoice=invoice_id, state=state, last_attempt_at=AT + timedelta(minutes=n % 17))
    database_proxy.execute_sql("ANALYZE")
    return books


INDEX_OF = {
    FailedSort.NUMBER: "invoice_number",
    FailedSort.TOTAL: "invoice_total",
    FailedSort.TYPE: "xero_export_state",
    FailedSort.LAST_ATTEMPT: "xero_export_state_last_attempt_at",
    FailedSort.STATUS: "xero_export_state_category",
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(INDEX_OF))
def test_a_failed_sort_walks_its_index_and_sorts_nothing(many_failed, sort, descending):
    query = _ordered(sort, descending, False, None).limit(200)
    sql, params = database_proxy.obj.get_sql_context().sql(query).query()
    steps = [row[-1] for row in database_proxy.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    assert any(INDEX_OF[sort] in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps
