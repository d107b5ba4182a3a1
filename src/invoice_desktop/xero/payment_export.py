"""Payments recorded here, sent to Xero exactly once (docs/product.md §4: "Payments recorded here ... go through the
same engine"). The invoice engine's machinery, run on the payments' queue table (export_queue.PAYMENTS):

1. Sends an earlier run left unresolved (its process died, or its reply was lost) are looked up in Xero before
   anything else: the invoice's payments (GET /Payments where Invoice.InvoiceID), ours known by the Reference tag
   the app gave it with its amount and date (payment_mapping). Found: linked, synced. Shown absent: queued again.
   The look-up could not be made: failed and unconfirmed, never sent again unseen.
2. Takes up to 50 queued payments (one atomic claim), checks them against Xero's cached settings and figures (the
   bank account exists, is active and takes payments; the date is after the lock dates; the amount is not above
   what Xero had due at the last payment import), writes the batch's Idempotency-Key and `sent_at`, then sends
   one PUT /Payments?summarizeErrors=false through the invoice engine's calls (pacing, retries with the same
   key, Retry-After, parking) and records each payment's own outcome; Xero's PaymentID is kept on the payment.
3. A whole call that failed stops the run as for invoices (Exporter.stop_for).

Payment outcomes are ExportOutcome with kind "payment", `number` the invoice's number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from xero_python.accounting import Payments

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import (
    AttemptOutcome,
    ExportState,
    Invoice,
    InvoiceStatus,
    Payment,
    XeroExport,
    XeroInvoiceState,
    XeroPaymentExport,
    database_proxy,
)
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.export_park import RunStop, current_stop
from invoice_desktop.xero.export_preflight import lock_messages
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.failure_classifier import (
    Failure,
    classify_payment,
    element_created,
    element_messages,
    header_of,
)
from invoice_desktop.xero.payment_mapping import MappedPayment, map_payment, request_digest
from invoice_desktop.xero.settings import XeroSettings, load_settings
from invoice_desktop.xero.xero_cache import XeroCache
from invoice_desktop.xero.xero_calls import XeroCaller

log = logging.getLogger(__name__)

TABLE = queue.PAYMENTS
BATCH_SIZE = 50
LOOKUP_PAGE_SIZE = 100
AMOUNT_EXCEEDS = "Payment amount exceeds the amount outstanding on this document"  # Xero's words
ACCOUNT_INVALID = "Account must be valid."
ACCOUNT_TYPE_INVALID = "Account type is invalid for making a payment to/from"
NO_ACCOUNT = "You must specify an Account code or Account ID for the payment"
UNCONFIRMED_NOTE = (
    "Sent to Xero, but Xero's reply never came, so it may be there already. It is looked up among the invoice's "
    "payments in Xero before it is ever sent again."
)
PREFLIGHT_NOTE = "Found before sending, from Xero's settings as read at {fetched} (no call to Xero was made)."


class Engine(Protocol):
    """What the payment export uses of the invoice engine (xero.exporter.Exporter)."""

    owner: str
    client: XeroClient
    caller: XeroCaller

    @property
    def request_options(self) -> dict[str, Any]: ...

    def now(self) -> datetime: ...

    def next_retry(self, failure: Failure, attempts: int, now: datetime) -> datetime | None: ...

    def stop_for(self, failure: Failure) -> RunStop | None: ...

    def call(self, request: Callable[[], Any], on_retry: Callable[[Failure], None] | None = None) -> Any: ...


@dataclass
class _Reply:
    elements: list[Any] | None
    failure: Failure | None
    correlation_id: str | None = None
    unconfirmed: bool = False


class PaymentExporter:
    """Sends queued payments through `engine` (its client, owner, clock, calls and stop rules)."""

    def __init__(self, engine: Engine, *, batch_size: int = BATCH_SIZE) -> None:
        self.engine = engine
        self.batch_size = max(1, min(batch_size, BATCH_SIZE))
        self.payment_requests = 0

    @property
    def owner(self) -> str:
        return self.engine.owner

    def _now(self) -> datetime:
        return self.engine.now()

    # -- the run -----------------------------------------------------------------------------------------------

    def run(
        self,
        payment_ids: Sequence[int] | None = None,
        *,
        settings: XeroSettings | None = None,
        cache: XeroCache | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> ExportSummary:
        """Send what is queued (or, with `payment_ids`, those of them that are queued or due a retry)."""
        summary = ExportSummary()
        parked = current_stop(self._now())
        if parked is not None:
            summary.stop = parked
            return summary
        settings = settings or load_settings()
        only = list(payment_ids) if payment_ids is not None else None
        summary.total = len(queue.pending_ids(self._now(), only, table=TABLE))
        self._resolve_unresolved(summary)
        while summary.stop is None:
            if cancel is not None and cancel():
                summary.cancelled = True
                break
            candidates = queue.pending_ids(self._now(), only, self.batch_size, table=TABLE)
            if not candidates:
                break
            key = queue.new_batch_key()
            claimed = queue.claim(candidates, self.owner, key, self._now(), table=TABLE)
            batch = self._prepare(summary, key, claimed, settings, cache) if claimed else []
            if batch:
                models = [m.model for m in batch]
                ids = [m.payment_id for m in batch]
                queue.mark_sent(key, ids, request_digest(models), self._now())
                reply = self._send(key, models, ids)
                self._record_reply(summary, key, batch, reply)
            queue.resolve_batch(key, self._now())
        summary.total = max(summary.total, len(summary.outcomes))
        return summary

    # -- preparing a batch ---------------------------------------------------------------------------------------

    def _prepare(
        self, summary: ExportSummary, key: str, payment_ids: list[int], settings: XeroSettings,
        cache: XeroCache | None,
    ) -> list[MappedPayment]:  # fmt: skip
        ready: list[MappedPayment] = []
        staged: dict[int, Decimal] = {}  # earlier payments of this batch, per invoice
        for payment_id in payment_ids:
            row = _read(payment_id)
            if row is None:
                queue.skip_claimed([payment_id], self.owner, self._now(), "Not sent: the payment is gone.", table=TABLE)
                continue
            payment, invoice, xero_invoice_id = row
            if invoice.status == InvoiceStatus.VOID.value or not xero_invoice_id:
                note = f"Not sent: {invoice.number} is {'void' if xero_invoice_id else 'not in Xero'}."
                queue.skip_claimed([payment_id], self.owner, self._now(), note, table=TABLE)
                continue
            mapped = map_payment(payment.id, invoice.id, invoice.number, xero_invoice_id, payment.date,
                                 payment.amount, payment.reference, settings.payments_account)  # fmt: skip
            failure = _preflight(mapped, cache, staged.get(invoice.id, Decimal("0.00")))
            if failure is not None:
                fetched = cache.fetched_at if cache is not None else "?"
                self._fail(summary, key, mapped, failure, note=PREFLIGHT_NOTE.format(fetched=fetched))
                continue
            staged[invoice.id] = staged.get(invoice.id, Decimal("0.00")) + mapped.amount
            ready.append(mapped)
        unconfirmed = queue.unconfirmed_among([m.payment_id for m in ready], table=TABLE)
        if unconfirmed:
            absent = self._link_by_lookup(summary, key, [m for m in ready if m.payment_id in unconfirmed], retry=False)
            ready = [m for m in ready if m.payment_id not in unconfirmed or m.payment_id in absent]
        return ready

    # -- sending -------------------------------------------------------------------------------------------------

    def _send(self, key: str, models: list[Any], ids: list[int]) -> _Reply:
        """PUT the batch; transient failures are retried with the same key (Xero replays a reply it has)."""
        retries: list[Failure] = []

        def put() -> Any:
            queue.heartbeat(ids, self.owner, self._now(), table=TABLE)
            self.payment_requests += 1
            return self.engine.client.accounting().create_payments(
                self.engine.client.tenant_id,
                Payments(payments=models),
                summarize_errors=False,
                idempotency_key=key,
                _return_http_data_only=False,
                **self.engine.request_options,
            )

        def retrying(failure: Failure) -> None:
            log.info("payment batch %s: %s (%s)", key, failure.category.value, failure.message)
            retries.append(failure)
            queue.record_retry(ids, self.owner, key, failure.category, failure.messages, self._now(),
                               failure.correlation_id, table=TABLE)  # fmt: skip

        result = self.engine.call(put, on_retry=retrying)
        if isinstance(result, Failure):
            unconfirmed = result.unconfirmed or any(f.unconfirmed for f in retries)
            return _Reply(None, result, result.correlation_id, unconfirmed)
        data, _status, headers = result
        return _Reply(list(data.payments or []), None, header_of(headers, "Xero-Correlation-Id"))

    def _record_reply(self, summary: ExportSummary, key: str, batch: list[MappedPayment], reply: _Reply) -> None:
        if reply.failure is not None:
            stop = self.engine.stop_for(reply.failure)
            summary.stop = summary.stop or stop
            note = UNCONFIRMED_NOTE if reply.unconfirmed else ""
            with database_proxy.atomic():
                for mapped in batch:
                    self._fail(summary, key, mapped, reply.failure, note=note, unconfirmed=reply.unconfirmed)
            return
        elements = reply.elements or []
        with database_proxy.atomic():
            for index, mapped in enumerate(batch):
                element = _element_for(mapped, elements, index, len(batch))
                if element is None:
                    failure = Failure(FailureCategory.VALIDATION, ("Xero's reply did not mention this payment.",))
                    self._fail(summary, key, mapped, failure, correlation_id=reply.correlation_id, unconfirmed=True)
                elif element_created(element, "payment_id"):
                    self._synced(summary, key, mapped, str(element.payment_id), reply.correlation_id)
                else:
                    messages = element_messages(element) or ["Xero did not record the payment."]
                    failure = classify_payment(messages, mapped.account_code, mapped.number, mapped.date.isoformat())
                    self._fail(summary, key, mapped, failure, correlation_id=reply.correlation_id)

    # -- outcomes ------------------------------------------------------------------------------------------------

    def _fail(
        self, summary: ExportSummary, key: str | None, mapped: MappedPayment, failure: Failure, *, note: str = "",
        correlation_id: str | None = None, unconfirmed: bool = False,
    ) -> None:  # fmt: skip
        now = self._now()
        row = XeroPaymentExport.get_or_none(XeroPaymentExport.payment == mapped.payment_id)
        next_retry = self.engine.next_retry(failure, (row.attempts if row else 0) + 1, now)
        correlation = correlation_id or failure.correlation_id
        recorded = queue.record_failed(
            mapped.payment_id, self.owner, key, failure.category, failure.messages, failure.hint, now,
            next_retry_at=next_retry, note=note, correlation_id=correlation, unconfirmed=unconfirmed, table=TABLE,
        )  # fmt: skip
        if recorded.applied:
            summary.outcomes.append(
                ExportOutcome(mapped.invoice_id, mapped.number, ExportState.FAILED, None, failure.category,
                              failure.messages, failure.hint, note, recorded.attempts, next_retry, correlation,
                              kind=TABLE.kind, payment_id=mapped.payment_id)
            )  # fmt: skip

    def _synced(
        self, summary: ExportSummary, key: str | None, mapped: MappedPayment, xero_payment_id: str,
        correlation_id: str | None, *, note: str = "", outcome: AttemptOutcome = AttemptOutcome.SYNCED,
    ) -> None:  # fmt: skip
        xero_id = xero_payment_id.lower()  # as the payment import keys Xero's payments
        with database_proxy.atomic():
            recorded = queue.record_synced(
                mapped.payment_id, self.owner, key, xero_id, self._now(), note=note, correlation_id=correlation_id,
                outcome=outcome, table=TABLE,
            )  # fmt: skip
            if recorded.applied:
                Payment.update(xero_payment_id=xero_id).where(Payment.id == mapped.payment_id).execute()
        if recorded.applied:
            summary.outcomes.append(
                ExportOutcome(mapped.invoice_id, mapped.number, ExportState.SYNCED, xero_id, note=note,
                              attempts=recorded.attempts, correlation_id=correlation_id, kind=TABLE.kind,
                              payment_id=mapped.payment_id)
            )  # fmt: skip

    # -- looking payments up in Xero ----------------------------------------------------------------------------

    def _look_up(self, xero_invoice_id: str, *, retry: bool) -> list[Any] | Failure:
        """Every payment Xero holds on the invoice (all pages), or the Failure that stopped the look-up."""
        found: list[Any] = []
        page = 1
        while True:

            def get(page: int = page) -> Any:
                return self.engine.client.accounting().get_payments(
                    self.engine.client.tenant_id, where=f'Invoice.InvoiceID==Guid("{xero_invoice_id}")', page=page,
                    page_size=LOOKUP_PAGE_SIZE, _return_http_data_only=False, **self.engine.request_options,
                )  # fmt: skip

            result = self.engine.caller.call(get, retries=None if retry else 0)
            if isinstance(result, Failure):
                return result
            listed = list(result[0].payments or [])
            found.extend(listed)
            if len(listed) < LOOKUP_PAGE_SIZE:
                return found
            page += 1

    def _link_by_lookup(
        self, summary: ExportSummary, key: str, batch: list[MappedPayment], *, retry: bool = True
    ) -> set[int]:
        """Payments that may be in Xero: ours found there are linked; those Xero was shown not to hold are returned
        (they may be sent); when the look-up cannot be made they stay failed and unconfirmed."""
        absent: set[int] = set()
        answers: dict[str, list[Any] | Failure] = {}
        for mapped in batch:
            if mapped.xero_invoice_id not in answers:
                answers[mapped.xero_invoice_id] = self._look_up(mapped.xero_invoice_id, retry=retry)
        with database_proxy.atomic():
            for mapped in batch:
                answer = answers[mapped.xero_invoice_id]
                if isinstance(answer, Failure):
                    stop = self.engine.stop_for(answer)
                    summary.stop = summary.stop or stop
                    note = f"{UNCONFIRMED_NOTE} Xero could not be asked yet: {answer.message}"
                    self._fail(summary, key, mapped, answer, note=note, unconfirmed=True)
                    summary.unresolved.append(mapped.number)
                    continue
                ours = next((p for p in answer if _live(p) and mapped.is_ours(p)), None)
                if ours is not None:
                    note = (f"Found in Xero after an interrupted send (reference {mapped.reference!r}, same amount "
                            "and date); linked to it.")  # fmt: skip
                    self._synced(summary, key, mapped, str(ours.payment_id), None, note=note,
                                 outcome=AttemptOutcome.LINKED)  # fmt: skip
                else:
                    absent.add(mapped.payment_id)
        queue.confirm_absent(sorted(absent), self.owner, table=TABLE)
        return absent

    def _resolve_unresolved(self, summary: ExportSummary) -> None:
        """Sends of runs that died: never sent, back to the queue; sent, looked up in Xero first."""
        for batch in queue.unresolved_batches(self._now(), self.owner, table=TABLE):
            if summary.stop is not None:
                return
            ids = queue.take_over(batch, self.owner, self._now(), table=TABLE)
            if not ids:
                continue
            log.info("resolving the interrupted payment batch %s (%d payments)", batch.key, len(ids))
            if batch.sent_at is not None:
                settings = load_settings()
                mapped = [m for m in (_remap(i, settings) for i in ids) if m is not None]
                summary.total += len(mapped)
                absent = self._link_by_lookup(summary, batch.key, mapped)
                summary.total -= len(absent)
                ids = sorted(absent)
            queue.release(ids, self.owner, self._now(), table=TABLE)
            queue.resolve_batch(batch.key, self._now())


# -- helpers ---------------------------------------------------------------------------------------------------------


def waiting_on(invoice_ids: Sequence[int]) -> list[int]:
    """The payments queued for Xero on these invoices (recorded before the invoice reached Xero, they wait for it),
    in the order they were recorded."""
    if not invoice_ids:
        return []
    query = (
        XeroPaymentExport.select(XeroPaymentExport.payment)
        .join(Payment, on=(XeroPaymentExport.payment == Payment.id))
        .where(Payment.invoice.in_(list(invoice_ids)) & (XeroPaymentExport.state == ExportState.QUEUED.value))
        .order_by(XeroPaymentExport.payment)
    )
    return [row.payment_id for row in query]


def _read(payment_id: int) -> tuple[Payment, Invoice, str] | None:
    payment = Payment.get_or_none(Payment.id == payment_id)
    if payment is None:
        return None
    invoice = Invoice.get_by_id(payment.invoice_id)
    export = XeroExport.get_or_none(XeroExport.invoice == invoice.id)
    return payment, invoice, (export.xero_invoice_id or "") if export is not None else ""


def _remap(payment_id: int, settings: XeroSettings) -> MappedPayment | None:
    row = _read(payment_id)
    if row is None or not row[2]:
        return None
    payment, invoice, xero_invoice_id = row
    return map_payment(payment.id, invoice.id, invoice.number, xero_invoice_id, payment.date, payment.amount,
                       payment.reference, settings.payments_account)  # fmt: skip


def _preflight(mapped: MappedPayment, cache: XeroCache | None, staged: Decimal) -> Failure | None:
    """What Xero would certainly refuse, in its words, from its cached settings and the last import's figures."""
    category = FailureCategory.PAYMENT_ACCOUNT
    if not mapped.account_code:
        return Failure(category, (NO_ACCOUNT,), f"No bank account is chosen for payments. {category.default_hint}")
    if cache is not None:
        problem = cache.payment_account_problem(mapped.account_code)
        if problem:
            account = cache.account(mapped.account_code)
            words = ACCOUNT_TYPE_INVALID if account is not None and account.status == "ACTIVE" else ACCOUNT_INVALID
            return Failure(category, (words,), f"{problem}. {category.default_hint}")
        messages = lock_messages(cache, mapped.date)
        if messages:
            return classify_payment(messages, mapped.account_code, mapped.number, mapped.date.isoformat())
    due = _xero_amount_due(mapped.invoice_id)
    if due is not None and mapped.amount > due - staged:
        left = due - staged
        hint = (f"Xero had {left:,.2f} due on {mapped.number} when its payments were last read, less than this "
                f"payment of {mapped.amount:,.2f}. {FailureCategory.PAYMENT_OVER_DUE.default_hint}")  # fmt: skip
        return Failure(FailureCategory.PAYMENT_OVER_DUE, (AMOUNT_EXCEEDS,), hint)
    return None


