"""Applying one invoice as Xero now has it to the company file (the payment import's write side; no Qt, no calls).

`view_of(sdk_invoice)` turns the SDK's Invoice into a plain `XeroInvoiceView`; `apply_view(invoice_id, view, now)`
writes it in one transaction and says what changed:

- Payments in Xero become Payment rows with source "xero" under their PaymentID; credit notes, prepayments and
  overpayments allocated to the invoice in Xero become read-only rows too ("Credit note CN-0003", ...), stored
  under a key naming the allocation and the invoice, since one credit note can be allocated to several invoices.
  A row whose payment or allocation is no longer on the invoice in Xero (deleted there) is removed. Keys make it
  idempotent: applying the same view twice changes nothing.
- The amount paid here is Xero's AmountPaid + AmountCredited plus any payment recorded here only, capped at the
  total; Xero's PAID (or nothing left due) makes the invoice paid, else it is awaiting payment with the amount
  due shown.
- VOIDED or DELETED in Xero: the invoice is flagged (XeroInvoiceState.xero_status, and a note on its export row)
  and otherwise left exactly as it is: its status, payments and amounts are never changed or dropped silently.
- Xero's figures are kept in XeroInvoiceState whatever happens (also for invoices void or draft here, which are
  not changed).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from invoice_desktop.ledger.queries import XERO_FLAG_WORDS
from invoice_desktop.store.change_feed import notify_changed
from invoice_desktop.store.models import (
    CreditNote,
    CreditNoteStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentSource,
    XeroCreditNoteExport,
    XeroExport,
    XeroInvoiceState,
    database_proxy,
)
from invoice_desktop.xero.payment_mapping import payment_tag

CENTS = Decimal("0.01")
GONE_STATUSES = ("VOIDED", "DELETED")
APPLIED_STATUSES = ("AUTHORISED", "PAID")  # DRAFT / SUBMITTED in Xero carry no payments
FOLLOWING_LOCAL = (InvoiceStatus.AWAITING_PAYMENT.value, InvoiceStatus.PAID.value)


@dataclass(frozen=True)
class Allocation:
    """A payment, or a credit note / prepayment / overpayment allocated to the invoice, as Xero shows it."""

    key: str  # Payment.xero_payment_id it is stored under
    kind: str  # payment | credit_note | prepayment | overpayment
    date: date
    amount: Decimal
    reference: str


@dataclass(frozen=True)
class XeroInvoiceView:
    xero_invoice_id: str
    number: str
    status: str
    amount_paid: Decimal
    amount_credited: Decimal
    amount_due: Decimal
    fully_paid_on: date | None
    updated: datetime | None
    allocations: tuple[Allocation, ...]
    allocations_listed: bool = True  # False when the reply left Payments out (summaryOnly): rows are not touched

    @property
    def settled(self) -> Decimal:
        """What Xero counts against the invoice: payments plus credits allocated."""
        return self.amount_paid + self.amount_credited


@dataclass(frozen=True)
class AppliedChange:
    invoice_id: int
    number: str
    changed: bool = False
    payments_added: int = 0
    payments_removed: int = 0
    flag: str = ""  # "voided in Xero" / "deleted in Xero" when the invoice is (newly or still) flagged


# -- reading the SDK's model -----------------------------------------------------------------------------------------


def money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(CENTS)


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(value: Any) -> str:
    """An SDK string or enum as its plain value ("AUTHORISED", not "Status.AUTHORISED")."""
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def _allocations(invoice: Any, xero_id: str) -> tuple[Allocation, ...]:
    found: list[Allocation] = []
    for payment in getattr(invoice, "payments", None) or ():
        if _text(getattr(payment, "status", "")).upper() == "DELETED" or not getattr(payment, "payment_id", None):
            continue
        found.append(Allocation(str(payment.payment_id).lower(), "payment", _day(payment.date) or date.min,
                                money(payment.amount), _text(payment.reference)))  # fmt: skip
    for attribute, kind, id_name, label in (
        ("credit_notes", "credit_note", "credit_note_id", "Credit note"),
        ("prepayments", "prepayment", "prepayment_id", "Prepayment"),
        ("overpayments", "overpayment", "overpayment_id", "Overpayment"),
    ):
        for item in getattr(invoice, attribute, None) or ():
            item_id = getattr(item, id_name, None)
            amount = money(getattr(item, "applied_amount", None))
            if not item_id or amount <= 0:
                continue
            name = _text(getattr(item, "credit_note_number", None)) or _text(getattr(item, "reference", None))
            reference = f"{label} {name}".strip() + " (allocated in Xero)"
            key = f"{kind}:{str(item_id).lower()}:{xero_id}"
            found.append(Allocation(key, kind, _day(getattr(item, "date", None)) or date.min, amount, reference))
    return tuple(found)


def view_of(invoice: Any) -> XeroInvoiceView:
    """The parts of an SDK Invoice the import uses."""
    xero_id = str(invoice.invoice_id).lower()
    return XeroInvoiceView(
        xero_invoice_id=xero_id,
        number=_text(invoice.invoice_number),
        status=_text(invoice.status).upper(),
        amount_paid=money(invoice.amount_paid),
        amount_credited=money(getattr(invoice, "amount_credited", None)),
        amount_due=money(invoice.amount_due),
        fully_paid_on=_day(getattr(invoice, "fully_paid_on_date", None)),
        updated=_utc(getattr(invoice, "updated_date_utc", None)),
        allocations=_allocations(invoice, xero_id),
        allocations_listed=getattr(invoice, "payments", None) is not None,
    )


# -- writing ---------------------------------------------------------------------------------------------------------


def apply_view(invoice_id: int, view: XeroInvoiceView, now: datetime) -> AppliedChange:
    """Bring one local invoice in line with Xero (see the module docstring); one transaction."""
    return apply_views([(invoice_id, view)], now)[0]


@dataclass
class _Local:
    """What the page's invoices hold here, read in a few queries for the whole page."""

    invoices: dict[int, Invoice]
    previous: dict[int, XeroInvoiceState]
    payments: dict[int, list[Payment]]


