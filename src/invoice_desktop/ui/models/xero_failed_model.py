"""The Failed table of the Xero Exports tab: a checkbox per row (CheckableRows), Invoice #, Client, Total, Last
attempt, and the status cell "Sync Failed" in red whose tooltip is the whole error: the plain title, Xero's own
words, what to do, the attempt count, the last attempt and the next automatic retry. While an invoice is being
sent (Resync) its status reads "Sending…".

During a Resync exported invoices leave the list many at once (the Failed panel applies the worker's reports
together): `remove_all` takes them out of the table with one removal per run of rows, and `show_outcomes` shows
the new errors of the refused ones with one change; `remove` hides a row from the lookups at once and takes it out
of the table, with any others removed meanwhile, once the events waiting now are handled (`flush_removals`; also
when the Resync ends, `clear_sending`), so the window keeps up.

Painting is cheap here (issue 6: the table is repainted while a Resync's worker holds the GIL most of the time,
and every call from Qt into Python waits for it): each row's texts are made once (`_texts_of`: when the row is
first shown or has changed, rather than for all 5,000 rows as they are read), not each time `data()` is asked;
the colours and the bold font once per palette; `multiData` answers all the roles a cell is painted with in one
call (Qt's item delegates ask for seven at a time, which were seven calls of `data()`); `flags` are constants;
the header's box counts the ticks with a set operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QModelRoleDataSpan, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.models.checkable import CheckableRows
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.models.xero_rows_model import (
    RowColumn,
    XeroRowsModel,
    check_column,
    invoice_columns,
)
from invoice_desktop.ui.plain_text import Markup
from invoice_desktop.ui.status_colours import StatusColour, muted_colour, status_colour
from invoice_desktop.xero.export_actions import FailedRow, list_failed
from invoice_desktop.xero.export_results import ExportOutcome
from invoice_desktop.xero.exporter import UNCONFIRMED_NOTE

SYNC_FAILED = "Sync Failed"
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
    body = [f"Xero said: “{m}”" for m in row.messages if m.strip()]
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
    """The status column's text and roles; knows which invoices are being sent right now."""

    def __init__(self) -> None:
        self.sending: set[int] = set()

    def text(self, row: FailedRow) -> str:
        return SENDING if row.invoice_id in self.sending else SYNC_FAILED

    def extra(self, row: FailedRow, role: int) -> Any:
        sending = row.invoice_id in self.sending
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Being sent to Xero now" if sending else error_tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            return muted_colour() if sending else status_colour(StatusColour.ERROR)
        if role == Qt.ItemDataRole.FontRole and not sending:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return SENDING if sending else f"{SYNC_FAILED}: " + ". ".join(error_lines(row))
        return None


STATUS_COLUMN = 5


@lru_cache(maxsize=4096)
def _time_text(value: datetime | None) -> str:
    return format_datetime(value)  # a QLocale call per cell and paint otherwise


def _last_attempt(row: FailedRow) -> str:
    return _time_text(row.last_attempt)


def failed_columns(status: _Status) -> tuple[RowColumn[FailedRow], ...]:
    return (
        check_column(),
        *invoice_columns(),
        RowColumn("Last attempt", _last_attempt, lambda r: r.last_attempt, sample="30 Sept 2000 00:00"),
        RowColumn("Status", status.text, lambda r: _title(r), sample="Sync Failed   ", extra=status.extra),
    )


# --- painting, cheaply --------------------------------------------------------------------------------------------

ModelIndex = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_CHECK = int(Qt.ItemDataRole.CheckStateRole)
_NOTHING = {int(Qt.ItemDataRole.DecorationRole), int(Qt.ItemDataRole.BackgroundRole)}  # no column shows them
_ID = int(ItemRole.ID)
_PAINTED = {_DISPLAY, _ALIGNMENT, _FOREGROUND, _FONT, _CHECK, *_NOTHING}  # what a delegate asks for, all at once
_PLAIN_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_CHECK_FLAGS = _PLAIN_FLAGS | Qt.ItemFlag.ItemIsUserCheckable


