"""Automatic export to Xero from the window (docs/product.md §1, §4): approving invoices exports them, and failures
waiting for an automatic retry are sent again when their time comes. Payments and changes come back from Xero
(issue 7) after each of those runs, on F5 and on a timer (ui.payment_refresh).

The main window owns one `AutoExporter`. It starts a run of the export engine over the queue (a
QueueExportWorker: `Exporter.run()`, what `xero sync` does) when

- invoices were approved in the window (`request_run`: the Draft tab's Approve, the editor's Save & Approve) or a
  payment was recorded in Invoice Information (with "Send payments recorded here to Xero" on), or
- its timer fires (every minute, and once at start-up) and something is due: queued, or failed with its
  `next_retry_at` passed, and the day limit's parking (if any) over.

It also starts the payment import's runs on their own (`request_import`, `import_tick`; when, in ui.payment_refresh):
an export run and an import run are one kind of run to the controller, one worker and one gate at a time.

Nothing runs while the interface is not set up, disabled, dropped, or both export on approval and sending payments
are off (with only one of them on, only what it queues makes a run due; the run sends all that is due). One run at a
time: the run takes the window's export gate (shared with the Xero Exports tab's Resync); a request that comes
while a run (or a Resync) is going is remembered and run when the gate is free. After a run that Xero stopped
(unreachable), the timers wait TROUBLE_PAUSE before trying again; approvals and F5 still start a run at once, and
so does reconnecting in Settings > Xero (`reconnected`): the pause is over, and the invoices that failed for the
dropped connection (due again at once) are sent.

While it runs, the status bar says "Exporting to Xero… 12 of 50", then "Checking Xero for payments…"
(ui.xero_run_status). What a run came to is a `RunReport` of the typed values its worker sent (the summaries, a
JobFailure, the engine's RunStop): whether Xero stopped it, whether the connection dropped, and the note are
decided from those, never by reading the company file again. At the end `refresh_needed` lets the window re-read
its lists, counts and open Invoice Information, and `xero_changed(JobFailure | None)` gives the status bar the
run's trouble (after an export, after an import that changed something, after trouble), `run_finished` says the
run is over (always), and a short note in the status bar tells how it went ("2 payments imported from Xero;
INV-0012 is now paid").
`stop()` (the window closes) stops the run between batches (or between the import's requests) and hands its worker
back for the window to wait for; `shutdown()` also waits, a bounded time. Another process syncing the same company
file at the same time is harmless: the engine claims each invoice with one atomic update, and applying an invoice
from Xero twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QStatusBar

from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.export_gate import ExportGate
from invoice_desktop.jobs.export_worker import EngineJob, ExporterFactory, PaymentImportWorker, QueueExportWorker
from invoice_desktop.jobs.failure import JobFailure
from invoice_desktop.jobs.worker import Job, stop_jobs
from invoice_desktop.store.fields import utcnow
from invoice_desktop.ui.payment_refresh import (
    IMPORT_FAILED,
    IMPORT_INTERVAL_MS,
    connected_with,
    import_note,
    imports_automatically,
    now_paid,
)
from invoice_desktop.ui.tick_action_bar import plural
from invoice_desktop.ui.xero_run_status import CHECKING, EXPORTING, NOTE_MS, RECONNECT, AutoExportLabel
from invoice_desktop.xero.credit_note_export import allocation_due
from invoice_desktop.xero.export_park import parked_until
from invoice_desktop.xero.export_queue import CREDIT_NOTES, PAYMENTS, pending_ids
from invoice_desktop.xero.export_results import ExportSummary
from invoice_desktop.xero.payment_import import ImportSummary

INTERVAL_MS = 60_000
TROUBLE_PAUSE = timedelta(minutes=5)
STOP_WAIT_MS = 10_000  # shutdown(): how long it waits for a run to stop (a Xero call in flight may take longer)


# --- what the controller decides on (database reads only, no Qt) ------------------------------------------------


def exports_automatically() -> bool:
    """The interface is connected and enabled, with export on approval on."""
    return connected_with("export_on_approval")


def sends_payments_automatically() -> bool:
    """The interface is connected and enabled, with "Send payments recorded here to Xero" on."""
    return connected_with("send_payments")


def export_due(now: datetime, *, invoices: bool = True, payments: bool = False) -> bool:
    """Something to send now: an invoice or a credit note (with `invoices`: they go with the export switch) or a
    payment recorded here (with `payments`) queued, or failed with its automatic retry due, or a credit note's
    allocation to make; and the queue not parked."""
    parked = parked_until()
    if parked is not None and parked > now:
        return False
    invoices_due = invoices and (
        bool(pending_ids(now, limit=1)) or bool(pending_ids(now, limit=1, table=CREDIT_NOTES)) or allocation_due()
    )
    return invoices_due or (payments and bool(pending_ids(now, limit=1, table=PAYMENTS)))


def auto_note(summary: ExportSummary | None, failure: JobFailure | None = None) -> str:
    """The status bar's note after an export ("" when there is nothing to tell); `failure`: the run's, when it
    failed without a summary."""
    if summary is None:
        return f"Export to Xero failed: {failure.text()}" if failure is not None else ""
    synced, failed = len(summary.synced), len(summary.failed)
    text = ""
    if failed:
        text = f"{synced:,} exported, {failed:,} failed: see Xero Exports"
    elif synced:
        payments = sum(1 for o in summary.synced if o.kind == "payment")
        notes = sum(1 for o in summary.synced if o.kind == "credit_note")
        kinds = ((synced - payments - notes, "invoice"), (payments, "payment"), (notes, "credit note"))
        parts = [plural(n, what) for n, what in kinds if n]
        others = payments or notes
        text = " and ".join(parts) + " sent to Xero" if others else f"{plural(synced, 'invoice')} exported to Xero"
    if summary.stop is not None:
        stop = f"Export to Xero stopped: {summary.stop.message}"
        text = f"{text}. {stop}" if text else stop
    return text


@dataclass(frozen=True)
class RunReport:
    """What one automatic run came to: the typed values its worker sent, and nothing read again."""

    exported: bool  # the run exported (then maybe imported); else it only imported
    summary: ExportSummary | None = None  # the export's (None: it failed or was cancelled before it had one)
    imported: ImportSummary | None = None  # the import's, when it ran to its end
    failure: JobFailure | None = None  # the run failed (the worker's `failed`)
    import_failure: JobFailure | None = None  # the import after the export failed (`import_failed`)
    paid: Sequence[str] = field(default=())  # the numbers the import made paid (for the note)

    @property
    def troubles(self) -> list[JobFailure]:
        """Why the run, or a part of it, stopped: its failures and the engine's stops."""
        stops = [done.stop for done in (self.summary, self.imported) if done is not None and done.stop is not None]
        failures = [f for f in (self.failure, self.import_failure) if f is not None]
        return failures + [JobFailure.from_stop(stop) for stop in stops]

    @property
    def dropped(self) -> JobFailure | None:
        """The trouble that says the Xero connection has dropped, if any."""
        return next((t for t in self.troubles if t.connection_dropped), None)

    @property
    def trouble(self) -> bool:
        """Xero (or anything else) stopped the run, or it ended without its summary: the timers pause."""
        done = self.summary if self.exported else self.imported
        return done is None or bool(self.troubles)

    def note(self) -> str:
        """The note after the run ("" when there is nothing to tell)."""
        if self.dropped is not None:
            return RECONNECT
        if self.exported:
            first = auto_note(self.summary, self.failure)
        else:
            first = f"{IMPORT_FAILED}: {self.failure.text()}" if self.failure is not None else ""
        failed = f"{IMPORT_FAILED}: {self.import_failure.text()}" if self.import_failure is not None else ""
        return "; ".join(part for part in (first, import_note(self.imported, self.paid), failed) if part)


