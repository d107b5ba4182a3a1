"""Opening invoices from the window: a draft in the editor, anything else in Invoice Information; one window
per invoice (opening it again brings it to the front). Every change made in one of them is passed on through
`invoices_changed`, so the Invoice Manager re-reads its lists and counts, and open windows re-read theirs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QDialog, QWidget

from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.store.models import InvoiceStatus
from invoice_desktop.ui.invoice_editor import InvoiceEditor
from invoice_desktop.ui.invoice_information import InvoiceInformation
from invoice_desktop.ui.xero_actions import XeroActions


class InvoiceWindows(QObject):
    invoices_changed = Signal()
    notice = Signal(str)  # a line for the status bar

    def __init__(self, parent: QWidget, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self._parent = parent
        self._today = today
        self.xero_actions: XeroActions | None = None
        self.open_windows: dict[int, QDialog] = {}

    def set_xero_actions(self, actions: XeroActions | None) -> None:
        """What Invoice Information's Xero actions call (None while the interface is not set up)."""
        self.xero_actions = actions
        for window in self.open_windows.values():
            if isinstance(window, InvoiceInformation):
                window.xero_actions = actions
                window.reload()

    @Slot(int)
    def open_invoice(self, invoice_id: int) -> QDialog | None:
        window = self.open_windows.get(invoice_id)
        if window is None:
            try:
                status = get_invoice_detail(invoice_id).status
            except LedgerError as exc:  # deleted in between
                self.notice.emit(str(exc))
                self.invoices_changed.emit()
                return None
            if status is InvoiceStatus.DRAFT:
                window = self._editor(invoice_id)
            else:
                window = InvoiceInformation(invoice_id, self.xero_actions, self._today, self._parent)
                window.invoice_changed.connect(self._changed)
            self.open_windows[invoice_id] = window
            window.finished.connect(lambda _result, i=invoice_id: self._closed(i))
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    @Slot()
    def new_invoice(self, client_name: str = "") -> InvoiceEditor:
        """A new invoice in the editor; `client_name` fills in its client (Clients > New invoice for this client)."""
        editor = self._editor(None, client_name or "")  # File > New Invoice's triggered(checked) passes False
        editor.finished.connect(editor.deleteLater)
        editor.show()
        return editor

    def _editor(self, invoice_id: int | None, client_name: str = "") -> InvoiceEditor:
        editor = InvoiceEditor(invoice_id, self._today, self._parent, client_name=client_name)
        editor.invoice_changed.connect(self._changed)
        editor.notice.connect(self.notice)
        return editor

    @Slot(int)
    def _changed(self, invoice_id: int) -> None:
        self.invoices_changed.emit()
        for other_id, window in self.open_windows.items():
            if other_id != invoice_id and isinstance(window, InvoiceInformation):
                window.reload()

    def _closed(self, invoice_id: int) -> None:
        window = self.open_windows.pop(invoice_id, None)
        if window is not None:
            window.deleteLater()
