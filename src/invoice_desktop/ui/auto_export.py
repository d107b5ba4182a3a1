"""Automatic export to Xero from the window (PRODUCT.md §1, §4): approving invoices exports them, and failures
waiting for an automatic retry are sent again when their time comes.

The main window owns one `AutoExporter`. It starts a run of the export engine over the queue (a
QueueExportWorker: `Exporter.run()`, what `xero sync` does) when

- invoices were approved in the window (`request_run`: the Draft tab's Approve, the editor's Save & Approve), or
- its timer fires (every minute, and once at start-up) and something is due: queued, or failed with its
  `next_retry_at` passed, and the day limit's parking (if any) over.

Nothing runs while the interface is not set up, disabled, dropped, or export on approval is off. One run at a
time: the run takes the window's export gate (shared with the Xero Exports tab's Resync); a request that comes
while a run (or a Resync) is going is remembered and run when the gate is free. After a run that Xero stopped
(unreachable), the timer waits TROUBLE_PAUSE before trying again; approvals still start a run at once.

While it runs, the status bar says "Exporting to Xero… 12 of 50"; at the end `run_finished` lets the window
re-read its lists, counts and Xero status, and a short note in the status bar tells how it went. `shutdown()`
(the window closes) stops the run between batches and waits for the thread. Another process syncing the same
company file at the same time is harmless: the engine claims each invoice with one atomic update.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from invoice_desktop.cli import AppContext
from invoice_desktop.jobs.export_gate import ExportGate
from invoice_desktop.jobs.export_worker import ExporterFactory, QueueExportWorker
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.ui.tick_action_bar import plural
from invoice_desktop.xero.export_queue import pending_ids
from invoice_desktop.xero.export_results import ExportSummary
from invoice_desktop.xero.exporter import parked_until
from invoice_desktop.xero.settings import InterfaceState, interface_state, load_settings

INTERVAL_MS = 60_000
NOTE_MS = 15_000  # how long the note stays in the status bar
TROUBLE_PAUSE = timedelta(minutes=5)
EXPORTING = "Exporting to Xero…"
RECONNECT = "The Xero connection has been dropped: reconnect in Business > Settings > Xero"


# --- what the controller decides on (database reads only, no Qt) ------------------------------------------------


def exports_automatically() -> bool:
    """The interface is connected and enabled, with export on approval on."""
    settings = load_settings()
    return settings.export_on_approval and interface_state(settings=settings) is InterfaceState.CONNECTED


def export_due(now: datetime) -> bool:
    """Something to send now: queued, or failed with its automatic retry due, and the queue not parked."""
    parked = parked_until()
    if parked is not None and parked > now:
        return False
    return bool(pending_ids(now, limit=1))


def auto_note(summary: ExportSummary | None, error: str = "", dropped: bool = False) -> str:
    """The status bar's note after a run ("" when there is nothing to tell)."""
    if dropped:
        return RECONNECT
    if summary is None:
        return f"Export to Xero failed: {error}" if error else ""
    synced, failed = len(summary.synced), len(summary.failed)
    text = ""
    if failed:
        text = f"{synced:,} exported, {failed:,} failed: see Xero Exports"
    elif synced:
        text = f"{plural(synced, 'invoice')} exported to Xero"
    if summary.stopped_reason:
        stop = f"Export to Xero stopped: {summary.stopped_reason}"
        text = f"{text}. {stop}" if text else stop
    return text


# --- the status bar's progress ----------------------------------------------------------------------------------


