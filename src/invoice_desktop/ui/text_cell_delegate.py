"""The text cells of the invoice lists, painted from text laid out once (QStaticText) rather than through the
style's general item path.

Why: a list repaints every visible cell whenever a row changes (a Resync takes rows off the Failed list a batch at a
time). Through QStyledItemDelegate each cell cost about 75 µs: the seven data roles asked of the Python model, then
the text shaped and laid out again by the style, for 26 rows of 7 columns 14 ms a paint, most of a 60 Hz frame
(issue 16: the GUI thread's longest stall during a Resync at most 16 ms). Here a cell asks the model once for its
look (text, alignment, colour, bold: `ColumnsModel.look`, the same `cell` that `data` answers from) and draws its
text, elided to the cell, from a cache of laid-out texts.

Only the plain text cells take this path: a selected, focused, hovered or disabled cell, the check column (where a
CheckableTableView has not put its own delegate), a font other than the list's bold one, or text on more than one
line is painted by QStyledItemDelegate as before, so the style still draws
everything that is its own (selection, focus frame, hover). The text sits where the style puts it: its margin
(PM_FocusFrameHMargin + 1) each side, aligned in what is left, elided on the right as the view asks (ElideRight).
The texts are plain text always (an invoice number "<b>1</b>" shows its brackets).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QSizeF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from invoice_desktop.ui.models.columns import looks
from invoice_desktop.ui.models.table_model import ColumnsModel

ModelIndex = QModelIndex | QPersistentModelIndex

_STYLED = QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_MouseOver
_ENABLED = QStyle.StateFlag.State_Enabled
_ACTIVE = QStyle.StateFlag.State_Active
_MOST_TEXTS = 4096  # laid-out texts kept (a few pages of a list); the cache starts again when full


class TextCellDelegate(QStyledItemDelegate):
    def __init__(self, view: QTableView, model: ColumnsModel[Any]) -> None:
        super().__init__(view)
        self._view, self._model = view, model
        self._texts: dict[tuple[str, bool, int], tuple[QStaticText, QSizeF]] = {}
        self._font = QFont()  # the list's font, and its bold: what the cached texts were laid out in
        self._bold = QFont()
        self._metrics: tuple[QFontMetricsF, QFontMetricsF] | None = None
        self._margin = 0

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        state, column = option.state, index.column()
        if state & _STYLED or not state & _ENABLED or column == self._model.check_column:
            super().paint(painter, option, index)
            return
        text, alignment, colour, font = self._model.look(index.row(), column)
        if (font is not None and font is not looks().bold) or "\n" in text:
            super().paint(painter, option, index)
            return
        if not text:
            return
        bold = font is not None
        self._follow(option)
        rect = option.rect.adjusted(self._margin, 0, -self._margin, 0)
        static, size = self._laid_out(text, bold, rect.width())
        if colour is None:
            group = QPalette.ColorGroup.Active if state & _ACTIVE else QPalette.ColorGroup.Inactive
            colour = option.palette.color(group, QPalette.ColorRole.Text)
        painter.save()
        painter.setFont(self._bold if bold else self._font)
        painter.setPen(colour)
        painter.setClipRect(option.rect)
        painter.drawStaticText(self._position(option, alignment, size, rect), static)
        painter.restore()

    @staticmethod
    def _position(option: QStyleOptionViewItem, alignment: Qt.AlignmentFlag, size: QSizeF, rect: QRect) -> QPointF:
        """Where the style's text layout puts the text: across, at a fraction of a pixel as aligned in the line;
        down, the line's height rounded and aligned in the cell."""
        across = QStyle.visualAlignment(option.direction, alignment)
        x = float(rect.left())
        if across & Qt.AlignmentFlag.AlignRight:
            x += rect.width() - size.width()
        elif across & Qt.AlignmentFlag.AlignHCenter:
            x += (rect.width() - size.width()) / 2
        down = alignment & Qt.AlignmentFlag.AlignVertical_Mask | Qt.AlignmentFlag.AlignLeft
        y = QStyle.alignedRect(option.direction, down, size.toSize(), rect).top()
        return QPointF(x, y)

    def _follow(self, option: QStyleOptionViewItem) -> None:
        """Lay texts out anew when the list's font changed (and at the first paint)."""
        if self._metrics is not None and option.font == self._font:
            return
        self._font = QFont(option.font)
        self._bold = QFont(looks().bold).resolve(self._font)
        self._metrics = (QFontMetricsF(self._font), QFontMetricsF(self._bold))
        style = self._view.style()
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self._view) + 1
        self._texts.clear()

    def _laid_out(self, text: str, bold: bool, width: int) -> tuple[QStaticText, QSizeF]:
        key = (text, bold, width)
        known = self._texts.get(key)
        if known is not None:
            return known
        assert self._metrics is not None
        metrics = self._metrics[bold]
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
        static = QStaticText(shown)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(font=self._bold if bold else self._font)
        size = QSizeF(metrics.horizontalAdvance(shown), metrics.height())
        if len(self._texts) >= _MOST_TEXTS:
            self._texts.clear()
        self._texts[key] = known = (static, size)
        return known
