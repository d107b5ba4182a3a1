"""The base of the Xero Exports tab's two tables (Failed, Synced): a flat list of plain rows.

`reload()` calls the loader once (export_actions.list_failed: one joined query) and keeps the rows; `data()` only
reads them. Rows are found by invoice id (`ItemRole.ID`, `row_of`), never by row index; sorting happens in memory
with each column's key. The Synced table reads its rows a page at a time instead (xero_paged_model, sorted in SQL
by each column's `order`). Columns are `RowColumn` specs, read by InvoiceTableView the same way as the invoice
lists' columns (title, sample width, check, link).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import attrgetter
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QModelIndex, QObject, Qt

from invoice_desktop.ui.formatting import format_money
from invoice_desktop.ui.models.paged_rows import IdRowsModel, link_extra

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class HasInvoice(Protocol):
    @property
    def invoice_id(self) -> int: ...

    @property
    def number(self) -> str: ...

    @property
    def client(self) -> str: ...

    @property
    def total(self) -> str: ...


R = TypeVar("R", bound=HasInvoice)


@dataclass(frozen=True)
class RowColumn(Generic[R]):
    title: str
    text: Callable[[R], str]
    sort_key: Callable[[R], Any] | None = None  # the in-memory sort key (None: not sortable)
    alignment: Qt.AlignmentFlag = LEFT
    sample: str = ""  # typical widest content, for the initial width ("" = stretch)
    extra: Callable[[R, int], Any] | None = None  # other roles (tooltip, colour, accessible text)
    check: bool = False  # the checkbox column of a CheckableRows model
    link: bool = False  # a plain click on the cell opens the invoice
    order: str | None = None  # what a paged model asks its SQL query to sort by (None: not sortable there)


def check_column() -> RowColumn[Any]:
    return RowColumn("", lambda _r: "", check=True)


def money_text(total: str) -> str:
    try:
        return format_money(Decimal(total))
    except InvalidOperation:
        return total


def money_key(total: str) -> Decimal:
    try:
        return Decimal(total)
    except InvalidOperation:
        return Decimal(0)


def invoice_columns() -> tuple[RowColumn[Any], ...]:
    """Invoice #, Client and Total: the columns both tables start with."""
    return (
        RowColumn("Invoice #", _number, _number, sample="INV-000000", extra=link_extra, link=True, order="number"),
        RowColumn("Client", lambda r: r.client, lambda r: r.client.casefold(), order="client"),
        RowColumn(
            "Total", lambda r: money_text(r.total), lambda r: money_key(r.total), RIGHT, "000,000.00", order="total"
        ),
    )


def _number(row: HasInvoice) -> str:
    return row.number


class XeroRowsModel(IdRowsModel[R]):
    _id_of = attrgetter("invoice_id")

    def __init__(
        self, loader: Callable[[], list[R]], columns: Sequence[RowColumn[R]], parent: QObject | None = None
    ) -> None:
        super().__init__(columns, parent)
        self._loader = loader
        self._sort_column = next((i for i, c in enumerate(self._columns) if c.sort_key is not None), 0)
        self._descending = False

    @property
    def sort_key(self) -> Callable[[R], Any] | None:
        """The sorted column's key (the view puts its sort arrow on the column with this key)."""
        return self._columns[self._sort_column].sort_key if self._columns else None

    # --- reading ---

    def reload(self) -> None:
        """Re-read every row (one query) and show them in the current order."""
        rows = self._loader()
        self.beginResetModel()
        self._rows = self._sorted(rows)
        self._reindex()
        self.endResetModel()

    def remove(self, invoice_id: int) -> None:
        row = self._row_of_id.get(invoice_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._reindex()
        self.endRemoveRows()

    def replace(self, record: R) -> None:
        """Show a changed row in place (found by its invoice id)."""
        row = self._row_of_id.get(record.invoice_id)
        if row is None:
            return
        self._rows[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def refresh_column(self, invoice_ids: Sequence[int], column: int) -> None:
        """Repaint one column of these rows (a state shown there changed)."""
        rows = [r for r in (self._row_of_id.get(i) for i in invoice_ids) if r is not None]
        if rows:
            self.dataChanged.emit(self.index(min(rows), column), self.index(max(rows), column))

    def _reindex(self) -> None:
        self._row_of_id = {r.invoice_id: i for i, r in enumerate(self._rows)}

    # --- looking rows up ---

    def record_at(self, row: int) -> R:
        return self._rows[row]

    def record_of(self, invoice_id: int) -> R | None:
        row = self._row_of_id.get(invoice_id)
        return None if row is None else self._rows[row]

    # --- sorting ---

    def _sorted(self, rows: list[R]) -> list[R]:
        key = self.sort_key
        if key is None:
            return list(rows)
        # None sorts first (then the invoice number keeps equal keys in a stable order)
        return sorted(rows, key=lambda r: (key(r) is not None, key(r), r.number), reverse=self._descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns) or self._columns[column].sort_key is None:
            return
        self._sort_column, self._descending = column, order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        ids = [self._rows[p.row()].invoice_id if p.row() < len(self._rows) else None for p in persistent]
        self._rows = self._sorted(self._rows)
        self._reindex()
        moved = []
        for index, invoice_id in zip(persistent, ids, strict=True):
            row = self._row_of_id.get(invoice_id) if invoice_id is not None else None
            moved.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()
