"""The columns the Xero Exports tab's two tables (Failed, Synced) start with: Invoice #, Client, Total and Type.

Both tables show plain rows of xero.export_actions (FailedRow, SyncedRow): invoices and the payments recorded here
(Type "Payment": its invoice's number and client, the payment's amount) and credit notes (Type "Credit note": its
own number, its invoice's client, its total; a drill-down opens its invoice), each found by its row key
(export_actions.row_key: (type, id), so a payment's row never clashes with its invoice's). Both tables are read a
page at a time and sorted in SQL (xero.failed_pages, xero.synced_pages): each column's `order` is the query's sort.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from invoice_desktop.ui.formatting import format_money
from invoice_desktop.ui.models.columns import RIGHT, Column, invoice_number_column
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.xero.export_actions import row_key


class HasInvoice(Protocol):
    @property
    def invoice_id(self) -> int: ...

    @property
    def number(self) -> str: ...

    @property
    def client(self) -> str: ...

    @property
    def total(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def payment_id(self) -> int | None: ...

    @property
    def credit_note_id(self) -> int | None: ...


def row_key_of(row: HasInvoice) -> int:
    """The row's key: (type, id) as one int (export_actions.row_key)."""
    return row_key(row.kind, row.invoice_id, row.payment_id, row.credit_note_id)


def invoice_of(model: ColumnsModel[Any], key: int) -> int | None:
    """The invoice of the row with this key (a payment's row: the invoice it pays), None when it is not listed."""
    record = model.record_of(key)
    return None if record is None else int(record.invoice_id)


TYPE_WORDS = {"invoice": "Invoice", "payment": "Payment", "credit_note": "Credit note"}


def type_text(row: HasInvoice) -> str:
    return TYPE_WORDS.get(row.kind, row.kind.title())


def money_text(total: str) -> str:
    try:
        return format_money(Decimal(total))
    except InvalidOperation:
        return total


def _client(row: HasInvoice) -> str:
    return row.client


def _total(row: HasInvoice) -> str:
    return money_text(row.total)


def invoice_columns() -> tuple[Column[Any], ...]:
    """Invoice #, Client, Total and Type: the columns both tables start with."""
    return (
        invoice_number_column("number"),
        Column("Client", _client, order="client"),
        Column("Total", _total, RIGHT, order="total", sample="000,000.00"),
        Column("Type", type_text, order="type", sample="Payment "),
    )
