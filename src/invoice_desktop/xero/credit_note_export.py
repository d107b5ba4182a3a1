"""Credit notes made here, sent to Xero exactly once and allocated to their invoice exactly once (docs/product.md
§4.9): the run of xero.document_export on the credit notes' queue table (export_queue.CREDIT_NOTES), with what is
a credit note's own:

- the mapping and the pre-flight are the invoice's (credit_note_mapping: the contact, accounts, tax, lock dates
  and currency are checked as for the invoice);
- PUT /CreditNotes?summarizeErrors=false in batches, one Idempotency-Key per batch written first;
- the look-up that cannot miss: by CreditNoteNumber (the app's own CN- numbers, unique in Xero);
- a credit note already in Xero (its CreditNoteID kept: Resync after its allocation failed) is never sent again:
  it is linked as it is and only its allocation is tried again.

Then the allocation (`allocate`): once the credit note and its invoice are both in Xero, PUT
/CreditNotes/{id}/Allocations for the credit note's total, to the invoice's InvoiceID. The allocation is marked
`sending` with its Idempotency-Key before the request leaves. One whose reply was lost (or whose process died
after the claim) is looked up first: GET /CreditNotes/{id}, its Allocations; ours is the one to our invoice for
our amount. Only an allocation shown absent is made again. Xero's refusal is kept on the credit note's export row
(failed, in the Failed tile with Xero's words); Resync tries the allocation again, never the credit note.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from xero_python.accounting import Allocation, Allocations, CreditNotes
from xero_python.accounting import Invoice as XeroInvoice

from invoice_desktop.ledger.credit_notes import get_credit_note_detail
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import (
    AllocationState,
    AttemptOutcome,
    CreditNote,
    CreditNoteStatus,
    ExportState,
    InvoiceStatus,
    XeroCreditNoteAttempt,
    XeroCreditNoteExport,
    XeroExport,
    database_proxy,
)
from invoice_desktop.xero import export_preflight as preflight
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.credit_note_mapping import MappedCreditNote, lookup_problem, map_credit_note, request_digest
from invoice_desktop.xero.document_export import DocumentExporter
from invoice_desktop.xero.export_park import stamp
from invoice_desktop.xero.export_results import ExportOutcome, ExportSummary
from invoice_desktop.xero.failure_classifier import Failure, classify_element, element_messages, header_of
from invoice_desktop.xero.settings import XeroSettings, load_settings
from invoice_desktop.xero.xero_cache import XeroCache

log = logging.getLogger(__name__)

TABLE = queue.CREDIT_NOTES
LOOKUP_PAGE_SIZE = 100
UNCONFIRMED_NOTE = (
    "Sent to Xero, but Xero's reply never came, so it may be there already. It is looked up in Xero by its number "
    "before it is ever sent again."
)
ALLOCATION_UNCONFIRMED = (
    "Its allocation was sent to Xero, but Xero's reply never came: the credit note is looked up in Xero before it "
    "is allocated again."
)
RELINKED_NOTE = "In Xero already (not sent again); its allocation to {invoice} is tried again."
_SENDABLE_INVOICE = (InvoiceStatus.AWAITING_PAYMENT.value, InvoiceStatus.PAID.value)


class CreditNoteExporter(DocumentExporter[MappedCreditNote]):
    """Sends queued credit notes through `engine`, then allocates those in Xero to their invoices."""

    table = TABLE
    noun = "credit note"
    id_attribute = "credit_note_id"
    unconfirmed_note = UNCONFIRMED_NOTE

    def run(
        self,
        document_ids: Sequence[int] | None = None,
        *,
        settings: XeroSettings | None = None,
        cache: XeroCache | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> ExportSummary:
        summary = super().run(document_ids, settings=settings, cache=cache, cancel=cancel)
        if summary.stop is None and not summary.cancelled:
            self.allocate(summary)
        return summary

    # -- the document ----------------------------------------------------------------------------------------------

    def _prepare_one(self, summary: ExportSummary, key: str, credit_note_id: int, settings: XeroSettings,
                     cache: XeroCache | None) -> MappedCreditNote | None:  # fmt: skip
        note = CreditNote.get_or_none(CreditNote.id == credit_note_id)
        if note is None or note.status == CreditNoteStatus.VOID.value:
            queue.skip_claimed([credit_note_id], self.owner, self._now(), "Not sent: the credit note is void.",
                               table=TABLE)  # fmt: skip
            return None
        mapped = self._remap(credit_note_id, settings, cache)
        if mapped is None:
            return None
        export = XeroCreditNoteExport.get_by_id(credit_note_id)
        if export.xero_credit_note_id:  # in Xero already: linked, never sent again; its allocation is retried
            note_text = RELINKED_NOTE.format(invoice=mapped.invoice_number)
            self._synced(summary, key, mapped, export.xero_credit_note_id, None, note=note_text,
                         outcome=AttemptOutcome.LINKED)  # fmt: skip
            return None
        invoice_state = XeroExport.get_or_none(XeroExport.invoice == mapped.invoice_id)
        detail = get_invoice_detail(mapped.invoice_id)
        if detail.status.value not in _SENDABLE_INVOICE or invoice_state is None:
            note_text = f"Not sent: {mapped.invoice_number} is {detail.status.value.replace('_', ' ')}."
            queue.skip_claimed([credit_note_id], self.owner, self._now(), note_text, table=TABLE)
            return None
        choice = preflight.choose_contact(detail.client, cache)
        failure = choice.failure or preflight.check(mapped.as_invoice, cache)
        if failure is None and (problem := lookup_problem(mapped.number)):
            failure = Failure(FailureCategory.VALIDATION, (problem,), "Give the credit note a plain number.")
        if failure is not None:
            fetched = stamp(cache.fetched_at) if cache is not None else "?"
            self._fail(summary, key, mapped, failure, note=preflight.NOTE.format(fetched=fetched))
            return None
        return mapped

    def _remap(
        self, credit_note_id: int, settings: XeroSettings, cache: XeroCache | None = None
    ) -> MappedCreditNote | None:
        note = CreditNote.get_or_none(CreditNote.id == credit_note_id)
        if note is None:
            return None
        detail = get_credit_note_detail(credit_note_id)
        invoice = get_invoice_detail(note.invoice_id)
        return map_credit_note(detail, invoice, settings, cache)

    def _put(self, models: list[Any], key: str) -> Any:
        return self.engine.client.accounting().create_credit_notes(
            self.engine.client.tenant_id,
            CreditNotes(credit_notes=models),
            summarize_errors=False,
            idempotency_key=key,
            _return_http_data_only=False,
            **self.engine.request_options,
        )

    def _elements(self, data: Any) -> list[Any]:
        return list(data.credit_notes or [])

    def request_digest(self, models: list[Any]) -> str:
        return request_digest(models)

    def _classify(self, messages: list[str], mapped: MappedCreditNote) -> Failure:
        return classify_element(messages, mapped.as_invoice)

    def _found_note(self, mapped: MappedCreditNote) -> str:
        return f"Found in Xero after an interrupted send (credit note {mapped.number}, same total); linked to it."

    def _look_up(self, batch: list[MappedCreditNote], *, retry: bool) -> dict[int, list[Any] | Failure]:
        return {m.credit_note_id: self._by_number(m, retry=retry) for m in batch}

    def _by_number(self, mapped: MappedCreditNote, *, retry: bool) -> list[Any] | Failure:
        """Every sales credit note Xero holds with the credit note's number (all pages)."""
        found: list[Any] = []
        page = 1
        while True:

            def get(page: int = page) -> Any:
                return self.engine.client.accounting().get_credit_notes(
                    self.engine.client.tenant_id, where=mapped.where, page=page, page_size=LOOKUP_PAGE_SIZE,
                    _return_http_data_only=False, **self.engine.request_options,
                )  # fmt: skip

            result = self.engine.caller.call(get, retries=None if retry else 0)
            if isinstance(result, Failure):
                return result
            listed = list(result[0].credit_notes or [])
            found.extend(listed)
            if len(listed) < LOOKUP_PAGE_SIZE:
                return found
            page += 1

    def _after_synced(self, mapped: MappedCreditNote, xero_id: str) -> None:
        pending = AllocationState.PENDING.value
        # A refused allocation is asked again under a new key (Xero would replay its refusal for the old one).
        XeroCreditNoteExport.update(allocation_state=pending, allocation_messages="[]", allocation_key=None).where(
            (XeroCreditNoteExport.credit_note == mapped.credit_note_id)
            & (XeroCreditNoteExport.allocation_state == AllocationState.FAILED.value)
        ).execute()

    # -- the allocation ------------------------------------------------------------------------------------------

    def allocate(self, summary: ExportSummary) -> None:
        """Allocate every credit note in Xero whose invoice is in Xero and whose allocation is not made yet."""
        for row in _allocatable():
            if summary.stop is not None:
                return
            prior = AllocationState(row.allocation_state)
            if prior is AllocationState.SENDING and not _abandoned(row, self.owner, self._now()):
                continue  # another live engine is allocating it
            key = row.allocation_key or queue.new_batch_key()
            if not _claim_allocation(row, prior, self.owner, key, self._now()):
                continue
            mapped = self._remap(row.credit_note_id, load_settings())
            xero_invoice_id = _xero_invoice_id(row.credit_note_id)
            xero_credit_note_id = row.xero_credit_note_id or ""
            if mapped is None or not xero_invoice_id or not xero_credit_note_id:
                continue
            if prior is not AllocationState.PENDING:
                found = self._allocation_in_xero(xero_credit_note_id, xero_invoice_id, mapped.total)
                if isinstance(found, Failure):
                    summary.stop = summary.stop or self.engine.stop_for(found)
                    summary.unresolved.append(mapped.number)
                    _allocation_unconfirmed(row.credit_note_id, self.owner, found.message)
                    continue
                if found:
                    self._allocated(mapped, found, "Found allocated in Xero after an interrupted allocation.")
                    continue
            self._send_allocation(summary, mapped, xero_credit_note_id, xero_invoice_id, key)

    def _send_allocation(
        self, summary: ExportSummary, mapped: MappedCreditNote, xero_credit_note_id: str, xero_invoice_id: str,
        key: str,
    ) -> None:  # fmt: skip
        on = CreditNote.get_by_id(mapped.credit_note_id).date
        allocation = Allocation(invoice=XeroInvoice(invoice_id=xero_invoice_id), amount=mapped.total, date=on)

        def put() -> Any:
            return self.engine.client.accounting().create_credit_note_allocation(
                self.engine.client.tenant_id, xero_credit_note_id, Allocations(allocations=[allocation]),
                summarize_errors=False, idempotency_key=key, _return_http_data_only=False,
                **self.engine.request_options,
            )  # fmt: skip

        result = self.engine.call(put)
        if isinstance(result, Failure):
            summary.stop = summary.stop or self.engine.stop_for(result)
            if result.unconfirmed:
                summary.unresolved.append(mapped.number)
                _allocation_unconfirmed(mapped.credit_note_id, self.owner, result.message)
            else:
                self._allocation_failed(summary, mapped, result, result.correlation_id)
            return
        data, _status, headers = result
        elements = list(data.allocations or [])
        element = elements[0] if elements else None
        messages = element_messages(element) if element is not None else ["Xero's reply did not mention it."]
        if element is not None and getattr(element, "allocation_id", None) and not messages:
            self._allocated(mapped, str(element.allocation_id), "")
        else:
            failure = classify_element(messages, mapped.as_invoice)
            self._allocation_failed(summary, mapped, failure, header_of(headers, "Xero-Correlation-Id"))

    def _allocation_in_xero(self, xero_credit_note_id: str, xero_invoice_id: str, total: Decimal) -> str | Failure:
        """Our allocation's id when Xero holds it ("" when it does not), or the Failure that stopped the look-up."""

        def get() -> Any:
            return self.engine.client.accounting().get_credit_note(
                self.engine.client.tenant_id, xero_credit_note_id, _return_http_data_only=False,
                **self.engine.request_options,
            )  # fmt: skip

        result = self.engine.caller.call(get)
        if isinstance(result, Failure):
            return result
        notes = list(result[0].credit_notes or [])
        for allocation in (notes[0].allocations or []) if notes else []:
            invoice = getattr(allocation, "invoice", None)
            same_invoice = str(getattr(invoice, "invoice_id", "") or "").lower() == xero_invoice_id.lower()
            amount = getattr(allocation, "amount", None)
            if same_invoice and amount is not None and Decimal(str(amount)).quantize(Decimal("0.01")) == total:
                return str(getattr(allocation, "allocation_id", "") or "allocated")
        return ""

    def _allocated(self, mapped: MappedCreditNote, allocation_id: str, note: str) -> None:
        now = utcnow()
        words = f"Allocated {mapped.total:,.2f} to {mapped.invoice_number} in Xero."
        with database_proxy.atomic():
            changed = (
                XeroCreditNoteExport.update(
                    allocation_state=AllocationState.DONE.value, xero_allocation_id=allocation_id.lower(),
                    allocated_at=now, allocation_claimed_by=None, allocation_claimed_at=None,
                    allocation_messages="[]", updated_at=now,
                )
                .where(_allocation_mine(mapped.credit_note_id, self.owner))
                .execute()
            )  # fmt: skip
            if not changed:
                return
            CreditNote.update(status=CreditNoteStatus.ALLOCATED.value, updated_at=now).where(
                (CreditNote.id == mapped.credit_note_id) & (CreditNote.status != CreditNoteStatus.VOID.value)
            ).execute()
            XeroCreditNoteAttempt.insert(
                credit_note=mapped.credit_note_id, at=now, outcome=AttemptOutcome.SYNCED.value,
                messages=json.dumps([m for m in (words, note) if m]),
            ).execute()  # fmt: skip

    def _allocation_failed(
        self, summary: ExportSummary, mapped: MappedCreditNote, failure: Failure, correlation_id: str | None
    ) -> None:
        """Xero refused the allocation: the credit note's row is failed with Xero's words (Resync tries the
        allocation again; the credit note itself is in Xero and is never sent again)."""
        now = utcnow()
        hint = (f"{mapped.number} is in Xero; Xero refused to allocate it to {mapped.invoice_number}. "
                f"{failure.hint}".strip())  # fmt: skip
        note = f"In Xero; its allocation to {mapped.invoice_number} failed."
        with database_proxy.atomic():
            changed = (
                XeroCreditNoteExport.update(
                    allocation_state=AllocationState.FAILED.value, allocation_messages=json.dumps(failure.messages),
                    allocation_claimed_by=None, allocation_claimed_at=None, state=ExportState.FAILED.value,
                    category=failure.category.value, messages=json.dumps(failure.messages), hint=hint, note=note,
                    last_attempt_at=now, next_retry_at=None, updated_at=now,
                )
                .where(_allocation_mine(mapped.credit_note_id, self.owner))
                .execute()
            )  # fmt: skip
            if not changed:
                return
            XeroCreditNoteAttempt.insert(
                credit_note=mapped.credit_note_id, at=now, outcome=AttemptOutcome.FAILED.value,
                category=failure.category.value, messages=json.dumps(failure.messages), correlation_id=correlation_id,
            ).execute()  # fmt: skip
        export = XeroCreditNoteExport.get_by_id(mapped.credit_note_id)
        summary.outcomes.append(
            ExportOutcome(mapped.invoice_id, mapped.number, ExportState.FAILED, None, failure.category,
                          failure.messages, hint, note, export.attempts, None, correlation_id, kind=TABLE.kind,
                          credit_note_id=mapped.credit_note_id)
        )  # fmt: skip


