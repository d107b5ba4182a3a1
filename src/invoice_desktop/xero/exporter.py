"""The export engine (docs/product.md §4): one class used by the window's worker thread, the commands and the tests.

    summary = Exporter(client).run(progress=..., on_outcome=..., cancel=...)

A run:
1. Resolves sends an earlier run left unresolved (its process died, or the reply was lost): the same batch is
   replayed with its own Idempotency-Key while Xero still keeps the reply (6 minutes; we use 5) and the request
   is byte-for-byte the same; otherwise the numbers are looked up in Xero and what is there is linked.
2. Takes up to 50 invoices at a time from the queue (one atomic claim, see export_queue), checks them against
   Xero's cached settings (failures cost no call), writes the batch's Idempotency-Key and `sent_at`, then sends
   one PUT /Invoices?summarizeErrors=false and records each invoice's own outcome.
3. Retries transient trouble (5xx, 503 offline, timeouts, resets, the minute limit) with backoff and jitter that
   honour Retry-After, re-sending the same key; only when the retries are spent do the invoices show failed,
   with the time of their next automatic retry. A dead connection or the day limit stops the run (the day
   limit parks the queue until it resets). "Invoice # must be unique." is looked up: ours -> linked, synced.
4. Between batches: the cancel flag, `progress(done, total)`; after each invoice `on_outcome(outcome)`.

Calls are made one at a time from the calling thread (so never more than 5 in flight), paced by
X-MinLimit-Remaining. All database writes happen in the calling thread. Clock and sleep are injectable.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from queue import Empty, SimpleQueue
from typing import Any

from xero_python.accounting import Invoices

from invoice_desktop.ledger.invoice_batch import get_invoice_details
from invoice_desktop.ledger.invoices import InvoiceDetail, get_invoice_detail
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import AttemptOutcome, ExportState, InvoiceStatus, XeroExport, database_proxy
from invoice_desktop.store.settings import set_setting
from invoice_desktop.xero import export_preflight as preflight
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.credit_note_export import CreditNoteExporter
from invoice_desktop.xero.document_export import DocumentExporter
from invoice_desktop.xero.export_pacing import MAX_IN_FLIGHT, Pacer, RetryPolicy
from invoice_desktop.xero.export_park import RunStop, current_stop, park, resume_time, stamp
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.failure_classifier import (
    DUPLICATE_NUMBER,
    Failure,
    classify_element,
    element_created,
    element_messages,
    element_warnings,
    header_of,
)
from invoice_desktop.xero.invoice_lookup import Lookup, Wanted, describe, look_up, whose, xero_number_key
from invoice_desktop.xero.invoice_mapping import MappedInvoice, map_invoice, request_body, request_digest
from invoice_desktop.xero.payment_export import PaymentExporter, waiting_on
from invoice_desktop.xero.settings import KEY_LAST_SYNC_AT, XeroSettings, load_settings, mark_dropped
from invoice_desktop.xero.xero_cache import XeroCache, load_cache
from invoice_desktop.xero.xero_calls import XeroCaller

log = logging.getLogger(__name__)

BATCH_SIZE = 50
REPLAY_WINDOW = timedelta(minutes=5)  # Xero keeps an idempotent reply for 6 minutes
# Xero refuses a request body over 3.5 MB (10 MB on its newer limits page; docs/xero-facts.md §3): batches are
# kept under 3 MB, and a 413 halves the batch.
MAX_REQUEST_BYTES = 3_000_000
SENDABLE_STATUSES = (InvoiceStatus.AWAITING_PAYMENT.value, InvoiceStatus.PAID.value)
IN_FLIGHT = 4  # requests in flight at once by default (Xero allows 5 per organisation: one is left for a look-up)
RETRY_NOTE_SECONDS = 0.2  # how soon a sender's retry reaches the history (the writer's wait between looks)
HEARTBEAT_SECONDS = 30.0  # while requests are in flight, their claims are refreshed this often (STALE_AFTER: 5 min)
UNCONFIRMED_NOTE = (
    "Sent to Xero, but Xero's reply never came, so it may be there already. It is looked up in Xero before it "
    "is ever sent again."
)

ProgressCallback = Callable[[int, int], None]
OutcomeCallback = Callable[[ExportOutcome], None]
CancelFlag = Callable[[], bool]


@dataclass
class _Reply:
    elements: list[Any] | None
    failure: Failure | None
    correlation_id: str | None = None
    unconfirmed: bool = False  # a try may have reached Xero without its reply reaching us


@dataclass
class _Flight:
    """A batch whose request is on its way: its key, what was sent, and the answer once it is back."""

    key: str
    batch: list[MappedInvoice]
    reply: Future[_Reply]
    tried_again: SimpleQueue[tuple[Failure, datetime]] = field(default_factory=SimpleQueue)  # for the writer to record

    @property
    def invoice_ids(self) -> list[int]:
        return [m.invoice_id for m in self.batch]


@dataclass
class _Run:
    summary: ExportSummary
    settings: XeroSettings
    cache: XeroCache | None
    progress: ProgressCallback | None
    on_outcome: OutcomeCallback | None
    done: int = 0
    held: list[ExportOutcome] | None = None  # outcomes written in an open transaction, reported after its commit

    def emit(self, outcome: ExportOutcome) -> None:
        if self.held is not None:
            self.held.append(outcome)
            return
        self.summary.outcomes.append(outcome)
        self.done += 1
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def stop(self, stop: RunStop) -> None:
        self.summary.stop = self.summary.stop or stop

    @property
    def stopped(self) -> bool:
        return self.summary.stop is not None


class Exporter:
    def __init__(
        self,
        client: XeroClient,
        *,
        settings: XeroSettings | None = None,
        cache: XeroCache | None = None,
        use_cache: bool = True,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utcnow,
        jitter: Callable[[], float] = random.random,
        batch_size: int = BATCH_SIZE,
        owner: str | None = None,
        request_timeout: tuple[int, int] | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self.client = client
        self._settings = settings
        self._cache = cache
        self._use_cache = use_cache
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._jitter = jitter
        self.batch_size = max(1, min(batch_size, BATCH_SIZE))
        self.max_request_bytes = max_request_bytes
        self.owner = owner or queue.new_owner()
        self._timeout = {"_request_timeout": request_timeout} if request_timeout else {}
        self.pacer = Pacer(now=lambda: self._clock().timestamp(), sleep=sleep)
        self.caller = XeroCaller(self.pacer, self.policy, jitter)
        # Requests in flight at once (Xero allows 5 per organisation; a look-up may run beside them).
        self.in_flight = max(1, min(in_flight, MAX_IN_FLIGHT - 1))
        self._count_lock = threading.Lock()
        self.invoice_requests = 0

    @property
    def api_calls(self) -> int:
        return self.caller.api_calls

    @property
    def request_options(self) -> dict[str, Any]:
        """Keyword arguments every SDK call of this engine takes (its request timeout)."""
        return dict(self._timeout)

    def now(self) -> datetime:
        return self._clock()

    def next_retry(self, failure: Failure, attempts: int, now: datetime) -> datetime | None:
        """When a document that failed so is retried automatically (None: not until the user resyncs)."""
        return self._next_retry(failure, attempts, now)

    # -- the run -----------------------------------------------------------------------------------------------

    def run(
        self,
        invoice_ids: Sequence[int] | None = None,
        *,
        progress: ProgressCallback | None = None,
        on_outcome: OutcomeCallback | None = None,
        cancel: CancelFlag | None = None,
        payment_ids: Sequence[int] | None = None,
        credit_note_ids: Sequence[int] | None = None,
    ) -> ExportSummary:
        """Export what is queued: invoices, then the payments recorded here (payment_export), then the credit
        notes and their allocations (credit_note_export). With `invoice_ids`, `payment_ids` and/or
        `credit_note_ids`, only those of them that are queued or due a retry. Payment and credit note outcomes
        join the summary (kind "payment", "credit_note"); `on_outcome` hears of invoices only, matched to rows by
        invoice id."""
        everything = invoice_ids is None and payment_ids is None and credit_note_ids is None
        if invoice_ids is None and not everything:
            invoice_ids = []
        send_payments = everything or payment_ids is not None
        send_credit_notes = everything or credit_note_ids is not None
        run = _Run(ExportSummary(), self._settings or load_settings(), self._current_cache(), progress, on_outcome)
        now = self._clock()
        parked = current_stop(now)
        if parked is not None:
            run.stop(parked)
            return self._finish(run)
        only = list(invoice_ids) if invoice_ids is not None else None
        if only == [] and not everything:
            self._send_followers(run, send_payments, payment_ids, send_credit_notes, credit_note_ids, cancel)
            return self._finish(run)
        run.summary.total = len(queue.pending_ids(now, only))
        self._resolve_unresolved(run)
        pool = ThreadPoolExecutor(self.in_flight, thread_name_prefix="xero-send") if self.in_flight > 1 else None
        flights: list[_Flight] = []
        try:
            while True:
                while len(flights) < self.in_flight and not run.stopped:
                    if cancel is not None and cancel():
                        run.summary.cancelled = True
                        break
                    flight = self._next_flight(run, only, pool)
                    if flight is None:
                        break
                    flights.append(flight)
                if not flights:
                    break
                for flight in self._landed(flights):
                    self._record_flight(run, flight)
                self._report(run)
                if run.summary.cancelled:
                    cancel = None  # what is in flight is still recorded; nothing new goes
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        if not send_payments:  # payments recorded before their invoice reached Xero follow it now
            synced = [
                o.invoice_id for o in run.summary.outcomes if o.kind == "invoice" and o.state is ExportState.SYNCED
            ]
            followers = waiting_on(synced)
            payment_ids = [*(payment_ids or ()), *followers] if followers else payment_ids
            send_payments = bool(followers)
        self._send_followers(run, send_payments, payment_ids, send_credit_notes, credit_note_ids, cancel)
        return self._finish(run)

    def _send_followers(
        self, run: _Run, send_payments: bool, payment_ids: Sequence[int] | None, send_credit_notes: bool,
        credit_note_ids: Sequence[int] | None, cancel: CancelFlag | None,
    ) -> None:  # fmt: skip
        """The documents that follow the invoices: payments recorded here, then credit notes (after the invoices
        they are paid against and allocated to)."""
        if send_payments and not run.stopped and not run.summary.cancelled:
            self._send_part(run, PaymentExporter(self), payment_ids, cancel)
        if send_credit_notes and not run.stopped and not run.summary.cancelled:
            self._send_part(run, CreditNoteExporter(self), credit_note_ids, cancel)

    def _send_part(
        self, run: _Run, exporter: DocumentExporter[Any], ids: Sequence[int] | None, cancel: CancelFlag | None
    ) -> None:
        part = exporter.run(ids, settings=run.settings, cache=run.cache, cancel=cancel)
        run.summary.outcomes.extend(part.outcomes)
        run.summary.unresolved.extend(part.unresolved)
        run.summary.total += part.total
        run.done += len(part.outcomes)
        run.summary.cancelled = run.summary.cancelled or part.cancelled
        if part.stop is not None:
            run.stop(part.stop)

    def _next_flight(self, run: _Run, only: list[int] | None, pool: ThreadPoolExecutor | None) -> _Flight | None:
        """Claim, check and map the next batch and send it (on the pool, or here); None when nothing is left."""
        while True:
            candidates = queue.pending_ids(self._clock(), only, self.batch_size)
            if not candidates:
                return None
            key = queue.new_batch_key()
            claimed = queue.claim(candidates, self.owner, key, self._clock())
            batch = self._fit(run, key, self._prepare(run, key, claimed)) if claimed else []
            if not batch:
                if claimed:
                    queue.resolve_batch(key, self._clock())
                    self._report(run)
                continue
            models = [m.model for m in batch]
            queue.mark_sent(key, [m.invoice_id for m in batch], request_digest(models), self._clock())
            ids = [m.invoice_id for m in batch]
            if pool is None:  # sent here: the claim is refreshed and each retry recorded as it happens
                reply: Future[_Reply] = Future()
                reply.set_result(self._send(key, models, self._keep_claimed(ids), self._retry_recorder(ids, key)))
                return _Flight(key, batch, reply)
            tried_again: SimpleQueue[tuple[Failure, datetime]] = SimpleQueue()
            reply = pool.submit(self._send, key, models, None, _putter(tried_again))
            return _Flight(key, batch, reply, tried_again)

    def _retry_recorder(self, invoice_ids: list[int], key: str) -> Callable[[Failure, datetime], None]:
        def record(failure: Failure, at: datetime) -> None:
            queue.record_retry(
                invoice_ids, self.owner, key, failure.category, failure.messages, at, failure.correlation_id
            )

        return record

    def _record_retries(self, flight: _Flight) -> None:
        """The retries a sender made so far, into the history now (a kill in the backoff keeps them)."""
        record = self._retry_recorder(flight.invoice_ids, flight.key)
        while True:
            try:
                record(*flight.tried_again.get_nowait())
            except Empty:
                return

    def _keep_claimed(self, invoice_ids: list[int]) -> Callable[[], None]:
        return lambda: queue.heartbeat(invoice_ids, self.owner, self._clock())

    def _landed(self, flights: list[_Flight]) -> list[_Flight]:
        """The flights whose answer is back (removed from `flights`); meanwhile the senders' retries are recorded as
        they happen and the claims of the flights still out are kept fresh."""
        beat = time.monotonic()
        while True:
            done, _ = wait([f.reply for f in flights], timeout=RETRY_NOTE_SECONDS, return_when=FIRST_COMPLETED)
            for flight in flights:
                self._record_retries(flight)
            if done:
                landed = [f for f in flights if f.reply in done]
                for flight in landed:
                    flights.remove(flight)
                return landed
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                queue.heartbeat([i for f in flights for i in f.invoice_ids], self.owner, self._clock())
                beat = time.monotonic()

    def _record_flight(self, run: _Run, flight: _Flight) -> None:
        """What came of one request, written by the engine's one writer (the calling thread)."""
        reply, key, batch, ids = flight.reply.result(), flight.key, flight.batch, flight.invoice_ids
        self._record_retries(flight)
        if reply.failure is not None and reply.failure.too_large and len(batch) > 1 and not reply.unconfirmed:
            # Refused for its size before Xero read it: back to the queue, to go again in halves.
            self.batch_size = max(1, len(batch) // 2)
            failure = reply.failure
            queue.record_retry(
                ids, self.owner, key, failure.category, failure.messages, self._clock(), reply.correlation_id
            )
            queue.release(ids, self.owner, self._clock())
        else:
            self._record_reply(run, key, batch, reply)
        queue.resolve_batch(key, self._clock())

    def _finish(self, run: _Run) -> ExportSummary:
        run.summary.api_calls = self.api_calls
        run.summary.invoice_requests = self.invoice_requests
        run.summary.total = max(run.summary.total, run.done)
        if run.done and not any(o.category is FailureCategory.CONNECTION for o in run.summary.outcomes):
            set_setting(KEY_LAST_SYNC_AT, self._clock().isoformat())
        self._report(run)
        return run.summary

    def _report(self, run: _Run) -> None:
        if run.progress is not None:
            run.progress(run.done, max(run.summary.total, run.done))

    def _current_cache(self) -> XeroCache | None:
        if not self._use_cache:
            return None
        cache = self._cache if self._cache is not None else load_cache()
        if cache is not None and cache.tenant_id and cache.tenant_id.lower() != self.client.tenant_id.lower():
            return None
        return cache

    # -- preparing a batch ---------------------------------------------------------------------------------------

    def _prepare(self, run: _Run, key: str, invoice_ids: list[int]) -> list[MappedInvoice]:
        """Map the claimed invoices; those the cached settings show Xero would refuse fail here, without a call;
        those whose last send was never confirmed are looked up in Xero first."""
        ready: list[MappedInvoice] = []
        linked: dict[int, str] = {}  # clients linked to a Xero contact while preparing this batch
        for detail in _details(invoice_ids):
            invoice_id = detail.id
            if detail.status.value not in SENDABLE_STATUSES:
                # Skipped, not released: back in the queue, the next claim would take it again, for ever.
                note = f"Not sent: the invoice is {detail.status} (it changed while it waited to be exported)."
                queue.skip_claimed([invoice_id], self.owner, self._clock(), note)
                continue
            if detail.client.id in linked and not detail.client.xero_contact_id:  # as a fresh read would see it
                detail = replace(detail, client=replace(detail.client, xero_contact_id=linked[detail.client.id]))
            choice = preflight.choose_contact(detail.client, run.cache)
            if choice.newly_linked and choice.contact_id:
                queue.link_contact(invoice_id, choice.contact_id)
                linked[detail.client.id] = choice.contact_id
            mapped = map_invoice(detail, run.settings, run.cache, choice.contact_id)
            failure = choice.failure or preflight.check(mapped, run.cache)
            if failure is None:
                ready.append(mapped)
                continue
            fetched = stamp(run.cache.fetched_at) if run.cache is not None else "?"
            self._fail(run, key, mapped, failure, note=preflight.NOTE.format(fetched=fetched))
        unconfirmed = queue.unconfirmed_among([m.invoice_id for m in ready])
        if unconfirmed:
            checked = self._link_by_lookup(run, key, [m for m in ready if m.invoice_id in unconfirmed], retry=False)
            ready = [m for m in ready if m.invoice_id not in unconfirmed or m.invoice_id in checked]
        return ready

    def _fit(self, run: _Run, key: str, batch: list[MappedInvoice]) -> list[MappedInvoice]:
        """The longest start of the batch whose request stays under max_request_bytes; the rest go back to the
        queue (the next claim takes them). An invoice too large on its own fails without a call."""
        if not batch:
            return []
        sizes = [len(json.dumps(request_body([m.model]), default=str).encode("utf-8")) for m in batch]
        kept, used = 0, 0
        while kept < len(batch) and used + sizes[kept] <= self.max_request_bytes:
            used += sizes[kept]
            kept += 1
        if kept == 0:
            too_big = batch[0]
            size_mb = sizes[0] / 1_000_000
            message = (
                f"{too_big.number} is too large to send to Xero in one request ({size_mb:.1f} MB; requests are kept "
                f"under {self.max_request_bytes / 1_000_000:.1f} MB, below Xero's limit)."
            )
            hint = "Split its lines over two or more invoices, then Resync."
            self._fail(run, key, too_big, Failure(FailureCategory.VALIDATION, (message,), hint))
            return self._fit(run, key, batch[1:]) if len(batch) > 1 else []
        if kept < len(batch):
            queue.release([m.invoice_id for m in batch[kept:]], self.owner, self._clock())
        return batch[:kept]

    # -- sending -------------------------------------------------------------------------------------------------

    def _send(
        self, key: str, models: list[Any], before_try: Callable[[], None] | None = None,
        on_retry: Callable[[Failure, datetime], None] | None = None,
    ) -> _Reply:  # fmt: skip
        """PUT the batch; transient failures are retried with the same key (Xero replays a reply it has). Runs on
        any thread and writes nothing itself: `before_try` and `on_retry` (each retry, and when) are the caller's."""
        retries: list[Failure] = []

        def put() -> Any:
            if before_try is not None:
                before_try()
            with self._count_lock:
                self.invoice_requests += 1
            return self.client.accounting().create_invoices(
                self.client.tenant_id,
                Invoices(invoices=models),
                summarize_errors=False,
                unitdp=4,
                idempotency_key=key,
                _return_http_data_only=False,
                **self._timeout,
            )

        def retrying(failure: Failure) -> None:
            log.info("export batch %s: %s (%s)", key, failure.category.value, failure.message)
            retries.append(failure)
            if on_retry is not None:
                on_retry(failure, self._clock())

        result = self.call(put, on_retry=retrying)
        if isinstance(result, Failure):
            unconfirmed = result.unconfirmed or any(f.unconfirmed for f in retries)
            return _Reply(None, result, result.correlation_id, unconfirmed)
        data, _status, headers = result
        return _Reply(list(data.invoices or []), None, header_of(headers, "Xero-Correlation-Id"))

    def call(self, request: Callable[[], Any], on_retry: Callable[[Failure], None] | None = None) -> Any:
        """One call to Xero through the engine's XeroCaller (paced, transient trouble retried)."""
        return self.caller.call(request, on_retry)

    def _record_reply(self, run: _Run, key: str, batch: list[MappedInvoice], reply: _Reply) -> None:
        if reply.failure is not None:
            with self._transaction(run):
                self._fail_batch(run, key, batch, reply.failure, unconfirmed=reply.unconfirmed)
            return
        elements = _match(batch, reply.elements or [])
        duplicates: list[tuple[MappedInvoice, Failure]] = []
        with self._transaction(run):
            self._record_elements(run, key, elements, reply, duplicates)
        if duplicates:
            self._resolve_duplicates(run, key, duplicates)

    @contextmanager
    def _transaction(self, run: _Run) -> Iterator[None]:
        """One transaction for a batch's outcomes; `on_outcome` hears of them once they are committed."""
        if run.held is not None:
            yield
            return
        run.held = []
        try:
            with database_proxy.atomic():
                yield
        except BaseException:
            run.held = None
            raise
        held, run.held = run.held, None
        for outcome in held:
            run.emit(outcome)

    def _record_elements(
        self, run: _Run, key: str, elements: list[tuple[MappedInvoice, Any | None]], reply: _Reply,
        duplicates: list[tuple[MappedInvoice, Failure]],
    ) -> None:  # fmt: skip
        for mapped, element in elements:
            if element is None:  # it may have been created all the same: looked up before it is sent again
                failure = Failure(FailureCategory.VALIDATION, ("Xero's reply did not mention this invoice.",))
                self._fail(run, key, mapped, failure, correlation_id=reply.correlation_id, unconfirmed=True)
                continue
            if element_created(element):
                contact = getattr(element, "contact", None)
                contact_id = str(contact.contact_id) if contact and contact.contact_id else None
                self._synced(
                    run, key, mapped, str(element.invoice_id), reply.correlation_id, contact_id=contact_id,
                    warnings=tuple(element_warnings(element)),
                )  # fmt: skip
                continue
            messages = element_messages(element)
            failure = classify_element(messages or ["Xero did not create the invoice."], mapped)
            failure = Failure(failure.category, failure.messages, failure.hint, correlation_id=reply.correlation_id)
            if failure.category is FailureCategory.DUPLICATE_NUMBER:
                duplicates.append((mapped, failure))
            else:
                self._fail(run, key, mapped, failure, correlation_id=reply.correlation_id)

    def stop_for(self, failure: Failure) -> RunStop | None:
        """What a failed call means for the rest of the run: a dead connection (recorded as dropped), a missing
        permission, the day limit or a long Retry-After (the queue is parked) and other transient trouble stop
        it; a refusal of the invoice itself (validation and the like) does not."""
        if failure.category is FailureCategory.CONNECTION:
            mark_dropped(failure.message)
            return RunStop(failure.category, failure.message, failure.hint or failure.category.default_hint)
        if failure.category is FailureCategory.PERMISSION:
            return RunStop(failure.category, failure.message, failure.hint)
        if failure.parks_queue:
            return park(failure.category, resume_time(self._clock(), failure.retry_after))
        if failure.transient:
            message = f"Xero could not be reached ({failure.message})"
            return RunStop(failure.category, message, failure.category.default_hint)
        return None

    def _stop_for(self, run: _Run, failure: Failure) -> None:
        stop = self.stop_for(failure)
        if stop is not None:
            run.stop(stop)

    def _fail_batch(
        self, run: _Run, key: str, batch: list[MappedInvoice], failure: Failure, *, unconfirmed: bool = False
    ) -> None:
        self._stop_for(run, failure)
        note = UNCONFIRMED_NOTE if unconfirmed else ""
        for mapped in batch:
            self._fail(
                run, key, mapped, failure, correlation_id=failure.correlation_id, unconfirmed=unconfirmed, note=note
            )

    def _next_retry(self, failure: Failure, attempts: int, now: datetime) -> datetime | None:
        if failure.category is FailureCategory.CONNECTION:
            return now  # retried by the first sync after reconnecting
        if failure.parks_queue:
            return resume_time(now, failure.retry_after)
        if failure.transient:
            return self.policy.next_automatic_retry(now, attempts)
        return None

    # -- outcomes ------------------------------------------------------------------------------------------------

    def _fail(
        self, run: _Run, key: str | None, mapped: MappedInvoice, failure: Failure, *, note: str = "",
        correlation_id: str | None = None, unconfirmed: bool = False,
    ) -> None:  # fmt: skip
        now = self._clock()
        attempts = _current_attempts(mapped.invoice_id) + 1
        next_retry = self._next_retry(failure, attempts, now)
        recorded = queue.record_failed(
            mapped.invoice_id, self.owner, key, failure.category, failure.messages, failure.hint, now,
            next_retry_at=next_retry, note=note, correlation_id=correlation_id or failure.correlation_id,
            unconfirmed=unconfirmed,
        )  # fmt: skip
        if recorded.applied:
            run.emit(
                ExportOutcome(
                    mapped.invoice_id, mapped.number, ExportState.FAILED, None, failure.category, failure.messages,
                    failure.hint, note, recorded.attempts, next_retry, correlation_id or failure.correlation_id,
                )
            )  # fmt: skip

    def _synced(
        self, run: _Run, key: str | None, mapped: MappedInvoice, xero_id: str, correlation_id: str | None, *,
        note: str = "", contact_id: str | None = None, warnings: tuple[str, ...] = (),
        outcome: AttemptOutcome = AttemptOutcome.SYNCED,
    ) -> None:  # fmt: skip
        recorded = queue.record_synced(
            mapped.invoice_id, self.owner, key, xero_id, self._clock(), note=note, correlation_id=correlation_id,
            contact_id=contact_id, warnings=warnings, outcome=outcome,
        )  # fmt: skip
        if recorded.applied:
            run.emit(
                ExportOutcome(mapped.invoice_id, mapped.number, ExportState.SYNCED, xero_id, note=note,
                              attempts=recorded.attempts, correlation_id=correlation_id, warnings=warnings)
            )  # fmt: skip

    # -- looking numbers up in Xero ------------------------------------------------------------------------------

    def _look_up(self, batch: Sequence[MappedInvoice], *, retry: bool = True) -> Lookup:
        """Xero's sales invoices with these numbers (see invoice_lookup: a look-up that cannot miss)."""

        def read_page(query: dict[str, Any]) -> Any:
            def get() -> Any:
                return self.client.accounting().get_invoices(
                    self.client.tenant_id, _return_http_data_only=False, **query, **self._timeout
                )

            result = self.caller.call(get, retries=None if retry else 0)
            return result if isinstance(result, Failure) else result[0]

        return look_up([Wanted(m.number, m.date) for m in batch], read_page)

    def _resolve_duplicates(self, run: _Run, key: str, duplicates: list[tuple[MappedInvoice, Failure]]) -> None:
        """Xero said "Invoice # must be unique.": link the invoice in Xero that is ours; otherwise fail it, saying
        whose invoice Xero has (or that the look-up could not see it, so renumbering is not advised blindly)."""
        lookup = self._look_up([m for m, _ in duplicates])
        with self._transaction(run):
            for mapped, failure in duplicates:
                problem = lookup.failure(mapped.number)
                if problem is not None:  # Xero refuses a second copy of a number: sending again later is harmless
                    self._fail(run, key, mapped, problem)
                    continue
                candidates = lookup.invoices(mapped.number)
                owned = whose(mapped, candidates)
                if owned.invoice is not None:
                    note = f"Xero already had {mapped.number} ({failure.message}); {owned.rule}; linked to it."
                    self._synced(
                        run, key, mapped, str(owned.invoice.invoice_id), failure.correlation_id, note=note,
                        outcome=AttemptOutcome.LINKED,
                    )  # fmt: skip
                else:
                    self._fail(run, key, mapped, _not_ours(failure, candidates), correlation_id=failure.correlation_id)

    # -- unresolved sends of earlier runs ------------------------------------------------------------------------

    def _resolve_unresolved(self, run: _Run) -> None:
        for batch in queue.unresolved_batches(self._clock(), self.owner):
            if run.stopped:
                return
            invoice_ids = queue.take_over(batch, self.owner, self._clock())
            if not invoice_ids:
                continue
            log.info("resolving the interrupted export batch %s (%d invoices)", batch.key, len(invoice_ids))
            if batch.sent_at is None:  # claimed, never sent
                queue.release(invoice_ids, self.owner, self._clock())
                queue.resolve_batch(batch.key, self._clock())
                continue
            run.summary.total += len(invoice_ids)
            mapped = [self._remap(detail, run) for detail in _details(invoice_ids)]
            models = [m.model for m in mapped]
            fresh = self._clock() - batch.sent_at < REPLAY_WINDOW
            if fresh and request_digest(models) == batch.request_digest:
                reply = self._send(
                    batch.key, models, self._keep_claimed(invoice_ids), self._retry_recorder(invoice_ids, batch.key)
                )
                self._record_reply(run, batch.key, mapped, reply)
            else:
                absent = self._link_by_lookup(run, batch.key, mapped)
                queue.release(sorted(absent), self.owner, self._clock())
                run.summary.total -= len(absent)
            queue.resolve_batch(batch.key, self._clock())

    def _remap(self, detail: InvoiceDetail, run: _Run) -> MappedInvoice:
        return map_invoice(detail, run.settings, run.cache, detail.client.xero_contact_id)

    def _link_by_lookup(self, run: _Run, key: str, batch: list[MappedInvoice], *, retry: bool = True) -> set[int]:
        """Invoices that may be in Xero (a send whose reply never came): ours found there are linked, a number
        held by another invoice fails as a duplicate, and those Xero was shown not to hold are returned (they may be
        sent). When the look-up cannot be completed they stay failed and unconfirmed: never sent again unseen."""
        lookup = self._look_up(batch, retry=retry)
        absent: set[int] = set()
        with self._transaction(run):
            for mapped in batch:
                problem = lookup.failure(mapped.number)
                if problem is not None:
                    self._stop_for(run, problem)
                    note = f"{UNCONFIRMED_NOTE} Xero could not be asked yet: {problem.message}"
                    self._fail(run, key, mapped, problem, note=note, unconfirmed=True)
                    run.summary.unresolved.append(mapped.number)
                    continue
                candidates = lookup.invoices(mapped.number)
                owned = whose(mapped, candidates)
                if owned.invoice is not None:
                    note = f"Found in Xero after an interrupted export ({owned.rule}); linked to it."
                    xero_id = str(owned.invoice.invoice_id)
                    self._synced(run, key, mapped, xero_id, None, note=note, outcome=AttemptOutcome.LINKED)
                elif candidates:
                    duplicate = classify_element([DUPLICATE_NUMBER], mapped)
                    self._fail(run, key, mapped, _not_ours(duplicate, candidates))
                else:
                    absent.add(mapped.invoice_id)
        queue.confirm_absent(sorted(absent), self.owner)
        return absent


# -- helpers ---------------------------------------------------------------------------------------------------------


def _not_ours(failure: Failure, candidates: Sequence[Any]) -> Failure:
    """The duplicate-number failure, saying what Xero holds under the number (or that the look-up did not see it)."""
    category = FailureCategory.DUPLICATE_NUMBER
    if candidates:
        held = "; ".join(describe(i) for i in candidates)
        hint = f"{held}, so it is not this invoice. {category.default_hint}"
    else:
        hint = (
            "Xero says it has an invoice with this number, but a search of Xero's sales invoices did not show it. "
            "Look for it in Xero before renumbering: if it is this invoice, mark this one as already in Xero."
        )
    return Failure(category, failure.messages, hint, correlation_id=failure.correlation_id)


def _match(batch: list[MappedInvoice], elements: list[Any]) -> list[tuple[MappedInvoice, Any | None]]:
    """Pair each sent invoice with its element of the reply: by InvoiceNumber, else by position."""
    by_number: dict[str, Any] = {}
    for element in elements:
        number = xero_number_key(str(getattr(element, "invoice_number", "") or ""))
        if number and number not in by_number:
            by_number[number] = element
    pairs: list[tuple[MappedInvoice, Any | None]] = []
    for index, mapped in enumerate(batch):
        element = by_number.get(xero_number_key(mapped.number))
        if element is None and len(elements) == len(batch):
            element = elements[index]
        pairs.append((mapped, element))
    return pairs


def _details(invoice_ids: list[int]) -> Iterator[InvoiceDetail]:
    """The invoices' details in the order given, read together (get_invoice_detail's error for a missing one)."""
    found = get_invoice_details(invoice_ids)
    for invoice_id in invoice_ids:
        detail = found.get(invoice_id)
        yield detail if detail is not None else get_invoice_detail(invoice_id)


def _current_attempts(invoice_id: int) -> int:
    row = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
    return row.attempts if row is not None else 0


def _putter(into: SimpleQueue[tuple[Failure, datetime]]) -> Callable[[Failure, datetime], None]:
    """A retry callback for a pooled sender: it only queues the retry, the writer thread records it."""

    def put(failure: Failure, at: datetime) -> None:
        into.put((failure, at))

    return put
