"""The Synced table of the Xero Exports tab, with "Open in Xero": a click on that cell, or the button below the
table for the current row (Enter on a row opens the invoice here, as everywhere)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from invoice_desktop.app_context import AppContext
from invoice_desktop.ui.event_steps import read_then_show
from invoice_desktop.ui.invoice_table_view import InvoiceTableView
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.models.xero_columns import invoice_of
from invoice_desktop.ui.models.xero_synced_model import OPEN_COLUMN, SyncedTableModel, has_xero_link
from invoice_desktop.ui.xero_exports_links import xero_invoice_url
from invoice_desktop.xero.export_actions import SyncedRow
from invoice_desktop.xero.settings import load_connection


class SyncedPanel(QWidget):
    invoice_activated = Signal(int)

    def __init__(self, ctx: AppContext, model: SyncedTableModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = model or SyncedTableModel(parent=self)
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl  # tests look instead of opening a browser

        self.view = InvoiceTableView(self.model, self)
        self.view.setAccessibleName("Synced exports")
        self.view.empty_text = "Nothing has been exported to Xero yet"
        self.view.invoice_activated.connect(self._on_row_activated)
        self.view.clicked.connect(self._on_clicked)
        self.open_button = QPushButton("&Open in Xero", self)
        self.open_button.setAccessibleName("Open in Xero")
        self.open_button.setToolTip("Open the current invoice in Xero, in the browser")
        self.open_button.clicked.connect(self.open_current)
        self.view.selectionModel().currentRowChanged.connect(self._update_button)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self._update_button()

    @Slot(int)
    def _on_row_activated(self, key: int) -> None:
        """Drill-down: the row's invoice (a payment's row: the invoice it pays)."""
        invoice_id = invoice_of(self.model, key)
        if invoice_id is not None:
            self.invoice_activated.emit(invoice_id)

    def reload(self, later: bool = False) -> None:
        """Read the loaded pages again (with `later`, off the GUI thread), the current row kept."""
        read, show = self.model.pages_read()

        def shown(page: object) -> None:
            self.view.show_keeping_current(show, page)
            self._update_button()

        read_then_show(self, read, shown, later, prepare=self.view.lay_out_ahead)

    def url_of(self, record: SyncedRow) -> QUrl:
        return xero_invoice_url(self.ctx.endpoints, load_connection().tenant_id, record.xero_page_id)

    def open_in_xero(self, invoice_id: int) -> bool:
        record = self.model.record_of(invoice_id)
        if record is None or not has_xero_link(record):
            return False
        return bool(self.open_url(self.url_of(record)))

    @Slot()
    def open_current(self) -> None:
        invoice_id = self.view.current_invoice_id()
        if invoice_id is not None:
            self.open_in_xero(invoice_id)

    @Slot(QModelIndex)
    def _on_clicked(self, index: QModelIndex) -> None:
        if index.column() == OPEN_COLUMN:
            self.open_in_xero(index.data(ItemRole.ID))

    @Slot()
    def _update_button(self) -> None:
        invoice_id = self.view.current_invoice_id()
        record = self.model.record_of(invoice_id) if invoice_id is not None else None
        self.open_button.setEnabled(record is not None and has_xero_link(record))