# -- the allocation's claim ------------------------------------------------------------------------------------------


def allocation_due() -> bool:
    """Whether a credit note's allocation is to be made (both it and its invoice are in Xero)."""
    return _allocatable_query().exists()


def _allocatable() -> list[XeroCreditNoteExport]:
    """Credit notes in Xero whose allocation is not made, whose invoice is in Xero, in number order."""
    return list(_allocatable_query())


def _allocatable_query() -> Any:
    states = (AllocationState.PENDING.value, AllocationState.SENDING.value, AllocationState.UNCONFIRMED.value)
    return (
        XeroCreditNoteExport.select(XeroCreditNoteExport)
        .join(CreditNote, on=(XeroCreditNoteExport.credit_note == CreditNote.id))
        .join(XeroExport, on=(XeroExport.invoice == CreditNote.invoice))
        .where(
            (XeroCreditNoteExport.state == ExportState.SYNCED.value)
            & XeroCreditNoteExport.xero_credit_note_id.is_null(False)
            & XeroCreditNoteExport.allocation_state.in_(states)
            & (CreditNote.status == CreditNoteStatus.AWAITING_ALLOCATION.value)
            & (XeroExport.state == ExportState.SYNCED.value)
            & XeroExport.xero_invoice_id.is_null(False)
        )
        .order_by(CreditNote.number)
    )


