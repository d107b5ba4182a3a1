"""The Failed table of the Xero Exports tab: a checkbox per row, Invoice #, Client, Total, Type, Last
attempt, and the status cell "Sync Failed" in red whose tooltip is the whole error: the plain title, Xero's own
words, what to do, the attempt count, the last attempt and the next automatic retry. While an invoice is being
sent (Resync) its status reads "Sending…".

Read a page at a time, sorted in SQL (xero.failed_pages through SqlPages, ui/models/paging.py), so 50,000 failed
open as fast as 200: `rowCount` is the rows loaded, the view asks for more as it scrolls (`canFetchMore` /
`fetchMore`), a click on a header re-runs the query in that column's `order`. Everything it is asked about the
list, beyond the rows loaded, is asked of `FailedList` (plain functions, safe on any thread): a select-all's count
is a COUNT, which ids are in the list a query, and the ids it stands for are listed in the table's order where the
Resync runs, on the worker's thread (ui/models/checkable.py).

During a Resync exported rows leave the list many at once (the Failed panel applies the worker's reports
together): `remove_all` takes the loaded ones out of the table with one removal per run of rows (the others are
simply not there) and the list's count down by all of them, and `show_outcomes` shows the new errors of the
refused ones with one change; `remove` hides a row from the lookups at once and takes it out of the table, with
any others removed meanwhile, once the events waiting now are handled (`flush_removals`; also when the Resync
ends, `clear_sending`), so the window keeps up. "Sending…" is kept for the batch being sent, never for the whole
ticked set; at the end `reload()` reads as many rows as are loaded again, not the list.

Painting is cheap here (issue 6: the table is repainted while a Resync's worker holds the GIL most of the time,
and every call from Qt into Python waits for it): each row's texts are made once (`_texts_of`: when the row is
first shown or has changed, rather than for every row as it is read), not each time `data()` is asked;
the colours and the bold font once per palette (columns.looks); `multiData` answers all the roles a cell is
painted with in one call; `flags` are constants; the header's box counts the ticks with a set operation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QColor

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.labels import SYNC_FAILED, preflight_found, quoted, words_label
from invoice_desktop.ui.models.columns import Column, check_column, looks
from invoice_desktop.ui.models.paging import DEFAULT_PAGE_SIZE, SqlPages
from invoice_desktop.ui.models.table_model import DISPLAY, ColumnsModel, ModelIndex
from invoice_desktop.ui.models.xero_columns import invoice_columns, row_key_of
from invoice_desktop.ui.plain_text import Markup
from invoice_desktop.xero.export_actions import FailedRow, key_of
from invoice_desktop.xero.export_results import ExportOutcome
from invoice_desktop.xero.exporter import UNCONFIRMED_NOTE
from invoice_desktop.xero.failed_pages import FailedSort, count_failed, failed_among, failed_keys, failed_page

SENDING = "Sending…"


# --- the error, in words ----------------------------------------------------------------------------------------


def _title(row: FailedRow) -> str:
    return row.title or "Export to Xero failed"


def _retry_text(row: FailedRow) -> str:
    if row.category is FailureCategory.CONNECTION:
        return "Sent again automatically once Xero is reconnected."
    if row.next_retry_at is None:
        return "No automatic retry: fix the cause, then Resync."
    return f"Next automatic retry: {format_datetime(row.next_retry_at)}"


def _attempts_text(row: FailedRow) -> str:
    text = f"{row.attempts} attempt" + ("" if row.attempts == 1 else "s")
    return text + (f", the last {format_datetime(row.last_attempt)}" if row.last_attempt else "")


def _sections(row: FailedRow) -> tuple[str, list[str], list[str]]:
    """The title; Xero's words and what to do; the attempts and the next retry."""
    body = [quoted(words_label(row.category, not preflight_found(row.note)), m) for m in row.messages if m.strip()]
    if row.hint:
        body.append(f"What to do: {row.hint}")
    if row.unconfirmed:
        body.append(UNCONFIRMED_NOTE)
    return _title(row), body, [_attempts_text(row), _retry_text(row)]


def error_lines(row: FailedRow) -> list[str]:
    """The whole error as plain lines (the accessible text, and the tests' reading of the tooltip)."""
    title, body, when = _sections(row)
    return [title, *body, *when]


def error_tooltip(row: FailedRow) -> str:
    """The Sync Failed tooltip (rich text: the title bold, the attempts and times small; Xero's words escaped)."""
    title, body, when = _sections(row)
    parts = [f"<p><b>{escape(title)}</b></p>", *(f"<p>{escape(line)}</p>" for line in body)]
    parts.append("<p><small>" + "<br>".join(escape(line) for line in when) + "</small></p>")
    return Markup("<qt>" + "".join(parts) + "</qt>")


