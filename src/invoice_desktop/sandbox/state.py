"""What the sandbox Xero knows: organisations with their chart of accounts, tax rates, contacts, tracking,
invoices, credit notes (with their allocations) and payments, and the OAuth side (authorisation codes, tokens,
connections).

Plain typed dataclasses. `SandboxState.lock` guards every read and write. With a state directory the whole
state is saved as JSON after each change and loaded at start (state_file.py), so a demo survives restarts.
In-flight things (faults, idempotency cache, rate windows) are not saved.
"""

from __future__ import annotations

import datetime as dt
import threading
import typing
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from invoice_desktop.sandbox.listing import IndexedField, index_fields
from invoice_desktop.sandbox.record_index import RecordIndex

ACCOUNT_CLASS_BY_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET", "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY", "PAYG": "LIABILITY",
    "DEPRECIATN": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE", "OVERHEADS": "EXPENSE",
    "EQUITY": "EQUITY",
    "REVENUE": "REVENUE", "SALES": "REVENUE", "OTHERINCOME": "REVENUE",
}  # fmt: skip


def new_id() -> str:
    return str(uuid.uuid4())


# --- accounting ------------------------------------------------------------------------------------------------


@dataclass
class Account:
    account_id: str
    code: str
    name: str
    type: str
    tax_type: str
    status: str = "ACTIVE"
    description: str = ""
    bank_account_number: str = ""
    bank_account_type: str = ""
    enable_payments_to_account: bool = False
    system_account: str = ""
    reporting_code: str = ""
    updated: float = 0.0

    @property
    def account_class(self) -> str:
        return ACCOUNT_CLASS_BY_TYPE.get(self.type, "EXPENSE")


@dataclass
class TaxComponent:
    name: str
    rate: Decimal
    is_compound: bool = False
    is_non_recoverable: bool = False


@dataclass
class TaxRate:
    name: str
    tax_type: str
    report_tax_type: str
    rate: Decimal
    components: list[TaxComponent] = field(default_factory=list)
    status: str = "ACTIVE"
    can_apply_to_assets: bool = False
    can_apply_to_equity: bool = False
    can_apply_to_expenses: bool = False
    can_apply_to_liabilities: bool = False
    can_apply_to_revenue: bool = False

    def can_apply_to(self, account_class: str) -> bool:
        return {
            "ASSET": self.can_apply_to_assets,
            "EQUITY": self.can_apply_to_equity,
            "EXPENSE": self.can_apply_to_expenses,
            "LIABILITY": self.can_apply_to_liabilities,
            "REVENUE": self.can_apply_to_revenue,
        }.get(account_class, False)


@dataclass
class Contact:
    contact_id: str
    name: str
    status: str = "ACTIVE"
    first_name: str = ""
    last_name: str = ""
    email_address: str = ""
    contact_number: str = ""
    account_number: str = ""
    is_customer: bool = False
    is_supplier: bool = False
    updated: float = 0.0


@dataclass
class TrackingOption:
    tracking_option_id: str
    name: str
    status: str = "ACTIVE"


@dataclass
class TrackingCategory:
    tracking_category_id: str
    name: str
    options: list[TrackingOption] = field(default_factory=list)
    status: str = "ACTIVE"


@dataclass
class LineTracking:
    tracking_category_id: str
    name: str
    tracking_option_id: str
    option: str


@dataclass
class LineItem:
    line_item_id: str
    description: str = ""
    quantity: Decimal = Decimal("1.0000")
    unit_amount: Decimal = Decimal("0.00")
    account_code: str = ""
    account_id: str = ""
    tax_type: str = ""
    tax_amount: Decimal = Decimal("0.00")
    line_amount: Decimal = Decimal("0.00")
    discount_rate: Decimal | None = None
    discount_amount: Decimal | None = None
    item_code: str = ""
    tracking: list[LineTracking] = field(default_factory=list)


ALLOCATION_KINDS = ("credit_note", "prepayment", "overpayment")