def _abandoned(row: XeroCreditNoteExport, me: str, now: Any) -> bool:
    """An allocation claimed by an engine that is gone (a dead process of this machine, or silent too long)."""
    if row.allocation_claimed_by == me:
        return False
    seen = row.allocation_claimed_at
    return queue.owner_alive(row.allocation_claimed_by) is False or seen is None or now - seen >= queue.STALE_AFTER


def _claim_allocation(row: XeroCreditNoteExport, prior: AllocationState, me: str, key: str, now: Any) -> bool:
    """Take the allocation (one guarded UPDATE: of two engines exactly one moves it), its key written with it."""
    owner = XeroCreditNoteExport.allocation_claimed_by
    was = owner.is_null() if row.allocation_claimed_by is None else (owner == row.allocation_claimed_by)
    return bool(
        XeroCreditNoteExport.update(
            allocation_state=AllocationState.SENDING.value, allocation_claimed_by=me, allocation_claimed_at=now,
            allocation_key=key, updated_at=now,
        )
        .where(
            (XeroCreditNoteExport.credit_note == row.credit_note_id)
            & (XeroCreditNoteExport.allocation_state == prior.value) & was
        )
        .execute()
    )  # fmt: skip


def _allocation_mine(credit_note_id: int, me: str) -> Any:
    return (
        (XeroCreditNoteExport.credit_note == credit_note_id)
        & (XeroCreditNoteExport.allocation_state == AllocationState.SENDING.value)
        & (XeroCreditNoteExport.allocation_claimed_by == me)
    )


def _allocation_unconfirmed(credit_note_id: int, me: str, message: str) -> None:
    XeroCreditNoteExport.update(
        allocation_state=AllocationState.UNCONFIRMED.value, allocation_claimed_by=None, allocation_claimed_at=None,
        allocation_messages=json.dumps([message]), note=ALLOCATION_UNCONFIRMED, updated_at=utcnow(),
    ).where(_allocation_mine(credit_note_id, me)).execute()  # fmt: skip


def _xero_invoice_id(credit_note_id: int) -> str:
    note = CreditNote.get_by_id(credit_note_id)
    export = XeroExport.get_or_none(XeroExport.invoice == note.invoice_id)
    return (export.xero_invoice_id or "") if export is not None else ""
