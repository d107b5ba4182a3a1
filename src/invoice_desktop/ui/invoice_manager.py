"""The Invoice Manager (Business > Invoices): one tab per invoice list, each titled with its count.

Counts come from ledger.queries.tab_counts. Only the tab on show is re-read on a refresh; the others are marked
stale and re-read when the user switches to them. `refresh_in_steps` does the same with the event loop running
between the list on show and the counts (the end of a Resync: each is a short wait of the window, both at once
with 100,000 invoices was a stall).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from invoice_desktop.ledger.credit_notes import count_credit_notes
from invoice_desktop.ledger.queries import Tab, tab_counts
from invoice_desktop.ui.credit_notes_page import PAGE_LABEL as CREDIT_NOTES_LABEL
from invoice_desktop.ui.credit_notes_page import CreditNotesPage
from invoice_desktop.ui.draft_page import DraftListPage
from invoice_desktop.ui.event_steps import read_off_thread, step_timer
from invoice_desktop.ui.invoice_list_page import InvoiceListPage
from invoice_desktop.ui.models.invoice_table_model import (
    DEFAULT_PAGE_SIZE,
    INVOICE_COLUMNS,
    XERO_COLUMN,
    CheckableInvoiceTableModel,
    InvoiceTableModel,
    overdue_columns,
)

TAB_LABELS: dict[Tab, str] = {
    Tab.DRAFT: "Draft",
    Tab.AWAITING_PAYMENT: "Awaiting Payment",
    Tab.OVERDUE: "Overdue",
    Tab.PAID: "Paid",
}


def tab_title(label: str, count: int) -> str:
    return f"{label} ({count:,})"


class InvoiceManager(QWidget):
    invoice_activated = Signal(int)  # drill-down on an invoice: Invoice Information, or the editor for a draft
    invoices_changed = Signal()  # something here changed invoices (drafts approved); counts are re-read already
    refreshed = Signal()  # the counts were re-read (pages added with add_page title themselves on it)

    def __init__(
        self,
        page_size: int = DEFAULT_PAGE_SIZE,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._today = today
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Invoice lists")
        self.tabs.setDocumentMode(True)
        self.pages: dict[Tab, InvoiceListPage] = {}
        self.counts: dict[Tab, int] = {}
        self.credit_note_count = 0
        self._refreshers: dict[QWidget, Callable[[], None]] = {}
        # refresh_in_steps' own, where a page has one: handed what comes after its steps (the counts)
        self._step_refreshers: dict[QWidget, Callable[[Callable[[], None]], None]] = {}
        self._stale: set[QWidget] = set()
        self._counts_step = step_timer(self, self._finish_refresh)  # refresh_in_steps: the counts, a turn later
        for tab, label in TAB_LABELS.items():
            page = self._make_page(tab, label, page_size)
            page.model.setParent(page)
            page.invoice_activated.connect(self.invoice_activated)
            self.pages[tab] = page
            self.add_page(page, label, page.refresh)
        self.credit_notes = CreditNotesPage(self.tabs)  # a document of its own: no invoice list counts it
        self.credit_notes.invoice_activated.connect(self.invoice_activated)
        self.add_page(self.credit_notes, CREDIT_NOTES_LABEL, self.credit_notes.refresh)
        self.tabs.currentChanged.connect(self._on_current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def _make_page(self, tab: Tab, label: str, page_size: int) -> InvoiceListPage:
        if tab is Tab.DRAFT:
            page = DraftListPage(CheckableInvoiceTableModel(tab, page_size, today=self._today), label, self.tabs)
            page.invoices_changed.connect(self.refresh)
            page.invoices_changed.connect(self.invoices_changed)
            return page
        columns = overdue_columns(self._today) if tab is Tab.OVERDUE else INVOICE_COLUMNS
        return InvoiceListPage(InvoiceTableModel(tab, page_size, columns, self._today), label, self.tabs)

    def add_page(
        self,
        page: QWidget,
        title: str,
        refresh: Callable[[], None],
        in_steps: Callable[[Callable[[], None]], None] | None = None,
    ) -> int:
        """Add a tab whose content `refresh` re-reads (called when it is shown after a refresh); `in_steps`, if
        given, does it for refresh_in_steps in turns of the event loop of its own, then calls what it is handed."""
        self._refreshers[page] = refresh
        if in_steps is not None:
            self._step_refreshers[page] = in_steps
        self._stale.add(page)
        return self.tabs.addTab(page, title)

    def remove_page(self, page: QWidget) -> None:
        """Take away a tab added with add_page (the Xero Exports tab when the interface is no longer set up)."""
        self._refreshers.pop(page, None)
        self._step_refreshers.pop(page, None)
        self._stale.discard(page)
        index = self.tabs.indexOf(page)
        if index >= 0:
            self.tabs.removeTab(index)

    def show_xero_column(self, shown: bool) -> None:
        """Show or hide the lists' Xero column (hidden while the Xero interface is not set up or is disabled)."""
        for page in self.pages.values():
            column = next(i for i, c in enumerate(page.model.columns) if c.title == XERO_COLUMN)
            page.view.setColumnHidden(column, not shown)

    def current_page(self) -> QWidget:
        return self.tabs.currentWidget()

    def show_tab(self, tab: Tab) -> None:
        self.tabs.setCurrentWidget(self.pages[tab])

    @Slot()
    def refresh(self) -> None:
        """Re-read the counts in the tab titles and the list on show; the other lists when next shown."""
        self._counts_step.stop()
        self._update_counts()
        self._stale.update(self._refreshers)
        self._refresh_page(self.current_page())
        self.refreshed.emit()

    @Slot()
    def refresh_in_steps(self) -> None:
        """As `refresh`, in two steps the window's events are handled between: the list on show now, the counts in
        the tab titles (a query over every invoice) once the event loop has turned, then `refreshed`."""
        self._stale.update(self._refreshers)
        page = self.current_page()
        in_steps = self._step_refreshers.get(page)
        if in_steps is None:
            self._refresh_page(page)
            self._counts_step.start()
        else:
            self._stale.discard(page)
            in_steps(self._counts_step.start)  # the counts once its steps are done, a turn of their own

    @Slot()
    def _finish_refresh(self) -> None:
        """refresh_in_steps' last step: the counts, read off the GUI thread (over every invoice), then `refreshed`."""
        today = self._today()
        read_off_thread(self, lambda: (tab_counts(today), count_credit_notes()), self._counts_read, idle=True)

    def _counts_read(self, counts: tuple[dict[Tab, int], int]) -> None:
        self._show_counts(*counts)
        self.refreshed.emit()

    def _update_counts(self) -> None:
        self._show_counts(tab_counts(self._today()), self.credit_notes.count())

    def _show_counts(self, counts: dict[Tab, int], credit_notes: int) -> None:
        self.counts = counts
        for tab, page in self.pages.items():
            index = self.tabs.indexOf(page)
            count = self.counts.get(tab, 0)
            self.tabs.setTabText(index, tab_title(TAB_LABELS[tab], count))
            self.tabs.tabBar().setAccessibleTabName(index, f"{TAB_LABELS[tab]}, {count} invoices")
        self.credit_note_count = credit_notes
        index = self.tabs.indexOf(self.credit_notes)
        self.tabs.setTabText(index, tab_title(CREDIT_NOTES_LABEL, self.credit_note_count))
        self.tabs.tabBar().setAccessibleTabName(index, f"{CREDIT_NOTES_LABEL}, {self.credit_note_count} credit notes")

    def show_credit_notes(self) -> None:
        self.tabs.setCurrentWidget(self.credit_notes)

    @Slot(int)
    def _on_current_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page in self._stale:
            self._refresh_page(page)

    def _refresh_page(self, page: QWidget) -> None:
        self._stale.discard(page)
        refresh = self._refreshers.get(page)
        if refresh is not None:
            refresh()
