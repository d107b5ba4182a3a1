"""Payments recorded here, sent to Xero exactly once (docs/product.md §4: "Payments recorded here ... go through the
same engine"): the run of xero.document_export on the payments' queue table (export_queue.PAYMENTS), with what is
a payment's own:

- the look-up that cannot miss: the invoice's payments in Xero (GET /Payments where Invoice.InvoiceID, every
  page), ours known by the Reference tag the app gave it with its amount and date (payment_mapping);
- the pre-flight: the bank account exists, is active and takes payments; the date is after the lock dates; the
  amount is not above what Xero had due at the last payment import;
- PUT /Payments?summarizeErrors=false; Xero's PaymentID is kept on the payment.

Payment outcomes are ExportOutcome with kind "payment", `number` the invoice's number.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from xero_python.accounting import Payments

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import (
    ExportState,
    Invoice,
    InvoiceStatus,
    Payment,
    XeroExport,
    XeroInvoiceState,
    XeroPaymentExport,
)
from invoice_desktop.xero import export_queue as queue
from invoice_desktop.xero.document_export import DocumentExporter, Engine
from invoice_desktop.xero.export_preflight import lock_messages
from invoice_desktop.xero.export_results import ExportSummary
from invoice_desktop.xero.failure_classifier import Failure, classify_payment
from invoice_desktop.xero.payment_mapping import MappedPayment, map_payment, request_digest
from invoice_desktop.xero.settings import XeroSettings
from invoice_desktop.xero.xero_cache import XeroCache

TABLE = queue.PAYMENTS
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


class PaymentExporter(DocumentExporter[MappedPayment]):
    """Sends queued payments through `engine` (its client, owner, clock, calls and stop rules)."""

    table = TABLE
    noun = "payment"
    id_attribute = "payment_id"
    unconfirmed_note = UNCONFIRMED_NOTE

    def __init__(self, engine: Engine, **options: Any) -> None:
        super().__init__(engine, **options)
        self._staged: dict[tuple[str, int], Decimal] = {}  # per batch key and invoice: earlier payments of it

    def _prepare_one(self, summary: ExportSummary, key: str, payment_id: int, settings: XeroSettings,
                     cache: XeroCache | None) -> MappedPayment | None:  # fmt: skip
        row = _read(payment_id)
        if row is None:
            queue.skip_claimed([payment_id], self.owner, self._now(), "Not sent: the payment is gone.", table=TABLE)
            return None
        payment, invoice, xero_invoice_id = row
        if invoice.status == InvoiceStatus.VOID.value or not xero_invoice_id:
            note = f"Not sent: {invoice.number} is {'void' if xero_invoice_id else 'not in Xero'}."
            queue.skip_claimed([payment_id], self.owner, self._now(), note, table=TABLE)
            return None
        mapped = map_payment(payment.id, invoice.id, invoice.number, xero_invoice_id, payment.date,
                             payment.amount, payment.reference, settings.payments_account)  # fmt: skip
        staged = self._staged.get((key, invoice.id), Decimal("0.00"))
        failure = _preflight(mapped, cache, staged)
        if failure is not None:
            fetched = cache.fetched_at if cache is not None else "?"
            self._fail(summary, key, mapped, failure, note=PREFLIGHT_NOTE.format(fetched=fetched))
            return None
        self._staged[(key, invoice.id)] = staged + mapped.amount
        return mapped

    def _remap(self, payment_id: int, settings: XeroSettings) -> MappedPayment | None:
        return _remap(payment_id, settings)

    def _put(self, models: list[Any], key: str) -> Any:
        return self.engine.client.accounting().create_payments(
            self.engine.client.tenant_id,
            Payments(payments=models),
            summarize_errors=False,
            idempotency_key=key,
            _return_http_data_only=False,
            **self.engine.request_options,
        )

    def _elements(self, data: Any) -> list[Any]:
        return list(data.payments or [])

    def request_digest(self, models: list[Any]) -> str:
        return request_digest(models)

    def _classify(self, messages: list[str], mapped: MappedPayment) -> Failure:
        return classify_payment(messages, mapped.account_code, mapped.number, mapped.date.isoformat())

    def _element_for(self, mapped: MappedPayment, elements: list[Any], index: int, size: int) -> Any | None:
        """The reply's element for a sent payment: by our Reference tag, else by position."""
        tagged = [
            e for e in elements if mapped.reference and str(getattr(e, "reference", "") or "") == mapped.reference
        ]
        if tagged:
            return tagged[0]
        return super()._element_for(mapped, elements, index, size)

    def _after_synced(self, mapped: MappedPayment, xero_id: str) -> None:
        Payment.update(xero_payment_id=xero_id).where(Payment.id == mapped.payment_id).execute()

    def _found_note(self, mapped: MappedPayment) -> str:
        return (f"Found in Xero after an interrupted send (reference {mapped.reference!r}, same amount and date); "
                "linked to it.")  # fmt: skip

    def _look_up(self, batch: list[MappedPayment], *, retry: bool) -> dict[int, list[Any] | Failure]:
        answers: dict[str, list[Any] | Failure] = {}
        for mapped in batch:
            if mapped.xero_invoice_id not in answers:
                answers[mapped.xero_invoice_id] = self._invoice_payments(mapped.xero_invoice_id, retry=retry)
        return {m.payment_id: answers[m.xero_invoice_id] for m in batch}

    def _invoice_payments(self, xero_invoice_id: str, *, retry: bool) -> list[Any] | Failure:
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