@dataclass
class CreditAllocation:
    """Part of a credit note, prepayment or overpayment allocated to an invoice (listed in the invoice's
    CreditNotes / Prepayments / Overpayments). `number` is the credit note's number (credit notes only)."""

    kind: str  # one of ALLOCATION_KINDS
    credit_id: str  # CreditNoteID / PrepaymentID / OverpaymentID
    amount: Decimal
    date: date
    number: str = ""
    reference: str = ""
    total: Decimal = Decimal("0.00")  # the credit's own total
    allocation_id: str = ""  # an allocation of a stored credit note (PUT /CreditNotes/{id}/Allocations)


@dataclass
class Invoice:
    invoice_id: str
    type: str
    invoice_number: str
    contact_id: str
    date: dt.date
    due_date: dt.date | None = None
    status: str = "DRAFT"
    line_amount_types: str = "Exclusive"
    reference: str = ""
    currency_code: str = "AUD"
    currency_rate: Decimal = Decimal("1.000000")
    line_items: list[LineItem] = field(default_factory=list)
    sub_total: Decimal = Decimal("0.00")
    total_tax: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")
    total_discount: Decimal | None = None
    amount_paid: Decimal = Decimal("0.00")
    amount_credited: Decimal = Decimal("0.00")
    payment_ids: list[str] = field(default_factory=list)
    allocations: list[CreditAllocation] = field(default_factory=list)  # their sum is amount_credited
    fully_paid_on_date: dt.date | None = None
    sent_to_contact: bool = False
    url: str = ""
    created: float = 0.0
    updated: float = 0.0
    approved_at: float | None = None
    created_by_client_id: str = ""

    @property
    def amount_due(self) -> Decimal:
        if self.status in ("VOIDED", "DELETED"):
            return Decimal("0.00")
        return self.total - self.amount_paid - self.amount_credited

    # The names a batch (invoices.DocumentBatch) uses for invoices and credit notes alike.
    @property
    def document_id(self) -> str:
        return self.invoice_id

    @property
    def number(self) -> str:
        return self.invoice_number

    @number.setter
    def number(self, value: str) -> None:
        self.invoice_number = value

    @property
    def settled(self) -> bool:
        """A payment or credit is on it (or it is PAID): it can no longer be edited or voided."""
        return self.amount_paid > 0 or self.amount_credited > 0 or self.status == "PAID"


@dataclass
class CreditNoteAllocation:
    """Part of a credit note allocated to an invoice (the credit note's Allocations; the invoice lists the same
    allocation in its CreditNotes, as a CreditAllocation of kind credit_note with the same allocation_id)."""

    allocation_id: str
    invoice_id: str
    amount: Decimal
    date: date
    updated: float = 0.0


@dataclass
class CreditNote:
    """A sales (ACCRECCREDIT) or purchase (ACCPAYCREDIT) credit note; the same fields as an invoice where Xero's
    JSON has the same ones, so a batch builds both the same way."""

    credit_note_id: str
    type: str
    credit_note_number: str
    contact_id: str
    date: dt.date
    due_date: dt.date | None = None
    status: str = "DRAFT"
    line_amount_types: str = "Exclusive"
    reference: str = ""
    currency_code: str = "AUD"
    currency_rate: Decimal = Decimal("1.000000")
    line_items: list[LineItem] = field(default_factory=list)
    sub_total: Decimal = Decimal("0.00")
    total_tax: Decimal = Decimal("0.00")
    total: Decimal = Decimal("0.00")
    total_discount: Decimal | None = None
    allocations: list[CreditNoteAllocation] = field(default_factory=list)
    fully_paid_on_date: dt.date | None = None
    sent_to_contact: bool = False
    url: str = ""
    created: float = 0.0
    updated: float = 0.0
    approved_at: float | None = None
    created_by_client_id: str = ""

    @property
    def amount_allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal("0.00"))

    @property
    def remaining_credit(self) -> Decimal:
        if self.status in ("VOIDED", "DELETED"):
            return Decimal("0.00")
        return self.total - self.amount_allocated

    @property
    def document_id(self) -> str:
        return self.credit_note_id

    @property
    def number(self) -> str:
        return self.credit_note_number

    @number.setter
    def number(self, value: str) -> None:
        self.credit_note_number = value

    @property
    def settled(self) -> bool:
        return bool(self.allocations) or self.status == "PAID"


