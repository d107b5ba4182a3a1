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

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from invoice_desktop.ledger.queries import InvoiceRow, SortKey, Tab, list_invoices
from invoice_desktop.store.models import ExportState
from invoice_desktop.ui.formatting import format_date, format_money
from invoice_desktop.ui.models.checkable import CheckableRows
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.status_colours import StatusColour, muted_colour, status_colour

DEFAULT_PAGE_SIZE = 200

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

ModelIndex = QModelIndex | QPersistentModelIndex


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


def _xero_text(row: InvoiceRow) -> str:
    text = XERO_TEXT.get(row.xero_state, row.xero_state)
    return f"{text}: {row.xero_flag}" if row.xero_flag else text


def _xero_extra(row: InvoiceRow, role: int) -> Any:
    failed = row.xero_state == ExportState.FAILED.value
    if role == Qt.ItemDataRole.ToolTipRole:
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


def _link_extra(row: InvoiceRow, role: int) -> Any:
    if role == Qt.ItemDataRole.ForegroundRole:
        return QGuiApplication.palette().color(QPalette.ColorRole.Link)
    if role == Qt.ItemDataRole.ToolTipRole:
        return f"Open {row.number}"
    return None


CHECK_COLUMN = InvoiceColumn("", None, lambda r: "", check=True)


INVOICE_COLUMNS: tuple[InvoiceColumn, ...] = (
    InvoiceColumn("Invoice #", SortKey.NUMBER, lambda r: r.number, sample="INV-000000", extra=_link_extra, link=True),
    InvoiceColumn("Client", SortKey.CLIENT, lambda r: r.client),
    InvoiceColumn("Date", SortKey.DATE, lambda r: format_date(r.date), sample="30 Sept 2000"),
    InvoiceColumn("Due", SortKey.DUE, lambda r: format_date(r.due_date), sample="30 Sept 2000"),
    InvoiceColumn("Total", SortKey.TOTAL, lambda r: format_money(r.total), _RIGHT, sample="000,000.00"),
    InvoiceColumn("Amount Due", SortKey.AMOUNT_DUE, lambda r: format_money(r.amount_due), _RIGHT, "Amount Due  "),
    InvoiceColumn("Xero", SortKey.XERO, _xero_text, sample="Not attempted  ", extra=_xero_extra),
)


# --- the model -------------------------------------------------------------------------------------------


class InvoiceTableModel(QAbstractTableModel):
    """One tab's invoices, paged, sorted and searched in SQL."""

    def __init__(
        self,
        tab: Tab,
        page_size: int = DEFAULT_PAGE_SIZE,
        columns: Sequence[InvoiceColumn] = INVOICE_COLUMNS,
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._tab = tab
        self._page_size = page_size
        self._columns = tuple(columns)
        self._today = today
        self._search = ""
        self._sort_key = SortKey.NUMBER
        self._descending = False
        self._rows: list[InvoiceRow] = []
        self._row_of_id: dict[int, int] = {}
        self._fetched = 0  # rows read from the query so far (the next page's offset)
        self._exhausted = True  # nothing is read until the first reload()
        self._loading = False  # views and testers may call back into fetchMore while rows are being inserted

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
        return self._sort_key

    @property
    def descending(self) -> bool:
        return self._descending

    def set_search(self, text: str) -> None:
        """Show only invoices whose number, client or reference contains `text` (re-queries when it changed)."""
        text = text.strip()
        if text != self._search:
            self._search = text
            self.reload(keep_loaded=False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns) or self._columns[column].sort_key is None:
            return
        key, descending = self._columns[column].sort_key, order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self._sort_key, self._descending):
            self._sort_key, self._descending = key, descending
            self.reload(keep_loaded=False)

    def reload(self, keep_loaded: bool = True) -> None:
        """Re-read from the database. With `keep_loaded`, as many rows as are loaded now (so a refresh keeps
        the user's scroll position); otherwise the first page."""
        limit = max(self._page_size, len(self._rows)) if keep_loaded else self._page_size
        page = self._query(0, limit)
        self._loading = True
        try:
            self.beginResetModel()
            self._rows, self._row_of_id, self._fetched = [], {}, 0
            self._append(page, limit)
            self.endResetModel()
        finally:
            self._loading = False

    # --- looking rows up ---

    def invoice_at(self, row: int) -> InvoiceRow:
        return self._rows[row]

    def row_of(self, invoice_id: int) -> int | None:
        """The row showing that invoice, or None when it is not loaded."""
        return self._row_of_id.get(invoice_id)

    def loaded_ids(self) -> list[int]:
        return [r.id for r in self._rows]

    # --- paging ---

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = self._query(self._fetched, self._page_size)
        first = len(self._rows)
        fresh = {r.id for r in page} - self._row_of_id.keys()  # a change in between can shift rows a page
        self._loading = True
        try:
            if fresh:
                self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._append(page, self._page_size)
            if fresh:
                self.endInsertRows()
        finally:
            self._loading = False

    def _query(self, offset: int, limit: int) -> list[InvoiceRow]:
        return list_invoices(
            self._tab,
            search=self._search,
            sort=self._sort_key,
            descending=self._descending,
            offset=offset,
            limit=limit,
            today=self._today(),
        )

    def _append(self, page: list[InvoiceRow], asked: int) -> None:
        self._fetched += len(page)
        self._exhausted = len(page) < asked
        for row in page:
            if row.id not in self._row_of_id:
                self._row_of_id[row.id] = len(self._rows)
                self._rows.append(row)

    # --- QAbstractTableModel ---

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self._columns):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return None if column.check else column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == ItemRole.ID:
            return row.id
        if role == ItemRole.RECORD:
            return row
        return column.extra(row, role) if column.extra else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._columns[section].alignment
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class CheckableInvoiceTableModel(CheckableRows, InvoiceTableModel):
    """An invoice list with a checkbox per row in front (the Draft tab, for Approve)."""

    def __init__(
        self,
        tab: Tab,
        page_size: int = DEFAULT_PAGE_SIZE,
        columns: Sequence[InvoiceColumn] = INVOICE_COLUMNS,
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(tab, page_size, (CHECK_COLUMN, *columns), today, parent)
