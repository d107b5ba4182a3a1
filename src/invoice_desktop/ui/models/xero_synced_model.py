"""The Synced table of the Xero Exports tab: Invoice #, Client, Total, Synced at, and "Open in Xero".

Read a page at a time, sorted in SQL (xero.synced_pages), so 100,000 synced invoices open as fast as 200."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication, QPalette

from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.models.xero_paged_model import DEFAULT_PAGE_SIZE, PagedRowsModel, Pager
from invoice_desktop.ui.models.xero_rows_model import RowColumn, invoice_columns
from invoice_desktop.xero.export_actions import SyncedRow
from invoice_desktop.xero.synced_pages import SyncedSort, synced_page

OPEN_IN_XERO = "Open in Xero"
OPEN_COLUMN = 4


def _warned(row: SyncedRow) -> str:
    return "".join(f"\nXero warned: {w}" for w in row.warnings)


def _open_extra(row: SyncedRow, role: int) -> Any:
    if not row.xero_invoice_id:
        if role == Qt.ItemDataRole.ToolTipRole:
            return (row.note or "Marked as in Xero without a link to a Xero invoice") + _warned(row)
        return None
    if role == Qt.ItemDataRole.ForegroundRole:
        return QGuiApplication.palette().color(QPalette.ColorRole.Link)
    if role == Qt.ItemDataRole.ToolTipRole:
        return f"Open {row.number} in Xero (in the browser)" + (f"\n{row.note}" if row.note else "") + _warned(row)
    if role == Qt.ItemDataRole.AccessibleTextRole:
        return f"Open {row.number} in Xero"
    return None


SYNCED_COLUMNS: tuple[RowColumn[SyncedRow], ...] = (
    *invoice_columns(),
    RowColumn(
        "Synced at",
        lambda r: format_datetime(r.synced_at),
        lambda r: r.synced_at,
        sample="30 Sept 2000 00:00",
        order=SyncedSort.SYNCED_AT.value,
    ),
    RowColumn("Xero", lambda r: OPEN_IN_XERO if r.xero_invoice_id else "", sample="Open in Xero  ", extra=_open_extra),
)


def _synced_page(order: str, descending: bool, offset: int, limit: int) -> list[SyncedRow]:
    return synced_page(SyncedSort(order), descending, offset, limit)


class SyncedTableModel(PagedRowsModel[SyncedRow]):
    def __init__(
        self,
        pager: Pager[SyncedRow] = _synced_page,
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(pager, SYNCED_COLUMNS, page_size, parent)