Document = Invoice | CreditNote


@dataclass
class Payment:
    payment_id: str
    invoice_id: str
    account_id: str
    date: date
    amount: Decimal
    reference: str = ""
    status: str = "AUTHORISED"
    payment_type: str = "ACCRECPAYMENT"
    currency_rate: Decimal = Decimal("1.000000")
    updated: float = 0.0


@dataclass
class Organisation:
    tenant_id: str
    name: str
    legal_name: str
    short_code: str
    version: str  # AU, NZ, ...
    country_code: str
    base_currency: str
    timezone: str
    tax_number: str = ""
    financial_year_end_day: int = 30
    financial_year_end_month: int = 6
    sales_tax_basis: str = "ACCRUALS"
    sales_tax_period: str = "QUARTERLY1"
    default_sales_tax: str = "Tax Exclusive"
    edition_class: str = "STANDARD"
    period_lock_date: date | None = None
    end_of_year_lock_date: date | None = None
    plan_invoice_limit: int | None = None  # approvals allowed per calendar month; None = unlimited
    currencies: list[str] = field(default_factory=list)  # enabled besides the base currency (Settings > Currencies)
    invoice_prefix: str = "INV-"
    next_invoice_number: int = 1
    next_credit_note_number: int = 1  # CN-0001, ...
    created: float = 0.0
    accounts: list[Account] = field(default_factory=list)
    tax_rates: list[TaxRate] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    tracking_categories: list[TrackingCategory] = field(default_factory=list)
    invoices: dict[str, Invoice] = field(default_factory=dict)  # by InvoiceID, in creation order
    payments: dict[str, Payment] = field(default_factory=dict)
    credit_notes: dict[str, CreditNote] = field(default_factory=dict)  # by CreditNoteID (lower case), in creation order
    # Not saved: the index of GET /Invoices (record_index.py), built on first use and kept up by add_invoice and
    # touch_invoice; a dict of invoices changed in size behind its back is indexed again.
    _invoice_index: RecordIndex[Invoice] | None = field(default=None, init=False, repr=False, compare=False)
    _payment_index: RecordIndex[Payment] | None = field(default=None, init=False, repr=False, compare=False)
    _credit_note_index: RecordIndex[CreditNote] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def enabled_currencies(self) -> list[str]:
        """The base currency first, then the others enabled, in the order they were enabled."""
        return [self.base_currency, *(c for c in self.currencies if c != self.base_currency)]

    # -- lookups (linear scans are fine for the sizes a sandbox holds, except invoices: see below) --

    def account_by_code(self, code: str) -> Account | None:
        wanted = code.strip().upper()
        return next((a for a in self.accounts if a.code.upper() == wanted), None)

    def account_by_id(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.account_id.lower() == account_id.lower()), None)

    def tax_rate(self, tax_type: str) -> TaxRate | None:
        return next((t for t in self.tax_rates if t.tax_type.upper() == tax_type.strip().upper()), None)

    def contact_by_id(self, contact_id: str) -> Contact | None:
        return next((c for c in self.contacts if c.contact_id.lower() == contact_id.lower()), None)

    def contacts_named(self, name: str) -> list[Contact]:
        wanted = name.strip().casefold()
        return [c for c in self.contacts if c.name.strip().casefold() == wanted]

    def tracking_category(self, name_or_id: str) -> TrackingCategory | None:
        wanted = name_or_id.strip().casefold()
        return next(
            (t for t in self.tracking_categories if wanted in (t.name.casefold(), t.tracking_category_id.lower())),
            None,
        )

    def invoice(self, invoice_id_or_number: str) -> Invoice | None:
        found = self.invoices.get(invoice_id_or_number.lower())
        return found if found is not None else self.invoice_by_number(invoice_id_or_number)

    def invoice_by_number(self, number: str, invoice_type: str = "ACCREC") -> Invoice | None:
        """The first invoice (in creation order) of that type with that number, ignoring case."""
        wanted = number.strip().casefold()
        found = (self.invoices.get(key) for key in self.invoice_keys_numbered(wanted))
        return next((i for i in found if i is not None and has_number(i, invoice_type, wanted)), None)

    @property
    def invoice_index(self) -> RecordIndex[Invoice]:
        if self._invoice_index is None:
            self._invoice_index = RecordIndex(self.invoices, index_fields(INVOICE_FIELDS), lambda i: i.updated)
        return self._invoice_index

    def invoice_keys_numbered(self, folded_number: str) -> list[str]:
        """Keys of `invoices` whose casefolded number is this one, in creation order."""
        return _keys_numbered(self.invoice_index, "invoicenumber", folded_number)

    def add_invoice(self, invoice: Invoice) -> None:
        """Store a new invoice, or one changed as a copy (a batch's update), in place of the old."""
        key = invoice.invoice_id.lower()
        self.invoices[key] = invoice
        if self._invoice_index is not None:
            self._invoice_index.put(key)

    def touch_invoice(self, invoice: Invoice, now: float) -> None:
        """An invoice changed in place (a payment, an allocation, a void): UpdatedDateUTC moves, the index follows."""
        invoice.updated = now
        if self._invoice_index is not None:
            self._invoice_index.put(invoice.invoice_id.lower())

    @property
    def payment_index(self) -> RecordIndex[Payment]:
        if self._payment_index is None:
            self._payment_index = RecordIndex(self.payments, index_fields(PAYMENT_FIELDS), lambda p: p.updated)
        return self._payment_index

    def add_payment(self, payment: Payment) -> None:
        self.payments[payment.payment_id] = payment
        if self._payment_index is not None:
            self._payment_index.put(payment.payment_id)

    def touch_payment(self, payment: Payment, now: float) -> None:
        """A payment changed in place (deleted): UpdatedDateUTC moves, the index follows."""
        payment.updated = now
        if self._payment_index is not None:
            self._payment_index.put(payment.payment_id)

    @property
    def credit_note_index(self) -> RecordIndex[CreditNote]:
        if self._credit_note_index is None:
            self._credit_note_index = RecordIndex(self.credit_notes, index_fields(CREDIT_NOTE_FIELDS),
                                                  lambda c: c.updated)  # fmt: skip
        return self._credit_note_index

    def credit_note(self, credit_note_id_or_number: str) -> CreditNote | None:
        found = self.credit_notes.get(credit_note_id_or_number.lower())
        return found if found is not None else self.credit_note_by_number(credit_note_id_or_number)

    def credit_note_by_number(self, number: str, credit_type: str = "ACCRECCREDIT") -> CreditNote | None:
        wanted = number.strip().casefold()
        found = (self.credit_notes.get(key) for key in self.credit_note_keys_numbered(wanted))
        return next((c for c in found if c is not None and has_number(c, credit_type, wanted)), None)

    def credit_note_keys_numbered(self, folded_number: str) -> list[str]:
        """Keys of `credit_notes` whose casefolded number is this one, in creation order."""
        return _keys_numbered(self.credit_note_index, "creditnotenumber", folded_number)

    def add_credit_note(self, credit_note: CreditNote) -> None:
        key = credit_note.credit_note_id.lower()
        self.credit_notes[key] = credit_note
        if self._credit_note_index is not None:
            self._credit_note_index.put(key)

    def touch_credit_note(self, credit_note: CreditNote, now: float) -> None:
        """A credit note changed in place (an allocation, a void): UpdatedDateUTC moves, the index follows."""
        credit_note.updated = now
        if self._credit_note_index is not None:
            self._credit_note_index.put(credit_note.credit_note_id.lower())

    def take_credit_note_number(self, is_taken: typing.Callable[[str], bool]) -> str:
        """The next CN-0001, ... that nobody uses yet (the control path's allocated credit notes count too)."""
        while True:
            number = f"{CREDIT_NOTE_PREFIX}{self.next_credit_note_number:04d}"
            self.next_credit_note_number += 1
            if not is_taken(number):
                return number

    def take_invoice_number(self, is_taken: typing.Callable[[str], bool]) -> str:
        """The next number from the organisation's invoice settings that nobody uses yet."""
        while True:
            number = f"{self.invoice_prefix}{self.next_invoice_number:04d}"
            self.next_invoice_number += 1
            if not is_taken(number):
                return number


