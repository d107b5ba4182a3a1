"""Voiding a document that is in Xero: in Xero first, here only once Xero confirms (docs/product.md §2.4, §4.9).

Generic over the document's endpoint and id (`XeroDocument`: INVOICES, POST /Invoices/{InvoiceID}; CREDIT_NOTES,
POST /CreditNotes/{CreditNoteID}) and over its local side (`VoidTarget`: how it is
voided here and where its history goes).

1. What Xero would certainly refuse is refused before sending (`VoidTarget.refusal`: payments here, or paid or
   credited in Xero at the last payment import), in Xero's words.
2. A void sent earlier whose reply never came (its XeroBatch row, written before the request, still `sent`) is
   looked up first (GET /Invoices/{InvoiceID}, /CreditNotes/{CreditNoteID}): VOIDED there, it is done, with no
   second POST.
3. The request: its Idempotency-Key is written (XeroBatch, digest "void <kind> <id>") before it leaves; POST with
   Status VOIDED through the engine's calls (pacing, transient trouble retried with the same key).
4. Xero's answer: VOIDED, then the local void, the history row and the batch's resolution are one transaction.
   Refused: nothing changes here but the history, and the message names Xero's reason. "... not of valid status
   for modification" is looked up (it may be voided in Xero already). No reply: the batch stays `sent`, so the
   next attempt looks it up first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from xero_python.accounting import CreditNote as XeroCreditNote
from xero_python.accounting import CreditNotes
from xero_python.accounting import Invoice as XeroInvoice
from xero_python.accounting import Invoices as XeroInvoices

from invoice_desktop.ledger.credit_notes import credit_note_void_refusal, credit_note_void_xero_id, void_credit_note
from invoice_desktop.ledger.invoices import XERO_HAS_PAYMENTS, void_invoice, void_refusal, void_xero_id
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import (
    AttemptOutcome,
    BatchState,
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
    XeroAttempt,
    XeroBatch,
    XeroCreditNoteAttempt,
    XeroInvoiceState,
    database_proxy,
)
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.export_park import RunStop
from invoice_desktop.xero.failure_classifier import Failure, header_of
from invoice_desktop.xero.xero_calls import XeroCaller

log = logging.getLogger(__name__)

VOIDED = "VOIDED"
NOT_MODIFIABLE = "not of valid status for modification"  # Xero: "Invoice not of valid status for modification"
UNCONFIRMED = (
    "Sent to Xero to be voided, but Xero's reply never came: it may be voided there already. It is looked up in "
    "Xero before the next try; nothing was changed here."
)


class Engine(Protocol):
    """What a void uses of the export engine (xero.exporter.Exporter): its client, calls and stop rules."""

    client: XeroClient
    caller: XeroCaller

    @property
    def request_options(self) -> dict[str, Any]: ...

    def call(self, request: Callable[[], Any], on_retry: Callable[[Failure], None] | None = None) -> Any: ...

    def stop_for(self, failure: Failure) -> RunStop | None: ...


@dataclass(frozen=True)
class XeroDocument:
    """One kind of Xero document as a void sees it: its endpoint's update (POST /{Endpoint}/{id}) and read (GET
    /{Endpoint}/{id}) through the SDK, and the list of documents in their replies."""

    kind: str  # "invoice" | "credit_note": the batch digest's word
    endpoint: str  # "/Invoices"
    update: Callable[[Any, str, str, str, dict[str, Any]], Any]  # (accounting api, tenant, xero id, key, options)
    read: Callable[[Any, str, str, dict[str, Any]], Any]  # (accounting api, tenant, xero id, options)
    documents: Callable[[Any], list[Any]]  # a reply's documents

    def digest(self, local_id: int) -> str:
        return f"void {self.kind} {local_id}"


def _void_invoice(api: Any, tenant: str, xero_id: str, key: str, options: dict[str, Any]) -> Any:
    voided = XeroInvoices(invoices=[XeroInvoice(invoice_id=xero_id, status=VOIDED)])
    return api.update_invoice(tenant, xero_id, voided, idempotency_key=key, _return_http_data_only=False, **options)


def _read_invoice(api: Any, tenant: str, xero_id: str, options: dict[str, Any]) -> Any:
    return api.get_invoice(tenant, xero_id, _return_http_data_only=False, **options)


def _void_credit_note(api: Any, tenant: str, xero_id: str, key: str, options: dict[str, Any]) -> Any:
    voided = CreditNotes(credit_notes=[XeroCreditNote(credit_note_id=xero_id, status=VOIDED)])
    return api.update_credit_note(tenant, xero_id, voided, idempotency_key=key, _return_http_data_only=False, **options)


def _read_credit_note(api: Any, tenant: str, xero_id: str, options: dict[str, Any]) -> Any:
    return api.get_credit_note(tenant, xero_id, _return_http_data_only=False, **options)


INVOICES = XeroDocument(
    "invoice", "/Invoices", _void_invoice, _read_invoice, lambda data: list(getattr(data, "invoices", None) or [])
)
CREDIT_NOTES = XeroDocument(
    "credit_note",
    "/CreditNotes",
    _void_credit_note,
    _read_credit_note,
    lambda data: list(getattr(data, "credit_notes", None) or []),
)


# the history row of one attempt: (outcome, batch key, failure, messages, Xero-Correlation-Id)
History = Callable[[AttemptOutcome, str | None, Failure | None, tuple[str, ...], str | None], None]


@dataclass(frozen=True)
class VoidTarget:
    """A document of the company file to void in Xero: what it is there, and how its local side is kept."""

    document: XeroDocument
    local_id: int
    number: str
    xero_id: str
    refusal: Callable[[], str]  # why it must not be sent (Xero would refuse), "" when it may
    void_here: Callable[[str], None]  # voids it here, with the note saying how Xero confirmed (in a transaction)
    history: History
    advice: Callable[[Failure], str] = lambda _failure: ""  # what to do about a refusal, over Xero's own hint


@dataclass(frozen=True)
class VoidResult:
    voided: bool
    message: str  # for the bookkeeper: "INV-0042 is void, in Xero and here." / why not
    failure: Failure | None = None
    unconfirmed: bool = False  # sent, no reply: looked up before the next try
    stop: RunStop | None = None  # the connection dropped, a permission is missing, a limit reached


def void_in_xero(target: VoidTarget, engine: Engine) -> VoidResult:
    """Void `target` in Xero, then here (see the module docstring). Never raises for Xero's trouble."""
    refusal = target.refusal()
    if refusal:
        return VoidResult(False, f"{target.number} was not voided: {refusal}.")
    pending = _pending(target)
    if pending is not None:
        seen = _status_in_xero(target, engine)
        if isinstance(seen, Failure):
            target.history(AttemptOutcome.VOID_FAILED, pending, seen, (UNCONFIRMED, *seen.messages), None)
            return _not_voided(target, seen, engine, "it could not be looked up in Xero", unconfirmed=True)
        if seen == VOIDED:
            return _done(target, pending, "Found voided in Xero after a void whose reply never came; voided here.")
        queue.resolve_batch(pending, utcnow())  # Xero shows it not voided: the earlier request never took
    key = queue.new_batch_key()
    now = utcnow()
    XeroBatch.insert(
        key=key, created_at=now, sent_at=now, invoice_ids=json.dumps([target.local_id]),
        request_digest=target.document.digest(target.local_id), state=BatchState.SENT,
    ).execute()  # fmt: skip
    api, tenant, options = engine.client.accounting(), engine.client.tenant_id, engine.request_options
    result = engine.call(lambda: target.document.update(api, tenant, target.xero_id, key, options))
    if isinstance(result, Failure):
        return _refused(target, key, result, engine)
    data, _status, headers = result
    correlation = header_of(headers, "Xero-Correlation-Id")
    documents = target.document.documents(data)
    if documents and _status_of(documents[0]) == VOIDED:
        return _done(target, key, "Voided in Xero.", correlation)
    failure = Failure(FailureCategory.VALIDATION, ("Xero's reply did not show it voided.",), correlation_id=correlation)
    return _refused(target, key, failure, engine)