class _Looks:
    """The link colour, the status colours and the bold font, made again only when the palette changes."""

    def __init__(self) -> None:
        self._key: int | None = None
        self.link = self.error = self.muted = QColor()
        self.bold = QFont()

    def current(self) -> _Looks:
        palette = QGuiApplication.palette()
        key = palette.cacheKey()
        if key != self._key:
            self._key = key
            self.link = palette.color(QPalette.ColorRole.Link)
            self.error = status_colour(StatusColour.ERROR, palette)
            self.muted = muted_colour(palette)
            self.bold = QFont()
            self.bold.setBold(True)
        return self


# --- the model --------------------------------------------------------------------------------------------------


class FailedTableModel(CheckableRows, XeroRowsModel[FailedRow]):
    check_tooltip = "Tick to resync this invoice"

    def __init__(self, loader: Callable[[], list[FailedRow]] = list_failed, parent: QObject | None = None) -> None:
        self._status = _Status()
        super().__init__(loader, failed_columns(self._status), parent)
        self._leaving: set[int] = set()  # removed, still in the table until flush_removals
        self._texts: dict[int, tuple[FailedRow, tuple[str | None, ...]]] = {}  # by invoice id: the row, its texts
        self._looks = _Looks()
        self._alignments = tuple(c.alignment for c in self.columns)
        self._link_columns = frozenset(i for i, c in enumerate(self.columns) if c.link)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush_removals)

    # --- exported invoices leave the list (coalesced) ---

    def remove(self, invoice_id: int) -> None:
        """Take an invoice off the list: gone from row_of/record_of/loaded_ids now, from the table at the next
        flush_removals (soon: once the events waiting now are handled)."""
        if invoice_id in self._row_of_id and invoice_id not in self._leaving:
            self._leaving.add(invoice_id)
            self._status.sending.discard(invoice_id)
            self._flush_timer.start()

    def remove_all(self, invoice_ids: Iterable[int]) -> None:
        """Take these invoices off the list and out of the table now (with any removed before)."""
        for invoice_id in invoice_ids:
            if invoice_id in self._row_of_id:
                self._leaving.add(invoice_id)
                self._status.sending.discard(invoice_id)
        self.flush_removals()

    def flush_removals(self) -> None:
        """Take the removed invoices out of the table: one beginRemoveRows per run of rows, from the bottom up."""
        self._flush_timer.stop()
        if not self._leaving:
            return
        rows = sorted((self._row_of_id[i] for i in self._leaving if i in self._row_of_id), reverse=True)
        for invoice_id in self._leaving:
            self._texts.pop(invoice_id, None)
        self._leaving = set()
        runs: list[list[int]] = []
        for row in rows:
            if runs and runs[-1][0] == row + 1:
                runs[-1][0] = row
            else:
                runs.append([row, row])
        for first, last in runs:  # bottom up: the rows of the runs still to go do not move
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()
        self._reindex()

    def reload(self) -> None:
        self._leaving = set()
        self._flush_timer.stop()
        super().reload()
        self._texts = {}  # made again as the rows are shown (_texts_of)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.flush_removals()
        super().sort(column, order)

    def row_of(self, invoice_id: int) -> int | None:
        return None if invoice_id in self._leaving else super().row_of(invoice_id)

    def record_of(self, invoice_id: int) -> FailedRow | None:
        return None if invoice_id in self._leaving else super().record_of(invoice_id)

    def loaded_ids(self) -> list[int]:
        ids = super().loaded_ids()
        return [i for i in ids if i not in self._leaving] if self._leaving else ids

    # --- what is being sent ---

    def set_sending(self, invoice_ids: Iterable[int], sending: bool) -> None:
        """Show these rows as being sent ("Sending…"), or as failed again."""
        ids = list(invoice_ids)
        if sending:
            self._status.sending.update(ids)
        else:
            self._status.sending.difference_update(ids)
        self.refresh_column(ids, STATUS_COLUMN)

    def clear_sending(self) -> None:
        """The Resync has ended: nothing is being sent, and what was exported is off the table."""
        self.flush_removals()
        self.set_sending(list(self._status.sending), False)

    def is_sending(self, invoice_id: int) -> bool:
        return invoice_id in self._status.sending

    def show_outcomes(self, outcomes: Iterable[ExportOutcome], now: datetime | None = None) -> None:
        """Failed resync outcomes: their rows show their new errors (one change for all of them)."""
        at = now or datetime.now(UTC)
        rows: list[int] = []
        for outcome in outcomes:
            row = self.row_of(outcome.invoice_id)
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
            self._status.sending.discard(outcome.invoice_id)
            self._texts_of(self._rows[row])
            rows.append(row)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(self.columns) - 1))

    # --- painting (see the module's docstring) ---

    def _texts_of(self, record: FailedRow) -> tuple[str | None, ...]:
        """The row's texts by column (None for the box; the status column's is the status's, made when asked),
        made once per row: again only when the row itself changed (any path that replaces it)."""
        known = self._texts.get(record.invoice_id)
        if known is not None and known[0] is record:
            return known[1]
        texts = tuple(None if c.check or i == STATUS_COLUMN else c.text(record) for i, c in enumerate(self.columns))
        self._texts[record.invoice_id] = (record, texts)
        return texts

    def _paint_value(self, record: FailedRow, column: int, role: int) -> tuple[bool, Any]:
        """(True, value) for the roles a cell is painted with, (False, None) for the others (`data()` of the
        base classes answers those: tooltips, accessible text, ...)."""
        if column == self.check_column:  # the box: its state, nothing else (CheckableRows.data)
            if role == _CHECK:
                return True, Qt.CheckState.Checked if record.invoice_id in self.checks else Qt.CheckState.Unchecked
            if role == _ID:
                return True, record.invoice_id
            return (True, None) if role in _PAINTED else (False, None)
        if role == _DISPLAY:
            if column == STATUS_COLUMN:
                return True, self._status.text(record)
            return True, self._texts_of(record)[column]
        if role == _ALIGNMENT:
            return True, self._alignments[column]
        if role == _FOREGROUND:
            if column == STATUS_COLUMN:
                looks = self._looks.current()
                return True, looks.muted if record.invoice_id in self._status.sending else looks.error
            return True, self._looks.current().link if column in self._link_columns else None
        if role == _FONT:
            bold = column == STATUS_COLUMN and record.invoice_id not in self._status.sending
            return True, self._looks.current().bold if bold else None
        if role == _CHECK or role in _NOTHING:
            return True, None
        if role == _ID:
            return True, record.invoice_id
        return False, None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, column = index.row(), index.column()
        if not index.isValid() or row >= len(self._rows) or column >= len(self.columns):
            return None
        known, value = self._paint_value(self._rows[row], column, int(role))
        return value if known else super().data(index, role)

    def multiData(self, index: ModelIndex, span: QModelRoleDataSpan) -> None:
        """Every role asked for at once (a delegate painting a cell asks for seven): one call into Python."""
        row, column = index.row(), index.column()
        valid = index.isValid() and row < len(self._rows) and column < len(self.columns)
        record = self._rows[row] if valid else None
        for role_data in span:
            if record is None:
                role_data.clearData()
                continue
            role = role_data.role()
            known, value = self._paint_value(record, column, role)
            if not known:
                value = super().data(index, role)
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _CHECK_FLAGS if index.column() == self.check_column else _PLAIN_FLAGS

    def header_check_state(self) -> Qt.CheckState:
        ticks = set(self.checks.ids())
        loaded = len(self._row_of_id) - len(self._leaving)  # what is leaving is still indexed (flush_removals)
        ticked = len(self._row_of_id.keys() & ticks) - len(self._leaving & ticks)
        if not loaded or not ticked:
            return Qt.CheckState.Unchecked
        return Qt.CheckState.Checked if ticked == loaded else Qt.CheckState.PartiallyChecked
