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

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPalette, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from invoice_desktop.ui.models.columns import looks
from invoice_desktop.ui.models.table_model import ColumnsModel

ModelIndex = QModelIndex | QPersistentModelIndex

# the states of a cell whose look is the style's own (what it draws under the text): such cells go the style's way
STYLED_STATES = (
    QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_MouseOver
).value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_RIGHT_TO_LEFT = Qt.LayoutDirection.RightToLeft
_RIGHT, _HCENTER = Qt.AlignmentFlag.AlignRight, Qt.AlignmentFlag.AlignHCenter
_BOTTOM, _VCENTER = Qt.AlignmentFlag.AlignBottom, Qt.AlignmentFlag.AlignVCenter
_MOST_TEXTS = 4096  # laid-out texts kept (a few pages of a list); the cache starts again when full


class _Text:
    """A text as a cell shows it (elided or not), its width, and laid out (once painted)."""

    __slots__ = ("advance", "shown", "static")

    def __init__(self, shown: str, advance: float) -> None:
        self.shown, self.advance = shown, advance
        self.static: QStaticText | None = None  # laid out when first painted


class TextCellDelegate(QStyledItemDelegate):
    def __init__(self, view: QTableView, model: ColumnsModel[Any]) -> None:
        super().__init__(view)
        self._view, self._model = view, model
        self._texts: dict[tuple[str, bool], _Text] = {}  # (text, bold): the whole text
        self._elided: dict[tuple[str, bool, int], _Text] = {}  # (text, bold, room): a text too wide for its cell
        self._font = QFont()  # the list's font, and its bold: what the cached texts were measured in
        self._bold = QFont()
        self._metrics: tuple[QFontMetricsF, QFontMetricsF] | None = None
        self._lines = (0, 0)  # the height of a line of text, plain and bold (rounded, as the style's layout does)
        self._margin = 0

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        state, column = option.state.value, index.column()
        if state & STYLED_STATES or not state & _ENABLED or column == self._model.check_column:
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
        room = rect.width() - 2 * self._margin
        shown = self._whole(text, bold)
        if shown.advance > room:
            shown = self._elided.get((text, bold, room)) or self._elide(text, bold, room)
        # where the style's text layout puts it (QCommonStyle's viewItemDrawText): across, at a fraction of a pixel
        # as aligned in the line; down, the line's height rounded and aligned in the cell
        x = float(rect.x() + self._margin)
        if alignment & _RIGHT:
            x += room - shown.advance
        elif alignment & _HCENTER:
            x += (room - shown.advance) / 2
        y = rect.y()
        if alignment & _BOTTOM:
            y += rect.height() - self._lines[bold]
        elif alignment & _VCENTER:
            y += int((rect.height() - self._lines[bold]) / 2)  # (Qt's integer division: towards zero)
        if colour is None:
            group = QPalette.ColorGroup.Active if state & _ACTIVE else QPalette.ColorGroup.Inactive
            colour = option.palette.color(group, QPalette.ColorRole.Text)
        painter.save()
        painter.setFont(self._bold if bold else self._font)
        painter.setPen(colour)
        painter.setClipRect(rect)
        painter.drawStaticText(QPointF(x, y), self._laid_out(shown, bold))
        painter.restore()

    def lay_out_ahead(self, texts: Iterable[tuple[str, bool]]) -> None:
        """Measure and lay out these (text, bold) before rows showing them are painted (a page of new rows after a
        Resync: their first paint was twice as long as the next). Nothing before the list's first paint (the font
        is known from it)."""
        if self._metrics is None:
            return
        for text, bold in texts:
            if text and "\n" not in text:
                self._laid_out(self._whole(text, bold), bold)

    def _follow(self, option: QStyleOptionViewItem) -> None:
        """Measure texts anew when the list's font changed (and at the first paint)."""
        if self._metrics is not None and option.font == self._font:
            return
        self._font = QFont(option.font)
        self._bold = QFont(looks().bold).resolve(self._font)
        self._metrics = (QFontMetricsF(self._font), QFontMetricsF(self._bold))
        self._lines = (round(self._metrics[0].height()), round(self._metrics[1].height()))
        style = self._view.style()
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self._view) + 1
        self._texts.clear()
        self._elided.clear()

    def _whole(self, text: str, bold: bool) -> _Text:
        """The whole text, measured once."""
        known = self._texts.get((text, bold))
        if known is not None:
            return known
        assert self._metrics is not None
        if len(self._texts) >= _MOST_TEXTS:
            self._texts.clear()
        self._texts[(text, bold)] = measured = _Text(text, self._metrics[bold].horizontalAdvance(text))
        return measured

    def _elide(self, text: str, bold: bool, room: int) -> _Text:
        assert self._metrics is not None
        metrics = self._metrics[bold]
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
        if len(self._elided) >= _MOST_TEXTS:
            self._elided.clear()
        self._elided[(text, bold, room)] = elided = _Text(shown, metrics.horizontalAdvance(shown))
        return elided

    def _laid_out(self, shown: _Text, bold: bool) -> QStaticText:
        """The text laid out, once."""
        if shown.static is None:
            shown.static = QStaticText(shown.shown)
            shown.static.setTextFormat(Qt.TextFormat.PlainText)
            shown.static.prepare(font=self._bold if bold else self._font)
        return shown.static
