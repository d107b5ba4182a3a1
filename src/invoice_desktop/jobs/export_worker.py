"""The export engine on a worker thread, in two kinds of run that share their signals (EngineJob):

- `ExportWorker`: Resync of chosen invoices (xero.export_actions.resync_in_batches), for the Xero Exports tab;
- `QueueExportWorker`: what is queued or due an automatic retry (`Exporter.run()`, as `xero sync`), for the
  automatic export of the window (ui.auto_export).

Out come `invoice_done(id, outcome)` after each invoice, `progress(done, total)`, (Resync only) `batch_started(ids)`
before each batch is sent, and then exactly one of the base Job's signals: `succeeded(ExportSummary)` (also after
a Cancel: the summary says `cancelled`), or `failed(message)` for an error (a dead connection, Xero unreachable
before anything was sent, or a bug: logged, and the message says so). `cancel()` is honoured between batches.

(QThread already has a `finished()` signal of its own, so the summary travels in `succeeded`, as in every Job.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.jobs.xero_workers import XeroJob
from invoice_desktop.xero.client import XeroClient, open_client
from invoice_desktop.xero.export_actions import resync_in_batches
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.exporter import Exporter

ExporterFactory = Callable[[XeroClient], Exporter]


class EngineJob(XeroJob):
    """A run of the export engine: the client is opened in the worker thread; tests may pass their own engine."""

    progress = Signal(int, int)  # done, total
    invoice_done = Signal(int, object)  # invoice id, ExportOutcome

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

    def _client(self) -> XeroClient:
        return open_client(self.paths, self.endpoints, self.client_id)

    def _engine_factory(self, client: XeroClient) -> Callable[[], Exporter] | None:
        factory = self._exporter
        return (lambda: factory(client)) if factory is not None else None

    def _cancelled(self) -> bool:
        return self.is_cancelled

    def _on_outcome(self, outcome: ExportOutcome) -> None:
        self.invoice_done.emit(outcome.invoice_id, outcome)


class ExportWorker(EngineJob):
    """Resync: the given invoices again, a batch at a time (Cancel leaves those not reached failed)."""

    batch_started = Signal(list)  # the invoice ids about to be sent

    def __init__(
        self,
        paths: AppPaths,
        endpoints: XeroEndpoints,
        invoice_ids: Sequence[int],
        client_id: str | None = None,
        exporter: ExporterFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(paths, endpoints, client_id, exporter, parent)
        self.invoice_ids = list(invoice_ids)

    def work(self) -> ExportSummary:
        client = self._client()
        return resync_in_batches(
            client,
            self.invoice_ids,
            exporter=self._engine_factory(client),
            progress=self.progress.emit,
            on_outcome=self._on_outcome,
            on_batch=self.batch_started.emit,
            cancel=self._cancelled,
        )


class QueueExportWorker(EngineJob):
    """The queue: every invoice queued for export or failed with its automatic retry due, as `xero sync` does."""

    def work(self) -> ExportSummary:
        client = self._client()
        make = self._engine_factory(client)
        engine = make() if make is not None else Exporter(client)
        return engine.run(progress=self.progress.emit, on_outcome=self._on_outcome, cancel=self._cancelled)
