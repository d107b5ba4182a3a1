"""A table header whose check column shows a select-all checkbox (tri-state: none, some, all ticked).

The state comes from the model's `headerData(section, Horizontal, CheckStateRole)`; a click on that section
calls `setHeaderData(..., CheckStateRole)` instead of sorting. Works with any ColumnsModel that has a check column.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionButton, QWidget

from invoice_desktop.ui.models.checkable import check_state

_CHECK_ROLE = Qt.ItemDataRole.CheckStateRole


class CheckHeaderView(QHeaderView):
    def __init__(self, check_section: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.check_section = check_section
        self.setSectionsClickable(True)

    def header_state(self) -> Qt.CheckState:
        model = self.model()
        value = model.headerData(self.check_section, self.orientation(), _CHECK_ROLE) if model else None
        return Qt.CheckState.Unchecked if value is None else check_state(value)

    def toggle_all(self) -> None:
        """What a click on the box does: tick every row unless all are ticked, then untick them."""
        ticked = self.header_state() == Qt.CheckState.Checked
        new = Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked
        self.model().setHeaderData(self.check_section, self.orientation(), new, _CHECK_ROLE)
        self.viewport().update()

    def indicator_rect(self, section_rect: QRect) -> QRect:
        style = self.style()
        width = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, self)
        height = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, None, self)
        top_left = section_rect.center() - QPoint(width // 2, height // 2) + QPoint(1, 1)
        return QRect(top_left.x(), top_left.y(), width, height)

    def paintSection(self, painter: QPainter, rect: QRect, logical_index: int) -> None:
        painter.save()
        super().paintSection(painter, rect, logical_index)
        painter.restore()
        if logical_index != self.check_section or not self.model():
            return
        option = QStyleOptionButton()
        option.rect = self.indicator_rect(rect)
        option.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Active
        state = self.header_state()
        option.state |= {
            Qt.CheckState.Checked: QStyle.StateFlag.State_On,
            Qt.CheckState.PartiallyChecked: QStyle.StateFlag.State_NoChange,
        }.get(state, QStyle.StateFlag.State_Off)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, option, painter, self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._on_check_section(event):
            event.accept()  # no sort, no section drag
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._on_check_section(event):
            if event.button() == Qt.MouseButton.LeftButton:
                self.toggle_all()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _on_check_section(self, event: QMouseEvent) -> bool:
        return self.logicalIndexAt(event.position().toPoint()) == self.check_section
