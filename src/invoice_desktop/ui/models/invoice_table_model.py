"""The table model behind every invoice list (one per Invoice Manager tab).

All the work happens in SQL through ledger.queries: `reload()` reads the first page of plain `InvoiceRow`s,
`canFetchMore`/`fetchMore` the next ones (`rowCount` is what is loaded), sorting and searching re-run the
query, and `data()` only ever reads the cached rows. Rows are identified by `ItemRole.ID` (the invoice id),
never by their row index, which changes on every re-query. It is a ColumnsModel (ui/models/table_model.py) over
`INVOICE_COLUMNS` with SqlPages (ui/models/paging.py).

CheckableInvoiceTableModel (the Draft tab, for Approve) puts a checkbox column first. A select-all there reads
nothing: the list it stands for is this model's query (`InvoiceQuery`: the tab, the search), counted, checked and
listed in SQL (ledger.queries.count_invoices, invoice_ids) only when asked. The invoice number column is a link: a
click on it opens the invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date
from operator import attrgetter

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from invoice_desktop.ledger.queries import InvoiceRow, SortKey, Tab, count_invoices, invoice_ids, list_invoices
from invoice_desktop.store.models import ExportState, InvoiceStatus
from invoice_desktop.ui.formatting import format_date, format_money
from invoice_desktop.ui.labels import SYNC_FAILED
from invoice_desktop.ui.models.columns import RIGHT, Column, check_column, invoice_number_column, looks
from invoice_desktop.ui.models.paging import DEFAULT_PAGE_SIZE, SqlPages
from invoice_desktop.ui.models.table_model import ColumnsModel

# --- the Xero column -------------------------------------------------------------------------------------

XERO_TEXT: dict[str, str] = {
    ExportState.NOT_SENT.value: "Not attempted",
    ExportState.QUEUED.value: "Queued",
    ExportState.SENDING.value: "Sending…",
    ExportState.SYNCED.value: "Synced",
    ExportState.FAILED.value: SYNC_FAILED,
    ExportState.SKIPPED.value: "Not sent",
}

_XERO_TIP: dict[str, str] = {
    ExportState.NOT_SENT.value: "Not exported to Xero yet",
    ExportState.QUEUED.value: "Waiting to be exported to Xero",
    ExportState.SENDING.value: "Being exported to Xero now",
    ExportState.SYNCED.value: "In Xero",
    ExportState.SKIPPED.value: "Marked as already in Xero, or not to be sent",
}


XERO_COLUMN = "Xero"
DRAFT_XERO_TEXT = "—"
DRAFT_XERO_TIP = "Drafts are not sent to Xero; approving one exports it"


def _is_draft(row: InvoiceRow) -> bool:
    return row.status == InvoiceStatus.DRAFT.value


def _xero_text(row: InvoiceRow) -> str:
    if _is_draft(row):
        return DRAFT_XERO_TEXT
    text = XERO_TEXT.get(row.xero_state, row.xero_state)
    return f"{text}: {row.xero_flag}" if row.xero_flag else text


def _xero_tooltip(row: InvoiceRow) -> str | None:
    if _is_draft(row):
        return DRAFT_XERO_TIP
    failed = row.xero_state == ExportState.FAILED.value
    return row.xero_error if failed or row.xero_flag else _XERO_TIP.get(row.xero_state)


def _xero_colour(row: InvoiceRow) -> QColor | None:
    if row.xero_state == ExportState.FAILED.value or row.xero_flag:
        return looks().error
    return looks().muted if row.xero_state == ExportState.NOT_SENT.value else None


def _xero_accessible(row: InvoiceRow) -> str:
    return f"{SYNC_FAILED}: {row.xero_error}" if row.xero_state == ExportState.FAILED.value else _xero_text(row)


def _failed(row: InvoiceRow) -> bool:
    return row.xero_state == ExportState.FAILED.value


# --- columns ---------------------------------------------------------------------------------------------

DUE_COLUMN: Column[InvoiceRow] = Column(
    "Due", lambda r: format_date(r.due_date), order=SortKey.DUE, sample="30 Sept 2000"
)
INVOICE_COLUMNS: tuple[Column[InvoiceRow], ...] = (
    invoice_number_column(SortKey.NUMBER),
    Column("Client", lambda r: r.client, order=SortKey.CLIENT),
    Column("Date", lambda r: format_date(r.date), order=SortKey.DATE, sample="30 Sept 2000"),
    DUE_COLUMN,
    Column("Total", lambda r: format_money(r.total), RIGHT, order=SortKey.TOTAL, sample="000,000.00"),
    Column("Amount Due", lambda r: format_money(r.amount_due), RIGHT, order=SortKey.AMOUNT_DUE, sample="Amount Due  "),
    Column(
        XERO_COLUMN,
        _xero_text,
        tooltip=_xero_tooltip,
        foreground=_xero_colour,
        bold=_failed,
        accessible=_xero_accessible,
        order=SortKey.XERO,
        sample="Not attempted  ",
    ),
)
CHECK_TOOLTIP = "Tick to include this invoice"


def days_overdue(due: date, today: date) -> str:
    days = (today - due).days
    return f"{days} day{'' if days == 1 else 's'} overdue" if days > 0 else "Due today"


def overdue_columns(today: Callable[[], date]) -> tuple[Column[InvoiceRow], ...]:
    """The Overdue tab's columns: its due dates in the warning colour, the days overdue in their tooltip."""
    due = replace(
        DUE_COLUMN, foreground=lambda _r: looks().warning, tooltip=lambda r: days_overdue(r.due_date, today())
    )
    return tuple(due if c is DUE_COLUMN else c for c in INVOICE_COLUMNS)