def _read_local(invoice_ids: list[int]) -> _Local:
    invoices = {row.id: row for row in Invoice.select().where(Invoice.id.in_(invoice_ids))}
    states = XeroInvoiceState.select().where(XeroInvoiceState.invoice.in_(invoice_ids))
    previous = {row.invoice_id: row for row in states}
    payments: dict[int, list[Payment]] = {i: [] for i in invoice_ids}
    for row in Payment.select().where(Payment.invoice.in_(invoice_ids)):
        payments[row.invoice_id].append(row)
    return _Local(invoices, previous, payments)


def apply_views(items: list[tuple[int, XeroInvoiceView]], now: datetime) -> list[AppliedChange]:
    """Bring a page of local invoices in line with Xero, in one transaction: what they hold is read in a few
    queries for the whole page, Xero's figures saved in one statement, and only what changed is written."""
    items = list(dict(items).items())  # an invoice answered twice in a page: its last answer, once
    if not items:
        return []
    with database_proxy.atomic():
        notify_changed()
        local = _read_local([invoice_id for invoice_id, _ in items])
        _save_states(items, now)
        return [_apply(local.invoices[i], view, local.previous.get(i), local.payments[i], now) for i, view in items]


def _apply(
    invoice: Invoice, view: XeroInvoiceView, previous: XeroInvoiceState | None, payments: list[Payment], now: datetime
) -> AppliedChange:
    if view.status in GONE_STATUSES:
        return _flag(invoice, view, previous, now)
    if view.status not in APPLIED_STATUSES or invoice.status not in FOLLOWING_LOCAL:
        return AppliedChange(invoice.id, invoice.number)
    credits = credit_notes_here(invoice.id)
    ours = {key for key, _ in credits.values()}
    added, removed = _sync_rows(invoice.id, view, payments, ours) if view.allocations_listed else (0, 0)
    in_xero = sent_from_here(view, payments)
    allocated = {a.key for a in view.allocations if a.kind == "credit_note"}
    local_only = sum(
        (p.amount for p in payments if p.source != PaymentSource.XERO and p.id not in in_xero), Decimal("0.00")
    ) + sum((total for key, total in credits.values() if key not in allocated), Decimal("0.00"))
    changed = _settle(invoice, view, local_only, now)
    return AppliedChange(invoice.id, invoice.number, changed or bool(added or removed), added, removed)


def _save_states(items: list[tuple[int, XeroInvoiceView]], now: datetime) -> None:
    """Xero's figures for every invoice of the page, whatever else happens (one upsert)."""
    rows = [
        {XeroInvoiceState.invoice: invoice_id, XeroInvoiceState.xero_status: view.status,
         XeroInvoiceState.amount_paid: view.amount_paid, XeroInvoiceState.amount_credited: view.amount_credited,
         XeroInvoiceState.amount_due: view.amount_due, XeroInvoiceState.fully_paid_on: view.fully_paid_on,
         XeroInvoiceState.xero_updated_at: view.updated, XeroInvoiceState.imported_at: now}
        for invoice_id, view in items
    ]  # fmt: skip
    kept = [XeroInvoiceState.xero_status, XeroInvoiceState.amount_paid, XeroInvoiceState.amount_credited,
            XeroInvoiceState.amount_due, XeroInvoiceState.fully_paid_on, XeroInvoiceState.xero_updated_at,
            XeroInvoiceState.imported_at]  # fmt: skip
    for start in range(0, len(rows), 500):  # well under SQLite's limit on variables in one statement
        XeroInvoiceState.insert_many(rows[start : start + 500]).on_conflict(
            conflict_target=[XeroInvoiceState.invoice], preserve=kept
        ).execute()


