"""The export engine and the payment import on a worker thread, in three kinds of run sharing their signals
(EngineJob):

- `ExportWorker`: Resync of chosen invoices (xero.export_actions.resync_in_batches), for the Xero Exports tab;
- `QueueExportWorker`: what is queued or due an automatic retry (`Exporter.run()`), then, with `import_payments`,
  payments and changes from Xero (`import_changes` sharing the exporter's pacer): what `xero sync` does, for the
  automatic export of the window (ui.auto_export);
- `PaymentImportWorker`: the payment import alone (F5 and the import timer of ui.auto_export).

Out come, a batch at a time: (Resync only) `batch_started(ids)` before a batch is sent, then `outcomes_done(list)`
with its ExportOutcomes (in the order they were recorded) followed by `progress(done, total)` once it is recorded,
and then exactly one of the base Job's signals: `succeeded(ExportSummary)` (also after
a Cancel: the summary says `cancelled`; a run the engine stopped early says why in its typed `stop`, a RunStop), or
`failed(JobFailure)` for an error (a dead connection, Xero unreachable before anything was sent, the company file
busy, or a bug: logged, and the failure says so). `cancel()` is honoured between batches.

A run that imports emits `importing()` when the import begins and `imported(ImportSummary)` when it is over (before
`succeeded`; a stop of the engine in the summary's typed `stop`). An error inside the import after an export (an
error the engine does not classify, a busy company file) is `import_failed(JobFailure)` instead of `imported`, so
the export's summary is never lost to it; the payment import alone (PaymentImportWorker) simply fails. The import's
waits (pacing, backoff) end at once on `cancel()`, which stops it between requests (its high-water mark only moves
after a page is applied).

Why a batch at a time: every queued signal is an event the GUI thread handles with the GIL, which it shares with
this thread (and, in the --sandbox demo, with the sandbox); a signal per invoice (two, with its progress) made
thousands of them in a big Resync, and the window stuttered. The engine reports progress after each batch, so the
outcomes gathered since go out just before it (and any left at the end, before `succeeded`); a progress report
that says nothing new (the engine reports a batch's end twice) is not sent again.

(QThread already has a `finished()` signal of its own, so the summary travels in `succeeded`, as in every Job.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.desk import current_user
from invoice_desktop.jobs.engine_process import ChildFailed, ResyncOrder, run_resync
from invoice_desktop.jobs.failure import JobFailure
from invoice_desktop.jobs.worker import JobCancelled
from invoice_desktop.jobs.xero_workers import XeroJob
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.export_actions import resync_rows
from invoice_desktop.xero.export_pacing import Pacer
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.payment_import import ImportSummary, import_changes

ExporterFactory = Callable[[XeroClient], Exporter]


class EngineJob(XeroJob):
    """A run of the export engine: the client is opened in the worker thread; tests may pass their own engine."""

    progress = Signal(int, int)  # done, total
    outcomes_done = Signal(list)  # the ExportOutcomes recorded since the last report (before each progress)
    importing = Signal()  # the payment import begins
    imported = Signal(object)  # ImportSummary: the payment import is over
    import_failed = Signal(object)  # JobFailure: the payment import after an export raised (the export stands)

    def __init__(
        self,
        paths: AppPaths,
        endpoints: XeroEndpoints,
        client_id: str | None = None,
        exporter: ExporterFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(paths, endpoints, client_id, parent)
        self._exporter = exporter
        self._outcomes: list[ExportOutcome] = []  # not sent yet (only the worker thread touches these two)
        self._reported: tuple[int, int] | None = None

    def _client(self) -> XeroClient:
        return open_client(self.paths, self.endpoints, self.client_id)

    def _engine_factory(self, client: XeroClient) -> Callable[[], Exporter] | None:
        factory = self._exporter
        return (lambda: factory(client)) if factory is not None else None

    def _cancelled(self) -> bool:
        return self.is_cancelled

    def _on_outcome(self, outcome: ExportOutcome) -> None:
        self._outcomes.append(outcome)  # sent with the next progress report: a batch's worth in one signal

    def _report(self, done: int, total: int) -> None:
        """The engine's progress (after each batch): the outcomes gathered since, then the count if it moved."""
        self._send_outcomes()
        if (done, total) != self._reported:
            self._reported = (done, total)
            self.progress.emit(done, total)

    def _send_outcomes(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            self.outcomes_done.emit(outcomes)

    def _import_changes(self, client: XeroClient, pacer: Pacer | None = None) -> ImportSummary:
        """Payments and changes from Xero (gated by the setting); `pacer`: the exporter's, after an export."""
        self.importing.emit()
        sleep = self._sleep
        summary = import_changes(client, pacer=replace(pacer, sleep=sleep) if pacer else None, sleep=sleep)
        self.imported.emit(summary)
        return summary

    def _sleep(self, seconds: float) -> None:
        """The import's waits: over at once when the job is cancelled (the import then stops)."""
        if self._cancel.wait(max(0.0, seconds)):
            raise JobCancelled


class ExportWorker(EngineJob):
    """Resync: the given invoices, payments and credit notes again, a batch at a time (Cancel leaves those not
    reached failed). They come as the Failed table's row keys (export_actions.row_key: invoice ids, payments' and
    credit notes' negated ids), or as a function that lists them, called on the worker's thread (a select-all of
    the Failed table). With `in_child` (the window's Resync) the engine runs in a process of its own
    (jobs.engine_process), this thread relaying what it reports as the same signals."""

    batch_started = Signal(list)  # the row keys about to be sent

    def __init__(
        self,
        paths: AppPaths,
        endpoints: XeroEndpoints,
        invoice_ids: Sequence[int] | Callable[[], Sequence[int]],
        client_id: str | None = None,
        exporter: ExporterFactory | None = None,
        parent: QObject | None = None,
        *,
        in_child: bool = False,
    ) -> None:
        super().__init__(paths, endpoints, client_id, exporter, parent)
        self.invoice_ids = invoice_ids if callable(invoice_ids) else list(invoice_ids)
        self.in_child = in_child and exporter is None  # a test's own engine runs here

    def work(self) -> ExportSummary:
        keys = self.invoice_ids() if callable(self.invoice_ids) else self.invoice_ids
        if self.in_child:
            order = ResyncOrder(self.paths, self.endpoints, self.client_id, tuple(keys), current_user())
            try:
                summary: ExportSummary = run_resync(order, self)
                return summary
            finally:
                self._send_outcomes()
        client = self._client()
        try:
            return resync_rows(
                client,
                keys,
                exporter=self._engine_factory(client),
                progress=self._report,
                on_outcome=self._on_outcome,
                on_batch=self.batch_started.emit,
                cancel=self._cancelled,
            )
        finally:
            self._send_outcomes()  # recorded ones not reported yet (an error or a Cancel mid-way)

    def _batch(self, keys: list[int]) -> None:
        self.batch_started.emit(keys)

    def classify(self, exc: BaseException) -> JobFailure:
        return exc.failure if isinstance(exc, ChildFailed) else super().classify(exc)


class QueueExportWorker(EngineJob):
    """The queue: every invoice queued for export or failed with its automatic retry due, as `xero sync` does;
    with `import_payments`, then the payment import (not after a Cancel, nor after a run Xero stopped)."""

    def __init__(
        self,
        paths: AppPaths,
        endpoints: XeroEndpoints,
        client_id: str | None = None,
        exporter: ExporterFactory | None = None,
        parent: QObject | None = None,
        *,
        import_payments: bool = False,
    ) -> None:
        super().__init__(paths, endpoints, client_id, exporter, parent)
        self.import_payments = import_payments

    def work(self) -> ExportSummary:
        client = self._client()
        make = self._engine_factory(client)
        engine = make() if make is not None else Exporter(client)
        try:
            summary = engine.run(progress=self._report, on_outcome=self._on_outcome, cancel=self._cancelled)
        finally:
            self._send_outcomes()
        if self.import_payments and not self.is_cancelled and summary.stop is None:
            self._import_after(client, engine.pacer)
        return summary

    def _import_after(self, client: XeroClient, pacer: Pacer) -> None:
        """The payment import after the export: its own trouble is reported apart (`import_failed`)."""
        try:
            self._import_changes(client, pacer)
        except JobCancelled:
            raise
        except Exception as exc:
            self.import_failed.emit(self.classify(exc))


class PaymentImportWorker(EngineJob):
    """The payment import alone: `succeeded(ImportSummary)` (also sent through `imported`)."""

    def work(self) -> ImportSummary:
        return self._import_changes(self._client())