CREDIT_NOTE_PREFIX = "CN-"


def has_number(document: Document | None, document_type: str, folded_number: str) -> bool:
    return document is not None and document.type == document_type and document.number.casefold() == folded_number


def _keys_numbered(index: RecordIndex[typing.Any], field_name: str, folded_number: str) -> list[str]:
    """The keys in the index's `field_name` bucket for this number (a number in MS-JSON date form has its own)."""
    buckets = [index.bucket(field_name, k) for k in (folded_number, ("ms-date", folded_number))]
    seqs = sorted(seq for bucket in buckets if bucket is not None for seq in bucket.seqs)
    return list(index.keys_in_order(seqs))


# What GET /Invoices' `where` finds through the index (listing.py): the fields of the invoice's JSON, by record.
INVOICE_FIELDS: tuple[IndexedField[Invoice], ...] = (
    IndexedField("Type", lambda i: i.type),
    IndexedField("Status", lambda i: i.status),
    IndexedField("InvoiceNumber", lambda i: i.invoice_number),
    IndexedField("Date", lambda i: i.date, is_date=True),
    IndexedField("Contact.ContactID", lambda i: i.contact_id),
    IndexedField("InvoiceID", lambda i: i.invoice_id),
)
CREDIT_NOTE_FIELDS: tuple[IndexedField[CreditNote], ...] = (
    IndexedField("Type", lambda c: c.type),
    IndexedField("Status", lambda c: c.status),
    IndexedField("CreditNoteNumber", lambda c: c.credit_note_number),
    IndexedField("Date", lambda c: c.date, is_date=True),
    IndexedField("Contact.ContactID", lambda c: c.contact_id),
    IndexedField("CreditNoteID", lambda c: c.credit_note_id),
)
PAYMENT_FIELDS: tuple[IndexedField[Payment], ...] = (
    IndexedField("Status", lambda p: p.status),
    IndexedField("PaymentType", lambda p: p.payment_type),
    IndexedField("Invoice.InvoiceID", lambda p: p.invoice_id or None),
    IndexedField("Reference", lambda p: p.reference),
    IndexedField("Date", lambda p: p.date, is_date=True),
    IndexedField("PaymentID", lambda p: p.payment_id),
)


