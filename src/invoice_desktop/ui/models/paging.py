"""Rows read a page at a time from SQL, sorted there: the piece a paged list (the invoice tabs, the Synced table)
gives its ColumnsModel (ui/models/table_model.py).

`SqlPages` keeps what the query is asked: the order (a column's `order`), the direction, how far it has read, and
whether there is more. The model reads the first page on `reload()` (or, on a refresh, as many rows as are loaded,
so the scroll position stays) and the next one on `fetchMore` as the view scrolls; a sort starts again from the
first page. The pager's order breaks ties by id, so paging through equal keys neither repeats nor skips a row.

A paged list that can be ticked also hands its model a `ListQuery`: the count, the ids in order and which ids are
in the list, each a query, so a select-all reads no page (table_model.ColumnsModel's TickSource).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Generic, Protocol, TypeVar

R = TypeVar("R")

DEFAULT_PAGE_SIZE = 200

# (order, descending, offset, limit) -> rows: one page of the list in that order
Pager = Callable[[str, bool, int, int], list[R]]


class ListQuery(Protocol):
    """What a paged list that can be ticked is asked beyond its pages (a select-all: ui/models/checkable.py), in SQL;
    plain values, safe to call on any thread."""

    def count(self) -> int:
        """How many rows the list holds."""
        ...

    def ids(self, order: str, descending: bool, among: Collection[int] | None = None) -> list[int]:
        """Every id of the list in that order; with `among`, those of these ids that are in the list."""
        ...


class SqlPages(Generic[R]):
    def __init__(self, pager: Pager[R], order: str, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.pager = pager
        self.page_size = page_size
        self.order = order  # what the query sorts by now
        self.descending = False
        self.fetched = 0  # rows read from the query so far (the next page's offset)
        self.exhausted = True  # nothing is read until the first page

    def first_read(self, at_least: int = 0) -> tuple[Callable[[], list[R]], Callable[[list[R]], None]]:
        """The list from its start again (a page, or `at_least` rows when more), in two halves so that it can be
        read off the GUI thread: `read()` is the query alone, in the order asked now (any thread); `took(page)`
        notes what it read (where the pager is used)."""
        order, descending, limit = self.order, self.descending, max(self.page_size, at_least)

        def read() -> list[R]:
            return self.pager(order, descending, 0, limit)

        def took(page: list[R]) -> None:
            self.fetched, self.exhausted = len(page), len(page) < limit

        return read, took

    def next(self) -> list[R]:
        page = self.pager(self.order, self.descending, self.fetched, self.page_size)
        self.fetched += len(page)
        self.exhausted = len(page) < self.page_size
        return page
