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

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from xero_python.accounting import Invoices

from invoice_desktop.ledger.invoice_batch import get_invoice_details
from invoice_desktop.ledger.invoices import InvoiceDetail, get_invoice_detail
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import ExportState, InvoiceStatus, XeroExport, database_proxy
from invoice_desktop.store.settings import get_setting, set_setting
from invoice_desktop.xero import export_preflight as preflight
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.export_pacing import Pacer, RetryPolicy
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.failure_classifier import (
    DUPLICATE_NUMBER,
    Failure,
    classify_element,
    classify_exception,
    element_messages,
    header_of,
)
from invoice_desktop.xero.invoice_mapping import MappedInvoice, map_invoice, request_digest
from invoice_desktop.xero.settings import KEY_LAST_SYNC_AT, XeroSettings, load_settings, mark_dropped
from invoice_desktop.xero.xero_cache import XeroCache, load_cache

log = logging.getLogger(__name__)

BATCH_SIZE = 50
REPLAY_WINDOW = timedelta(minutes=5)  # Xero keeps an idempotent reply for 6 minutes
KEY_PARKED_UNTIL = "xero.export_parked_until"
DAY_LIMIT_FALLBACK = timedelta(hours=1)
SENDABLE_STATUSES = (InvoiceStatus.AWAITING_PAYMENT.value, InvoiceStatus.PAID.value)
GONE_STATUSES = ("VOIDED", "DELETED")

ProgressCallback = Callable[[int, int], None]
OutcomeCallback = Callable[[ExportOutcome], None]
CancelFlag = Callable[[], bool]


