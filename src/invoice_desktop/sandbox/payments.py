"""Payments against invoices: the rules, PUT/POST /Payments as the SDK sends them (`create_payments`: PUT
{"Payments": [...]}, summarizeErrors as for invoices; `create_payment`: POST with one Payment object), and deleting
one (`delete_payment`: POST /Payments/{PaymentID} with {"Status": "DELETED"}, the spec's PaymentDelete; the spec's
example wraps it in "Payments", which is read too). SandboxControl.record_payment (and so the admin page) uses the
same rules and the same apply_payment.

Credit allocated to an invoice (a credit note, prepayment or overpayment, as a bookkeeper allocates it in Xero):
`allocation_errors` / `apply_allocation`, used by SandboxControl.allocate_credit; `credit_invoice`, what any credit
does to the invoice, also used by the allocations of stored credit notes (sandbox/credit_notes.py).

Messages (docs/sandbox.md, "What is verified"): AMOUNT_EXCEEDS is Xero's (the spec's PUT /Payments example);
NOT_AUTHORISED, ACCOUNT_TYPE_INVALID and ACCOUNT_REQUIRED are quoted from Xero's answers by integrations (secondary);
the lock-date messages are the invoices' ones (an integration's help page says Xero gives them for payments too).
ACCOUNT_INVALID (Xero's generic account message), NO_DOCUMENT, AMOUNT_NOT_POSITIVE, RATE_NOT_POSITIVE,
ONLY_DELETION and ALREADY_DELETED are the sandbox's wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from invoice_desktop.sandbox import validation, wire
from invoice_desktop.sandbox.invoices import ElementResult, RequestDataError, date_of, decimal_of, field_of, text_of
from invoice_desktop.sandbox.state import (
    ALLOCATION_KINDS,
    Account,
    CreditAllocation,
    Invoice,
    Organisation,
    Payment,
    new_id,
)
from invoice_desktop.sandbox.xero_json import payment_json

AMOUNT_EXCEEDS = "Payment amount exceeds the amount outstanding on this document"
NOT_AUTHORISED = "Payments can only be made against Authorised documents."
ACCOUNT_TYPE_INVALID = "Account type is invalid for making a payment to/from"
ACCOUNT_REQUIRED = "You must specify an Account code or Account ID for the payment"
# Worded by the sandbox:
ACCOUNT_INVALID = "Account must be valid."
NO_DOCUMENT = "An Invoice must be specified to make a payment against."
AMOUNT_NOT_POSITIVE = "Payment amount must be greater than zero."
RATE_NOT_POSITIVE = "The currency rate must be greater than zero."
ONLY_DELETION = "A payment cannot be changed, only deleted: send Status DELETED."
ALREADY_DELETED = "This payment has already been deleted."
# Allocations: worded by the sandbox.
ALLOCATION_NOT_AUTHORISED = "Credit can only be allocated to Authorised documents."
ALLOCATION_NOT_POSITIVE = "The amount to allocate must be greater than zero."
ALLOCATION_KIND = "The credit allocated is a credit_note, a prepayment or an overpayment."
ONE = Decimal("1.000000")


def account_errors(account: Account | None, given: bool) -> list[str]:
    """A payment goes into an active bank account, or an active account with payments enabled."""
    if not given:
        return [ACCOUNT_REQUIRED]
    if account is None or account.status != "ACTIVE":
        return [ACCOUNT_INVALID]
    if account.type != "BANK" and not account.enable_payments_to_account:
        return [ACCOUNT_TYPE_INVALID]
    return []


def payment_errors(
    org: Organisation, invoice: Invoice | None, account: Account | None, amount: Decimal, on: date,
    already_staged: Decimal = Decimal("0.00"), *, account_given: bool = True, rate: Decimal | None = None,
) -> list[str]:  # fmt: skip
    """Why a payment of `amount` into `account` on `on` cannot be made (`already_staged`: earlier payments of the
    same request against the same invoice; `rate`: the CurrencyRate sent, if any)."""
    errors: list[str] = []
    if invoice is None:
        errors.append(NO_DOCUMENT)
    elif invoice.status != "AUTHORISED":
        errors.append(NOT_AUTHORISED)
    errors.extend(account_errors(account, account_given))
    if amount <= 0:
        errors.append(AMOUNT_NOT_POSITIVE)
    elif invoice is not None and invoice.status == "AUTHORISED" and amount > invoice.amount_due - already_staged:
        errors.append(AMOUNT_EXCEEDS)
    if rate is not None and rate <= 0:
        errors.append(RATE_NOT_POSITIVE)
    errors.extend(validation.lock_date_errors(org, on))
    return errors


def payment_rate(org: Organisation, invoice: Invoice, given: Decimal | None) -> Decimal:
    """The payment's CurrencyRate: 1 for an invoice in the base currency (the spec: "Only used for non base
    currency invoices"), else the rate sent, else the invoice's own (the sandbox has no XE.com day rate)."""
    if invoice.currency_code == org.base_currency:
        return ONE
    return wire.rate6(given) if given is not None else invoice.currency_rate


