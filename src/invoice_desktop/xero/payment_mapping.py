"""A payment recorded here, as the SDK's Payment (PUT /Payments), and how the app knows it again in Xero.

A payment has no number of its own, so the app gives it a Reference that names it: the bookkeeper's reference
followed by a tag with the local payment's id ("EFT 4471 [InvD-P12]"). After a lost reply the payment is looked up
among the payments of its invoice in Xero (GET /Payments where Invoice.InvoiceID): ours is the one carrying our
tag with the same amount and date (docs/product.md §4, "the look-up that cannot miss"); the payment import uses
the same rule so a payment sent from here is never imported as a second one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xero_python.accounting import Account, Invoice, Payment, Payments
from xero_python.api_client.serializer import serialize


def payment_tag(payment_id: int) -> str:
    """What the app adds to a payment's Reference so it knows the payment again in Xero."""
    return f"[InvD-P{payment_id}]"


def xero_reference(reference: str, payment_id: int) -> str:
    return f"{reference.strip()} {payment_tag(payment_id)}".strip()


@dataclass(frozen=True)
class MappedPayment:
    payment_id: int  # the local payment
    invoice_id: int  # the local invoice
    number: str  # the invoice's number: the key the bookkeeper knows it by
    xero_invoice_id: str
    date: date
    amount: Decimal
    reference: str  # as sent, with the app's tag
    account_code: str  # the Xero bank account payments go to
    model: Payment

    @property
    def document_id(self) -> int:
        return self.payment_id

    def is_ours(self, found: Any) -> bool:
        """Whether a payment Xero holds (SDK model) is this one: our tag, the same amount and the same date."""
        reference = str(getattr(found, "reference", "") or "")
        amount = getattr(found, "amount", None)
        day: Any = getattr(found, "date", None)
        day = day.date() if isinstance(day, datetime) else day
        same_amount = amount is not None and Decimal(str(amount)).quantize(Decimal("0.01")) == self.amount
        return payment_tag(self.payment_id) in reference and same_amount and day == self.date


def map_payment(
    payment_id: int, invoice_id: int, number: str, xero_invoice_id: str, day: date, amount: Decimal, reference: str,
    account_code: str,
) -> MappedPayment:  # fmt: skip
    sent_reference = xero_reference(reference, payment_id)
    model = Payment(
        invoice=Invoice(invoice_id=xero_invoice_id),
        account=Account(code=account_code),
        date=day,
        amount=amount,
        reference=sent_reference,
    )
    return MappedPayment(
        payment_id, invoice_id, number, xero_invoice_id, day, amount, sent_reference, account_code, model
    )


def request_body(payments: list[Payment]) -> dict[str, Any]:
    """The JSON the SDK sends for these payments (PUT /Payments)."""
    return serialize(Payments(payments=payments))


def request_digest(payments: list[Payment]) -> str:
    text = json.dumps(request_body(payments), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
