"""The Credit Notes tab of the Invoice Manager: every credit note made here (Invoice Information > Options >
Credit note…), newest first, with its invoice, client, date, reason, total, status and Xero state. Opening a row
(double-click, Enter, or the invoice number) opens its invoice's Invoice Information, where its credit notes are
listed and a credit note not yet in Xero can be voided."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from invoice_desktop.ledger.credit_notes import count_credit_notes
from invoice_desktop.ui.invoice_table_view import InvoiceTableView
from invoice_desktop.ui.models.credit_note_table_model import CreditNoteTableModel

PAGE_LABEL = "Credit Notes"


class CreditNotesPage(QWidget):
    invoice_activated = Signal(int)  # the invoice of the credit note opened

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CreditNoteTableModel(self)
        self.view = InvoiceTableView(self.model, self)
        self.view.empty_text = "No credit notes. Make one from an invoice: Invoice Information > Options > Credit note…"
        self.view.setAccessibleName("Credit notes")
        self.view.invoice_activated.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)

    def count(self) -> int:
        return count_credit_notes()

    def refresh(self) -> None:
        self.model.reload()

    @Slot(int)
    def _open(self, credit_note_id: int) -> None:
        row = self.model.record_of(credit_note_id)
        if row is not None:
            self.invoice_activated.emit(row.invoice_id)