def apply_payment(
    org: Organisation, invoice: Invoice, account: Account, amount: Decimal, on: date, reference: str, now: float,
    rate: Decimal = ONE,
) -> Payment:  # fmt: skip
    """Record a checked payment: the invoice's AmountPaid grows; fully paid, it becomes PAID."""
    kind = "ACCPAYPAYMENT" if invoice.type == "ACCPAY" else "ACCRECPAYMENT"
    payment = Payment(new_id(), invoice.invoice_id, account.account_id, on, amount, reference, payment_type=kind,
                      currency_rate=rate, updated=now)  # fmt: skip
    org.add_payment(payment)
    invoice.payment_ids.append(payment.payment_id)
    invoice.amount_paid += amount
    if invoice.amount_due <= 0:
        invoice.status = "PAID"
        invoice.fully_paid_on_date = on
    org.touch_invoice(invoice, now)
    return payment


def deletion_errors(org: Organisation, payment: Payment, status: str | None) -> list[str]:
    """Why `payment` cannot be set to `status` (only DELETED is allowed, once, outside the lock dates)."""
    if (status or "").strip().upper() != "DELETED":
        return [ONLY_DELETION]
    if payment.status == "DELETED":
        return [ALREADY_DELETED]
    return validation.lock_date_errors(org, payment.date)


def delete_payment(org: Organisation, payment: Payment, now: float) -> None:
    """Delete a checked payment: its invoice's AmountPaid falls back; a PAID invoice is AUTHORISED again."""
    payment.status = "DELETED"
    org.touch_payment(payment, now)
    invoice = org.invoices.get(payment.invoice_id.lower())
    if invoice is None:
        return
    invoice.amount_paid -= payment.amount
    if invoice.status == "PAID" and invoice.amount_due > 0:
        invoice.status = "AUTHORISED"
        invoice.fully_paid_on_date = None
    org.touch_invoice(invoice, now)


def allocation_exceeds(amount: Decimal, due: Decimal) -> str:
    return f"The amount to allocate ({amount:,.2f}) is more than the amount due on the invoice ({due:,.2f})."


def allocation_errors(org: Organisation, invoice: Invoice, kind: str, amount: Decimal, on: date) -> list[str]:
    """Why `amount` of a credit of `kind` cannot be allocated to `invoice` on `on`."""
    errors: list[str] = []
    if kind not in ALLOCATION_KINDS:
        errors.append(ALLOCATION_KIND)
    if invoice.status != "AUTHORISED":
        errors.append(ALLOCATION_NOT_AUTHORISED)
    if amount <= 0:
        errors.append(ALLOCATION_NOT_POSITIVE)
    elif invoice.status == "AUTHORISED" and amount > invoice.amount_due:
        errors.append(allocation_exceeds(amount, invoice.amount_due))
    errors.extend(validation.lock_date_errors(org, on))
    return errors


def apply_allocation(
    org: Organisation, invoice: Invoice, kind: str, amount: Decimal, on: date, reference: str, now: float
) -> CreditAllocation:
    """Allocate a checked credit: AmountCredited grows, AmountDue falls; nothing left due, the invoice is PAID."""
    number = ""
    if kind == "credit_note":  # numbered from the organisation's credit note numbers, past those already taken
        number = org.take_credit_note_number(lambda n: org.credit_note_by_number(n) is not None)
    allocation = CreditAllocation(kind, new_id(), amount, on, number, reference, total=amount)
    credit_invoice(org, invoice, allocation, now)
    return allocation


