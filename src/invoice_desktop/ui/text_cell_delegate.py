"""The text cells of the invoice lists, painted from text laid out once (QStaticText) rather than through the
style's general item path.

Why: a list repaints every visible cell whenever a row changes (a Resync takes rows off the Failed list a batch at a
time). Through QStyledItemDelegate each cell cost about 75 µs: the seven data roles asked of the Python model, then
the text shaped and laid out again by the style; for 26 rows of 7 columns 14 ms a paint, most of a 60 Hz frame
(issue 16: the GUI thread's longest stall during a Resync at most 16 ms). Here a cell asks the model once for its
look (text, alignment, colour, bold: `ColumnsModel.look`, the same `cell` that `data` answers from) and draws its
text, elided to the cell, from a cache of laid-out texts: 4-5 ms a paint, 6 with every text new.

Only the plain text cells take this path: a selected, focused, hovered or disabled cell, the check column (where a
CheckableTableView has not put its own delegate), a font other than the list's bold one, text on more than one line
or a right-to-left list (where the text's own direction reorders it) is painted by QStyledItemDelegate as before,
so the style still draws everything that is its own (selection, focus frame, hover). The text sits where the style
puts it: its margin (PM_FocusFrameHMargin + 1) each side, aligned in what is left, elided on the right as the view
asks (ElideRight). tests/gui/test_text_cell_delegate.py holds the two paths to the same picture, pixel for pixel.
The texts are plain text always (an invoice number "<b>1</b>" shows its brackets).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from invoice_desktop.ui.models.columns import looks
from invoice_desktop.ui.models.table_model import ColumnsModel

ModelIndex = QModelIndex | QPersistentModelIndex

_STYLED = (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_MouseOver).value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_RIGHT_TO_LEFT = Qt.LayoutDirection.RightToLeft
_MOST_TEXTS = 4096  # laid-out texts kept (a few pages of a list); the cache starts again when full

# (text, bold, the cell's width and height, alignment) -> the text laid out, where it goes in the cell
_Key = tuple[str, bool, int, int, Qt.AlignmentFlag]


class TextCellDelegate(QStyledItemDelegate):
    def __init__(self, view: QTableView, model: ColumnsModel[Any]) -> None:
        super().__init__(view)
        self._view, self._model = view, model
        self._texts: dict[_Key, tuple[QStaticText, float, float]] = {}
        self._font = QFont()  # the list's font, and its bold: what the cached texts were laid out in
        self._bold = QFont()
        self._metrics: tuple[QFontMetricsF, QFontMetricsF] | None = None
        self._margin = 0

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        state, column = option.state.value, index.column()
        if state & _STYLED or not state & _ENABLED or column == self._model.check_column:
            super().paint(painter, option, index)
            return
        text, alignment, colour, font = self._model.look(index.row(), column)
        if (font is not None and font is not looks().bold) or "\n" in text or option.direction == _RIGHT_TO_LEFT:
            super().paint(painter, option, index)
            return
        if not text:
            return
        bold = font is not None
        self._follow(option)
        rect = option.rect
        key = (text, bold, rect.width(), rect.height(), alignment)
        static, dx, dy = self._texts.get(key) or self._lay_out(key)
        if colour is None:
            group = QPalette.ColorGroup.Active if state & _ACTIVE else QPalette.ColorGroup.Inactive
            colour = option.palette.color(group, QPalette.ColorRole.Text)
        painter.save()
        painter.setFont(self._bold if bold else self._font)
        painter.setPen(colour)
        painter.setClipRect(rect)
        painter.drawStaticText(QPointF(rect.x() + dx, rect.y() + dy), static)
        painter.restore()

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

    def _lay_out(self, key: _Key) -> tuple[QStaticText, float, float]:
        """The text elided to the cell, laid out once, and where the style's text layout puts it in the cell
        (QCommonStyle's viewItemDrawText): across, at a fraction of a pixel as aligned in the line; down, the line's
        height rounded and aligned in the cell (left to right only: see `paint`)."""
        text, bold, width, height, alignment = key
        assert self._metrics is not None
        metrics = self._metrics[bold]
        room = width - 2 * self._margin
        advance = metrics.horizontalAdvance(text)
        if advance > room:  # (elidedText measures the text again: only for what does not fit)
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            advance = metrics.horizontalAdvance(text)
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(font=self._bold if bold else self._font)
        dx = float(self._margin)
        if alignment & Qt.AlignmentFlag.AlignRight:
            dx += room - advance
        elif alignment & Qt.AlignmentFlag.AlignHCenter:
            dx += (room - advance) / 2
        line = round(metrics.height())
        dy = 0.0
        if alignment & Qt.AlignmentFlag.AlignBottom:
            dy = float(height - line)
        elif alignment & Qt.AlignmentFlag.AlignVCenter:
            dy = float(int((height - line) / 2))  # (Qt's integer division: towards zero)
        if len(self._texts) >= _MOST_TEXTS:
            self._texts.clear()
        self._texts[key] = laid_out = (static, dx, dy)
        return laid_out