def _refused(target: VoidTarget, key: str, failure: Failure, engine: Engine) -> VoidResult:
    if failure.unconfirmed:  # the batch stays `sent`: the next attempt looks it up first
        target.history(AttemptOutcome.VOID_FAILED, key, failure, (UNCONFIRMED, *failure.messages),
                       failure.correlation_id)  # fmt: skip
        return _not_voided(target, failure, engine, "Xero's reply never came", unconfirmed=True)
    if NOT_MODIFIABLE in failure.message.lower():
        seen = _status_in_xero(target, engine)
        if seen == VOIDED:
            return _done(target, key, "Xero has it voided already; voided here.", failure.correlation_id)
    queue.resolve_batch(key, utcnow())
    target.history(AttemptOutcome.VOID_FAILED, key, failure, failure.messages, failure.correlation_id)
    return _not_voided(target, failure, engine, "Xero refused")


def _not_voided(
    target: VoidTarget, failure: Failure, engine: Engine, why: str, *, unconfirmed: bool = False
) -> VoidResult:
    stop = engine.stop_for(failure)  # a dead connection is recorded as dropped
    words = failure.message
    text = f"{target.number} was not voided ({why}): {words}"
    if unconfirmed:
        text += " Nothing was changed here; Void again looks it up in Xero first."
    elif hint := target.advice(failure) or failure.hint:
        text += f" {hint}"
    return VoidResult(False, text, failure, unconfirmed, stop)


