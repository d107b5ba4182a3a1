"""Resync on a worker thread: the export engine (xero.export_actions.resync_in_batches) wrapped in a Job.

Ids go in; out come `batch_started(ids)` before each batch is sent, `invoice_done(id, outcome)` after each invoice,
`progress(done, total)`, and then exactly one of the base Job's signals: `succeeded(ExportSummary)` (also after a
Cancel: the summary says `cancelled`), or `failed(message)` for an error (a dead connection, Xero unreachable
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


class ExportWorker(XeroJob):
    progress = Signal(int, int)  # done, total
    invoice_done = Signal(int, object)  # invoice id, ExportOutcome
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
        super().__init__(paths, endpoints, client_id, parent)
        self.invoice_ids = list(invoice_ids)
        self._exporter = exporter

    def work(self) -> ExportSummary:
        client = open_client(self.paths, self.endpoints, self.client_id)
        factory = self._exporter
        return resync_in_batches(
            client,
            self.invoice_ids,
            exporter=(lambda: factory(client)) if factory is not None else None,
            progress=self.progress.emit,
            on_outcome=self._on_outcome,
            on_batch=self.batch_started.emit,
            cancel=lambda: self.is_cancelled,
        )

    def _on_outcome(self, outcome: ExportOutcome) -> None:
        self.invoice_done.emit(outcome.invoice_id, outcome)