def _flag(invoice: Invoice, view: XeroInvoiceView, previous: XeroInvoiceState | None, now: datetime) -> AppliedChange:
    words = XERO_FLAG_WORDS[view.status]
    if previous is not None and previous.xero_status == view.status:
        return AppliedChange(invoice.id, invoice.number, flag=words)
    seen = now.date().isoformat()
    note = f"{words[:1].upper()}{words[1:]} (seen {seen}). Nothing was changed here: void or fix the invoice yourself."
    XeroExport.update(note=note, updated_at=now).where(XeroExport.invoice == invoice.id).execute()
    return AppliedChange(invoice.id, invoice.number, changed=True, flag=words)


def sent_from_here(view: XeroInvoiceView, payments: list[Payment]) -> dict[int, str]:
    """The payments recorded here that Xero holds (sent by the payment export): local payment id -> the key of
    Xero's payment. A sent payment carries its PaymentID; one whose reply was lost is known by the Reference the
    app gave it (and its amount and date) until the export links it."""
    allocations = [a for a in view.allocations if a.kind == "payment"]
    found: dict[int, str] = {}
    keys = {a.key for a in allocations}
    for p in payments:
        if p.source == PaymentSource.XERO:
            continue
        if p.xero_payment_id and p.xero_payment_id in keys:
            found[p.id] = p.xero_payment_id
            continue
        tag = payment_tag(p.id)
        match = next((a for a in allocations if tag in a.reference and (a.amount, a.date) == (p.amount, p.date)), None)
        if match is not None:
            found[p.id] = match.key
    return found


def credit_notes_here(invoice_id: int) -> dict[int, tuple[str, Decimal]]:
    """The invoice's credit notes made here (not void): credit note id -> (the key its allocation in Xero has in
    a view's allocations, its total). Each already counts in the invoice's amount paid; one allocated in Xero is
    in Xero's figures too, so it is neither imported as a row nor counted twice."""
    notes = list(
        CreditNote.select(CreditNote.id, CreditNote.total).where(
            (CreditNote.invoice == invoice_id) & (CreditNote.status != CreditNoteStatus.VOID.value)
        )
    )
    if not notes:
        return {}
    exports = XeroCreditNoteExport.select(XeroCreditNoteExport.credit_note, XeroCreditNoteExport.xero_credit_note_id)
    xero_ids = {
        row.credit_note_id: (row.xero_credit_note_id or "").lower()
        for row in exports.where(XeroCreditNoteExport.credit_note.in_([n.id for n in notes]))
    }
    xero_id = _xero_invoice_id(invoice_id)
    found: dict[int, tuple[str, Decimal]] = {}
    for note in notes:
        found[note.id] = (f"credit_note:{xero_ids.get(note.id, '')}:{xero_id}", note.total)
    return found


def _xero_invoice_id(invoice_id: int) -> str:
    export = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
    return (export.xero_invoice_id or "").lower() if export is not None else ""


def _sync_rows(
    invoice_id: int, view: XeroInvoiceView, payments: list[Payment], credit_notes: Collection[str] = ()
) -> tuple[int, int]:
    """Make the invoice's Xero rows exactly Xero's payments and allocations; returns (added, removed). A payment
    in Xero that was sent from here is the local row already: never imported as a second one; nor is the
    allocation of a credit note made here (`credit_notes`: their allocation keys)."""
    existing = {p.xero_payment_id: p for p in payments if p.source == PaymentSource.XERO and p.xero_payment_id}
    ours = set(sent_from_here(view, payments).values()) | set(credit_notes)
    wanted: dict[str, Allocation] = {}
    for allocation in (
        a for a in view.allocations if a.key not in ours
    ):  # the same credit note allocated twice to one invoice: one row, summed
        before = wanted.get(allocation.key)
        summed = allocation if before is None else replace(before, amount=before.amount + allocation.amount)
        wanted[allocation.key] = summed
    stale = [key for key in existing if key not in wanted]
    if stale:
        Payment.delete().where((Payment.invoice == invoice_id) & Payment.xero_payment_id.in_(stale)).execute()
    added = 0
    for key, allocation in wanted.items():
        row = existing.get(key)
        if row is None:
            Payment.insert(
                invoice=invoice_id, date=allocation.date, amount=allocation.amount, reference=allocation.reference,
                source=PaymentSource.XERO, xero_payment_id=key,
            ).execute()  # fmt: skip
            added += 1
        elif (row.date, row.amount, row.reference) != (allocation.date, allocation.amount, allocation.reference):
            Payment.update(date=allocation.date, amount=allocation.amount, reference=allocation.reference).where(
                Payment.id == row.id
            ).execute()
    return added, len(stale)


def _settle(invoice: Invoice, view: XeroInvoiceView, local_only: Decimal, now: datetime) -> bool:
    """Amount paid and status from Xero's figures (and `local_only`, what was recorded here); True when changed."""
    paid = min(invoice.total, local_only + view.settled)
    if view.status == "PAID":
        paid = invoice.total
    status = InvoiceStatus.PAID.value if paid >= invoice.total else InvoiceStatus.AWAITING_PAYMENT.value
    if (invoice.amount_paid, invoice.status) == (paid, status):
        return False
    invoice.amount_paid, invoice.status, invoice.updated_at = paid, status, now
    invoice.save()
    return True