@dataclass
class _Reply:
    elements: list[Any] | None
    failure: Failure | None
    correlation_id: str | None = None


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

    def stop(self, reason: str) -> None:
        self.summary.stopped_reason = self.summary.stopped_reason or reason


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
    ) -> None:
        self.client = client
        self._settings = settings
        self._cache = cache
        self._use_cache = use_cache
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._jitter = jitter
        self.batch_size = max(1, min(batch_size, BATCH_SIZE))
        self.owner = owner or queue.new_owner()
        self._timeout = {"_request_timeout": request_timeout} if request_timeout else {}
        self.pacer = Pacer(now=lambda: self._clock().timestamp(), sleep=sleep)
        self.api_calls = 0
        self.invoice_requests = 0

    # -- the run -----------------------------------------------------------------------------------------------

    def run(
        self,
        invoice_ids: Sequence[int] | None = None,
        *,
        progress: ProgressCallback | None = None,
        on_outcome: OutcomeCallback | None = None,
        cancel: CancelFlag | None = None,
    ) -> ExportSummary:
        """Export what is queued (or, with `invoice_ids`, those of them that are queued or due a retry)."""
        run = _Run(ExportSummary(), self._settings or load_settings(), self._current_cache(), progress, on_outcome)
        now = self._clock()
        parked = parked_until()
        if parked is not None and parked > now:
            run.summary.parked_until = parked
            run.stop(f"Xero's daily API limit is used up; export resumes at {parked.isoformat()}")
            return self._finish(run)
        only = list(invoice_ids) if invoice_ids is not None else None
        run.summary.total = len(queue.pending_ids(now, only))
        self._resolve_unresolved(run)
        while not run.summary.stopped_reason:
            if cancel is not None and cancel():
                run.summary.cancelled = True
                break
            candidates = queue.pending_ids(self._clock(), only, self.batch_size)
            if not candidates:
                break
            key = queue.new_batch_key()
            claimed = queue.claim(candidates, self.owner, key, self._clock())
            if claimed:
                ready = self._prepare(run, key, claimed)
                self._send_and_record(run, key, ready)
            self._report(run)
        return self._finish(run)

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
        """Map the claimed invoices; those the cached settings show Xero would refuse fail here, without a call."""
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
            fetched = run.cache.fetched_at if run.cache is not None else "?"
            self._fail(run, key, mapped, failure, note=preflight.NOTE.format(fetched=fetched))
        return ready

    # -- sending -------------------------------------------------------------------------------------------------

    def _send_and_record(self, run: _Run, key: str, batch: list[MappedInvoice]) -> None:
        if not batch:
            queue.resolve_batch(key, self._clock())
            return
        models = [m.model for m in batch]
        queue.mark_sent(key, [m.invoice_id for m in batch], request_digest(models), self._clock())
        reply = self._send(key, [m.invoice_id for m in batch], models)
        self._record_reply(run, key, batch, reply)
        queue.resolve_batch(key, self._clock())

    def _send(self, key: str, invoice_ids: list[int], models: list[Any]) -> _Reply:
        """PUT the batch; transient failures are retried with the same key (Xero replays a reply it has)."""
        retry = 0
        while True:
            self.pacer.before_call()
            queue.heartbeat(invoice_ids, self.owner, self._clock())
            self.api_calls += 1
            self.invoice_requests += 1
            try:
                data, _status, headers = self.client.accounting().create_invoices(
                    self.client.tenant_id,
                    Invoices(invoices=models),
                    summarize_errors=False,
                    unitdp=4,
                    idempotency_key=key,
                    _return_http_data_only=False,
                    **self._timeout,
                )
            except Exception as exc:  # classify_exception re-raises what it does not know
                failure = classify_exception(exc)
                self.pacer.observe(getattr(exc, "headers", None))
                log.info("export batch %s: %s (%s)", key, failure.category.value, failure.message)
                if not failure.transient or retry >= self.policy.retries:
                    return _Reply(None, failure, failure.correlation_id)
                queue.record_retry(
                    invoice_ids, self.owner, key, failure.category, failure.messages, self._clock(),
                    failure.correlation_id,
                )  # fmt: skip
                self.pacer.wait(self.policy.delay(retry, failure.retry_after, self._jitter))
                retry += 1
                continue
            self.pacer.observe(headers)
            return _Reply(list(data.invoices or []), None, header_of(headers, "Xero-Correlation-Id"))

    def _record_reply(self, run: _Run, key: str, batch: list[MappedInvoice], reply: _Reply) -> None:
        if reply.failure is not None:
            with self._transaction(run):
                self._fail_batch(run, key, batch, reply.failure)
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
            if element is None:
                failure = Failure(FailureCategory.VALIDATION, ("Xero's reply did not mention this invoice.",))
                self._fail(run, key, mapped, failure, correlation_id=reply.correlation_id)
                continue
            messages = element_messages(element)
            failed = bool(getattr(element, "has_errors", False)) or messages
            if not failed and getattr(element, "invoice_id", None):
                contact = getattr(element, "contact", None)
                contact_id = str(contact.contact_id) if contact and contact.contact_id else None
                self._synced(run, key, mapped, str(element.invoice_id), reply.correlation_id, contact_id=contact_id)
                continue
            failure = classify_element(messages or ["Xero did not create the invoice."], mapped)
            failure = Failure(failure.category, failure.messages, failure.hint, correlation_id=reply.correlation_id)
            if failure.category is FailureCategory.DUPLICATE_NUMBER:
                duplicates.append((mapped, failure))
            else:
                self._fail(run, key, mapped, failure, correlation_id=reply.correlation_id)

    def _fail_batch(self, run: _Run, key: str, batch: list[MappedInvoice], failure: Failure) -> None:
        now = self._clock()
        if failure.category is FailureCategory.CONNECTION:
            mark_dropped(failure.message)
            run.stop(failure.message)
        elif failure.category is FailureCategory.RATE_LIMITED:
            reset = now + (timedelta(seconds=failure.retry_after) if failure.retry_after else DAY_LIMIT_FALLBACK)
            set_setting(KEY_PARKED_UNTIL, reset.isoformat())
            run.summary.parked_until = reset
            run.stop(f"Xero's daily API limit is used up; export resumes at {reset.isoformat()}")
        elif failure.transient:
            run.stop(f"Xero could not be reached ({failure.message})")
        for mapped in batch:
            self._fail(run, key, mapped, failure, correlation_id=failure.correlation_id)

    def _next_retry(self, failure: Failure, attempts: int, now: datetime) -> datetime | None:
        if failure.category is FailureCategory.CONNECTION:
            return now  # retried by the first sync after reconnecting
        if failure.category is FailureCategory.RATE_LIMITED:
            return now + (timedelta(seconds=failure.retry_after) if failure.retry_after else DAY_LIMIT_FALLBACK)
        if failure.transient:
            return self.policy.next_automatic_retry(now, attempts)
        return None

    # -- outcomes ------------------------------------------------------------------------------------------------

    def _fail(
        self, run: _Run, key: str | None, mapped: MappedInvoice, failure: Failure, *, note: str = "",
        correlation_id: str | None = None,
    ) -> None:  # fmt: skip
        now = self._clock()
        attempts = _current_attempts(mapped.invoice_id) + 1
        next_retry = self._next_retry(failure, attempts, now)
        recorded = queue.record_failed(
            mapped.invoice_id, self.owner, key, failure.category, failure.messages, failure.hint, now,
            next_retry_at=next_retry, note=note, correlation_id=correlation_id or failure.correlation_id,
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
        note: str = "", contact_id: str | None = None,
    ) -> None:  # fmt: skip
        recorded = queue.record_synced(
            mapped.invoice_id, self.owner, key, xero_id, self._clock(), note=note, correlation_id=correlation_id,
            contact_id=contact_id,
        )  # fmt: skip
        if recorded.applied:
            run.emit(
                ExportOutcome(mapped.invoice_id, mapped.number, ExportState.SYNCED, xero_id, note=note,
                              attempts=recorded.attempts, correlation_id=correlation_id)
            )  # fmt: skip

    # -- looking numbers up in Xero ------------------------------------------------------------------------------

    def _lookup(self, numbers: list[str]) -> dict[str, list[Any]] | Failure:
        """Xero's sales invoices with these numbers, by number (casefolded)."""
        self.pacer.before_call()
        self.api_calls += 1
        try:
            data, _status, headers = self.client.accounting().get_invoices(
                self.client.tenant_id, invoice_numbers=numbers, _return_http_data_only=False, **self._timeout
            )
        except Exception as exc:  # classify_exception re-raises what it does not know
            self.pacer.observe(getattr(exc, "headers", None))
            return classify_exception(exc)
        self.pacer.observe(headers)
        found: dict[str, list[Any]] = {}
        for invoice in data.invoices or ():
            if str(getattr(invoice, "type", "") or "").endswith("ACCREC"):
                found.setdefault(str(invoice.invoice_number or "").casefold(), []).append(invoice)
        return found

    def _resolve_duplicates(self, run: _Run, key: str, duplicates: list[tuple[MappedInvoice, Failure]]) -> None:
        found = self._lookup([m.number for m, _ in duplicates])
        for mapped, failure in duplicates:
            if isinstance(found, Failure):
                self._fail(run, key, mapped, found)
                continue
            ours = next((i for i in found.get(mapped.number.casefold(), []) if is_ours(mapped, i)), None)
            if ours is not None:
                note = (
                    f"Xero already had {mapped.number} for this contact and total (Xero said: "
                    f"{failure.message}); linked to it."
                )
                self._synced(run, key, mapped, str(ours.invoice_id), failure.correlation_id, note=note)
            else:
                self._fail(run, key, mapped, failure, correlation_id=failure.correlation_id)

    # -- unresolved sends of earlier runs ------------------------------------------------------------------------

    def _resolve_unresolved(self, run: _Run) -> None:
        for batch in queue.unresolved_batches(self._clock(), self.owner):
            if run.summary.stopped_reason:
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
                self._record_reply(run, batch.key, mapped, self._send(batch.key, invoice_ids, models))
            else:
                self._link_by_lookup(run, batch.key, mapped)
            queue.resolve_batch(batch.key, self._clock())

    def _remap(self, detail: InvoiceDetail, run: _Run) -> MappedInvoice:
        return map_invoice(detail, run.settings, run.cache, detail.client.xero_contact_id)

    def _link_by_lookup(self, run: _Run, key: str, batch: list[MappedInvoice]) -> None:
        found = self._lookup([m.number for m in batch])
        if isinstance(found, Failure):  # back to the queue: a new send is safe (Xero refuses a second number)
            queue.release([m.invoice_id for m in batch], self.owner, self._clock())
            run.summary.total -= len(batch)
            return
        for mapped in batch:
            candidates = found.get(mapped.number.casefold(), [])
            ours = next((i for i in candidates if is_ours(mapped, i)), None)
            if ours is not None:
                note = "Found in Xero after an interrupted export; linked to it."
                self._synced(run, key, mapped, str(ours.invoice_id), None, note=note)
            elif candidates:
                failure = classify_element([DUPLICATE_NUMBER], mapped)
                self._fail(run, key, mapped, failure)
            else:
                queue.release([mapped.invoice_id], self.owner, self._clock())
                run.summary.total -= 1