def _done(target: VoidTarget, key: str, note: str, correlation_id: str | None = None) -> VoidResult:
    with database_proxy.atomic():
        target.void_here(note)
        target.history(AttemptOutcome.VOIDED, key, None, (note,), correlation_id)
        queue.resolve_batch(key, utcnow())
    return VoidResult(True, f"{target.number} is void, in Xero and here.")


def _pending(target: VoidTarget) -> str | None:
    """The key of this document's void that was sent but never answered, if any."""
    row = (
        XeroBatch.select(XeroBatch.key)
        .where(
            (XeroBatch.request_digest == target.document.digest(target.local_id))
            & (XeroBatch.state == BatchState.SENT.value)
        )
        .order_by(XeroBatch.created_at.desc())
        .first()
    )
    return str(row.key) if row is not None else None


def _status_in_xero(target: VoidTarget, engine: Engine) -> str | Failure:
    api, tenant, options = engine.client.accounting(), engine.client.tenant_id, engine.request_options
    result = engine.call(lambda: target.document.read(api, tenant, target.xero_id, options))
    if isinstance(result, Failure):
        return result
    documents = target.document.documents(result[0])
    return _status_of(documents[0]) if documents else ""


def _status_of(document: Any) -> str:
    status = getattr(document, "status", None)
    return str(getattr(status, "value", status) or "").upper()


# -- the two kinds ------------------------------------------------------------------------------------------------


def _history(model: type[XeroAttempt] | type[XeroCreditNoteAttempt], **document: int) -> History:
    """A VoidTarget's history: rows of the document's attempt table (XeroAttempt or XeroCreditNoteAttempt)."""

    def write(outcome: AttemptOutcome, key: str | None, failure: Failure | None, messages: tuple[str, ...],
              correlation_id: str | None) -> None:  # fmt: skip
        model.insert(**document, batch_key=key, at=utcnow(), outcome=outcome,
                     category=failure.category.value if failure else None, messages=json.dumps(list(messages)),
                     correlation_id=correlation_id).execute()  # fmt: skip

    return write


