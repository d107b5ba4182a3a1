"""The table view for invoice lists (and the Xero Exports tables): rows selected whole, sortable header, widths
from the columns (ui/models/columns.py),
a quiet message when the list is empty, and the invoice id (not the row) handed out on activation: a
double-click, Enter, or a plain click on a link cell (the invoice number)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QStyle, QTableView, QWidget

from invoice_desktop.ui.header_style import make_room_for_the_sort_arrow
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.ui.status_colours import muted_colour
from invoice_desktop.ui.text_cell_delegate import TextCellDelegate

_CELL_PADDING = 24  # the style's cell margins plus room for the header's sort arrow
_ROW_PADDING = 10  # rows a little taller than the text: dense, as bookkeepers like lists


class InvoiceTableView(QTableView):
    invoice_activated = Signal(int)  # the invoice id of the row double-clicked or Enter'ed

    def __init__(self, model: ColumnsModel[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = "No invoices"
        self._model = model
        self._install_header()
        make_room_for_the_sort_arrow(self.horizontalHeader())
        self.setModel(model)
        self.text_cells = TextCellDelegate(self, model)
        self.setItemDelegate(self.text_cells)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + _ROW_PADDING)
        self.horizontalHeader().setHighlightSections(False)
        sorted_by = model.sort_column
        self.horizontalHeader().setSortIndicator(0 if sorted_by is None else sorted_by, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self._size_columns(model)
        self.activated.connect(self._on_activated)
        self.clicked.connect(self._on_clicked)
        self.setMouseTracking(True)  # the pointing hand over the invoice number

    def _install_header(self) -> None:
        """Subclasses put their own horizontal header in place here (before the model is set)."""

    def model(self) -> ColumnsModel[Any]:
        return self._model

    def current_invoice_id(self) -> int | None:
        index = self.currentIndex()
        return index.data(ItemRole.ID) if index.isValid() else None

    def select_invoice(self, invoice_id: int) -> bool:
        """Make the row showing that invoice current (and selected); False when it is not loaded."""
        row = self.model().row_of(invoice_id)
        if row is None:
            return False
        self.selectRow(row)
        return True

    def _size_columns(self, model: ColumnsModel[Any]) -> None:
        header, metrics = self.horizontalHeader(), self.fontMetrics()
        indicator = self.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, self) + _CELL_PADDING
        narrowest = metrics.horizontalAdvance("Client") + _CELL_PADDING
        header.setMinimumSectionSize(min(narrowest, indicator) if any(c.check for c in model.columns) else narrowest)
        for section, column in enumerate(model.columns):
            if column.check:
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Fixed)
                header.resizeSection(section, indicator)
                continue
            if not column.sample:
                header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
                continue
            widest = max(metrics.horizontalAdvance(column.sample), metrics.horizontalAdvance(column.title))
            header.setSectionResizeMode(section, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(section, widest + _CELL_PADDING)

    def keep_every_column_in_view(self, rows: int) -> None:
        """The list's smallest size shows every column (a stretching one at the width of a short client name) and
        `rows` rows, so the window cannot be made so small that a column (Failed's Status) or the rows are off it."""
        header = self.horizontalHeader()
        stretch = QHeaderView.ResizeMode.Stretch
        narrow = self.fontMetrics().horizontalAdvance("Coastal Property") + _CELL_PADDING
        columns = sum(
            narrow if header.sectionResizeMode(s) == stretch else header.sectionSize(s) for s in range(header.count())
        )
        frame = 2 * self.frameWidth()
        scroll_bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        height = header.sizeHint().height() + rows * self.verticalHeader().defaultSectionSize()
        self.setMinimumSize(columns + frame + scroll_bar, height + frame + scroll_bar)

    def show_keeping_current(self, show: Callable[[Any], bool], result: Any) -> bool:
        """`show(result)` (a list read again), the current row's invoice current again after it; what show said."""
        current = self.current_invoice_id()
        shown = show(result)
        if shown and current is not None:
            self.select_invoice(current)
        return shown

    def lay_out_ahead(self, records: Sequence[Any]) -> None:
        """Lay out the texts of the first rows of a page about to be shown, as many as the list shows at once."""
        rows = self.viewport().height() // max(self.verticalHeader().defaultSectionSize(), 1) + 1
        self.text_cells.lay_out_ahead(self.model().texts_of(records[:rows]))

    def _on_activated(self, index: QModelIndex) -> None:
        invoice_id = index.data(ItemRole.ID)
        if invoice_id is not None:
            self.invoice_activated.emit(invoice_id)

    def _is_link(self, index: QModelIndex) -> bool:
        columns = self.model().columns
        return index.isValid() and 0 <= index.column() < len(columns) and columns[index.column()].link

    def _on_clicked(self, index: QModelIndex) -> None:
        if self._is_link(index) and QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier:
            self._on_activated(index)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        link = self._is_link(self.indexAt(event.position().toPoint()))
        if link:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.viewport().unsetCursor()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model().rowCount():
            return
        painter = QPainter(self.viewport())
        painter.setPen(muted_colour(self.palette()))
        area = self.viewport().rect().adjusted(0, 24, 0, 0)
        painter.drawText(area, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.empty_text)
        painter.end()
