"""Allocating a stored credit note to invoices: PUT /CreditNotes/{CreditNoteID}/Allocations as the SDK sends it
(`create_credit_note_allocation`: {"Allocations": [{"Invoice": {"InvoiceID": ...}, "Amount": ..., "Date": ...}]},
summarizeErrors and Idempotency-Key as for invoices). Creating, listing, updating and voiding credit notes is the
invoices' code (invoices.InvoiceBatch with kind=CREDIT_NOTES); this module holds what only allocations do.

The rules: both documents AUTHORISED, the same contact, the same currency, a sales credit note to a sales invoice
(a purchase one to a bill), an amount above zero and at most both the credit note's RemainingCredit and the
invoice's AmountDue (the batch's earlier allocations counted), a date after the lock dates. Applied, the invoice
follows as for any credit (payments.credit_invoice: AmountCredited, AmountDue, PAID) and the credit note's
RemainingCredit falls; nothing left, the credit note is PAID too.

Messages (docs/sandbox.md, "Credit notes, allocations and voids"): PAID_OFF, AMOUNT_OUTSTANDING and WRONG_TYPE are
Xero's (a real XML answer quoted in xeroizer #320; the last one's end is cut off there); the lock-date messages are
the invoices'; the others are the sandbox's wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from invoice_desktop.sandbox import payments, validation, wire
from invoice_desktop.sandbox.invoices import ElementResult, RequestDataError, date_of, decimal_of, field_of, text_of
from invoice_desktop.sandbox.state import (
    CreditAllocation,
    CreditNote,
    CreditNoteAllocation,
    Invoice,
    Organisation,
    new_id,
)
from invoice_desktop.sandbox.wire import money
from invoice_desktop.sandbox.xero_json import ZERO_ID, credit_note_allocation_json

PAID_OFF = "The invoice you are trying to allocate to has already been paid off"
AMOUNT_OUTSTANDING = "Credit Note cannot be allocated as amount is greater than amount outstanding"
WRONG_TYPE = "Credit Note cannot be allocated to an incorrect invoice type"
# Worded by the sandbox:
CREDIT_NOTE_NOT_AUTHORISED = "Only Authorised credit notes can be allocated."
INVOICE_NOT_AUTHORISED = payments.ALLOCATION_NOT_AUTHORISED  # "Credit can only be allocated to Authorised documents."
NOT_POSITIVE = payments.ALLOCATION_NOT_POSITIVE
NO_INVOICE = "An Invoice must be specified to allocate the credit note to."
OTHER_CONTACT = "The credit note and the invoice must be for the same contact."
OTHER_CURRENCY = "The credit note and the invoice must be in the same currency."

INVOICE_TYPE_FOR = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}


def allocation_errors(
    org: Organisation, credit_note: CreditNote, invoice: Invoice | None, amount: Decimal, on: date,
    staged_from_note: Decimal = Decimal("0.00"), staged_to_invoice: Decimal = Decimal("0.00"),
) -> list[str]:  # fmt: skip
    """Why `amount` of `credit_note` cannot be allocated to `invoice` on `on` (`staged_*`: what earlier elements of
    the same request take from the credit note and give the invoice)."""
    errors: list[str] = []
    if credit_note.status != "AUTHORISED":
        errors.append(CREDIT_NOTE_NOT_AUTHORISED)
    if invoice is None:
        errors.append(NO_INVOICE)
    elif invoice.status == "PAID":
        errors.append(PAID_OFF)
    elif invoice.status != "AUTHORISED":
        errors.append(INVOICE_NOT_AUTHORISED)
    if invoice is not None:
        if invoice.type != INVOICE_TYPE_FOR.get(credit_note.type):
            errors.append(WRONG_TYPE)
        if invoice.contact_id.lower() != credit_note.contact_id.lower():
            errors.append(OTHER_CONTACT)
        if invoice.currency_code != credit_note.currency_code:
            errors.append(OTHER_CURRENCY)
    if amount <= 0:
        errors.append(NOT_POSITIVE)
    else:
        over_credit = credit_note.status == "AUTHORISED" and amount > credit_note.remaining_credit - staged_from_note
        # A PAID invoice's answer in xeroizer #320 carries both PAID_OFF and AMOUNT_OUTSTANDING.
        takes_credit = invoice is not None and invoice.status in ("AUTHORISED", "PAID")
        over_due = takes_credit and invoice is not None and amount > invoice.amount_due - staged_to_invoice
        if over_credit or over_due:
            errors.append(AMOUNT_OUTSTANDING)
    errors.extend(validation.lock_date_errors(org, on))
    return list(dict.fromkeys(errors))


def apply_allocation(
    org: Organisation, credit_note: CreditNote, invoice: Invoice, amount: Decimal, on: date, now: float
) -> CreditNoteAllocation:
    """Record a checked allocation on both documents."""
    allocation = CreditNoteAllocation(new_id(), invoice.invoice_id, amount, on, updated=now)
    credit_note.allocations.append(allocation)
    if credit_note.remaining_credit <= 0:
        credit_note.status = "PAID"
        credit_note.fully_paid_on_date = on
    org.touch_credit_note(credit_note, now)
    on_invoice = CreditAllocation("credit_note", credit_note.credit_note_id, amount, on, credit_note.credit_note_number,
                                  credit_note.reference, total=credit_note.total,
                                  allocation_id=allocation.allocation_id)  # fmt: skip
    payments.credit_invoice(org, invoice, on_invoice, now)
    return allocation


def allocation_answer(org: Organisation, credit_note: CreditNote, allocation: CreditNoteAllocation) -> dict[str, Any]:
    """An allocation as PUT /CreditNotes/{id}/Allocations answers it (the spec's example: Amount, Date, Invoice,
    CreditNote, ValidationErrors)."""
    document = credit_note_allocation_json(org, allocation)
    document["CreditNote"] = {"CreditNoteID": credit_note.credit_note_id,
                              "CreditNoteNumber": credit_note.credit_note_number}  # fmt: skip
    document["ValidationErrors"] = []
    return document


@dataclass
class _Staged:
    invoice: Invoice
    amount: Decimal
    on: date
    document: dict[str, Any]  # the element's answer, filled in by commit()


@dataclass
class AllocationBatch:
    """The elements of one PUT /CreditNotes/{id}/Allocations; nothing changes until `commit()`."""

    org: Organisation
    credit_note: CreditNote
    now: float
    today: date
    staged: list[_Staged] = field(default_factory=list)

    def _invoice(self, element: dict[str, Any]) -> Invoice | None:
        ref = field_of(element, "Invoice")
        if ref is None:
            return None
        if not isinstance(ref, dict):
            raise RequestDataError("Invoice must be an object")
        invoice_id, number = text_of(ref, "InvoiceID"), text_of(ref, "InvoiceNumber")
        if invoice_id and invoice_id.strip("0-"):
            return self.org.invoices.get(invoice_id.lower())
        if not number:
            return None
        return self.org.invoice_by_number(number, INVOICE_TYPE_FOR.get(self.credit_note.type, "ACCREC"))

    def process(self, element: Any) -> ElementResult:
        if not isinstance(element, dict):
            raise RequestDataError("an allocation must be an object")
        invoice = self._invoice(element)
        given = decimal_of(element, "Amount")
        amount = money(given) if given is not None else None  # money is kept to the cent (half up), as Xero shows it
        on = date_of(element, "Date") or self.today
        from_note = sum((s.amount for s in self.staged), Decimal("0.00"))
        to_invoice = sum((s.amount for s in self.staged if s.invoice is invoice), Decimal("0.00"))
        errors = allocation_errors(self.org, self.credit_note, invoice, amount if amount is not None else Decimal(0),
                                   on, from_note, to_invoice)  # fmt: skip
        if errors or invoice is None or amount is None:
            return ElementResult(self._echo(invoice, amount, on, errors), errors)
        answer: dict[str, Any] = {}
        self.staged.append(_Staged(invoice, amount, on, answer))
        return ElementResult(answer, [])

    def _echo(self, invoice: Invoice | None, amount: Decimal | None, on: date, errors: list[str]) -> dict[str, Any]:
        """A refused element, with the Amount, Invoice and Date xero-python needs to read it."""
        return {
            "Amount": money(amount if amount is not None else Decimal(0)),
            "Date": wire.ms_date(on),
            "Invoice": {"InvoiceID": invoice.invoice_id, "InvoiceNumber": invoice.invoice_number}
            if invoice is not None
            else {"InvoiceID": ZERO_ID},
            "CreditNote": {"CreditNoteID": self.credit_note.credit_note_id,
                           "CreditNoteNumber": self.credit_note.credit_note_number},
            "ValidationErrors": [{"Message": m} for m in errors],
        }  # fmt: skip

    def commit(self) -> None:
        for staged in self.staged:
            allocation = apply_allocation(self.org, self.credit_note, staged.invoice, staged.amount, staged.on,
                                          self.now)  # fmt: skip
            staged.document.update(allocation_answer(self.org, self.credit_note, allocation))
        self.staged = []
