"""The table model behind every invoice list (one per Invoice Manager tab).

All the work happens in SQL through ledger.queries: `reload()` reads the first page of plain `InvoiceRow`s,
`canFetchMore`/`fetchMore` the next ones (`rowCount` is what is loaded), sorting and searching re-run the
query, and `data()` only ever reads the cached rows. Rows are identified by `ItemRole.ID` (the invoice id),
never by their row index, which changes on every re-query.

Columns are a tuple of `InvoiceColumn` specs. `CheckableInvoiceTableModel` puts `CHECK_COLUMN` in front and
mixes in `CheckableRows` (ui/models/checkable.py) for the Draft tab's ticks; the Xero Exports tab's Failed table
does the same with its own columns. The invoice number column is a link: a click on it opens the invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont

from invoice_desktop.ledger.queries import InvoiceRow, SortKey, Tab, list_invoices
from invoice_desktop.store.models import ExportState, InvoiceStatus
from invoice_desktop.ui.formatting import format_date, format_money
from invoice_desktop.ui.models.checkable import CheckableRows
from invoice_desktop.ui.models.paged_rows import IdRowsModel, SqlPaging, link_extra
from invoice_desktop.ui.status_colours import StatusColour, muted_colour, status_colour

DEFAULT_PAGE_SIZE = 200

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

# --- the Xero column -------------------------------------------------------------------------------------

XERO_TEXT: dict[str, str] = {
    ExportState.NOT_SENT.value: "Not attempted",
    ExportState.QUEUED.value: "Queued",
    ExportState.SENDING.value: "Sending…",
    ExportState.SYNCED.value: "Synced",
    ExportState.FAILED.value: "! Sync failed",
    ExportState.SKIPPED.value: "Not sent",
}

_XERO_TIP: dict[str, str] = {
    ExportState.NOT_SENT.value: "Not exported to Xero yet",
    ExportState.QUEUED.value: "Waiting to be exported to Xero",
    ExportState.SENDING.value: "Being exported to Xero now",
    ExportState.SYNCED.value: "In Xero",
    ExportState.SKIPPED.value: "Marked as already in Xero, or not to be sent",
}


DRAFT_XERO_TEXT = "—"
DRAFT_XERO_TIP = "Drafts are not sent to Xero; approving one exports it"


def _is_draft(row: InvoiceRow) -> bool:
    return row.status == InvoiceStatus.DRAFT.value


def _xero_text(row: InvoiceRow) -> str:
    if _is_draft(row):
        return DRAFT_XERO_TEXT
    text = XERO_TEXT.get(row.xero_state, row.xero_state)
    return f"{text}: {row.xero_flag}" if row.xero_flag else text


def _xero_extra(row: InvoiceRow, role: int) -> Any:
    failed = row.xero_state == ExportState.FAILED.value
    if role == Qt.ItemDataRole.ToolTipRole:
        if _is_draft(row):
            return DRAFT_XERO_TIP
        return row.xero_error if failed or row.xero_flag else _XERO_TIP.get(row.xero_state)
    if role == Qt.ItemDataRole.ForegroundRole:
        if failed or row.xero_flag:
            return status_colour(StatusColour.ERROR)
        if row.xero_state == ExportState.NOT_SENT.value:
            return muted_colour()
        return None
    if role == Qt.ItemDataRole.FontRole and failed:
        font = QFont()
        font.setBold(True)
        return font
    if role == Qt.ItemDataRole.AccessibleTextRole:
        return f"Sync failed: {row.xero_error}" if failed else _xero_text(row)
    return None


# --- columns ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceColumn:
    title: str
    sort_key: SortKey | None
    text: Callable[[InvoiceRow], str]
    alignment: Qt.AlignmentFlag = _LEFT
    sample: str = ""  # typical widest content, for the view's initial column width ("" = stretch)
    extra: Callable[[InvoiceRow, int], Any] | None = None  # other roles (tooltip, colour, ...)
    check: bool = False  # the checkbox column of a CheckableRows model (drawn by the model's mixin)
    link: bool = False  # a plain click on the cell opens the invoice


CHECK_COLUMN = InvoiceColumn("", None, lambda r: "", check=True)


INVOICE_COLUMNS: tuple[InvoiceColumn, ...] = (
    InvoiceColumn("Invoice #", SortKey.NUMBER, lambda r: r.number, sample="INV-000000", extra=link_extra, link=True),
    InvoiceColumn("Client", SortKey.CLIENT, lambda r: r.client),
    InvoiceColumn("Date", SortKey.DATE, lambda r: format_date(r.date), sample="30 Sept 2000"),
    InvoiceColumn("Due", SortKey.DUE, lambda r: format_date(r.due_date), sample="30 Sept 2000"),
    InvoiceColumn("Total", SortKey.TOTAL, lambda r: format_money(r.total), _RIGHT, sample="000,000.00"),
    InvoiceColumn("Amount Due", SortKey.AMOUNT_DUE, lambda r: format_money(r.amount_due), _RIGHT, "Amount Due  "),
    InvoiceColumn("Xero", SortKey.XERO, _xero_text, sample="Not attempted  ", extra=_xero_extra),
)


# --- the model -------------------------------------------------------------------------------------------


class InvoiceTableModel(SqlPaging, IdRowsModel[InvoiceRow]):
    """One tab's invoices, paged, sorted and searched in SQL (the paging is ui/models/paged_rows)."""

    leading_columns: tuple[InvoiceColumn, ...] = ()  # put in front of `columns` (a subclass's check column)

    def __init__(
        self,
        tab: Tab,
        page_size: int = DEFAULT_PAGE_SIZE,
        columns: Sequence[InvoiceColumn] = INVOICE_COLUMNS,
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__((*self.leading_columns, *columns), parent)
        self._start_paging(page_size, SortKey.NUMBER)
        self._tab = tab
        self._today = today
        self._search = ""

    # --- what it shows ---

    @property
    def tab(self) -> Tab:
        return self._tab

    @property
    def columns(self) -> tuple[InvoiceColumn, ...]:
        return self._columns

    @property
    def search(self) -> str:
        return self._search

    @property
    def sort_key(self) -> SortKey:
        return self._order

    @property
    def descending(self) -> bool:
        return self._descending

    def set_search(self, text: str) -> None:
        """Show only invoices whose number, client or reference contains `text` (re-queries when it changed)."""
        text = text.strip()
        if text != self._search:
            self._search = text
            self.reload(keep_loaded=False)

    def invoice_at(self, row: int) -> InvoiceRow:
        return self._rows[row]

    # --- the query ---

    def _order_of(self, column: int) -> SortKey | None:
        return self._columns[column].sort_key

    def _query(self, offset: int, limit: int) -> list[InvoiceRow]:
        return list_invoices(
            self._tab,
            search=self._search,
            sort=self._order,
            descending=self._descending,
            offset=offset,
            limit=limit,
            today=self._today(),
        )


class CheckableInvoiceTableModel(CheckableRows, InvoiceTableModel):
    """An invoice list with a checkbox per row in front (the Draft tab, for Approve)."""

    leading_columns = (CHECK_COLUMN,)
