"""The one table model of the window: `ColumnsModel[R]`, a flat table of plain rows `R` shown through a tuple of
`Column[R]` (ui/models/columns.py). Every table is one: the invoice lists, the Xero Exports tables, the clients,
the line items, Invoice Information's small tables.

`data()` only reads the rows in memory and the columns; `multiData` answers all the roles a cell is painted with
in one call (Qt's item delegates ask for seven at a time). Rows are found by id (`ItemRole.ID`, `row_of`) where the
model is given `id_of`, never by row index, which changes on every re-query.

What a table needs beyond that is handed in, not inherited:

- where the rows come from: `set_records(rows)` (the whole list, handed in), or `SqlPages` (ui/models/paging.py)
  for a list read a page at a time and sorted in SQL (`read_pages`, then `canFetchMore`/`fetchMore`);
- sorting: a paged list asks its query for the clicked column's `order`; one held in memory sorts by the column's
  `sort_key` (from `sort_column` on, when given) and keeps the persistent indexes on their rows;
- ticking: a column with `check` shows a checkbox per row and a select-all box in its header; the ticks live in
  `self.checks` (ui/models/checkable.py), for which the model is the list (`TickSource`): held in memory here,
  a paged list that can be ticked answers from SQL instead, through the `ListQuery` its `_list_query()` gives
  (InvoiceTableModel, FailedTableModel): a COUNT read once per reload, a query for the ids.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from functools import partial
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from invoice_desktop.ui.models.checkable import RowChecks, check_state
from invoice_desktop.ui.models.columns import Column, looks
from invoice_desktop.ui.models.paging import ListQuery, SqlPages
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.plain_text import tooltip

R = TypeVar("R")
ModelIndex = QModelIndex | QPersistentModelIndex

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
FONT = int(Qt.ItemDataRole.FontRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
EDIT = int(Qt.ItemDataRole.EditRole)
CHECK = int(Qt.ItemDataRole.CheckStateRole)
ID = int(ItemRole.ID)
RECORD = int(ItemRole.RECORD)

_PLAIN_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
SELECT_ALL_TIP = "Tick or untick every invoice in the list"


def _flags(column: Column[Any]) -> Qt.ItemFlag:
    flags = _PLAIN_FLAGS
    if column.check:
        flags |= Qt.ItemFlag.ItemIsUserCheckable
    if column.edit is not None:
        flags |= Qt.ItemFlag.ItemIsEditable
    return flags


class ColumnsModel(QAbstractTableModel, Generic[R]):
    def __init__(
        self,
        columns: Sequence[Column[R]],
        parent: QObject | None = None,
        *,
        id_of: Callable[[R], int] | None = None,
        pages: SqlPages[R] | None = None,
        sort_column: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._flags = tuple(_flags(c) for c in self.columns)
        self._id_of = id_of
        self._pages = pages
        self._rows: list[R] = []
        self._row_of_id: dict[int, int] = {}  # the rows shown, by id
        self._sort_column = sort_column  # a list held in memory: the column it is sorted by (None: as given)
        self._descending = False
        self._loading = False  # views and testers may call back into fetchMore while rows are being inserted
        self._count: int | None = None  # a paged list's length (`_list_query`), read when asked, once per reload
        self._reads = 0  # first pages asked for (pages_read): only the newest is shown
        self.check_column = next((i for i, c in enumerate(self.columns) if c.check), -1)
        self.checks = RowChecks(self, source=self)
        self.checks.changed.connect(self._on_checks_changed)

    # --- the rows ---

    def set_records(self, records: Iterable[R]) -> None:
        """Show these rows (in the sorted column's order, if the list is sorted here)."""
        self.beginResetModel()
        self._rows = self._sorted(list(records))
        self._reindex()
        self.endResetModel()
        self.checks.list_reloaded()

    def read_pages(self, keep_loaded: bool = True) -> None:
        """A paged list: read the first page again (with `keep_loaded`, as many rows as are loaded now, so a refresh
        keeps the user's scroll position)."""
        read, show = self.pages_read(keep_loaded)
        show(read())

    def pages_read(self, keep_loaded: bool = True) -> tuple[Callable[[], Any], Callable[[Any], bool]]:
        """`read_pages` in two halves, for a read off the GUI thread (ui/event_steps.read_off_thread): `read()` runs
        the query alone (any thread: plain rows, its own connection), `show(result)` puts the rows in the table on
        the GUI thread. A read overtaken by a newer one (read again, sorted) shows nothing: `show` says False."""
        if self._pages is None:
            raise TypeError(f"{type(self).__name__} is not paged: it is given its rows (set_records)")
        read, took = self._pages.first_read(len(self._rows) if keep_loaded else 0)
        self._reads += 1
        ticket = self._reads

        def show(page: list[R]) -> bool:
            if ticket != self._reads:
                return False
            took(page)
            self._rows_read_again()
            self._count = None
            self._loading = True
            try:
                self.beginResetModel()
                self._rows, self._row_of_id = [], {}
                self._rows = self._fresh(page)
                self._reindex()
                self.endResetModel()
            finally:
                self._loading = False
            self.checks.list_reloaded()
            return True

        return read, show

    def _rows_read_again(self) -> None:
        """A subclass's own state of the rows shown, let go of as a page read again is shown (pages_read)."""

    def record_at(self, row: int) -> R:
        return self._rows[row]

    def record_of(self, row_id: int) -> R | None:
        row = self._row_of_id.get(row_id)
        return None if row is None else self._rows[row]

    def row_of(self, row_id: int) -> int | None:
        """The row showing that id, or None when it is not loaded."""
        return self._row_of_id.get(row_id)

    def loaded_ids(self) -> list[int]:
        return list(self._row_of_id)

    def replace(self, record: R) -> None:
        """Show a changed row in place (found by its id)."""
        row = self._row_of_id.get(self._id(record))
        if row is not None:
            self._rows[row] = record
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def refresh_column(self, row_ids: Iterable[int], column: int) -> None:
        """Repaint one column of these rows (a state shown there changed)."""
        rows = [r for r in (self._row_of_id.get(i) for i in row_ids) if r is not None]
        if rows:
            self.dataChanged.emit(self.index(min(rows), column), self.index(max(rows), column))

    def remove_ids(self, row_ids: Iterable[int]) -> None:
        """Take these rows out of the table now."""
        self._remove_rows([r for r in (self._row_of_id.pop(i, None) for i in row_ids) if r is not None])

    def _remove_rows(self, rows: Iterable[int]) -> None:
        """Take these rows (by number) out: one beginRemoveRows per run of rows, from the bottom up, so the rows of
        the runs still to go do not move."""
        rows = sorted(set(rows), reverse=True)
        gone = [self._id(self._rows[row]) for row in rows] if self._id_of is not None else []
        runs: list[list[int]] = []
        for row in rows:
            if runs and runs[-1][0] == row + 1:
                runs[-1][0] = row
            else:
                runs.append([row, row])
        for first, last in runs:
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
        self._reindex()
        self.checks.forget(gone)

    def _id(self, record: R) -> int:
        if self._id_of is None:
            raise TypeError(f"{type(self).__name__} has no row ids")
        return self._id_of(record)

    def _reindex(self) -> None:
        id_of = self._id_of
        self._row_of_id = {} if id_of is None else {id_of(r): i for i, r in enumerate(self._rows)}

    def _fresh(self, page: list[R]) -> list[R]:
        """The rows of a page not shown yet (a change in between can shift rows a page)."""
        if self._id_of is None:
            return page
        seen = set(self._row_of_id)
        fresh = []
        for record in page:
            row_id = self._id_of(record)
            if row_id not in seen:
                seen.add(row_id)
                fresh.append(record)
        return fresh

    # --- paging ---

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        pages = self._pages
        return pages is not None and not parent.isValid() and not pages.exhausted and not self._loading

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if self._pages is None or not self.canFetchMore(parent):
            return
        fresh = self._fresh(self._pages.next())
        if not fresh:
            return
        first = len(self._rows)
        self._loading = True
        try:
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            if self._id_of is not None:
                self._row_of_id.update((self._id_of(r), first + n) for n, r in enumerate(fresh))
            self.endInsertRows()
        finally:
            self._loading = False

    # --- sorting ---

    @property
    def sort_column(self) -> int | None:
        """The column the list is sorted by (the view puts its sort arrow there)."""
        if self._pages is not None:
            order = self._pages.order
            return next((i for i, c in enumerate(self.columns) if c.order is not None and c.order == order), None)
        return self._sort_column

    @property
    def descending(self) -> bool:
        return self._pages.descending if self._pages is not None else self._descending

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        pages = self._pages
        if pages is not None:
            by = self.columns[column].order
            if by is not None and (by, descending) != (pages.order, pages.descending):
                pages.order, pages.descending = by, descending
                self.read_pages(keep_loaded=False)
            return
        if self.columns[column].sort_key is None or self._id_of is None:
            return
        self._sort_column, self._descending = column, descending
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._id(self._rows[p.row()]) if p.row() < len(self._rows) else None for p in persistent]
        self._rows = self._sorted(self._rows)
        self._reindex()
        moved = []
        for index, row_id in zip(persistent, ids, strict=True):
            row = self._row_of_id.get(row_id) if row_id is not None else None
            moved.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _sorted(self, rows: list[R]) -> list[R]:
        if self._sort_column is None or self._pages is not None:
            return rows
        key = self.columns[self._sort_column].sort_key
        if key is None:
            return rows
        tie = next((c.sort_key for c in self.columns if c.sort_key is not None), key)  # the first sortable column
        # None sorts first; then the first column keeps equal keys in a stable order
        return sorted(rows, key=lambda r: (key(r) is not None, key(r), tie(r)), reverse=self._descending)

    # --- ticking: the model is the list its checks tick rows of (TickSource) ---

    def _list_query(self) -> ListQuery | None:
        """A paged list that can be ticked: the query it answers from (None: the rows held here are the list)."""
        return None

    def tick_count(self) -> int:
        query = self._list_query()
        if query is None:
            return len(self._row_of_id)
        if self._count is None:
            self._count = query.count()
        return self._count

    def ids_in_list(self, ids: Collection[int]) -> set[int]:
        found = {i for i in ids if i in self._row_of_id}  # the rows loaded
        query, pages = self._list_query(), self._pages
        rest = [i for i in ids if i not in found]
        if query is not None and pages is not None and rest and not pages.exhausted:
            found.update(query.ids(pages.order, False, rest))
        return found

    def list_ids(self) -> Callable[[], list[int]]:
        """A function listing the list's ids in its order: a paged list's query, or a snapshot of the rows held
        here (one copy of the list, not a walk through it), read where it is called; a row taken off the table
        meanwhile is left out."""
        query, pages = self._list_query(), self._pages
        if query is not None and pages is not None:
            return partial(query.ids, pages.order, pages.descending)
        rows, id_of, shown = tuple(self._rows), self._id, self._row_of_id
        return lambda: [row_id for row_id in map(id_of, rows) if row_id in shown]

    def _on_checks_changed(self, ids: list[int]) -> None:
        column = self.check_column
        if column < 0:
            return
        if ids:
            rows = [row for row in (self._row_of_id.get(i) for i in ids) if row is not None]
        else:
            rows = [0, len(self._rows) - 1] if self._rows else []
        if rows:
            self.dataChanged.emit(self.index(min(rows), column), self.index(max(rows), column), [CHECK])
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)

    # --- what a cell shows ---

    def cell(self, row: int, column: int, role: int) -> Any:
        """What a cell holds in `role` (None: nothing); `row` and `column` are in range."""
        record, spec = self._rows[row], self.columns[column]
        if spec.check:
            return self._check_cell(record, spec, role)
        if role == DISPLAY:
            return spec.text(record)
        if role == ALIGNMENT:
            return spec.alignment
        if role == FOREGROUND:
            if spec.link:
                return looks().link
            return spec.foreground(record) if spec.foreground is not None else None
        if role == FONT:
            return looks().bold if spec.bold is not None and spec.bold(record) else None
        if role == TOOLTIP:
            # Xero's words, invoice numbers: shown as they are (ui.plain_text)
            return (tooltip(spec.tooltip(record)) or None) if spec.tooltip is not None else None
        if role == ACCESSIBLE:
            return spec.accessible(record) if spec.accessible is not None else None
        if role == EDIT:
            return spec.edit(record) if spec.edit is not None else None
        if role == ID:
            return self._id_of(record) if self._id_of is not None else None
        if role == RECORD:
            return record
        return None

    def look(self, row: int, column: int) -> tuple[str, Qt.AlignmentFlag, QColor | None, QFont | None]:
        """What a painted text cell shows: its text, alignment, colour and font (None: the list's), from `cell` as
        `data` answers them (ui/text_cell_delegate.py paints from this, one call per cell)."""
        cell = self.cell
        text = cell(row, column, DISPLAY)
        alignment, colour, font = cell(row, column, ALIGNMENT), cell(row, column, FOREGROUND), cell(row, column, FONT)
        return ("" if text is None else text), alignment, colour, font

    def texts_of(self, records: Iterable[R]) -> list[tuple[str, bool]]:
        """The texts these rows' cells show and whether in bold (what `look` gives once they are in the table):
        what a view lays out ahead of showing them (InvoiceTableView.lay_out_ahead)."""
        columns = [spec for spec in self.columns if not spec.check]
        return [(c.text(record), c.bold is not None and c.bold(record)) for record in records for c in columns]

    def _check_cell(self, record: R, spec: Column[R], role: int) -> Any:
        if role == ID:
            return self._id(record)
        if role == RECORD:
            return record
        ticked = role in (CHECK, ACCESSIBLE) and self.checks.is_ticked(self._id(record))
        if role == CHECK:
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role == ACCESSIBLE:
            return "Ticked" if ticked else "Not ticked"
        if role == TOOLTIP and spec.tooltip is not None:
            return spec.tooltip(record)
        return None

    # --- QAbstractItemModel ---

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def in_range(self, index: ModelIndex) -> bool:
        return index.isValid() and 0 <= index.row() < len(self._rows) and 0 <= index.column() < len(self.columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return self.cell(index.row(), index.column(), int(role)) if self.in_range(index) else None

    def multiData(self, index: ModelIndex, span: QModelRoleDataSpan | QModelRoleData) -> None:
        """Every role asked for at once (a delegate painting a cell asks for seven): one call into Python."""
        valid, row, column = self.in_range(index), index.row(), index.column()
        # PySide6's stub of QModelRoleDataSpan lacks __iter__; the span is iterable (QtCore's own multiData docs)
        items: Iterable[QModelRoleData] = [span] if isinstance(span, QModelRoleData) else span  # type: ignore[assignment]
        for role_data in items:
            value = self.cell(row, column, role_data.role()) if valid else None
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not self.in_range(index) or index.column() != self.check_column or int(role) != CHECK:
            return False
        row_id = self._id(self._rows[index.row()])
        self.checks.set_checked([row_id], check_state(value) != Qt.CheckState.Unchecked)
        return True

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return Qt.ItemFlag.NoItemFlags
        return self._flags[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        role = int(role)
        if role == DISPLAY:
            return self.columns[section].title
        if role == ALIGNMENT:
            return self.columns[section].alignment
        if section == self.check_column:
            if role == CHECK:
                return self.checks.header_state(self._row_of_id.keys())
            if role == TOOLTIP:
                return SELECT_ALL_TIP
            if role == ACCESSIBLE:
                return "Select all"
        return None

    def setHeaderData(
        self, section: int, orientation: Qt.Orientation, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if orientation == Qt.Orientation.Horizontal and section == self.check_column >= 0 and int(role) == CHECK:
            self.checks.set_all(check_state(value) != Qt.CheckState.Unchecked)
            return True
        return super().setHeaderData(section, orientation, value, role)
