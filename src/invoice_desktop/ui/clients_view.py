"""Business > Clients: search, the list, and New client / Edit / Delete / New invoice for this client.

Double-click or Enter edits the client; Delete asks first, and a client with invoices is refused with the
reason. The list is re-read after every change and on F5; the invoice lists re-read theirs (with the new client
names) when they are shown again. New invoice for this client opens the invoice editor with the client filled in,
through the window's InvoiceWindows, so the Invoice Manager hears about the saved invoice.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from invoice_desktop.ledger.clients import ClientSummary, delete_client, delete_problems, describe
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ui.client_dialog import ClientDialog
from invoice_desktop.ui.confirm import ask_destructive
from invoice_desktop.ui.header_style import make_room_for_the_sort_arrow
from invoice_desktop.ui.invoice_editor import InvoiceEditor
from invoice_desktop.ui.invoice_list_page import search_field
from invoice_desktop.ui.invoice_windows import InvoiceWindows
from invoice_desktop.ui.message_bar import MessageBar, Tone
from invoice_desktop.ui.models.client_table_model import ClientSortModel, ClientTableModel
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.plain_text import tooltip

_ROW_PADDING = 10  # as in the invoice lists
_CELL_PADDING = 24  # the style's cell margins plus room for the header's sort arrow
_SAMPLES = {2: "Christchurch", 3: "0,000", 4: "000,000.00", 5: "Linked in Xero"}  # by column; others stretch


class ClientsView(QWidget):
    def __init__(self, invoice_windows: InvoiceWindows | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._invoice_windows: InvoiceWindows | None = None
        if invoice_windows is not None:
            self._use_invoice_windows(invoice_windows)
        self.dialog: ClientDialog | None = None
        self.model = ClientTableModel(self)
        self.sorted_model = ClientSortModel(self)
        self.sorted_model.setSourceModel(self.model)
        self._build()
        self.model.modelReset.connect(self._update_buttons)
        self.view.selectionModel().currentRowChanged.connect(self._update_buttons)
        self._update_buttons()

    # --- building ---

    def _build(self) -> None:
        self.search_box, self._search_timer = search_field(
            self, "Search by name, email or city", "Search clients", self.apply_search
        )

        self.view = QTableView(self)
        make_room_for_the_sort_arrow(self.view.horizontalHeader())
        self.view.setModel(self.sorted_model)
        self.view.setAccessibleName("Clients")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + _ROW_PADDING)
        self._size_columns()
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.activated.connect(self._on_activated)  # double-click or Enter
        delete_key = QShortcut(QKeySequence.StandardKey.Delete, self.view, self.ask_delete)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)

        # The buttons come after the list, so Tab goes search box, list, buttons.
        self.new_button = self._button("&New client…", "New client", self.new_client, "Add a client")
        self.edit_button = self._button("&Edit…", "Edit client", self.edit_current, "Edit the client (Enter)")
        self.delete_button = self._button("&Delete…", "Delete client", self.ask_delete, "Delete the client (Del)")
        self.invoice_button = self._button(
            "New &invoice for this client", "New invoice for this client", self.new_invoice_for_current, ""
        )
        self.message = MessageBar("Clients message", self)

        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.invoice_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def _size_columns(self) -> None:
        """Name and Email share the spare width; the others fit their widest likely value (or title)."""
        header, metrics = self.view.horizontalHeader(), self.fontMetrics()
        header.setHighlightSections(False)
        for section in range(self.model.columnCount()):
            sample = _SAMPLES.get(section)
            if sample is None:
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
                continue
            title = str(self.model.headerData(section, Qt.Orientation.Horizontal))
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.Interactive)
            widest = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(title))
            header.resizeSection(section, widest + _CELL_PADDING)

    def _button(self, text: str, accessible_name: str, slot: Callable[[], object], tooltip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(accessible_name)
        button.setToolTip(tooltip)
        button.clicked.connect(slot)
        return button

    # --- the list ---

    @Slot()
    def refresh(self) -> None:
        """Re-read the list (same search), keeping the current client."""
        self._reload(self.current_client_id())

    @Slot()
    def apply_search(self) -> None:
        self._search_timer.stop()
        current = self.current_client_id()
        self.model.reload(self.search_box.text())
        self._select(current)
        term = self.model.search
        if term and not self.model.rowCount():
            self.message.show_message(f"No clients match “{term}”.")
        elif self.message.text().startswith("No clients match"):
            self.message.clear_message()

    def _reload(self, select: int | None) -> None:
        self.model.reload()
        self._select(select)

    def _select(self, client_id: int | None) -> None:
        row = self.model.row_of(client_id) if client_id is not None else None
        if row is None:
            self.view.clearSelection()
            self.view.setCurrentIndex(QModelIndex())
            return
        self.view.selectRow(self.sorted_model.mapFromSource(self.model.index(row, 0)).row())

    def current_client(self) -> ClientSummary | None:
        index = self.view.currentIndex()
        return index.data(ItemRole.RECORD) if index.isValid() else None

    def current_client_id(self) -> int | None:
        client = self.current_client()
        return client.id if client is not None else None

    def select_client(self, client_id: int) -> bool:
        """Make that client's row current; False when it is not in the list (searched out or gone)."""
        self._select(client_id)
        return self.current_client_id() == client_id

    @Slot()
    def _update_buttons(self) -> None:
        client = self.current_client()
        for button in (self.edit_button, self.delete_button, self.invoice_button):
            button.setEnabled(client is not None)
        self.invoice_button.setToolTip(tooltip(f"A new invoice for {client.name}" if client else "Pick a client first"))

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.edit_current()

    # --- actions ---

    @Slot()
    def new_client(self) -> ClientDialog:
        return self._open_dialog(None)

    @Slot()
    def edit_current(self) -> ClientDialog | None:
        client_id = self.current_client_id()
        return None if client_id is None else self._open_dialog(client_id)

    def _open_dialog(self, client_id: int | None) -> ClientDialog:
        dialog = ClientDialog(client_id, self)
        dialog.saved.connect(self._on_saved)
        dialog.notice.connect(lambda text: self.message.show_message(text, Tone.SUCCESS))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot(int)
    def _on_saved(self, client_id: int) -> None:
        self._reload(client_id)
        if self.current_client_id() != client_id:  # a new client the search hides: show the whole list
            self.search_box.blockSignals(True)
            self.search_box.clear()
            self.search_box.blockSignals(False)
            self.model.reload("")
            self._select(client_id)

    @Slot()
    def ask_delete(self) -> QMessageBox | None:
        """Delete the current client, after asking; a client with invoices is refused at once, with the reason."""
        client = self.current_client()
        if client is None:
            return None
        try:
            problems = delete_problems(client.id)
        except LedgerError as exc:  # deleted meanwhile
            problems = list(exc.problems)
        if problems:
            self.message.show_message("\n".join(describe(p) for p in problems), Tone.PROBLEM)
            return None
        return ask_destructive(
            self,
            "Delete client",
            f"Delete the client {client.name}? This cannot be undone."
            + ("\n\nIts Xero contact stays in Xero." if client.linked_in_xero else ""),
            "&Delete client",
            lambda: self.delete(client.id),
        )

    def delete(self, client_id: int) -> bool:
        try:
            name = delete_client(client_id)
        except LedgerError as exc:
            self.message.show_message("\n".join(describe(p) for p in exc.problems), Tone.PROBLEM)
            self.refresh()
            return False
        self.message.show_message(f"{name} deleted.", Tone.SUCCESS)
        self._reload(None)
        return True

    @Slot()
    def new_invoice_for_current(self) -> InvoiceEditor | None:
        client = self.current_client()
        if client is None:
            return None
        return self.invoice_windows().new_invoice(client.name)

    def invoice_windows(self) -> InvoiceWindows:
        """Where new invoices open: the main window's InvoiceWindows (so its lists hear of them), else our own."""
        if self._invoice_windows is None:
            return self._use_invoice_windows(InvoiceWindows(self))
        return self._invoice_windows

    def _use_invoice_windows(self, windows: InvoiceWindows) -> InvoiceWindows:
        self._invoice_windows = windows
        windows.invoices_changed.connect(self._on_invoices_changed)
        return windows

    @Slot()
    def _on_invoices_changed(self) -> None:
        if self.isVisible():  # invoice counts and amounts outstanding moved
            self.refresh()