def _xero_amount_due(invoice_id: int) -> Decimal | None:
    """What Xero had due on the invoice at the last payment import, less what was sent from here since; None when
    the import has not read it (Xero then decides)."""
    state = XeroInvoiceState.get_or_none(XeroInvoiceState.invoice == invoice_id)
    if state is None:
        return None
    sent_since = (
        XeroPaymentExport.select(Payment.amount)
        .join(Payment, on=(XeroPaymentExport.payment == Payment.id))
        .where(
            (Payment.invoice == invoice_id)
            & (XeroPaymentExport.state == ExportState.SYNCED.value)
            & (XeroPaymentExport.synced_at > state.imported_at)
        )
    )
    return state.amount_due - sum((row.payment.amount for row in sent_since), Decimal("0.00"))


def _element_for(mapped: MappedPayment, elements: list[Any], index: int, size: int) -> Any | None:
    """The reply's element for a sent payment: by our Reference tag, else by position."""
    tagged = [e for e in elements if mapped.reference and str(getattr(e, "reference", "") or "") == mapped.reference]
    if tagged:
        return tagged[0]
    return elements[index] if len(elements) == size else None


def _live(payment: Any) -> bool:
    status = getattr(payment, "status", None)
    return str(getattr(status, "value", status) or "").upper() != "DELETED"