# -- helpers ---------------------------------------------------------------------------------------------------------


def _match(batch: list[MappedInvoice], elements: list[Any]) -> list[tuple[MappedInvoice, Any | None]]:
    """Pair each sent invoice with its element of the reply: by InvoiceNumber, else by position."""
    by_number: dict[str, Any] = {}
    for element in elements:
        number = str(getattr(element, "invoice_number", "") or "").casefold()
        if number and number not in by_number:
            by_number[number] = element
    pairs: list[tuple[MappedInvoice, Any | None]] = []
    for index, mapped in enumerate(batch):
        element = by_number.get(mapped.number.casefold())
        if element is None and len(elements) == len(batch):
            element = elements[index]
        pairs.append((mapped, element))
    return pairs


def is_ours(mapped: MappedInvoice, invoice: Any) -> bool:
    """Same number, same contact and same total, and not voided or deleted."""
    if str(getattr(invoice, "status", "") or "").upper() in GONE_STATUSES:
        return False
    if str(invoice.invoice_number or "").casefold() != mapped.number.casefold():
        return False
    contact = getattr(invoice, "contact", None)
    contact_id = str(getattr(contact, "contact_id", "") or "").lower()
    contact_name = str(getattr(contact, "name", "") or "").strip().casefold()
    same_contact = (mapped.contact_id and contact_id == mapped.contact_id.lower()) or (
        contact_name and contact_name == mapped.client_name.strip().casefold()
    )
    total = invoice.total
    return bool(same_contact) and total is not None and Decimal(str(total)) == mapped.total


def _details(invoice_ids: list[int]) -> Iterator[InvoiceDetail]:
    """The invoices' details in the order given, read together (get_invoice_detail's error for a missing one)."""
    found = get_invoice_details(invoice_ids)
    for invoice_id in invoice_ids:
        detail = found.get(invoice_id)
        yield detail if detail is not None else get_invoice_detail(invoice_id)


def _current_attempts(invoice_id: int) -> int:
    row = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
    return row.attempts if row is not None else 0


def parked_until() -> datetime | None:
    value = get_setting(KEY_PARKED_UNTIL)
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
