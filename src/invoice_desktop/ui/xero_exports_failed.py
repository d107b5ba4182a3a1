"""The Failed table of the Xero Exports tab and its Resync.

Tick rows (mouse, Space, Ctrl+A, the header's box), press **Resync**: the ticked invoices are exported again on an
ExportWorker thread while a progress bar with Cancel shows how far it got. The outcomes are shown as they come (an
exported row leaves the list, a refused one shows its new error and stays ticked), gathered and applied together
at most every APPLY_MS: the worker reports a batch at a time, and one change of the table (and one repaint of the
window) per report kept the window from keeping up with a big Resync. At the end the loaded pages are read again and
a message reports the result. A dead connection says to reconnect in Settings > Xero; an error of the
worker is shown in a message box, its message and hint. Xero unreachable (a 503: the organisation offline, a
timeout) is transient: no box, the message under the list says so and when Resync tries again by itself (the ticked
invoices, after RETRY_FIRST_MS, then twice as long, AUTOMATIC_RETRIES times at most). All are decided from the
typed values the worker sent (the summary's RunStop, the JobFailure of `failed`), never by reading the connection's
state again; `xero_changed` passes the one that says the connection dropped (or None) on to the status bar.

A Resync takes the window's export gate (jobs.export_gate) for as long as its thread runs; while the automatic
export holds it, Resync waits (its button is disabled and says why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.export_gate import ExportGate
from invoice_desktop.jobs.export_worker import ExporterFactory, ExportWorker
from invoice_desktop.jobs.failure import JobFailure, sentence
from invoice_desktop.jobs.worker import Job, stop_jobs
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import ExportState
from invoice_desktop.ui.checkable_table_view import CheckableTableView
from invoice_desktop.ui.event_steps import next_step, read_then_show, step_timer
from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.message_bar import Tone
from invoice_desktop.ui.models.checkable import Ticked
from invoice_desktop.ui.models.xero_columns import invoice_of
from invoice_desktop.ui.models.xero_failed_model import FailedTableModel
from invoice_desktop.ui.plain_text import message_box
from invoice_desktop.ui.tick_action_bar import TickActionBar
from invoice_desktop.ui.xero_exports_progress import ResyncProgress
from invoice_desktop.xero.export_actions import key_of
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary

MINIMUM_ROWS = 5  # rows the Failed list shows at the smallest window size
RECONNECT = "Reconnect in Business > Settings > Xero, then Resync."
DROPPED = f"The Xero connection has been dropped. {RECONNECT}"
NOT_RESYNCED = "The ticked invoices could not be resynced."
RESYNC_FAILED_TITLE = "Resync failed"
RESYNC_TIP = "Export the ticked invoices to Xero again (Space ticks, Ctrl+A ticks all)"
WAIT_TIP = "An export to Xero is running; Resync when it has finished"
APPLY_MS = 100  # the worker's reports are shown together at most this often
RETRY_FIRST_MS = 60_000  # Xero unreachable: the first automatic retry of a Resync waits this long, the next twice
AUTOMATIC_RETRIES = 3
STOP_WAIT_MS = 10_000  # shutdown(): how long it waits for a Resync to stop (a Xero call in flight may take longer)


def result_tone(summary: ExportSummary) -> Tone:
    if summary.ok and not summary.cancelled:
        return Tone.SUCCESS
    return Tone.PROBLEM if summary.failed or summary.stop is not None else Tone.INFO


def transient(failure: JobFailure | None) -> bool:
    """Xero could not be reached for now (offline, a timeout, a burst limit): worth trying again by itself."""
    return failure is not None and failure.category is FailureCategory.XERO_UNAVAILABLE


# Rows read at a time: a screenful and more (every page is read on the GUI thread, and again after a Resync).
FAILED_PAGE_SIZE = 100


class FailedPanel(QWidget):
    invoice_activated = Signal(int)
    invoices_exported = Signal(list)  # row keys of ticked rows that reached Xero in a Resync (live tile counts)
    resync_finished = Signal()  # a Resync ended (succeeded, failed or cancelled): time to read the lists again
    xero_changed = Signal(object)  # after a Resync: the JobFailure that says the connection dropped, or None

    def __init__(
        self,
        ctx: AppContext,
        model: FailedTableModel | None = None,
        parent: QWidget | None = None,
        gate: ExportGate | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.gate = gate if gate is not None else ExportGate(self)  # shared with the automatic export
        self.model = model or FailedTableModel(page_size=FAILED_PAGE_SIZE, parent=self)
        self.exporter_factory: ExporterFactory | None = None  # tests pass a paced/batched engine
        self.worker: ExportWorker | None = None
        self.last_summary: ExportSummary | None = None
        self.last_failure: JobFailure | None = None  # why the last Resync failed or stopped early
        self.error_box: QMessageBox | None = None
        self._closing = False  # stop(): the worker's reports are not listened to any more
        self._batches: list[list[int]] = []  # reported by the worker, not shown yet (see _apply_reports)
        self._outcomes: list[ExportOutcome] = []
        self._apply_timer = QTimer(self)
        self._apply_timer.setSingleShot(True)
        self._apply_timer.setInterval(APPLY_MS)
        self._apply_timer.timeout.connect(self._apply_reports)
        self._after_steps: list[Callable[[], object]] = []  # after a Resync: see _on_thread_finished
        self._after_timer = step_timer(self, self._after_resync)
        self.retry_timer = QTimer(self)  # Xero unreachable: Resync the ticked invoices again by itself
        self.retry_timer.setSingleShot(True)
        self.retry_timer.timeout.connect(self._retry)
        self.retry_at: datetime | None = None
        self._retries_left = AUTOMATIC_RETRIES

        self.view = CheckableTableView(self.model, self)
        self.view.setAccessibleName("Failed exports")
        self.view.empty_text = "No failed exports"
        self.view.invoice_activated.connect(self._on_row_activated)
        self.view.keep_every_column_in_view(MINIMUM_ROWS)
        self.resync_bar = TickActionBar(self.model.checks, "&Resync", self)
        self.resync_bar.button.setToolTip(RESYNC_TIP)
        self.resync_bar.triggered.connect(self.resync)
        self.model.checks.changed.connect(self._on_checks_changed)
        self.gate.changed.connect(self._on_gate_changed)
        self.progress = ResyncProgress(self)
        self.progress.cancel_requested.connect(self.cancel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        self.resync_bar.add_to_row(self.progress)
        layout.addWidget(self.resync_bar)

    # --- the list ---

    @property
    def busy(self) -> bool:
        return self.worker is not None

    @Slot(int)
    def _on_row_activated(self, key: int) -> None:
        """Drill-down: the row's invoice (a payment's row: the invoice it pays)."""
        invoice_id = invoice_of(self.model, key)
        if invoice_id is not None:
            self.invoice_activated.emit(invoice_id)

    def reload(self, later: bool = False) -> None:
        """Read the loaded pages again, ticks kept by row key (those no longer failed are dropped); with `later` the
        reading is done off the GUI thread (after a Resync: over a million invoices it took 60-90 ms). Not during a
        Resync: the invoices being sent are not 'failed' in the database then, and would vanish with their ticks."""
        if self.busy:
            return
        read, show = self.model.reload_read()

        def shown(result: object) -> None:
            if not self.busy:  # (a Resync began while it was read: the list is read again when that one ends)
                self.view.show_keeping_current(show, result)

        read_then_show(self, read, shown, later, prepare=lambda result: self.view.lay_out_ahead(result[0]))

    # --- Resync ---

    @Slot(object)
    def resync(self, invoice_ids: Ticked | Sequence[int]) -> None:
        """Export the ticked invoices again; a select-all's ids are listed on the worker's thread."""
        self._retries_left = AUTOMATIC_RETRIES  # the user asked: the automatic retries start again
        self._start(Ticked.of(invoice_ids))

    @Slot()
    def _retry(self) -> None:
        """The automatic retry after Xero could not be reached: the invoices still ticked, Resynced again."""
        self.retry_at = None
        if not self.busy:
            self._start(self.model.checks.ticked())

    def _start(self, ticked: Ticked) -> None:
        self.retry_timer.stop()
        self.retry_at = None
        if self._closing or self.busy or not ticked.count:
            return
        if not self.gate.try_acquire(self):
            self.resync_bar.message.show_message(WAIT_TIP + ".", Tone.INFO)
            return
        worker = ExportWorker(
            self.ctx.paths,
            self.ctx.endpoints,
            ticked.resolve,
            self.ctx.client_id,
            self.exporter_factory,
            self,
            in_child=self.ctx.engine_in_child,
        )
        worker.batch_started.connect(self._on_batch_started)
        worker.batch_started.connect(self.progress.sending)
        worker.outcomes_done.connect(self._on_outcomes)
        worker.progress.connect(self.progress.set_progress)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._on_thread_finished)
        self.worker = worker
        self.last_summary = self.last_failure = None
        self.resync_bar.message.clear_message()
        self.resync_bar.button.setEnabled(False)
        self.progress.start(ticked.count)
        self.model.hold_pages()
        worker.start()

    @Slot()
    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def stop(self) -> list[Job]:
        """Let go of a running Resync (the application is quitting or the tab goes away): its worker is handed
        back for the caller to cancel and wait for (jobs.worker.stop_jobs), and not listened to any more."""
        self._closing = True
        self.retry_timer.stop()
        worker, self.worker = self.worker, None
        self.gate.release(self)  # its finished slot will not run: the tab may be going
        return [worker] if worker is not None else []

    def shutdown(self) -> None:
        """`stop()`, then wait for the Resync's thread, at most STOP_WAIT_MS (one still running is kept alive by
        jobs.worker until it ends)."""
        stop_jobs(self.stop(), STOP_WAIT_MS)

    @Slot(list)
    def _on_checks_changed(self, _ids: list[int]) -> None:
        if self.busy or self.gate.busy:
            self.resync_bar.button.setEnabled(False)  # one export run at a time

    @Slot(bool)
    def _on_gate_changed(self, busy: bool) -> None:
        if self.busy:
            return
        waiting = busy and not self.gate.held_by(self)
        self.resync_bar.button.setToolTip(WAIT_TIP if waiting else RESYNC_TIP)
        self.resync_bar.button.setEnabled(not busy and len(self.model.checks) > 0)

    @Slot(list)
    def _on_batch_started(self, invoice_ids: list[int]) -> None:
        self._batches.append(list(invoice_ids))
        self._apply_soon()

    @Slot(list)
    def _on_outcomes(self, outcomes: list[ExportOutcome]) -> None:
        self._outcomes.extend(outcomes)
        self._apply_soon()

    def _apply_soon(self) -> None:
        if not self._apply_timer.isActive():
            self._apply_timer.start()

    @Slot()
    def _apply_reports(self) -> None:
        """Show what the worker reported since the last time, in one go: the batches begun read "Sending…", the
        exported invoices leave the list (unticked), the refused ones show their new error (still ticked), the
        others read "Sync Failed" again; the tiles count the exported ones once."""
        self._apply_timer.stop()
        batches, self._batches = self._batches, []
        outcomes, self._outcomes = self._outcomes, []
        for batch in batches:
            self.model.set_sending(batch, True)
        if not outcomes:
            return
        exported = [key_of(o) for o in outcomes if o.state is ExportState.SYNCED]  # row keys: invoices, payments
        refused = [o for o in outcomes if o.state is ExportState.FAILED]
        others = [key_of(o) for o in outcomes if o.state not in (ExportState.SYNCED, ExportState.FAILED)]
        if exported:  # rows of the list, loaded or not (a select-all's are mostly not)
            self.model.checks.set_checked(exported, False)
            self.model.remove_all(exported)
        if refused:
            self.model.show_outcomes(refused)
        if others:
            self.model.set_sending(others, False)
        if exported:
            self.invoices_exported.emit(exported)

    def _last_word(self) -> bool:
        """The worker's result came: show what it reported before it. False once `stop()` let go of the worker
        (nothing it sends is shown then)."""
        if not self._closing:
            self._apply_reports()
        return not self._closing

    @Slot(object)
    def _on_succeeded(self, summary: ExportSummary) -> None:
        if not self._last_word():
            return
        self.last_summary = summary
        text = summary.message() if summary.outcomes or not summary.cancelled else "Resync cancelled; nothing was sent"
        if summary.stop is not None:
            self.last_failure = JobFailure.from_stop(summary.stop)
            if transient(self.last_failure):
                text = f"{sentence(text)} {self._retry_later(self.last_failure)}"
            elif self.last_failure.connection_dropped:
                self._show_error(DROPPED, self.last_failure.message)
        retrying = self.retry_timer.isActive()  # the message says when: it stays until then
        # in a turn of its own: the message's line coming in shrinks the list, repainted whole, and in the turn with
        # the Resync's last rows leaving that was more than a frame over a million invoices
        tone = result_tone(summary)
        next_step(self, lambda: self.resync_bar.message.show_message(text, tone, lasting=retrying))

    @Slot(object)
    def _on_failed(self, failure: JobFailure) -> None:
        if not self._last_word():
            return
        self.last_failure = failure
        if transient(failure):  # no box for what passes: the message says so, and when Resync tries again
            text = f"Nothing was resynced: {sentence(failure.message)} {self._retry_later(failure)}"
            self.resync_bar.message.show_message(text, Tone.PROBLEM, lasting=self.retry_timer.isActive())
            return
        text = DROPPED if failure.connection_dropped else NOT_RESYNCED
        self.resync_bar.message.show_message(f"{text} ({failure.message})", Tone.PROBLEM)
        self._show_error(text, failure.message if failure.connection_dropped else failure.text())

    def _retry_later(self, failure: JobFailure) -> str:
        """Arm the automatic retry (while some are left) and say when it comes."""
        if self._retries_left <= 0:
            return "Resync once Xero is reachable again."
        delay = timedelta(milliseconds=RETRY_FIRST_MS * 2 ** (AUTOMATIC_RETRIES - self._retries_left))
        self._retries_left -= 1
        at = max(utcnow() + delay, failure.retry_at or utcnow())
        self.retry_at = at
        self.retry_timer.start(max(int((at - utcnow()).total_seconds() * 1000), 0))
        return f"Resync tries again by itself at {format_datetime(at)}, or press Resync once Xero is back."

    @Slot()
    def _on_cancelled(self) -> None:
        if self._last_word():
            self.resync_bar.message.show_message("Resync cancelled", Tone.INFO)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._closing:
            return
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self._apply_reports()  # what is still waiting (the worker's signals all came before its finished)
        self.progress.stop()
        self.model.clear_sending()
        self.gate.release(self)  # enables Resync again (see _on_gate_changed)
        self.resync_bar.button.setEnabled(len(self.model.checks) > 0 and not self.gate.busy)
        # Then what reads the database again, each in a turn of the event loop of its own (one after the other,
        # they held the window up at the end of a big Resync): the status bar, then the lists and counts.
        failure = self.last_failure
        dropped = failure if failure is not None and failure.connection_dropped else None
        self._after_steps = [lambda: self.xero_changed.emit(dropped), self.resync_finished.emit]
        self._after_timer.start()

    @Slot()
    def _after_resync(self) -> None:
        """One step of what follows a Resync (a timer, not a posted call: the window's own events and timers get
        their turn between the steps)."""
        if self._after_steps:
            self._after_steps.pop(0)()
        if self._after_steps:
            self._after_timer.start()

    def _show_error(self, text: str, details: str) -> None:
        """A message box that does not block (window-modal, opened): the user reads it, the window keeps going."""
        if self.error_box is not None:
            self.error_box.close()
        ok = QMessageBox.StandardButton.Ok
        box = message_box(QMessageBox.Icon.Warning, RESYNC_FAILED_TITLE, text, ok, self, informative=details)
        box.setAccessibleName(RESYNC_FAILED_TITLE)
        box.finished.connect(self._forget_error_box)
        box.finished.connect(box.deleteLater)  # closed above or by the user: freed, not kept until the window goes
        self.error_box = box
        box.open()

    @Slot()
    def _forget_error_box(self) -> None:
        if self.error_box is self.sender():
            self.error_box = None
