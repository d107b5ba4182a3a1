"""The look of the small read-only tables inside a form (lines, payments, export history)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from invoice_desktop.ui.models.table_model import ColumnsModel


def record_table(
    model: ColumnsModel[Any], accessible_name: str, stretch: int = 0, parent: QWidget | None = None
) -> QTableView:
    """A compact table: whole rows, no grid, column `stretch` takes the spare width, the rest fit their content."""
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    for section in range(model.columnCount()):
        mode = QHeaderView.ResizeMode.Stretch if section == stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(section, mode)
    return view


def fit_height(view: QTableView, min_rows: int = 1, max_rows: int = 8) -> None:
    """Make a table as tall as its rows (within limits), so a form shows a short list without a scroll bar."""
    rows = min(max(view.model().rowCount(), min_rows), max_rows)
    height = view.horizontalHeader().sizeHint().height() + rows * view.verticalHeader().defaultSectionSize()
    view.setFixedHeight(height + 2 * view.frameWidth())