# --- columns ----------------------------------------------------------------------------------------------------


class _Status:
    """The status column's text and roles; knows which rows (by row key) are being sent right now."""

    def __init__(self) -> None:
        self.sending: set[int] = set()

    def text(self, row: FailedRow) -> str:
        return SENDING if row_key_of(row) in self.sending else SYNC_FAILED

    def tooltip(self, row: FailedRow) -> str:
        return "Being sent to Xero now" if row_key_of(row) in self.sending else error_tooltip(row)

    def colour(self, row: FailedRow) -> QColor:
        return looks().muted if row_key_of(row) in self.sending else looks().error

    def bold(self, row: FailedRow) -> bool:
        return row_key_of(row) not in self.sending

    def accessible(self, row: FailedRow) -> str:
        return SENDING if row_key_of(row) in self.sending else f"{SYNC_FAILED}: " + ". ".join(error_lines(row))


STATUS_COLUMN = 6


@lru_cache(maxsize=4096)
def _time_text(value: datetime | None) -> str:
    return format_datetime(value)  # a QLocale call per cell and paint otherwise


def _last_attempt(row: FailedRow) -> str:
    return _time_text(row.last_attempt)


def failed_columns(status: _Status) -> tuple[Column[FailedRow], ...]:
    return (
        check_column("Tick to resync this invoice or payment"),
        *invoice_columns(),
        Column("Last attempt", _last_attempt, order=FailedSort.LAST_ATTEMPT.value, sample="30 Sept 2000 00:00"),
        Column(
            "Status",
            status.text,
            tooltip=status.tooltip,
            foreground=status.colour,
            bold=status.bold,
            accessible=status.accessible,
            order=FailedSort.STATUS.value,  # by the failure's category (its title)
            sample="Sync Failed   ",
        ),
    )


# --- the model --------------------------------------------------------------------------------------------------


def _failed_page(order: str, descending: bool, offset: int, limit: int) -> list[FailedRow]:
    return failed_page(FailedSort(order), descending, offset, limit)


def _failed_keys(order: str, descending: bool) -> list[int]:
    return failed_keys(FailedSort(order), descending)


@dataclass(frozen=True)
class FailedList:
    """Where the table's list comes from: plain functions, safe to call on any thread (the SQL of
    xero.failed_pages; a test may hand in others). Its `count` and `ids` are the model's ListQuery."""

    page: Callable[[str, bool, int, int], list[FailedRow]] = _failed_page  # (order, descending, offset, limit)
    count: Callable[[], int] = count_failed
    keys: Callable[[str, bool], list[int]] = _failed_keys  # every row key, in (order, descending)
    among: Callable[[Collection[int]], set[int]] = failed_among  # which of these row keys are in the list

    def ids(self, order: str, descending: bool, among: Collection[int] | None = None) -> list[int]:
        return self.keys(order, descending) if among is None else list(self.among(among))


