"""The Synced list a page at a time, sorted in SQL (the Xero Exports tab's Synced table pages through it, so a
company file with 100,000 synced invoices opens the tile with one short query, not 100,000 rows).

Rows are the same `SyncedRow`s as export_actions.list_synced (which `xero synced` prints whole), the payments sent
from here among them (Type "Payment": its invoice's number and client, its amount as the total), and the credit
notes (Type "Credit note": its own number, its invoice's client, its total). The type and then
the invoice (or payment) id break ties, so paging through equal keys neither repeats nor skips a row. While no
payment has been sent, the query reads the invoices alone, as before (ordered through the indexes); with payments
it is a UNION ALL of both, sorted by SQLite.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from peewee import JOIN, SQL, Select, Value

from invoice_desktop.store.engine import NoCase
from invoice_desktop.store.failures import stored_messages
from invoice_desktop.store.models import (
    Client,
    CreditNote,
    ExportState,
    Invoice,
    Payment,
    XeroCreditNoteExport,
    XeroExport,
    XeroPaymentExport,
)
from invoice_desktop.store.query_rows import tuple_rows
from invoice_desktop.xero.export_rows import SyncedRow


class SyncedSort(StrEnum):
    NUMBER = "number"
    CLIENT = "client"
    TOTAL = "total"
    SYNCED_AT = "synced_at"
    TYPE = "type"


_KEYS = {
    SyncedSort.NUMBER: Invoice.number,
    SyncedSort.CLIENT: NoCase(Client.name),
    SyncedSort.TOTAL: Invoice.total,
    SyncedSort.SYNCED_AT: XeroExport.synced_at,
    SyncedSort.TYPE: Invoice.number,  # invoices only: one type
}
_UNION_KEYS = {  # the union's result columns
    SyncedSort.NUMBER: SQL('"number"'),
    SyncedSort.CLIENT: NoCase(SQL('"client"')),
    SyncedSort.TOTAL: SQL('"total"'),
    SyncedSort.SYNCED_AT: SQL('"synced_at"'),
    SyncedSort.TYPE: SQL('"kind"'),
}


def synced_page(
    sort: SyncedSort = SyncedSort.NUMBER, descending: bool = False, offset: int = 0, limit: int | None = None
) -> list[SyncedRow]:
    """Synced invoices and payments in `sort` order, `limit` of them from `offset` (all of them when `limit` is
    None)."""
    synced_payment = XeroPaymentExport.state == ExportState.SYNCED.value
    synced_note = XeroCreditNoteExport.state == ExportState.SYNCED.value
    if (
        XeroPaymentExport.select().where(synced_payment).exists()
        or XeroCreditNoteExport.select().where(synced_note).exists()
    ):
        return _with_payments(SyncedSort(sort), descending, offset, limit)
    key = _KEYS[SyncedSort(sort)]
    order = [key.desc(), Invoice.id.desc()] if descending else [key.asc(), Invoice.id.asc()]
    query = (
        XeroExport.select(
            Invoice.id,
            Invoice.number,
            Client.name,
            Invoice.total,
            XeroExport.xero_invoice_id,
            XeroExport.synced_at,
            XeroExport.note,
            XeroExport.warnings,
        )
        .join(Invoice, on=(XeroExport.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .where(XeroExport.state == ExportState.SYNCED.value)
        .order_by(*order)
        .tuples()
    )
    if limit is not None or offset:
        query = query.limit(limit).offset(offset)
    return [
        SyncedRow(invoice_id, number, client, str(total), xero_id or "", synced_at, note or "", stored_messages(said))
        for invoice_id, number, client, total, xero_id, synced_at, note, said in tuple_rows(query)
    ]


def _with_payments(sort: SyncedSort, descending: bool, offset: int, limit: int | None) -> list[SyncedRow]:
    invoices = (
        XeroExport.select(
            Invoice.id.alias("invoice_id"),
            Invoice.number.alias("number"),
            Client.name.alias("client"),
            Invoice.total.alias("total"),
            XeroExport.xero_invoice_id.alias("xero_id"),
            XeroExport.synced_at.alias("synced_at"),
            XeroExport.note.alias("note"),
            XeroExport.warnings.alias("warnings"),
            Value("invoice").alias("kind"),
            Invoice.id.alias("row_id"),
            XeroExport.xero_invoice_id.alias("invoice_xero_id"),
        )
        .join(Invoice, on=(XeroExport.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .where(XeroExport.state == ExportState.SYNCED.value)
    )
    payments = (
        XeroPaymentExport.select(
            Invoice.id,
            Invoice.number,
            Client.name,
            Payment.amount,
            XeroPaymentExport.xero_payment_id,
            XeroPaymentExport.synced_at,
            XeroPaymentExport.note,
            Value("[]"),
            Value("payment"),
            Payment.id,
            XeroExport.xero_invoice_id,  # the invoice the payment is on: its page in Xero lists the payment
        )
        .join(Payment, on=(XeroPaymentExport.payment == Payment.id))
        .join(Invoice, on=(Payment.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .join(XeroExport, on=(XeroExport.invoice == Invoice.id))
        .where(XeroPaymentExport.state == ExportState.SYNCED.value)
    )
    credit_notes = (
        XeroCreditNoteExport.select(
            Invoice.id,
            CreditNote.number,
            Client.name,
            CreditNote.total,
            XeroCreditNoteExport.xero_credit_note_id,
            XeroCreditNoteExport.synced_at,
            XeroCreditNoteExport.note,
            Value("[]"),
            Value("credit_note"),
            CreditNote.id,
            XeroExport.xero_invoice_id,  # the invoice credited: its page in Xero lists the credit note
        )
        .join(CreditNote, on=(XeroCreditNoteExport.credit_note == CreditNote.id))
        .join(Invoice, on=(CreditNote.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .join(XeroExport, JOIN.LEFT_OUTER, on=(XeroExport.invoice == Invoice.id))
        .where(XeroCreditNoteExport.state == ExportState.SYNCED.value)
    )
    keys = (_UNION_KEYS[sort], SQL('"kind"'), SQL('"row_id"'))
    # Sorted from outside the union: PostgreSQL orders a UNION by its result columns only, not by lower("client").
    union = (invoices + payments + credit_notes).alias("synced")
    query: Any = Select([union], [SQL("*")]).order_by(*(key.desc() if descending else key.asc() for key in keys))
    if limit is not None or offset:
        query = query.limit(limit).offset(offset)  # peewee writes SQLite's LIMIT -1 for "no limit" itself
    sql, params = Invoice._meta.database.get_sql_context().sql(query).query()
    total, when = Invoice.total.python_value, XeroExport.synced_at.python_value
    rows = Invoice._meta.database.execute_sql(sql, params).fetchall()
    return [
        SyncedRow(
            invoice_id,
            number,
            client,
            str(total(cents)),
            xero_id or "",
            when(synced_at),
            note or "",
            stored_messages(said),
            kind=kind,
            payment_id=row_id if kind == "payment" else None,
            invoice_xero_id=invoice_xero_id or "",
            credit_note_id=row_id if kind == "credit_note" else None,
        )
        for invoice_id, number, client, cents, xero_id, synced_at, note, said, kind, row_id, invoice_xero_id in rows
    ]
