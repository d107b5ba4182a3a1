"""Ticking rows in a table: which rows are ticked (by id), and a mixin that gives a table model its check column.

`RowChecks` is the ticked set. It holds entity ids, never row indexes, so ticks survive a re-sort, a search, a
refresh and paging; the buttons that act on ticked rows (Approve on the Draft tab, Resync on the Xero Exports
tab's Failed table) read `checks.ids()` and follow `checks.changed`.

`CheckableRows` is mixed into any flat QAbstractTableModel whose rows answer `ItemRole.ID` and that has
`loaded_ids()` and `row_of(id)` (InvoiceTableModel has both). Column `check_column` (0 unless set) shows a
checkbox per row, and its header a tri-state select-all box (`CheckHeaderView` paints and clicks it):

    class FailedTableModel(CheckableRows, SomeTableModel): ...   # the mixin comes first

The host's column list keeps a placeholder at `check_column` (see `CHECK_COLUMN` in invoice_table_model) so
widths and column counts stay the host's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from invoice_desktop.ui.models.roles import ItemRole

ModelIndex = QModelIndex | QPersistentModelIndex

_CHECK_ROLE = Qt.ItemDataRole.CheckStateRole


def check_state(value: object) -> Qt.CheckState:
    """Qt hands check states around as ints (and PySide6 sometimes as enums): one CheckState either way."""
    return value if isinstance(value, Qt.CheckState) else Qt.CheckState(int(value))  # type: ignore[call-overload]


class RowChecks(QObject):
    """The set of ticked ids. `changed(ids)` lists the ids whose tick changed (every id on a clear)."""

    changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids: dict[int, None] = {}  # a dict keeps the order they were ticked in

    def ids(self) -> list[int]:
        """Ticked ids, in the order they were ticked in (so actions report in a predictable order)."""
        return list(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._ids

    def set_checked(self, ids: Iterable[int], checked: bool) -> None:
        moved = [i for i in dict.fromkeys(ids) if (i in self._ids) != checked]
        if not moved:
            return
        for entity_id in moved:
            if checked:
                self._ids[entity_id] = None
            else:
                del self._ids[entity_id]
        self.changed.emit(moved)

    def toggle(self, entity_id: int) -> None:
        self.set_checked([entity_id], entity_id not in self._ids)

    def clear(self) -> None:
        self.set_checked(list(self._ids), False)

    def retain(self, ids: Iterable[int]) -> None:
        """Untick whatever is not among `ids` (invoices that have left the list)."""
        keep = set(ids)
        self.set_checked([i for i in self._ids if i not in keep], False)


class CheckableRows:
    """Mixin: a checkbox per row in column `check_column`, ticks kept in `self.checks` by id.

    The host model provides `loaded_ids() -> list[int]` and `row_of(id) -> int | None` (they are not declared
    here: the mixin comes first in the bases and would hide them).
    """

    check_column = 0
    check_tooltip = "Tick to include this invoice"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = RowChecks(self)  # type: ignore[arg-type]
        self.checks.changed.connect(self._on_checks_changed)

    # --- ticking ---

    def header_check_state(self) -> Qt.CheckState:
        loaded = self.loaded_ids()
        ticked = sum(1 for i in loaded if i in self.checks)
        if not loaded or not ticked:
            return Qt.CheckState.Unchecked
        return Qt.CheckState.Checked if ticked == len(loaded) else Qt.CheckState.PartiallyChecked

    def set_all_checked(self, checked: bool) -> None:
        """The header box: tick every row of the list (loading the rest of it first), or untick them all."""
        if checked:
            while self.canFetchMore(QModelIndex()):  # type: ignore[attr-defined]
                self.fetchMore(QModelIndex())  # type: ignore[attr-defined]
            self.checks.set_checked(self.loaded_ids(), True)
        else:
            self.checks.set_checked(self.loaded_ids(), False)

    def _on_checks_changed(self, ids: list[int]) -> None:
        rows = [row for row in (self.row_of(i) for i in ids) if row is not None]
        column = self.check_column
        if rows:
            self.dataChanged.emit(  # type: ignore[attr-defined]
                self.index(min(rows), column),
                self.index(max(rows), column),
                [_CHECK_ROLE],  # type: ignore[attr-defined]
            )
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, column, column)  # type: ignore[attr-defined]

    # --- QAbstractItemModel ---

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and index.column() == self.check_column and role not in (ItemRole.ID, ItemRole.RECORD):
            entity_id = super().data(index, ItemRole.ID)  # type: ignore[misc]
            if entity_id is None:
                return None
            if role == _CHECK_ROLE:
                return Qt.CheckState.Checked if entity_id in self.checks else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.check_tooltip
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return "Ticked" if entity_id in self.checks else "Not ticked"
            return None
        return super().data(index, role)  # type: ignore[misc]

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.isValid() and index.column() == self.check_column and role == _CHECK_ROLE:
            entity_id = super().data(index, ItemRole.ID)  # type: ignore[misc]
            if entity_id is None:
                return False
            self.checks.set_checked([entity_id], check_state(value) != Qt.CheckState.Unchecked)
            return True
        return super().setData(index, value, role)  # type: ignore[misc]

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)  # type: ignore[misc]
        if index.isValid() and index.column() == self.check_column:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and section == self.check_column:
            if role == _CHECK_ROLE:
                return self.header_check_state()
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Tick or untick every invoice in the list"
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return "Select all"
        return super().headerData(section, orientation, role)  # type: ignore[misc]

    def setHeaderData(
        self, section: int, orientation: Qt.Orientation, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if orientation == Qt.Orientation.Horizontal and section == self.check_column and role == _CHECK_ROLE:
            self.set_all_checked(check_state(value) != Qt.CheckState.Unchecked)
            return True
        return super().setHeaderData(section, orientation, value, role)  # type: ignore[misc]