def _void_anywhere(target: VoidTarget | None, engine: Callable[[], Engine] | None,
                   here_only: Callable[[], VoidResult]) -> VoidResult:  # fmt: skip
    """A document in Xero is voided there first (through `engine()`; None when the Xero interface is not set up:
    then it is refused); any other is voided here only (`here_only`, which raises LedgerError when it cannot)."""
    if target is None:
        return here_only()
    if engine is None:
        return VoidResult(False, f"{target.number} is in Xero: connect the Xero interface to void it there (and here).")
    return void_in_xero(target, engine())


def invoice_target(invoice_id: int) -> VoidTarget | None:
    """The invoice as a VoidTarget, or None when it is not in Xero (it is voided here only)."""
    xero_id = void_xero_id(invoice_id)
    if not xero_id:
        return None
    number = Invoice.get_by_id(invoice_id).number

    def void_here(note: str) -> None:
        if Invoice.get_by_id(invoice_id).status != InvoiceStatus.VOID.value:  # another window may have just done it
            void_invoice(invoice_id, voided_in_xero=note)
        now = utcnow()
        zero = Decimal("0.00")  # what Xero shows of it now (so the payment import does not flag it as news)
        XeroInvoiceState.insert(invoice=invoice_id, xero_status=VOIDED, amount_paid=zero, amount_credited=zero,
                                amount_due=zero, imported_at=now).on_conflict(
            conflict_target=[XeroInvoiceState.invoice],
            update={XeroInvoiceState.xero_status: VOIDED, XeroInvoiceState.amount_due: zero},
        ).execute()  # fmt: skip

    return VoidTarget(INVOICES, invoice_id, number, xero_id, lambda: void_refusal(invoice_id), void_here,
                      _history(XeroAttempt, invoice=invoice_id))  # fmt: skip


def void_invoice_anywhere(invoice_id: int, engine: Callable[[], Engine] | None) -> VoidResult:
    """Options > Void and `invoice-desktop void`: an invoice in Xero is voided there first, any other here only."""

    def here_only() -> VoidResult:
        void_invoice(invoice_id)  # LedgerError when it cannot be voided
        number = Invoice.get_by_id(invoice_id).number
        return VoidResult(True, f"{number} is void; it was not in Xero and will not be sent.")

    return _void_anywhere(invoice_target(invoice_id), engine, here_only)


def credit_note_target(credit_note_id: int) -> VoidTarget | None:
    """The credit note as a VoidTarget, or None when it is not in Xero (it is voided here only)."""
    xero_id = credit_note_void_xero_id(credit_note_id)
    if not xero_id:
        return None
    note = CreditNote.get_by_id(credit_note_id)
    invoice_number = Invoice.get_by_id(note.invoice_id).number

    def void_here(words: str) -> None:
        if CreditNote.get_by_id(credit_note_id).status != CreditNoteStatus.VOID.value:  # done in another window
            void_credit_note(credit_note_id, voided_in_xero=words)

    def advice(failure: Failure) -> str:
        if XERO_HAS_PAYMENTS.lower() in failure.message.lower():  # allocated in Xero: Xero voids no allocated one
            return (f"Remove its allocation to {invoice_number} in Xero first (this app does not remove "
                    "allocations), then void it here again.")  # fmt: skip
        return ""

    return VoidTarget(CREDIT_NOTES, credit_note_id, note.number, xero_id,
                      lambda: credit_note_void_refusal(credit_note_id), void_here,
                      _history(XeroCreditNoteAttempt, credit_note=credit_note_id), advice)  # fmt: skip


def void_credit_note_anywhere(credit_note_id: int, engine: Callable[[], Engine] | None) -> VoidResult:
    """Void credit note and `invoice-desktop void CN-0001`: a credit note in Xero is voided there first (then its
    invoice is due again by its total here; in Xero it is once its allocation is removed), any other here only."""

    def here_only() -> VoidResult:
        void_credit_note(credit_note_id)  # LedgerError when it cannot be voided
        number = CreditNote.get_by_id(credit_note_id).number
        return VoidResult(True, f"{number} is void; it was not in Xero and will not be sent.")

    return _void_anywhere(credit_note_target(credit_note_id), engine, here_only)
