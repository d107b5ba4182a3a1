"""The Failed table of the Xero Exports tab: a checkbox per row (CheckableRows), Invoice #, Client, Total, Last
attempt, and the status cell "Sync Failed" in red whose tooltip is the whole error: the plain title, Xero's own
words, what to do, the attempt count, the last attempt and the next automatic retry. While an invoice is being
sent (Resync) its status reads "Sending…".

During a Resync exported invoices leave the list many at once (the Failed panel applies the worker's reports
together): `remove_all` takes them out of the table with one removal per run of rows, and `show_outcomes` shows
the new errors of the refused ones with one change; `remove` hides a row from the lookups at once and takes it out
of the table, with any others removed meanwhile, once the events waiting now are handled (`flush_removals`; also
when the Resync ends, `clear_sending`), so the window keeps up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QFont

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.models.checkable import CheckableRows
from invoice_desktop.ui.models.xero_rows_model import (
    RowColumn,
    XeroRowsModel,
    check_column,
    invoice_columns,
)
from invoice_desktop.ui.status_colours import StatusColour, muted_colour, status_colour
from invoice_desktop.xero.export_actions import FailedRow, list_failed
from invoice_desktop.xero.export_results import ExportOutcome

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
    return _title(row), body, [_attempts_text(row), _retry_text(row)]


def error_lines(row: FailedRow) -> list[str]:
    """The whole error as plain lines (the accessible text, and the tests' reading of the tooltip)."""
    title, body, when = _sections(row)
    return [title, *body, *when]


def error_tooltip(row: FailedRow) -> str:
    """The Sync Failed tooltip (rich text: the title bold, the attempts and times small)."""
    title, body, when = _sections(row)
    parts = [f"<p><b>{escape(title)}</b></p>", *(f"<p>{escape(line)}</p>" for line in body)]
    parts.append("<p><small>" + "<br>".join(escape(line) for line in when) + "</small></p>")
    return "<qt>" + "".join(parts) + "</qt>"


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


# --- the model --------------------------------------------------------------------------------------------------


class FailedTableModel(CheckableRows, XeroRowsModel[FailedRow]):
    check_tooltip = "Tick to resync this invoice"

    def __init__(self, loader: Callable[[], list[FailedRow]] = list_failed, parent: QObject | None = None) -> None:
        self._status = _Status()
        super().__init__(loader, failed_columns(self._status), parent)
        self._leaving: set[int] = set()  # removed, still in the table until flush_removals
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

    def show_outcome(self, outcome: ExportOutcome, now: datetime | None = None) -> None:
        """A failed resync outcome: the row shows its new error at once (the next reload reads the stored one)."""
        self.show_outcomes([outcome], now)

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
            rows.append(row)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), len(self.columns) - 1))
