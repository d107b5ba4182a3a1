"""The check column's cells: the box drawn in the middle of the cell, and a click anywhere in the cell ticks it
(a bigger target than the box). A double-click there only ticks; it does not open the invoice."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from invoice_desktop.ui.models.checkable import check_state
from invoice_desktop.ui.text_cell_delegate import STYLED_STATES

ModelIndex = QModelIndex | QPersistentModelIndex
_CHECK_ROLE = Qt.ItemDataRole.CheckStateRole


class CheckCellDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        style = option.widget.style() if option.widget else QApplication.style()
        if option.state.value & STYLED_STATES:  # the cell's own background (selection, hover, focus) first
            cell = QStyleOptionViewItem(option)
            self.initStyleOption(cell, index)
            state = cell.checkState
            cell.features &= ~QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
            cell.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, cell, painter, cell.widget)
        else:  # a plain cell: the style would draw nothing but the box (one data call instead of seven)
            cell = option
            state = check_state(index.data(_CHECK_ROLE))

        box = QStyleOptionViewItem(cell)
        width = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, cell.widget)
        height = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, None, cell.widget)
        top_left = option.rect.center() - QPoint(width // 2, height // 2) + QPoint(1, 1)
        box.rect = QRect(top_left.x(), top_left.y(), width, height)
        box.state &= ~QStyle.StateFlag.State_HasFocus
        box.state |= QStyle.StateFlag.State_On if state == Qt.CheckState.Checked else QStyle.StateFlag.State_Off
        style.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck, box, painter, cell.widget)

    def editorEvent(
        self, event: QEvent, model: QAbstractItemModel, option: QStyleOptionViewItem, index: ModelIndex
    ) -> bool:
        if not index.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            return False
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            return isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton
        if kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            if event.button() != Qt.MouseButton.LeftButton or not option.rect.contains(event.position().toPoint()):
                return False
            ticked = check_state(index.data(_CHECK_ROLE)) == Qt.CheckState.Checked
            new = Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked
            return model.setData(index, new, _CHECK_ROLE)
        return False
