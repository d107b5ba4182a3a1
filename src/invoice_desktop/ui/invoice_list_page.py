"""One Invoice Manager tab: a search box (debounced) above an invoice table."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from invoice_desktop.ui.invoice_table_view import InvoiceTableView
from invoice_desktop.ui.models.invoice_table_model import InvoiceTableModel

SEARCH_DELAY_MS = 200  # typing pauses this long before the list is re-queried


def search_field(
    parent: QWidget, placeholder: str, accessible_name: str, search: Callable[[], None]
) -> tuple[QLineEdit, QTimer]:
    """A search box that calls `search` once typing pauses for SEARCH_DELAY_MS, or at once on Enter; and its
    timer (`search` stops it)."""
    box = QLineEdit(parent)
    box.setPlaceholderText(placeholder)
    box.setClearButtonEnabled(True)
    box.setAccessibleName(accessible_name)
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(SEARCH_DELAY_MS)
    timer.timeout.connect(search)
    box.textChanged.connect(timer.start)
    box.returnPressed.connect(search)
    return box, timer


class InvoiceListPage(QWidget):
    invoice_activated = Signal(int)

    def __init__(self, model: InvoiceTableModel, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.label = label

        self.search_box, self._search_timer = search_field(
            self, "Search by invoice #, client or reference", f"Search {label} invoices", self.apply_search
        )

        self.view = self._make_view(model)
        self.view.setAccessibleName(f"{label} invoices")
        self.view.invoice_activated.connect(self.invoice_activated)

        self.page_layout = QVBoxLayout(self)
        self.page_layout.addWidget(self.search_box)
        self.page_layout.addWidget(self.view)

    def _make_view(self, model: InvoiceTableModel) -> InvoiceTableView:
        return InvoiceTableView(model, self)

    @Slot()
    def apply_search(self) -> None:
        """Re-query with what is in the search box now (the timer calls this once typing pauses)."""
        self._search_timer.stop()
        self.model.set_search(self.search_box.text())
        term = self.model.search
        self.view.empty_text = f"No {self.label.lower()} invoices match “{term}”" if term else "No invoices"

    def refresh(self) -> None:
        """Re-read the list, keeping the loaded rows and the current invoice (found again by its id)."""
        current = self.view.current_invoice_id()
        self.model.reload()
        if current is not None:
            self.view.select_invoice(current)
