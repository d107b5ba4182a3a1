"""The columns the Xero Exports tab's two tables (Failed, Synced) start with: Invoice #, Client and Total.

Both tables show plain rows of xero.export_actions (FailedRow, SyncedRow) found by invoice id. Each column says how
it sorts both ways: `sort_key` for the Failed table, held in memory, and `order` for the Synced table, read a page
at a time and sorted in SQL (xero.synced_pages).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from invoice_desktop.ui.formatting import format_money
from invoice_desktop.ui.models.columns import RIGHT, Column, invoice_number_column


class HasInvoice(Protocol):
    @property
    def invoice_id(self) -> int: ...

    @property
    def number(self) -> str: ...

    @property
    def client(self) -> str: ...

    @property
    def total(self) -> str: ...


def invoice_id_of(row: HasInvoice) -> int:
    return row.invoice_id


def money_text(total: str) -> str:
    try:
        return format_money(Decimal(total))
    except InvalidOperation:
        return total


def money_key(total: str) -> Decimal:
    try:
        return Decimal(total)
    except InvalidOperation:
        return Decimal(0)


def _client(row: HasInvoice) -> str:
    return row.client


def _client_key(row: HasInvoice) -> str:
    return row.client.casefold()


def _total(row: HasInvoice) -> str:
    return money_text(row.total)


def _total_key(row: HasInvoice) -> Decimal:
    return money_key(row.total)


def invoice_columns() -> tuple[Column[Any], ...]:
    """Invoice #, Client and Total: the columns both tables start with."""
    return (
        invoice_number_column("number"),
        Column("Client", _client, sort_key=_client_key, order="client"),
        Column("Total", _total, RIGHT, sort_key=_total_key, order="total", sample="000,000.00"),
    )
