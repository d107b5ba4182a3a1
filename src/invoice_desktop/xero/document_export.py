"""The exactly-once run for the documents that follow an invoice to Xero (payments recorded here, credit notes),
on the invoice engine's machinery: its queue claims (export_queue, on the document's own QueueTable), its calls
(pacing, retries with the same Idempotency-Key, Retry-After, parking) and its stop rules (xero.exporter.Exporter).

1. Sends an earlier run left unresolved (its process died, or its reply was lost) are looked up in Xero before
   anything else, by the document's own look-up that cannot miss. Found: linked, synced. Shown absent: queued
   again. The look-up could not be made: failed and unconfirmed, never sent again unseen.
2. Takes up to 50 queued documents (one atomic claim), checks them (the subclass's pre-flight, costing no call),
   writes the batch's Idempotency-Key and `sent_at`, then sends one PUT ...?summarizeErrors=false and records each
   document's own outcome.
3. A whole call that failed stops the run as for invoices (Exporter.stop_for).

A document type gives its mapping, pre-flight, PUT, look-up and classification (payment_export,
credit_note_export); the rest is here, once.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import AttemptOutcome, ExportState, database_proxy
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.export_park import RunStop, current_stop
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.failure_classifier import Failure, element_created, element_messages, header_of
from invoice_desktop.xero.settings import XeroSettings, load_settings
from invoice_desktop.xero.xero_cache import XeroCache
from invoice_desktop.xero.xero_calls import XeroCaller

log = logging.getLogger(__name__)

BATCH_SIZE = 50


class Engine(Protocol):
    """What these exports use of the invoice engine (xero.exporter.Exporter)."""

    owner: str
    client: XeroClient
    caller: XeroCaller

    @property
    def request_options(self) -> dict[str, Any]: ...

    def now(self) -> datetime: ...

    def next_retry(self, failure: Failure, attempts: int, now: datetime) -> datetime | None: ...

    def stop_for(self, failure: Failure) -> RunStop | None: ...

    def call(self, request: Callable[[], Any], on_retry: Callable[[Failure], None] | None = None) -> Any: ...


class Mapped(Protocol):
    """A document mapped for Xero: what the run needs of it."""

    @property
    def document_id(self) -> int: ...  # the local payment / credit note

    @property
    def invoice_id(self) -> int: ...  # the invoice it belongs to (a row's drill-down)

    @property
    def number(self) -> str: ...  # what the bookkeeper knows it by

    @property
    def model(self) -> Any: ...  # the SDK model sent

    def is_ours(self, found: Any) -> bool: ...


M = TypeVar("M", bound=Mapped)


@dataclass
class Reply:
    elements: list[Any] | None
    failure: Failure | None
    correlation_id: str | None = None
    unconfirmed: bool = False


class DocumentExporter(ABC, Generic[M]):
    """Sends queued documents of one type through `engine` (its client, owner, clock, calls and stop rules)."""

    table: queue.QueueTable
    noun: str  # "payment", "credit note": in the log and Xero-did-not-say messages
    id_attribute: str  # the SDK element's id attribute ("payment_id", "credit_note_id")
    unconfirmed_note: str

    def __init__(self, engine: Engine, *, batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.batch_size = max(1, min(batch_size, BATCH_SIZE))
        self.requests = 0  # PUT calls (tries included)

    @property
    def owner(self) -> str:
        return self.engine.owner

    def _now(self) -> datetime:
        return self.engine.now()

    # -- what a document type gives ------------------------------------------------------------------------------

    @abstractmethod
    def _prepare_one(self, summary: ExportSummary, key: str, document_id: int, settings: XeroSettings,
                     cache: XeroCache | None) -> M | None:  # fmt: skip
        """The claimed document mapped and checked (None: skipped or failed here, recorded)."""

    @abstractmethod
    def _remap(self, document_id: int, settings: XeroSettings) -> M | None:
        """The document as it was sent, for the look-up of an unresolved batch (None: gone, nothing to look up)."""

    @abstractmethod
    def _put(self, models: list[Any], key: str) -> Any:
        """The batch PUT (`summarize_errors=False`, `idempotency_key=key`, `_return_http_data_only=False`)."""

    @abstractmethod
    def _elements(self, data: Any) -> list[Any]: ...

    @abstractmethod
    def request_digest(self, models: list[Any]) -> str: ...

    @abstractmethod
    def _classify(self, messages: list[str], mapped: M) -> Failure: ...

    @abstractmethod
    def _look_up(self, batch: list[M], *, retry: bool) -> dict[int, list[Any] | Failure]:
        """What Xero holds that may be each document (by document id), or the Failure that stopped its look-up."""

    @abstractmethod
    def _found_note(self, mapped: M) -> str: ...

    def _element_for(self, mapped: M, elements: list[Any], index: int, size: int) -> Any | None:
        """The reply's element for a sent document: by position (elements are answered in order)."""
        return elements[index] if len(elements) == size else None

    def _after_synced(self, mapped: M, xero_id: str) -> None:
        """Written with the synced outcome, in its transaction."""

    def _xero_id(self, found: Any) -> str:
        return str(getattr(found, self.id_attribute))

    def _outcome(self, mapped: M, state: ExportState, xero_id: str | None, **values: Any) -> ExportOutcome:
        ids: dict[str, Any] = {f"{self.table.kind}_id": mapped.document_id}
        return ExportOutcome(mapped.invoice_id, mapped.number, state, xero_id, kind=self.table.kind, **ids, **values)

    # -- the run -----------------------------------------------------------------------------------------------

    def run(
        self,
        document_ids: Sequence[int] | None = None,
        *,
        settings: XeroSettings | None = None,
        cache: XeroCache | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> ExportSummary:
        """Send what is queued (or, with `document_ids`, those of them that are queued or due a retry)."""
        summary = ExportSummary()
        parked = current_stop(self._now())
        if parked is not None:
            summary.stop = parked
            return summary
        settings = settings or load_settings()
        only = list(document_ids) if document_ids is not None else None
        summary.total = len(queue.pending_ids(self._now(), only, table=self.table))
        self._resolve_unresolved(summary)
        while summary.stop is None:
            if cancel is not None and cancel():
                summary.cancelled = True
                break
            candidates = queue.pending_ids(self._now(), only, self.batch_size, table=self.table)
            if not candidates:
                break
            key = queue.new_batch_key()
            claimed = queue.claim(candidates, self.owner, key, self._now(), table=self.table)
            batch = self._prepare(summary, key, claimed, settings, cache) if claimed else []
            if batch:
                models = [m.model for m in batch]
                ids = [m.document_id for m in batch]
                queue.mark_sent(key, ids, self.request_digest(models), self._now())
                reply = self._send(key, models, ids)
                self._record_reply(summary, key, batch, reply)
            queue.resolve_batch(key, self._now())
        summary.total = max(summary.total, len(summary.outcomes))
        return summary

    def _prepare(
        self, summary: ExportSummary, key: str, ids: list[int], settings: XeroSettings, cache: XeroCache | None
    ) -> list[M]:
        ready = [m for m in (self._prepare_one(summary, key, i, settings, cache) for i in ids) if m is not None]
        unconfirmed = queue.unconfirmed_among([m.document_id for m in ready], table=self.table)
        if unconfirmed:
            absent = self._link_by_lookup(summary, key, [m for m in ready if m.document_id in unconfirmed], retry=False)
            ready = [m for m in ready if m.document_id not in unconfirmed or m.document_id in absent]
        return ready

    # -- sending -------------------------------------------------------------------------------------------------

    def _send(self, key: str, models: list[Any], ids: list[int]) -> Reply:
        """PUT the batch; transient failures are retried with the same key (Xero replays a reply it has)."""
        retries: list[Failure] = []

        def put() -> Any:
            queue.heartbeat(ids, self.owner, self._now(), table=self.table)
            self.requests += 1
            return self._put(models, key)

        def retrying(failure: Failure) -> None:
            log.info("%s batch %s: %s (%s)", self.noun, key, failure.category.value, failure.message)
            retries.append(failure)
            queue.record_retry(ids, self.owner, key, failure.category, failure.messages, self._now(),
                               failure.correlation_id, table=self.table)  # fmt: skip

        result = self.engine.call(put, on_retry=retrying)
        if isinstance(result, Failure):
            unconfirmed = result.unconfirmed or any(f.unconfirmed for f in retries)
            return Reply(None, result, result.correlation_id, unconfirmed)
        data, _status, headers = result
        return Reply(self._elements(data), None, header_of(headers, "Xero-Correlation-Id"))

    def _record_reply(self, summary: ExportSummary, key: str, batch: list[M], reply: Reply) -> None:
        if reply.failure is not None:
            stop = self.engine.stop_for(reply.failure)
            summary.stop = summary.stop or stop
            note = self.unconfirmed_note if reply.unconfirmed else ""
            with database_proxy.atomic():
                for mapped in batch:
                    self._fail(summary, key, mapped, reply.failure, note=note, unconfirmed=reply.unconfirmed)
            return
        elements = reply.elements or []
        with database_proxy.atomic():
            for index, mapped in enumerate(batch):
                element = self._element_for(mapped, elements, index, len(batch))
                if element is None:
                    failure = Failure(FailureCategory.VALIDATION, (f"Xero's reply did not mention this {self.noun}.",))
                    self._fail(summary, key, mapped, failure, correlation_id=reply.correlation_id, unconfirmed=True)
                elif element_created(element, self.id_attribute):
                    self._synced(summary, key, mapped, self._xero_id(element), reply.correlation_id)
                else:
                    messages = element_messages(element) or [f"Xero did not record the {self.noun}."]
                    self._fail(summary, key, mapped, self._classify(messages, mapped),
                               correlation_id=reply.correlation_id)  # fmt: skip

    # -- outcomes ------------------------------------------------------------------------------------------------

    def _fail(
        self, summary: ExportSummary, key: str | None, mapped: M, failure: Failure, *, note: str = "",
        correlation_id: str | None = None, unconfirmed: bool = False,
    ) -> None:  # fmt: skip
        now = self._now()
        model: Any = self.table.export
        row = model.get_or_none(self.table.key == mapped.document_id)
        next_retry = self.engine.next_retry(failure, (row.attempts if row else 0) + 1, now)
        correlation = correlation_id or failure.correlation_id
        recorded = queue.record_failed(
            mapped.document_id, self.owner, key, failure.category, failure.messages, failure.hint, now,
            next_retry_at=next_retry, note=note, correlation_id=correlation, unconfirmed=unconfirmed,
            table=self.table,
        )  # fmt: skip
        if recorded.applied:
            summary.outcomes.append(
                self._outcome(mapped, ExportState.FAILED, None, category=failure.category, messages=failure.messages,
                              hint=failure.hint, note=note, attempts=recorded.attempts, next_retry_at=next_retry,
                              correlation_id=correlation)
            )  # fmt: skip

    def _synced(
        self, summary: ExportSummary, key: str | None, mapped: M, xero_id: str, correlation_id: str | None, *,
        note: str = "", outcome: AttemptOutcome = AttemptOutcome.SYNCED,
    ) -> None:  # fmt: skip
        xero_id = xero_id.lower()  # as the payment import keys Xero's documents
        with database_proxy.atomic():
            recorded = queue.record_synced(
                mapped.document_id, self.owner, key, xero_id, self._now(), note=note, correlation_id=correlation_id,
                outcome=outcome, table=self.table,
            )  # fmt: skip
            if recorded.applied:
                self._after_synced(mapped, xero_id)
        if recorded.applied:
            summary.outcomes.append(
                self._outcome(mapped, ExportState.SYNCED, xero_id, note=note, attempts=recorded.attempts,
                              correlation_id=correlation_id)
            )  # fmt: skip

    # -- looking documents up in Xero ----------------------------------------------------------------------------

    def _link_by_lookup(self, summary: ExportSummary, key: str, batch: list[M], *, retry: bool = True) -> set[int]:
        """Documents that may be in Xero: ours found there are linked; those Xero was shown not to hold are
        returned (they may be sent); when the look-up cannot be made they stay failed and unconfirmed."""
        absent: set[int] = set()
        answers = self._look_up(batch, retry=retry)
        with database_proxy.atomic():
            for mapped in batch:
                answer = answers[mapped.document_id]
                if isinstance(answer, Failure):
                    stop = self.engine.stop_for(answer)
                    summary.stop = summary.stop or stop
                    note = f"{self.unconfirmed_note} Xero could not be asked yet: {answer.message}"
                    self._fail(summary, key, mapped, answer, note=note, unconfirmed=True)
                    summary.unresolved.append(mapped.number)
                    continue
                ours = next((found for found in answer if live(found) and mapped.is_ours(found)), None)
                if ours is not None:
                    self._synced(summary, key, mapped, self._xero_id(ours), None, note=self._found_note(mapped),
                                 outcome=AttemptOutcome.LINKED)  # fmt: skip
                else:
                    absent.add(mapped.document_id)
        queue.confirm_absent(sorted(absent), self.owner, table=self.table)
        return absent

    def _resolve_unresolved(self, summary: ExportSummary) -> None:
        """Sends of runs that died: never sent, back to the queue; sent, looked up in Xero first."""
        for batch in queue.unresolved_batches(self._now(), self.owner, table=self.table):
            if summary.stop is not None:
                return
            ids = queue.take_over(batch, self.owner, self._now(), table=self.table)
            if not ids:
                continue
            log.info("resolving the interrupted %s batch %s (%d documents)", self.noun, batch.key, len(ids))
            if batch.sent_at is not None:
                settings = load_settings()
                mapped = [m for m in (self._remap(i, settings) for i in ids) if m is not None]
                summary.total += len(mapped)
                absent = self._link_by_lookup(summary, batch.key, mapped)
                summary.total -= len(absent)
                ids = sorted(absent)
            queue.release(ids, self.owner, self._now(), table=self.table)
            queue.resolve_batch(batch.key, self._now())


def live(document: Any) -> bool:
    """Not deleted in Xero (a voided one is still there, its number taken: it is ours, linked, not sent again)."""
    status = getattr(document, "status", None)
    return str(getattr(status, "value", status) or "").upper() != "DELETED"
