"""The Synced table of the Xero Exports tab: Invoice #, Client, Total, Type, Synced at, and "Open in Xero" (an
invoice's page in Xero; a payment's row opens the page of the invoice it is on, and names Xero's payment in its
tooltip).

Read a page at a time, sorted in SQL (xero.synced_pages), so 100,000 synced invoices open as fast as 200."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.models.columns import Column, looks
from invoice_desktop.ui.models.paging import DEFAULT_PAGE_SIZE, Pager, SqlPages
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.ui.models.xero_columns import invoice_columns, row_key_of
from invoice_desktop.xero.export_actions import SyncedRow
from invoice_desktop.xero.synced_pages import SyncedSort, synced_page

OPEN_IN_XERO = "Open in Xero"
OPEN_COLUMN = 5


def has_xero_link(row: SyncedRow) -> bool:
    """A row with a page in Xero: an invoice linked to its Xero invoice, a payment on such an invoice (Xero shows
    a payment on its invoice's page)."""
    return bool(row.xero_page_id)


def _warned(row: SyncedRow) -> str:
    return "".join(f"\nXero warned: {w}" for w in row.warnings)


def _open_tooltip(row: SyncedRow) -> str:
    if row.kind == "payment":
        where = f"Open {row.number} in Xero, where the payment is listed (in the browser)\n"
        where = where if has_xero_link(row) else ""
        return f"{where}Payment on {row.number}, in Xero as payment {row.xero_invoice_id}" + (
            f"\n{row.note}" if row.note else ""
        )
    if row.kind == "credit_note":
        return f"Credit note {row.number}, in Xero as credit note {row.xero_invoice_id}" + (
            f"\n{row.note}" if row.note else ""
        )
    if not row.xero_invoice_id:
        return (row.note or "Marked as in Xero without a link to a Xero invoice") + _warned(row)
    return f"Open {row.number} in Xero (in the browser)" + (f"\n{row.note}" if row.note else "") + _warned(row)


def _open_colour(row: SyncedRow) -> QColor | None:
    return looks().link if has_xero_link(row) else None


def _open_accessible(row: SyncedRow) -> str | None:
    return f"Open {row.number} in Xero" if has_xero_link(row) else None


SYNCED_COLUMNS: tuple[Column[SyncedRow], ...] = (
    *invoice_columns(),
    Column(
        "Synced at",
        lambda r: format_datetime(r.synced_at),
        order=SyncedSort.SYNCED_AT.value,
        sample="30 Sept 2000 00:00",
    ),
    Column(
        "Xero",
        lambda r: OPEN_IN_XERO if has_xero_link(r) else "",
        tooltip=_open_tooltip,
        foreground=_open_colour,
        accessible=_open_accessible,
        sample="Open in Xero  ",
    ),
)


def _synced_page(order: str, descending: bool, offset: int, limit: int) -> list[SyncedRow]:
    return synced_page(SyncedSort(order), descending, offset, limit)


class SyncedTableModel(ColumnsModel[SyncedRow]):
    def __init__(
        self,
        pager: Pager[SyncedRow] = _synced_page,
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        pages = SqlPages(pager, SyncedSort.NUMBER.value, page_size)
        super().__init__(SYNCED_COLUMNS, parent, id_of=row_key_of, pages=pages)

    def reload(self) -> None:
        """Re-read as many rows as are loaded (the scroll position stays)."""
        self.read_pages()
