"""A Xero Exports table read a page at a time (the Synced table): sorting and paging happen in SQL.

XeroRowsModel with the SQL paging of ui/models/paged_rows mixed in: `reload()` reads the first page (or, on a
refresh, as many rows as are loaded, so the scroll position stays); `canFetchMore` / `fetchMore` read the next
page as the view scrolls; `sort()` asks the query for the column's `order` and starts again from the first page.
`data()` only reads the rows in memory, as in XeroRowsModel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject

from invoice_desktop.ui.models.paged_rows import SqlPaging
from invoice_desktop.ui.models.xero_rows_model import R, RowColumn, XeroRowsModel

DEFAULT_PAGE_SIZE = 200

# (order, descending, offset, limit) -> rows: one page of the list in that order
Pager = Callable[[str, bool, int, int], list[R]]


class PagedRowsModel(SqlPaging, XeroRowsModel[R]):
    def __init__(
        self,
        pager: Pager[R],
        columns: Sequence[RowColumn[R]],
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(list, columns, parent)  # the base's loader is not used: rows come a page at a time
        first = next((c.order for c in self.columns if c.order is not None), "")
        self._start_paging(page_size, first)
        self._pager = pager

    @property
    def sort_key(self) -> Callable[[R], Any] | None:
        """The sorted column's key (the view puts its sort arrow on the column with this key)."""
        return next((c.sort_key for c in self.columns if c.order is not None and c.order == self._order), None)

    def _order_of(self, column: int) -> str | None:
        return self.columns[column].order

    def _query(self, offset: int, limit: int) -> list[R]:
        return self._pager(self._order, self._descending, offset, limit)
