"""A Xero Exports table read a page at a time (the Synced table): sorting and paging happen in SQL.

`reload()` reads the first page (or, on a refresh, as many rows as are loaded, so the scroll position stays);
`canFetchMore` / `fetchMore` read the next page as the view scrolls; `sort()` asks the query for the column's
`order` and starts again from the first page. `data()` only reads the rows in memory, as in XeroRowsModel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, QObject, Qt

from invoice_desktop.ui.models.xero_rows_model import ModelIndex, R, RowColumn, XeroRowsModel

DEFAULT_PAGE_SIZE = 200

# (order, descending, offset, limit) -> rows: one page of the list in that order
Pager = Callable[[str, bool, int, int], list[R]]


class PagedRowsModel(XeroRowsModel[R]):
    def __init__(
        self,
        pager: Pager[R],
        columns: Sequence[RowColumn[R]],
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(list, columns, parent)  # the base's loader is not used: rows come a page at a time
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._pager = pager
        self._page_size = page_size
        self._sort_column = next((i for i, c in enumerate(self.columns) if c.order is not None), 0)
        self._fetched = 0  # rows read from the query so far (the next page's offset)
        self._exhausted = True  # nothing is read until the first reload()
        self._loading = False  # views and testers may call back into fetchMore while rows are being inserted

    @property
    def page_size(self) -> int:
        return self._page_size

    def reload(self, keep_loaded: bool = True) -> None:
        """Re-read: with `keep_loaded`, as many rows as are loaded now; otherwise the first page."""
        limit = max(self._page_size, len(self._rows)) if keep_loaded else self._page_size
        page = self._query(0, limit)
        self._loading = True
        try:
            self.beginResetModel()
            self._rows, self._row_of_id, self._fetched = [], {}, 0
            self._append(page, limit)
            self.endResetModel()
        finally:
            self._loading = False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].order is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) != (self._sort_column, self._descending):
            self._sort_column, self._descending = column, descending
            self.reload(keep_loaded=False)

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = self._query(self._fetched, self._page_size)
        first = len(self._rows)
        fresh = {r.invoice_id for r in page} - self._row_of_id.keys()  # a change in between can shift rows
        self._loading = True
        try:
            if fresh:
                self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._append(page, self._page_size)
            if fresh:
                self.endInsertRows()
        finally:
            self._loading = False

    def _query(self, offset: int, limit: int) -> list[R]:
        order = self.columns[self._sort_column].order or ""
        return self._pager(order, self._descending, offset, limit)

    def _append(self, page: list[R], asked: int) -> None:
        self._fetched += len(page)
        self._exhausted = len(page) < asked
        for record in page:
            if record.invoice_id not in self._row_of_id:
                self._row_of_id[record.invoice_id] = len(self._rows)
                self._rows.append(record)
