"""The common ground of the invoice lists and the Xero Exports tables: a flat table of plain rows found by id.

`IdRowsModel` holds the rows in memory and shows them through column specs (title, text, alignment, extra roles,
check); `data()` only reads those rows. Rows are found by their id (`ItemRole.ID`, `row_of`), never by row index,
which changes on every re-query. A model says which field is the id with `_id_of` (`attrgetter("id")` unless
set).

`SqlPaging` is mixed in (before the model in the bases) where the rows come a page at a time from SQL:
`reload()` reads the first page (or, on a refresh, as many rows as are loaded, so the scroll position stays),
`canFetchMore` / `fetchMore` the next page as the view scrolls, and `sort()` asks the query for another order and
starts again from the first page. A row already loaded is not shown twice (a change in between can shift rows a
page). The host calls `_start_paging` in its `__init__` and gives `_query(offset, limit)` and `_order_of(column)`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication, QPalette

from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.plain_text import tooltip

ModelIndex = QModelIndex | QPersistentModelIndex

R = TypeVar("R")


class Column(Protocol):
    """What IdRowsModel reads of a column spec (InvoiceColumn, RowColumn)."""

    @property
    def title(self) -> str: ...

    @property
    def text(self) -> Callable[[Any], str]: ...

    @property
    def alignment(self) -> Qt.AlignmentFlag: ...

    @property
    def extra(self) -> Callable[[Any, int], Any] | None: ...

    @property
    def check(self) -> bool: ...


def link_extra(row: Any, role: int) -> Any:
    """The invoice number drawn as a link that opens the invoice (a column's `extra`; the row has a `number`)."""
    if role == Qt.ItemDataRole.ForegroundRole:
        return QGuiApplication.palette().color(QPalette.ColorRole.Link)
    if role == Qt.ItemDataRole.ToolTipRole:
        return f"Open {row.number}"
    return None


class IdRowsModel(QAbstractTableModel, Generic[R]):
    _id_of: Callable[[Any], int] = attrgetter("id")  # a row's id (an attrgetter: not bound as a method)

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[R] = []
        self._row_of_id: dict[int, int] = {}

    @property
    def columns(self) -> tuple[Any, ...]:
        return self._columns

    def row_of(self, row_id: int) -> int | None:
        """The row showing that id, or None when it is not loaded."""
        return self._row_of_id.get(row_id)

    def loaded_ids(self) -> list[int]:
        return list(map(self._id_of, self._rows))

    # --- QAbstractTableModel ---

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self._columns):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return None if column.check else column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.alignment
        if role == ItemRole.ID:
            return self._id_of(row)
        if role == ItemRole.RECORD:
            return row
        value = column.extra(row, role) if column.extra else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(value) or None  # Xero's words, invoice numbers: shown as they are (ui.plain_text)
        return value

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._columns[section].alignment
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class SqlPaging:
    """Mixin for an IdRowsModel read a page at a time, sorted in SQL (see the module's docstring)."""

    # provided by the IdRowsModel it is mixed into
    _columns: tuple[Any, ...]
    _rows: list[Any]
    _row_of_id: dict[int, int]
    _id_of: Callable[[Any], int]

    def _start_paging(self, page_size: int, order: Hashable) -> None:
        """Called from the host's __init__: the page size and the order the query starts in."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._page_size = page_size
        self._order = order  # what the query sorts by now
        self._descending = False
        self._fetched = 0  # rows read from the query so far (the next page's offset)
        self._exhausted = True  # nothing is read until the first reload()
        self._loading = False  # views and testers may call back into fetchMore while rows are being inserted

    def _query(self, offset: int, limit: int) -> list[Any]:
        """One page of the list, in the current order (`self._order`, `self._descending`)."""
        raise NotImplementedError

    def _order_of(self, column: int) -> Hashable | None:
        """What the query sorts by for that column (None: the column is not sortable)."""
        raise NotImplementedError

    @property
    def page_size(self) -> int:
        return self._page_size

    def reload(self, keep_loaded: bool = True) -> None:
        """Re-read from the database. With `keep_loaded`, as many rows as are loaded now (so a refresh keeps
        the user's scroll position); otherwise the first page."""
        limit = max(self._page_size, len(self._rows)) if keep_loaded else self._page_size
        page = self._query(0, limit)
        self._loading = True
        try:
            self.beginResetModel()  # type: ignore[attr-defined]
            self._rows, self._row_of_id, self._fetched = [], {}, 0
            self._append(page, limit)
            self.endResetModel()  # type: ignore[attr-defined]
        finally:
            self._loading = False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        by = self._order_of(column) if 0 <= column < len(self._columns) else None
        if by is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (by, descending) != (self._order, self._descending):
            self._order, self._descending = by, descending
            self.reload(keep_loaded=False)

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = self._query(self._fetched, self._page_size)
        first = len(self._rows)
        fresh = set(map(self._id_of, page)) - self._row_of_id.keys()  # a change in between can shift rows a page
        self._loading = True
        try:
            if fresh:
                self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)  # type: ignore[attr-defined]
            self._append(page, self._page_size)
            if fresh:
                self.endInsertRows()  # type: ignore[attr-defined]
        finally:
            self._loading = False

    def _append(self, page: list[Any], asked: int) -> None:
        self._fetched += len(page)
        self._exhausted = len(page) < asked
        for row in page:
            row_id = self._id_of(row)
            if row_id not in self._row_of_id:
                self._row_of_id[row_id] = len(self._rows)
                self._rows.append(row)
