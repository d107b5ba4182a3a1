"""The Draft tab: the invoice list with a checkbox per row, and Approve for the ticked ones."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QWidget

from invoice_desktop.ui.approval import approve
from invoice_desktop.ui.checkable_table_view import CheckableTableView
from invoice_desktop.ui.invoice_list_page import InvoiceListPage
from invoice_desktop.ui.invoice_table_view import InvoiceTableView
from invoice_desktop.ui.models.checkable import Ticked
from invoice_desktop.ui.models.invoice_table_model import CheckableInvoiceTableModel, InvoiceTableModel
from invoice_desktop.ui.tick_action_bar import TickActionBar


class DraftListPage(InvoiceListPage):
    invoices_changed = Signal()  # drafts were approved: counts and lists need re-reading

    def __init__(self, model: CheckableInvoiceTableModel, label: str, parent: QWidget | None = None) -> None:
        super().__init__(model, label, parent)
        self.model: CheckableInvoiceTableModel = model
        self.approve_bar = TickActionBar(model.checks, "&Approve", self)
        self.approve_bar.button.setToolTip("Approve the ticked drafts (Space ticks the selected rows)")
        self.page_layout.addWidget(self.approve_bar)
        self.approve_bar.triggered.connect(self.approve)

    def _make_view(self, model: InvoiceTableModel) -> InvoiceTableView:
        assert isinstance(model, CheckableInvoiceTableModel)  # the Draft tab's model ticks its rows
        return CheckableTableView(model, self)

    @Slot(object)
    def approve(self, ticked: Ticked | Sequence[int]) -> None:
        result, text, tone = approve(Ticked.of(ticked).resolve())  # a select-all: its ids read here, in SQL
        self.model.checks.set_checked(result.approved_ids, False)
        self.approve_bar.message.show_message(text, tone)
        self.invoices_changed.emit()

    def refresh(self) -> None:
        super().refresh()
        if not self.model.search and not self.model.canFetchMore():
            self.model.checks.retain(self.model.loaded_ids())  # drafts approved or deleted elsewhere
