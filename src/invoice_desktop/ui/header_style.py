"""Room for the sort arrow in a table header: the style draws the arrow at a section's right edge, over the label,
so a right-aligned title (Total, Amount Due) had the arrow on its last letters. On the sorted section the label is
drawn in the room left of the arrow (the other sections keep their full width)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QHeaderView, QProxyStyle, QStyle, QStyleOption, QStyleOptionHeader, QWidget

_GAP = 2  # pixels between a title and the arrow
_NO_ARROW = QStyleOptionHeader.SortIndicator.None_


class SortArrowRoomStyle(QProxyStyle):
    def __init__(self, base: str) -> None:
        super().__init__(base)
        self._arrow: QRect | None = None  # the arrow of the section being drawn

    def drawControl(
        self, element: QStyle.ControlElement, option: QStyleOption, painter: QPainter, widget: QWidget | None = None
    ) -> None:
        if element == QStyle.ControlElement.CE_Header and isinstance(option, QStyleOptionHeader):
            arrow = option.sortIndicator != _NO_ARROW
            self._arrow = self.subElementRect(QStyle.SubElement.SE_HeaderArrow, option, widget) if arrow else None  # type: ignore[arg-type]
            try:
                super().drawControl(element, option, painter, widget)
            finally:
                self._arrow = None
            return
        if element == QStyle.ControlElement.CE_HeaderLabel and self._arrow is not None:
            label = QStyleOptionHeader(option)  # type: ignore[call-overload]
            room = QRect(label.rect)
            if room.left() < self._arrow.left() <= room.right():
                room.setRight(self._arrow.left() - _GAP)
                label.rect = room
            super().drawControl(element, label, painter, widget)
            return
        super().drawControl(element, option, painter, widget)


_STYLES: dict[str, SortArrowRoomStyle] = {}  # one per base style, alive as long as the headers using it


def make_room_for_the_sort_arrow(header: QHeaderView) -> None:
    """Give the header the arrow-aware style, on top of the application's style."""
    name = QApplication.style().name()
    style = _STYLES.get(name)
    if style is None:
        style = _STYLES[name] = SortArrowRoomStyle(name)
    header.setStyle(style)