# --- OAuth ---------------------------------------------------------------------------------------------------


@dataclass
class Connection:
    id: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created: float
    updated: float
    tenant_type: str = "ORGANISATION"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    code_challenge: str
    auth_event_id: str
    expires_at: float
    nonce: str = ""
    used: bool = False


@dataclass
class RefreshTokenRecord:
    token: str
    client_id: str
    scopes: list[str]
    auth_event_id: str
    issued_at: float
    rotated_at: float | None = None  # first time it was exchanged; the 30-minute grace counts from here
    revoked_at: float | None = None


@dataclass
class AccessTokenRecord:
    token: str
    client_id: str
    scopes: list[str]
    auth_event_id: str
    issued_at: float
    expires_at: float
    revoked_at: float | None = None


@dataclass
class Revocation:
    at: float
    what: str  # "refresh_token" (revocation endpoint), "app" (control.revoke_app), "connection"
    detail: str


@dataclass
class SandboxState:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    connections: list[Connection] = field(default_factory=list)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshTokenRecord] = field(default_factory=dict)
    access_tokens: dict[str, AccessTokenRecord] = field(default_factory=dict)
    revocations: list[Revocation] = field(default_factory=list)
    clock_offset: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def organisation(self, tenant_id: str) -> Organisation | None:
        return self.organisations.get(tenant_id.strip().lower())

    def connection_for(self, tenant_id: str) -> Connection | None:
        wanted = tenant_id.strip().lower()
        return next((c for c in self.connections if c.tenant_id == wanted), None)