class AutoExportLabel(QLabel):
    """The status bar's "Exporting to Xero… 12 of 50", shown only while an automatic run goes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Automatic export progress")
        self.hide()

    def start(self) -> None:
        self.setText(EXPORTING)
        self.show()

    @Slot(int, int)
    def set_progress(self, done: int, total: int) -> None:
        self.setText(f"{EXPORTING} {done:,} of {total:,}" if total else EXPORTING)

    def stop(self) -> None:
        self.hide()


# --- the controller ---------------------------------------------------------------------------------------------


class AutoExporter(QObject):
    run_started = Signal()
    run_finished = Signal()  # the run ended (its summary in `last_summary`): time to re-read lists and status
    note = Signal(str)  # how it went, in a few words (also shown in the status bar)

    def __init__(
        self,
        ctx: AppContext,
        gate: ExportGate,
        status_bar: QStatusBar | None = None,
        parent: QObject | None = None,
        *,
        interval_ms: int = INTERVAL_MS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.gate = gate
        self.exporter_factory: ExporterFactory | None = None  # tests pass a batched/held engine
        self.worker: QueueExportWorker | None = None
        self.last_summary: ExportSummary | None = None
        self.runs_started = 0
        self.resume_at: datetime | None = None  # after a run Xero stopped, the timer waits until then
        self._clock = clock
        self._again = False  # asked to run while a run (or a Resync) was going
        self._closing = False
        self._error = ""

        self.progress_label = AutoExportLabel()
        self._status_bar = status_bar
        if status_bar is not None:
            status_bar.insertPermanentWidget(0, self.progress_label)
            self.note.connect(self._show_note)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self._startup = QTimer(self)
        self._startup.setSingleShot(True)
        self._startup.timeout.connect(self.tick)
        gate.changed.connect(self._on_gate_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self) -> None:
        """Begin watching: a look at the queue as soon as the window is up, then every interval."""
        if not self._closing:
            self.timer.start()
            self._startup.start(0)

    # --- when to run ---

    @Slot()
    def request_run(self) -> None:
        """Invoices were approved (or changed) in the window: export what that queued, now."""
        self._maybe_run(timer=False)

    @Slot()
    def tick(self) -> None:
        """The timer: run when something is queued or a retry is due (not during the pause after trouble)."""
        self._maybe_run(timer=True)

    def _maybe_run(self, timer: bool) -> None:
        if self._closing or not exports_automatically():
            return
        if self.worker is not None or self.gate.busy:
            self._again = True
            return
        now = self._clock()
        if timer and self.resume_at is not None and now < self.resume_at:
            return
        if export_due(now):
            self._start_run()

    def _start_run(self) -> None:
        if not self.gate.try_acquire(self):
            self._again = True
            return
        worker = QueueExportWorker(self.ctx.paths, self.ctx.endpoints, self.ctx.client_id, self.exporter_factory, self)
        worker.progress.connect(self._on_progress)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_thread_finished)
        self.worker = worker
        self._again = False
        self._error = ""
        self.last_summary = None
        self.runs_started += 1
        self.progress_label.start()
        self.run_started.emit()
        worker.start()

    # --- the worker's signals ---

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if not self._closing:
            self.progress_label.set_progress(done, total)

    @Slot(object)
    def _on_succeeded(self, summary: ExportSummary) -> None:
        if not self._closing:
            self.last_summary = summary

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if not self._closing:
            self._error = message

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._closing:
            return
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self.progress_label.stop()
        summary = self.last_summary
        trouble = summary is None or bool(summary.stopped_reason)
        self.resume_at = self._clock() + TROUBLE_PAUSE if trouble else None
        if trouble:
            self._again = False  # no tight loop against a Xero that just stopped us; the timer comes back
        dropped = interface_state() is InterfaceState.DROPPED or bool(
            summary and any(o.category is FailureCategory.CONNECTION for o in summary.failed)
        )
        self.run_finished.emit()
        text = auto_note(summary, self._error, dropped)
        if text:
            self.note.emit(text)
        self.gate.release(self)  # may start the run asked for meanwhile (_on_gate_changed)

    @Slot(bool)
    def _on_gate_changed(self, busy: bool) -> None:
        if not busy and self._again and self.worker is None:
            self._maybe_run(timer=False)

    @Slot(str)
    def _show_note(self, text: str) -> None:
        if self._status_bar is not None:
            self._status_bar.showMessage(text, NOTE_MS)

    # --- closing ---

    @Slot()
    def shutdown(self) -> None:
        """Stop: no new runs; a running one stops between batches, and this waits for its thread to end."""
        self._closing = True
        self.timer.stop()
        self._startup.stop()
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.cancel()
            worker.wait()
            worker.deleteLater()
        self.progress_label.stop()
        self.gate.release(self)