class FailedTableModel(ColumnsModel[FailedRow]):
    """Rows are found by row key (export_actions.row_key): an invoice's is its invoice id, a payment's its payment
    id negated; every `ids` / `invoice_id` below is such a key."""

    def __init__(
        self, source: FailedList | None = None, page_size: int = DEFAULT_PAGE_SIZE, parent: QObject | None = None
    ) -> None:
        self._status = _Status()
        self._source = source or FailedList()
        columns = failed_columns(self._status)
        pages = SqlPages(self._source.page, FailedSort.NUMBER.value, page_size)
        super().__init__(columns, parent, id_of=row_key_of, pages=pages)
        self._leaving: dict[int, int] = {}  # removed (gone from the lookups), still in the table: key -> row
        self._texts: dict[int, tuple[FailedRow, tuple[str | None, ...]]] = {}  # by row key: the row, its texts
        self._pages_held = False  # while a Resync runs (hold_pages)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush_removals)

    # --- exported invoices leave the list (coalesced) ---

    def remove(self, invoice_id: int) -> None:
        """Take an invoice off the list: gone from row_of/record_of/loaded_ids now, from the table at the next
        flush_removals (soon: once the events waiting now are handled)."""
        if self._hide(invoice_id):
            self.checks.forget([invoice_id])
            self._flush_timer.start()

    def remove_all(self, invoice_ids: Iterable[int]) -> None:
        """These rows of the list have left it (exported): the loaded ones out of the table now (with any removed
        before), and the list's count down by all of them."""
        keys = list(invoice_ids)
        if self._count is not None:
            self._count = max(self._count - len(keys), 0)
        for invoice_id in keys:
            self._hide(invoice_id)
        self.flush_removals()

    def _hide(self, invoice_id: int) -> bool:
        row = self._row_of_id.pop(invoice_id, None)
        if row is None:
            return False
        self._leaving[invoice_id] = row
        self._status.sending.discard(invoice_id)
        return True

    def flush_removals(self) -> None:
        """Take the removed invoices out of the table: one beginRemoveRows per run of rows, from the bottom up."""
        self._flush_timer.stop()
        if not self._leaving:
            return
        leaving, self._leaving = self._leaving, {}
        for invoice_id in leaving:
            self._texts.pop(invoice_id, None)
        self._remove_rows(leaving.values())

    def reload(self) -> None:
        """Re-read as many rows as are loaded (the scroll position stays); the ids ticked one by one that have
        left the list (exported, marked as in Xero elsewhere) are unticked."""
        read, show = self.reload_read()
        show(read())

    def reload_read(self) -> tuple[Callable[[], Any], Callable[[Any], bool]]:
        """`reload` in two halves, as `pages_read` (the pages and which of the ticked ids are still failed are
        read by `read()`, on any thread)."""
        read_page, show_page = self.pages_read()
        ticked = None if self.checks.every else self.checks.ids()  # those ticked one by one: no query
        source = self._source

        def read() -> tuple[Any, set[int]]:
            return read_page(), set() if ticked is None else source.among(ticked)

        def show(result: tuple[Any, set[int]]) -> bool:
            page, still_failed = result
            shown = show_page(page)
            if shown and ticked is not None:
                self.checks.set_checked([i for i in ticked if i not in still_failed], False)
            return shown

        return read, show

    def _rows_read_again(self) -> None:
        self._pages_held = False
        self._leaving = {}
        self._flush_timer.stop()
        self._texts = {}  # made again as the rows are shown (_texts_of)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.flush_removals()
        super().sort(column, order)

    def _list_query(self) -> FailedList:
        return self._source  # the list its ticks are of: in SQL (rows not loaded are never read for a select-all)

    # --- what is being sent ---

    def set_sending(self, invoice_ids: Iterable[int], sending: bool) -> None:
        """Show these rows as being sent ("Sending…"), or as failed again. Only the rows loaded are kept as being
        sent (a batch of a select-all is mostly of rows never loaded: nothing to show, nothing to clear later)."""
        ids = list(invoice_ids)
        if sending:
            self._status.sending.update(i for i in ids if i in self._row_of_id)
        else:
            self._status.sending.difference_update(ids)
        self.refresh_column(ids, STATUS_COLUMN)

    def hold_pages(self) -> None:
        """A Resync has begun: no page is read while it runs (as exported rows leave, the view would ask for the
        next ones, a read of the database on the GUI thread while the worker keeps the GIL busy: the longest
        stalls of a big Resync). The rows below the loaded ones come once it ends and the list is read again."""
        self._pages_held = True

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not self._pages_held and super().canFetchMore(parent)

    def clear_sending(self) -> None:
        """The Resync has ended: nothing is being sent, and what was exported is off the table (the pages stay
        held until the list is read again, which follows a Resync: a page fetched now would be read twice)."""
        self.flush_removals()
        self.set_sending(list(self._status.sending), False)

    def is_sending(self, invoice_id: int) -> bool:
        return invoice_id in self._status.sending

    def show_outcomes(self, outcomes: Iterable[ExportOutcome], now: datetime | None = None) -> None:
        """Failed resync outcomes: their rows show their new errors (one change for all of them)."""
        at = now or datetime.now(UTC)
        rows: list[int] = []
        for outcome in outcomes:
            row = self.row_of(key_of(outcome))
            self._status.sending.discard(key_of(outcome))
            if row is None:
                continue
            record = self._rows[row]
            self._rows[row] = replace(
                record,
                category=outcome.category,
                messages=outcome.messages,
                hint=outcome.hint,
                attempts=outcome.attempts or record.attempts,
                last_attempt=at,
                next_retry_at=outcome.next_retry_at,
            )
            self._texts_of(self._rows[row])
            rows.append(row)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(self.columns) - 1))

    # --- painting (see the module's docstring) ---

    def _texts_of(self, record: FailedRow) -> tuple[str | None, ...]:
        """The row's texts by column (None for the box; the status column's is the status's, made when asked),
        made once per row: again only when the row itself changed (any path that replaces it)."""
        key = row_key_of(record)
        known = self._texts.get(key)
        if known is not None and known[0] is record:
            return known[1]
        texts = tuple(None if c.check or i == STATUS_COLUMN else c.text(record) for i, c in enumerate(self.columns))
        self._texts[key] = (record, texts)
        return texts

    def cell(self, row: int, column: int, role: int) -> Any:
        if role == DISPLAY and column != STATUS_COLUMN and column != self.check_column:
            return self._texts_of(self._rows[row])[column]
        return super().cell(row, column, role)