# --- the controller ---------------------------------------------------------------------------------------------


class AutoExporter(QObject):
    run_started = Signal()
    refresh_needed = Signal()  # a run exported, imported changes or met trouble: re-read lists and counts
    xero_changed = Signal(object)  # with refresh_needed: the run's trouble (JobFailure) or None, for the status bar
    run_finished = Signal()  # the run ended (what it came to in `last_report`), after refresh_needed
    note = Signal(str)  # how it went, in a few words (also shown in the status bar)

    def __init__(
        self,
        ctx: AppContext,
        gate: ExportGate,
        status_bar: QStatusBar | None = None,
        parent: QObject | None = None,
        *,
        interval_ms: int = INTERVAL_MS,
        import_interval_ms: int = IMPORT_INTERVAL_MS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.gate = gate
        self.exporter_factory: ExporterFactory | None = None  # tests pass a batched/held engine
        self.worker: EngineJob | None = None
        self.last_summary: ExportSummary | None = None  # of the last run that exported
        self.last_import: ImportSummary | None = None  # of the last run that imported
        self.last_report: RunReport | None = None  # of the last run
        self.runs_started = 0
        self.resume_at: datetime | None = None  # after a run Xero stopped, the timers wait until then
        self._clock = clock
        self._again = False  # asked to run while a run (or a Resync) was going
        self._import_again = False  # asked to import while a run (or a Resync) was going
        self._exporting = False  # the run going exports (else it only imports)
        self._closing = False
        self._failure: JobFailure | None = None
        self._import_failure: JobFailure | None = None

        self.progress_label = AutoExportLabel()
        self._status_bar = status_bar
        if status_bar is not None:
            status_bar.insertPermanentWidget(0, self.progress_label)
            self.note.connect(self._show_note)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.import_timer = QTimer(self)
        self.import_timer.setInterval(import_interval_ms)
        self.import_timer.timeout.connect(self.import_tick)
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
        """Begin watching: a look at the queue as soon as the window is up, then every interval; and Xero's
        changes every import interval."""
        if not self._closing:
            self.timer.start()
            self.import_timer.start()
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

    @Slot()
    def reconnected(self) -> None:
        """The Xero connection changed in Settings > Xero (connected again, say): the pause after a dropped run is
        over, and what waited for the connection is sent now (nothing runs unless it exports automatically)."""
        self.resume_at = None
        self._maybe_run(timer=False)

    @Slot()
    def request_import(self) -> None:
        """F5: ask Xero now for the payments and changes since the last time."""
        self._maybe_import(timer=False)

    @Slot()
    def import_tick(self) -> None:
        """The import timer (not during the pause after trouble)."""
        self._maybe_import(timer=True)

    def _pausing(self, now: datetime) -> bool:
        return self.resume_at is not None and now < self.resume_at

    def _maybe_run(self, timer: bool) -> None:
        invoices, payments = exports_automatically(), sends_payments_automatically()
        if self._closing or not (invoices or payments):
            return
        if self.worker is not None or self.gate.busy:
            self._again = True
            return
        now = self._clock()
        if timer and self._pausing(now):
            return
        if export_due(now, invoices=invoices, payments=payments):
            self._start_run(export=True)

    def _maybe_import(self, timer: bool) -> None:
        if self._closing or not imports_automatically():
            return
        if self.worker is not None or self.gate.busy:
            self._import_again = True
            return
        if not (timer and self._pausing(self._clock())):
            self._start_run(export=False)

    def _start_run(self, export: bool) -> None:
        if not self.gate.try_acquire(self):
            if export:
                self._again = True
            else:
                self._import_again = True
            return
        importing = imports_automatically() if export else True
        worker = self._new_worker(export, importing)
        worker.progress.connect(self._on_progress)
        worker.importing.connect(self.progress_label.checking)
        worker.imported.connect(self._on_imported)
        worker.import_failed.connect(self._on_import_failed)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_thread_finished)
        self.worker = worker
        self._exporting = export
        self._again = self._again and not export
        self._import_again = self._import_again and not importing
        self._failure = self._import_failure = None
        self.last_summary = None
        self.last_import = None
        self.runs_started += 1
        self.progress_label.start(EXPORTING if export else CHECKING)
        self.run_started.emit()
        worker.start()

    def _new_worker(self, export: bool, importing: bool) -> EngineJob:
        ctx = self.ctx
        if not export:
            return PaymentImportWorker(ctx.paths, ctx.endpoints, ctx.client_id, parent=self)
        worker = QueueExportWorker(
            ctx.paths, ctx.endpoints, ctx.client_id, self.exporter_factory, self, import_payments=importing
        )
        worker.succeeded.connect(self._on_succeeded)
        return worker

    # --- the worker's signals ---

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if not self._closing:
            self.progress_label.set_progress(done, total)

    @Slot(object)
    def _on_succeeded(self, summary: ExportSummary) -> None:
        if not self._closing:
            self.last_summary = summary

    @Slot(object)
    def _on_imported(self, imported: ImportSummary) -> None:
        if not self._closing:
            self.last_import = imported

    @Slot(object)
    def _on_failed(self, failure: JobFailure) -> None:
        if not self._closing:
            self._failure = failure

    @Slot(object)
    def _on_import_failed(self, failure: JobFailure) -> None:
        if not self._closing:
            self._import_failure = failure

    @Slot()
    def _on_thread_finished(self) -> None:
        if self._closing:
            return
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self.progress_label.stop()
        imported = self.last_import
        changed = bool(imported and imported.invoices_changed)
        report = RunReport(
            self._exporting,
            self.last_summary,
            imported,
            self._failure,
            self._import_failure,
            now_paid(imported) if changed and imported is not None else (),
        )
        self.last_report = report
        self.resume_at = self._clock() + TROUBLE_PAUSE if report.trouble else None
        if report.trouble:  # no tight loop against a Xero that just stopped us; the timers come back
            self._again = self._import_again = False
        if report.exported or changed or report.trouble:
            self.refresh_needed.emit()
            self.xero_changed.emit(report.dropped)
        self.run_finished.emit()
        text = report.note()
        if text:
            self.note.emit(text)
        self.gate.release(self)  # may start the run asked for meanwhile (_on_gate_changed)

    @Slot(bool)
    def _on_gate_changed(self, busy: bool) -> None:
        if busy:
            return
        if self._again and self.worker is None:
            self._maybe_run(timer=False)
        if self._import_again and self.worker is None:
            self._maybe_import(timer=False)

    @Slot(str)
    def _show_note(self, text: str) -> None:
        if self._status_bar is not None:
            self._status_bar.showMessage(text, NOTE_MS)

    # --- closing ---

    def stop(self) -> list[Job]:
        """Stop: no new runs; a running one is handed back for the caller to cancel (it stops between batches, or
        between the import's requests) and wait for (jobs.worker.stop_jobs), and not listened to any more."""
        self._closing = True
        for timer in (self.timer, self.import_timer, self._startup):
            timer.stop()
        self.progress_label.stop()
        self.gate.release(self)
        worker, self.worker = self.worker, None
        return [worker] if worker is not None else []

    @Slot()
    def shutdown(self) -> None:
        """`stop()`, then wait for the run's thread, at most STOP_WAIT_MS (one still running is kept alive by
        jobs.worker until it ends)."""
        stop_jobs(self.stop(), STOP_WAIT_MS)
