"""The Failed list a page at a time, sorted in SQL (the Xero Exports tab's Failed table pages through it, so a
company file with 50,000 failed exports opens the tile with one short query, not 50,000 rows); `xero failed`
prints it whole (export_actions.list_failed).

Rows are `FailedRow`s: the failed invoices, the failed payments recorded here (Type "Payment": its invoice's
number and client, its amount as the total) and credit notes (Type "Credit note": its own number, its invoice's
client, its total) among them. The type and then the invoice (payment, credit note) id break ties, so paging
through equal keys neither repeats nor skips a row. While no payment or credit note has failed, the query reads the
invoices alone, ordered through the indexes (Invoice #: invoice_number, Total: invoice_total, Last attempt and
Status: xero_export_state_last_attempt_at / xero_export_state_category, schema 11; Type: the state index, by id);
with them it is a UNION ALL of the three, sorted from outside (PostgreSQL orders a UNION by its result columns
only, not by lower("client")).

A select-all of the Failed table stands for this list: `failed_keys` lists its row keys (export_actions.row_key)
in the table's order (on the Resync's thread), `count_failed` counts it, `failed_among` says which keys are in it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from peewee import SQL, ColumnBase, Select, Value, fn

from invoice_desktop.store.engine import NoCase
from invoice_desktop.store.failures import FailureCategory, stored_messages
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
from invoice_desktop.xero.export_rows import FailedRow, row_key, split_keys

FAILED = ExportState.FAILED.value


class FailedSort(StrEnum):
    NUMBER = "number"
    CLIENT = "client"
    TOTAL = "total"
    TYPE = "type"
    LAST_ATTEMPT = "last_attempt"
    STATUS = "status"  # the failure's title: by its category


# The invoices alone: each key with the ties that keep the walk of its index (the id is the rowid of each index).
_KEYS: dict[FailedSort, tuple[ColumnBase, ...]] = {
    FailedSort.NUMBER: (Invoice.number, Invoice.id),
    FailedSort.CLIENT: (NoCase(Client.name), Client.id, Invoice.id),
    FailedSort.TOTAL: (Invoice.total, Invoice.id),
    FailedSort.TYPE: (XeroExport.invoice,),  # one type: by id
    FailedSort.LAST_ATTEMPT: (XeroExport.last_attempt_at, XeroExport.invoice),
    FailedSort.STATUS: (XeroExport.category, XeroExport.invoice),
}
_KIND, _ROW_ID = SQL('"kind"'), SQL('"row_id"')
_UNION_KEYS: dict[FailedSort, tuple[ColumnBase, ...]] = {  # the union's result columns
    FailedSort.NUMBER: (SQL('"number"'),),
    FailedSort.CLIENT: (NoCase(SQL('"client"')), SQL('"client_id"')),
    FailedSort.TOTAL: (SQL('"total"'),),
    FailedSort.TYPE: (),
    FailedSort.LAST_ATTEMPT: (SQL('"last_attempt"'),),
    FailedSort.STATUS: (SQL('"category"'),),
}


def _documents_failed() -> bool:
    return bool(
        XeroPaymentExport.select().where(XeroPaymentExport.state == FAILED).exists()
        or XeroCreditNoteExport.select().where(XeroCreditNoteExport.state == FAILED).exists()
    )


def _arm(export: Any, document: Any, number: Any, amount: Any, kind: str, joins: Callable[[Any], Any]) -> Any:
    """One kind's failed rows, in the columns every arm (and the converter) shares."""
    columns = (Invoice.id.alias("invoice_id"), number.alias("number"), Client.name.alias("client"),
               Client.id.alias("client_id"), amount.alias("total"), export.category.alias("category"),
               export.messages.alias("messages"), export.hint.alias("hint"), export.attempts.alias("attempts"),
               export.last_attempt_at.alias("last_attempt"), export.next_retry_at.alias("next_retry"),
               export.note.alias("note"), export.unconfirmed.alias("unconfirmed"), Value(kind).alias("kind"),
               document.id.alias("row_id"))  # fmt: skip
    return joins(export.select(*columns)).join(Client, on=(Invoice.client == Client.id)).where(export.state == FAILED)


def _invoices() -> Any:
    return _arm(XeroExport, Invoice, Invoice.number, Invoice.total, "invoice",
                lambda q: q.join(Invoice, on=(XeroExport.invoice == Invoice.id)))  # fmt: skip


def _payments() -> Any:
    return _arm(XeroPaymentExport, Payment, Invoice.number, Payment.amount, "payment",
                lambda q: q.join(Payment, on=(XeroPaymentExport.payment == Payment.id))
                .join(Invoice, on=(Payment.invoice == Invoice.id)))  # fmt: skip


def _credit_notes() -> Any:
    return _arm(XeroCreditNoteExport, CreditNote, CreditNote.number, CreditNote.total, "credit_note",
                lambda q: q.join(CreditNote, on=(XeroCreditNoteExport.credit_note == CreditNote.id))
                .join(Invoice, on=(CreditNote.invoice == Invoice.id)))  # fmt: skip