def credit_invoice(org: Organisation, invoice: Invoice, allocation: CreditAllocation, now: float) -> None:
    """A checked credit lands on the invoice (the control path's credits and PUT /CreditNotes/{id}/Allocations):
    listed in its CreditNotes / Prepayments / Overpayments, AmountCredited grows, AmountDue falls; nothing left
    due, the invoice is PAID on the allocation's date."""
    invoice.allocations.append(allocation)
    invoice.amount_credited += allocation.amount
    if invoice.amount_due <= 0:
        invoice.status = "PAID"
        invoice.fully_paid_on_date = allocation.date
    org.touch_invoice(invoice, now)


def _reference_of(document: dict[str, Any], name: str) -> dict[str, Any]:
    value = field_of(document, name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestDataError(f"{name} must be an object")
    return value


@dataclass
class _Staged:
    invoice: Invoice
    account: Account
    amount: Decimal
    on: date
    reference: str
    rate: Decimal
    document: dict[str, Any]  # the element's answer, filled in by commit()


@dataclass
class PaymentBatch:
    """The elements of one PUT/POST /Payments; nothing reaches the organisation until `commit()`."""

    org: Organisation
    now: float
    today: date
    staged: list[_Staged] = field(default_factory=list)

    def _invoice(self, document: dict[str, Any]) -> Invoice | None:
        ref = _reference_of(document, "Invoice")
        invoice_id = text_of(ref, "InvoiceID")
        number = text_of(ref, "InvoiceNumber") or text_of(document, "InvoiceNumber")
        if invoice_id and invoice_id.strip("0-"):
            return self.org.invoices.get(invoice_id.lower())
        return self.org.invoice_by_number(number) if number else None

    def _account(self, document: dict[str, Any]) -> tuple[Account | None, bool]:
        """The account named (by AccountID or Code), and whether one was named at all."""
        ref = _reference_of(document, "Account")
        account_id, code = text_of(ref, "AccountID"), text_of(ref, "Code") or text_of(document, "Code")
        if account_id and account_id.strip("0-"):
            return self.org.account_by_id(account_id), True
        return (self.org.account_by_code(code), True) if code and code.strip() else (None, False)

    def process(self, element: Any) -> ElementResult:
        if not isinstance(element, dict):
            raise RequestDataError("a payment must be an object")
        invoice = self._invoice(element)
        account, account_given = self._account(element)
        amount = decimal_of(element, "Amount")
        on = date_of(element, "Date") or self.today
        reference = text_of(element, "Reference") or ""
        given_rate = decimal_of(element, "CurrencyRate")
        staged = sum((p.amount for p in self.staged if p.invoice is invoice), Decimal("0.00"))
        errors = payment_errors(self.org, invoice, account, amount if amount is not None else Decimal("0"), on, staged,
                                account_given=account_given, rate=given_rate)  # fmt: skip
        if errors or invoice is None or account is None or amount is None:
            return ElementResult(self._echo(element, invoice, errors), errors)
        answer: dict[str, Any] = {}
        rate = payment_rate(self.org, invoice, given_rate)
        self.staged.append(_Staged(invoice, account, amount, on, reference, rate, answer))
        return ElementResult(answer, [])

    def _echo(self, element: dict[str, Any], invoice: Invoice | None, errors: list[str]) -> dict[str, Any]:
        document: dict[str, Any] = {k: v for k, v in element.items() if k in ("Date", "Amount", "Reference")}
        if invoice is not None:
            document["Invoice"] = {"InvoiceID": invoice.invoice_id, "InvoiceNumber": invoice.invoice_number}
        document.update({"HasAccount": False, "HasValidationErrors": True,
                         "ValidationErrors": [{"Message": m} for m in errors]})  # fmt: skip
        return document

    def commit(self) -> None:
        for staged in self.staged:
            payment = apply_payment(self.org, staged.invoice, staged.account, staged.amount, staged.on,
                                    staged.reference, self.now, staged.rate)  # fmt: skip
            staged.document.update(payment_json(self.org, payment))