# --- the list ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceQuery:
    """The list a model shows: a tab's invoices matching a search (plain values: usable on any thread)."""

    tab: Tab
    search: str = ""
    today: Callable[[], date] = date.today

    def page(self, order: str, descending: bool, offset: int, limit: int) -> list[InvoiceRow]:
        sort = SortKey(order)
        return list_invoices(self.tab, self.search, sort, descending, offset, limit, today=self.today())

    def count(self) -> int:
        return count_invoices(self.tab, self.search, today=self.today())

    def ids(self, order: str, descending: bool, among: Collection[int] | None = None) -> list[int]:
        return invoice_ids(self.tab, self.search, SortKey(order), descending, self.today(), among)


# --- the model -------------------------------------------------------------------------------------------


class InvoiceTableModel(ColumnsModel[InvoiceRow]):
    """One tab's invoices, paged, sorted and searched in SQL."""

    checkable = False  # a checkbox per row in front (CheckableInvoiceTableModel)

    def __init__(
        self,
        tab: Tab,
        page_size: int = DEFAULT_PAGE_SIZE,
        columns: Sequence[Column[InvoiceRow]] = INVOICE_COLUMNS,
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        self._query = InvoiceQuery(tab, "", today)
        shown = (check_column(CHECK_TOOLTIP), *columns) if self.checkable else tuple(columns)
        pages = SqlPages(self._page, SortKey.NUMBER, page_size)
        super().__init__(shown, parent, id_of=attrgetter("id"), pages=pages)
        self._pages_of = pages

    # --- what it shows ---

    @property
    def tab(self) -> Tab:
        return self._query.tab

    @property
    def search(self) -> str:
        return self._query.search

    @property
    def sort_key(self) -> SortKey:
        return SortKey(self._pages_of.order)

    @property
    def page_size(self) -> int:
        return self._pages_of.page_size

    def set_search(self, text: str) -> None:
        """Show only invoices whose number, client or reference contains `text` (re-queries when it changed)."""
        text = text.strip()
        if text != self._query.search:
            self.checks.pin()  # a select-all stands for the invoices of this search, not the next one's
            self._query = replace(self._query, search=text)
            self.reload(keep_loaded=False)

    def invoice_at(self, row: int) -> InvoiceRow:
        return self.record_at(row)

    def reload(self, keep_loaded: bool = True) -> None:
        """Re-read from the database: as many rows as are loaded now (so a refresh keeps the scroll position), or
        with `keep_loaded` False the first page."""
        self.read_pages(keep_loaded)

    def _page(self, order: str, descending: bool, offset: int, limit: int) -> list[InvoiceRow]:
        return self._query.page(order, descending, offset, limit)

    def _list_query(self) -> InvoiceQuery:
        return self._query  # the list its ticks are of: in SQL (rows not loaded are never read for a select-all)


class CheckableInvoiceTableModel(InvoiceTableModel):
    """An invoice list with a checkbox per row in front (the Draft tab, for Approve)."""

    checkable = True