def _ordered(sort: FailedSort, descending: bool, invoices_only: bool, columns: tuple[Any, ...] | None) -> Any:
    """The failed list in `sort` order (`columns`: only these result columns, as SQL of the union's names)."""
    if invoices_only or not _documents_failed():
        keys = _KEYS[sort]
        query = _invoices()
        if columns is not None:
            query = query.select(Value("invoice"), XeroExport.invoice)
    else:
        keys = (*_UNION_KEYS[sort], _KIND, _ROW_ID)
        union = (_invoices() + _payments() + _credit_notes()).alias("failed")
        query = Select([union], list(columns) if columns is not None else [SQL("*")])
    return query.order_by(*(key.desc() if descending else key.asc() for key in keys))


def _rows(query: Any, offset: int, limit: int | None) -> list[tuple[Any, ...]]:
    if limit is not None or offset:
        query = query.limit(limit).offset(offset)  # peewee writes SQLite's LIMIT -1 for "no limit" itself
    db = Invoice._meta.database
    sql, params = db.get_sql_context().sql(query).query()
    return list(db.execute_sql(sql, params).fetchall())  # raw values, converted by the caller


def failed_page(
    sort: FailedSort = FailedSort.NUMBER,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
    *,
    invoices_only: bool = False,
) -> list[FailedRow]:
    """Failed invoices, payments and credit notes (with `invoices_only`, the invoices alone) in `sort` order,
    `limit` of them from `offset` (all of them when `limit` is None)."""
    rows = _rows(_ordered(FailedSort(sort), descending, invoices_only, None), offset, limit)
    return failed_rows(rows)


def failed_rows(rows: Iterable[tuple[Any, ...]]) -> list[FailedRow]:
    """The query's raw values as FailedRows (the few messages that recur on many rows read once)."""
    total, when = Invoice.total.python_value, XeroExport.last_attempt_at.python_value
    messages_of: dict[str | None, tuple[str, ...]] = {}
    found = []
    for (invoice_id, number, client, _client_id, cents, category, stored, hint, attempts, last, retry, note, unsure,
         kind, row_id) in rows:  # fmt: skip
        messages = messages_of.get(stored)
        if messages is None:
            messages = messages_of[stored] = stored_messages(stored)
        found.append(
            FailedRow(invoice_id, number, client, str(total(cents)), FailureCategory(category) if category else None,
                      messages, hint, attempts, _utc(last, when), _utc(retry, when), note or "", bool(unsure),
                      kind=kind, payment_id=row_id if kind == "payment" else None,
                      credit_note_id=row_id if kind == "credit_note" else None)
        )  # fmt: skip
    return found


def _utc(stored: str | None, slow: Callable[[str], datetime | None]) -> datetime | None:
    """A stored UtcDateTimeField value ('YYYY-MM-DDTHH:MM:SS.ffffffZ'): fromisoformat reads it several times
    faster than the field's strptime, and gives the same aware UTC datetime; anything else goes the slow way."""
    if stored is None:
        return None
    if stored.endswith("Z"):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(stored)
    return slow(stored)


def failed_keys(sort: FailedSort = FailedSort.NUMBER, descending: bool = False) -> list[int]:
    """The row keys of the failed list in `sort` order (what a select-all of the Failed table stands for)."""
    query = _ordered(FailedSort(sort), descending, False, (_KIND, _ROW_ID))
    return [_key(kind, row_id) for kind, row_id in _rows(query, 0, None)]


def _key(kind: str, row_id: int) -> int:
    return row_key(kind, row_id, row_id if kind == "payment" else None, row_id if kind == "credit_note" else None)


def count_failed() -> int:
    """How many invoices, payments and credit notes have failed (three COUNTs)."""
    return sum(
        model.select(fn.COUNT(SQL("*"))).where(model.state == FAILED).scalar() or 0
        for model in (XeroExport, XeroPaymentExport, XeroCreditNoteExport)
    )


def failed_among(keys: Collection[int]) -> set[int]:
    """Which of these row keys are of the failed list."""
    invoice_ids, payment_ids, credit_note_ids = split_keys(keys)
    found: set[int] = set()
    for kind, model, key, ids in (
        ("invoice", XeroExport, XeroExport.invoice, invoice_ids),
        ("payment", XeroPaymentExport, XeroPaymentExport.payment, payment_ids),
        ("credit_note", XeroCreditNoteExport, XeroCreditNoteExport.credit_note, credit_note_ids),
    ):
        for start in range(0, len(ids), 500):  # under SQLite's limit of bound parameters
            chunk = ids[start : start + 500]
            query = model.select(key).where((model.state == FAILED) & key.in_(chunk))
            found.update(_key(kind, row_id) for (row_id,) in tuple_rows(query))
    return found
