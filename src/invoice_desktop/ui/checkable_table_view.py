"""An invoice table whose rows can be ticked: the Draft tab (Approve) and the Failed table (Resync).

Mouse: the box in the first column; the box in its header ticks or unticks the whole list.
Keyboard: Space ticks (or unticks) the selected rows; Ctrl+A ticks every row (again: unticks them).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QWidget

from invoice_desktop.ui.check_delegate import CheckCellDelegate
from invoice_desktop.ui.check_header import CheckHeaderView
from invoice_desktop.ui.invoice_table_view import InvoiceTableView
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.models.table_model import ColumnsModel


class CheckableTableView(InvoiceTableView):
    def __init__(self, model: ColumnsModel[Any], parent: QWidget | None = None) -> None:
        if model.check_column < 0:
            raise ValueError("the model has no check column")
        self.check_header = CheckHeaderView(model.check_column)
        super().__init__(model, parent)
        self.setItemDelegateForColumn(model.check_column, CheckCellDelegate(self))
        self.setAccessibleDescription("Space ticks the selected invoices; Ctrl+A ticks them all")

    def _install_header(self) -> None:
        self.setHorizontalHeader(self.check_header)

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.selectionModel().selectedRows())
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        model = self.model()
        return [model.index(row, 0).data(ItemRole.ID) for row in rows]

    def tick_selected(self) -> None:
        """Tick the selected rows; when every one of them is ticked already, untick them."""
        ids = self.selected_ids()
        checks = self.model().checks
        checks.set_checked(ids, not all(checks.is_ticked(i) for i in ids))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            self.tick_selected()
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.check_header.toggle_all()
            event.accept()
            return
        super().keyPressEvent(event)
