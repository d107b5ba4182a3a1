"""The company file's tables (peewee models). No Qt, no Xero here.

The Xero export state is kept apart from the invoice status (docs/product.md §3): an invoice is draft / awaiting
payment / paid / void, and independently not_sent / queued / sending / synced / failed / skipped in Xero.
"""

from __future__ import annotations

from enum import StrEnum

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from invoice_desktop.store.engine import PerEngineSQL
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.fields import EnumField, MoneyField, ScaledDecimalField, UtcDateTimeField, utcnow
from invoice_desktop.store.proxy import database_proxy


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    VOID = "void"


class AmountsType(StrEnum):
    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"
    NO_TAX = "no_tax"


class ExportState(StrEnum):
    NOT_SENT = "not_sent"
    QUEUED = "queued"
    SENDING = "sending"
    SYNCED = "synced"
    FAILED = "failed"
    SKIPPED = "skipped"


class AttemptOutcome(StrEnum):
    """What one attempt in an invoice's Xero history came to."""

    SYNCED = "synced"  # created in Xero by this send
    LINKED = "linked"  # found in Xero (ours) and linked
    FAILED = "failed"
    RETRY = "retry"  # a try that was retried in the same run
    SKIPPED = "skipped"  # marked as already in Xero, or don't send
    RENUMBERED = "renumbered"
    VOIDED = "voided_in_xero"  # voided in Xero (and so here), or found voided there
    VOID_FAILED = "void_failed"  # a void Xero refused, or whose reply never came


class EventAction(StrEnum):
    """Something a person did at a desk (store.models.Event); the attempts the engine makes are XeroAttempt."""

    APPROVED = "approved"
    EXPORT_STARTED = "export_started"  # Resync, or Options > Export to Xero: a send asked for by hand
    VOIDED = "voided"
    XERO_CONNECTED = "xero_connected"
    XERO_ORGANISATION_CHANGED = "xero_organisation_changed"
    XERO_DISCONNECTED = "xero_disconnected"


class BatchState(StrEnum):
    PENDING = "pending"  # claimed, request not sent yet
    SENT = "sent"  # the request may have reached Xero
    RESOLVED = "resolved"


class CreditNoteStatus(StrEnum):
    """A credit note is made approved from an invoice (no drafts): it credits the invoice here at once, and in Xero
    once both are there and it is allocated to the invoice."""

    AWAITING_ALLOCATION = "awaiting_allocation"  # its allocation to the invoice in Xero is still to be made
    ALLOCATED = "allocated"  # allocated in Xero (or, not going to Xero, credited here only)
    VOID = "void"


class AllocationState(StrEnum):
    """How far a credit note's allocation to its invoice in Xero got (PUT /CreditNotes/{id}/Allocations)."""

    PENDING = "pending"  # not asked yet (waits for the credit note and its invoice to be in Xero)
    SENDING = "sending"  # claimed; the request may have left: looked up in Xero before it is sent again
    UNCONFIRMED = "unconfirmed"  # sent, its reply never came: looked up in Xero before it is sent again
    FAILED = "failed"  # Xero refused it (its words are kept)
    DONE = "done"
    NOT_NEEDED = "not_needed"  # the credit note does not go to Xero


class PaymentSource(StrEnum):
    LOCAL = "local"  # recorded here
    XERO = "xero"  # imported from Xero


class BaseModel(Model):
    """A table of the company file. A bare annotation in a model (`client_id: int`) adds no column: it tells the
    type checker about the id attribute peewee adds for a foreign key."""

    class Meta:
        database = database_proxy
        legacy_table_names = False


class Setting(BaseModel):
    """Company-file settings as JSON values (numbering, date format, Xero interface settings)."""

    key = CharField(primary_key=True)
    value = TextField()


class Client(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    email = CharField(default="")
    address_line1 = CharField(default="")
    address_line2 = CharField(default="")
    address_line3 = CharField(default="")
    address_line4 = CharField(default="")
    city = CharField(default="")
    region = CharField(default="")
    postal_code = CharField(default="")
    country = CharField(default="")
    xero_contact_id = CharField(null=True, index=True)
    created_at = UtcDateTimeField(default=utcnow)

    class Meta:
        # The invoice lists' Client sort (ledger.queries._ordering): clients in this order, each one's invoices by id.
        indexes = (
            PerEngineSQL(
                'CREATE INDEX "client_name_nocase" ON "client" ("name" COLLATE NOCASE)',
                'CREATE INDEX "client_name_nocase" ON "client" (lower("name"))',
            ),
        )


class Account(BaseModel):
    """A local (GL) account that invoice lines are coded to; the Xero mapping sends it to a Xero account."""

    id = AutoField()
    code = CharField(unique=True)
    name = CharField(default="")


class TaxRate(BaseModel):
    """A local tax rate, named as Xero shows it ("GST on Income"); `rate` is a percentage."""

    id = AutoField()
    name = CharField(unique=True)
    rate = ScaledDecimalField(4, default=0)


class Invoice(BaseModel):
    id = AutoField()
    number = CharField(unique=True)
    client = ForeignKeyField(Client, backref="invoices", on_delete="RESTRICT")
    client_id: int
    date = DateField()
    due_date = DateField()
    reference = CharField(default="")
    currency = CharField(default="")
    branding_theme = CharField(default="")
    amounts_type = EnumField(AmountsType, default=AmountsType.EXCLUSIVE)
    status = EnumField(InvoiceStatus, default=InvoiceStatus.DRAFT)
    subtotal = MoneyField()
    total_tax = MoneyField()
    total = MoneyField()
    amount_paid = MoneyField()
    approved_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField(default=utcnow)
    updated_at = UtcDateTimeField(default=utcnow)

    class Meta:
        # Each tab's sort (ledger.queries._ordering) walks an index instead of sorting the tab: a tab is a status
        # (or all of them), the sort key follows and the id (the rowid, in every index) breaks ties.
        indexes = (
            (("status", "due_date"), False),
            (("status", "date"), False),
            (("status", "total"), False),
            (("status", "number"), False),  # schema 11: the Overdue tab by number (else a range of due dates, sorted)
            SQL('CREATE INDEX "invoice_status_amount_due" ON "invoice" ("status", ("total" - "amount_paid"))'),
            (("date",), False),
            (("due_date",), False),
            (("total",), False),
            SQL('CREATE INDEX "invoice_amount_due" ON "invoice" (("total" - "amount_paid"))'),
        )


class InvoiceLine(BaseModel):
    id = AutoField()
    invoice = ForeignKeyField(Invoice, backref="lines", on_delete="CASCADE")
    invoice_id: int
    position = IntegerField()
    description = TextField(default="")
    item_code = CharField(default="")
    quantity = ScaledDecimalField(4)
    unit_amount = ScaledDecimalField(4)
    discount_rate = ScaledDecimalField(2, null=True)
    account = ForeignKeyField(Account, null=True, on_delete="RESTRICT")
    account_id: int | None
    tax_rate = ForeignKeyField(TaxRate, null=True, on_delete="RESTRICT")
    tax_rate_id: int | None
    tax_amount_override = ScaledDecimalField(2, null=True)
    line_amount = MoneyField()
    tax_amount = MoneyField()
    tracking1_name = CharField(default="")
    tracking1_option = CharField(default="")
    tracking2_name = CharField(default="")
    tracking2_option = CharField(default="")


class Payment(BaseModel):
    id = AutoField()
    invoice = ForeignKeyField(Invoice, backref="payments", on_delete="CASCADE")
    invoice_id: int
    date = DateField()
    amount = MoneyField()
    reference = CharField(default="")
    source = EnumField(PaymentSource, default=PaymentSource.LOCAL)
    xero_payment_id = CharField(null=True, unique=True)
    created_at = UtcDateTimeField(default=utcnow)


class XeroExport(BaseModel):
    """One row per approved invoice: where it stands in Xero."""

    invoice = ForeignKeyField(Invoice, primary_key=True, backref="xero_export", on_delete="CASCADE")
    invoice_id: int
    state = EnumField(ExportState, default=ExportState.NOT_SENT, index=True)
    xero_invoice_id = CharField(null=True)
    category = EnumField(FailureCategory, null=True)
    messages = TextField(default="[]")  # JSON list of Xero's own words, verbatim
    hint = TextField(default="")
    note = TextField(default="")
    attempts = IntegerField(default=0)
    last_attempt_at = UtcDateTimeField(null=True)
    next_retry_at = UtcDateTimeField(null=True)
    batch_key = CharField(null=True, index=True)
    claimed_by = CharField(null=True)
    claimed_at = UtcDateTimeField(null=True)
    synced_at = UtcDateTimeField(null=True)
    updated_at = UtcDateTimeField(default=utcnow)
    warnings = TextField(default="[]")  # JSON list: what Xero warned about when it created the invoice
    # A send whose outcome is unknown (reply lost, timed out): Xero may hold it, so it is looked up in Xero
    # before it is ever sent again.
    unconfirmed = BooleanField(default=False)

    class Meta:
        # The Failed table's Last attempt and Status sorts (xero.failed_pages) walk the failed rows in order.
        indexes = (
            (("state", "last_attempt_at"), False),
            (("state", "category"), False),
        )


class XeroAttempt(BaseModel):
    """Every export attempt, kept as history."""

    id = AutoField()
    invoice = ForeignKeyField(Invoice, backref="xero_attempts", on_delete="CASCADE")
    invoice_id: int
    batch_key = CharField(null=True)
    at = UtcDateTimeField(default=utcnow)
    outcome = EnumField(AttemptOutcome)
    category = EnumField(FailureCategory, null=True)
    messages = TextField(default="[]")
    correlation_id = CharField(null=True)
    user_name = CharField(null=True)  # the desk's user for a row written by hand (renumbered, not sent, marked)


class XeroBatch(BaseModel):
    """One request to Xero: its Idempotency-Key is written here before the request goes out."""

    key = CharField(primary_key=True)
    created_at = UtcDateTimeField(default=utcnow)
    sent_at = UtcDateTimeField(null=True)
    resolved_at = UtcDateTimeField(null=True)
    invoice_ids = TextField(default="[]")
    request_digest = CharField(default="")
    state = EnumField(BatchState, default=BatchState.PENDING)


class XeroPaymentExport(BaseModel):
    """One row per payment recorded here that goes to Xero (the switch "Send payments recorded here to Xero"):
    the columns of XeroExport, so the claim and outcome writes of xero/export_queue run on it unchanged."""

    payment = ForeignKeyField(Payment, primary_key=True, backref="xero_export", on_delete="CASCADE")
    payment_id: int
    state = EnumField(ExportState, default=ExportState.QUEUED, index=True)
    xero_payment_id = CharField(null=True)
    category = EnumField(FailureCategory, null=True)
    messages = TextField(default="[]")
    hint = TextField(default="")
    note = TextField(default="")
    attempts = IntegerField(default=0)
    last_attempt_at = UtcDateTimeField(null=True)
    next_retry_at = UtcDateTimeField(null=True)
    batch_key = CharField(null=True, index=True)
    claimed_by = CharField(null=True)
    claimed_at = UtcDateTimeField(null=True)
    synced_at = UtcDateTimeField(null=True)
    updated_at = UtcDateTimeField(default=utcnow)
    warnings = TextField(default="[]")
    unconfirmed = BooleanField(default=False)


class XeroPaymentAttempt(BaseModel):
    """Every attempt to send a payment, kept as history (the columns of XeroAttempt)."""

    id = AutoField()
    payment = ForeignKeyField(Payment, backref="xero_attempts", on_delete="CASCADE")
    payment_id: int
    batch_key = CharField(null=True)
    at = UtcDateTimeField(default=utcnow)
    outcome = EnumField(AttemptOutcome)
    category = EnumField(FailureCategory, null=True)
    messages = TextField(default="[]")
    correlation_id = CharField(null=True)


class CreditNote(BaseModel):
    """A credit note made from an approved invoice (ACCRECCREDIT in Xero), numbered CN-0001, ... It is a document
    of its own: the invoice lists and counts never see it. Its total credits the invoice (the invoice's
    amount_paid, which counts everything settled against it, as the payment import counts Xero's credits)."""

    id = AutoField()
    number = CharField(unique=True)
    invoice = ForeignKeyField(Invoice, backref="credit_notes", on_delete="RESTRICT")
    invoice_id: int
    date = DateField()
    reference = CharField(default="")  # the reason
    currency = CharField(default="")
    amounts_type = EnumField(AmountsType, default=AmountsType.EXCLUSIVE)
    status = EnumField(CreditNoteStatus, default=CreditNoteStatus.AWAITING_ALLOCATION, index=True)
    subtotal = MoneyField()
    total_tax = MoneyField()
    total = MoneyField()
    created_at = UtcDateTimeField(default=utcnow)
    updated_at = UtcDateTimeField(default=utcnow)


class CreditNoteLine(BaseModel):
    """A credit note's line: the invoice line it credits (its account, tax rate, tracking), for all or part of it."""

    id = AutoField()
    credit_note = ForeignKeyField(CreditNote, backref="lines", on_delete="CASCADE")
    credit_note_id: int
    position = IntegerField()
    description = TextField(default="")
    item_code = CharField(default="")
    quantity = ScaledDecimalField(4)
    unit_amount = ScaledDecimalField(4)
    discount_rate = ScaledDecimalField(2, null=True)
    account = ForeignKeyField(Account, null=True, on_delete="RESTRICT")
    account_id: int | None
    tax_rate = ForeignKeyField(TaxRate, null=True, on_delete="RESTRICT")
    tax_rate_id: int | None
    tax_amount_override = ScaledDecimalField(2, null=True)
    line_amount = MoneyField()
    tax_amount = MoneyField()
    tracking1_name = CharField(default="")
    tracking1_option = CharField(default="")
    tracking2_name = CharField(default="")
    tracking2_option = CharField(default="")


class XeroCreditNoteExport(BaseModel):
    """One row per credit note that goes to Xero: the columns of XeroExport (so xero/export_queue's claim and
    outcome writes run on it unchanged), and its allocation to the invoice, made once both are in Xero."""

    credit_note = ForeignKeyField(CreditNote, primary_key=True, backref="xero_export", on_delete="CASCADE")
    credit_note_id: int
    state = EnumField(ExportState, default=ExportState.QUEUED, index=True)
    xero_credit_note_id = CharField(null=True)
    category = EnumField(FailureCategory, null=True)
    messages = TextField(default="[]")
    hint = TextField(default="")
    note = TextField(default="")
    attempts = IntegerField(default=0)
    last_attempt_at = UtcDateTimeField(null=True)
    next_retry_at = UtcDateTimeField(null=True)
    batch_key = CharField(null=True, index=True)
    claimed_by = CharField(null=True)
    claimed_at = UtcDateTimeField(null=True)
    synced_at = UtcDateTimeField(null=True)
    updated_at = UtcDateTimeField(default=utcnow)
    warnings = TextField(default="[]")
    unconfirmed = BooleanField(default=False)
    allocation_state = EnumField(AllocationState, default=AllocationState.PENDING)
    allocation_key = CharField(null=True)  # the allocation request's Idempotency-Key, written before it leaves
    allocation_claimed_by = CharField(null=True)
    allocation_claimed_at = UtcDateTimeField(null=True)
    allocation_messages = TextField(default="[]")  # Xero's words when it refused the allocation
    xero_allocation_id = CharField(null=True)
    allocated_at = UtcDateTimeField(null=True)


class XeroCreditNoteAttempt(BaseModel):
    """Every attempt to send a credit note, kept as history (the columns of XeroAttempt)."""

    id = AutoField()
    credit_note = ForeignKeyField(CreditNote, backref="xero_attempts", on_delete="CASCADE")
    credit_note_id: int
    batch_key = CharField(null=True)
    at = UtcDateTimeField(default=utcnow)
    outcome = EnumField(AttemptOutcome)
    category = EnumField(FailureCategory, null=True)
    messages = TextField(default="[]")
    correlation_id = CharField(null=True)


class XeroInvoiceState(BaseModel):
    """What the last payment import saw of the invoice in Xero (read-only: Xero's own figures and status).

    `xero_status` VOIDED or DELETED flags an invoice voided or deleted in Xero; the local invoice is left as it is.
    """

    invoice = ForeignKeyField(Invoice, primary_key=True, backref="xero_state", on_delete="CASCADE")
    invoice_id: int
    xero_status = CharField()  # Xero's Status: DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED
    amount_paid = MoneyField()
    amount_credited = MoneyField()  # credit notes, prepayments and overpayments allocated in Xero
    amount_due = MoneyField()
    fully_paid_on = DateField(null=True)
    xero_updated_at = UtcDateTimeField(null=True)  # Xero's UpdatedDateUTC
    imported_at = UtcDateTimeField(default=utcnow)


class Event(BaseModel):
    """Who did what, and when: approvals, sends asked for by hand, voids, Xero connection changes (schema 8).

    `user_name` is the desk's name at the time (invoice_desktop.desk), copied, never a reference: renaming a desk
    leaves the history as it was. `invoice` is null for an event of the company file (a connection change)."""

    id = AutoField()
    at = UtcDateTimeField(default=utcnow)
    user_name = CharField()
    action = EnumField(EventAction)
    invoice = ForeignKeyField(Invoice, null=True, backref="events", on_delete="CASCADE")
    invoice_id: int | None
    detail = TextField(default="")


class XeroTokenRotation(BaseModel):
    """One row: the lock every desk takes around a refresh of the shared Xero sign-in (store.rotation_lock), so the
    refresh token rotates once at a time whichever desks refresh together. Only who and when are kept here:
    the token itself is never in the database."""

    id = IntegerField(primary_key=True)
    locked_at = UtcDateTimeField(null=True)
    locked_by = CharField(null=True)


ALL_MODELS: list[type[BaseModel]] = [
    Setting,
    Client,
    Account,
    TaxRate,
    Invoice,
    InvoiceLine,
    Payment,
    XeroExport,
    XeroAttempt,
    XeroBatch,
    XeroInvoiceState,
    XeroPaymentExport,
    XeroPaymentAttempt,
    CreditNote,
    CreditNoteLine,
    XeroCreditNoteExport,
    XeroCreditNoteAttempt,
    Event,
    XeroTokenRotation,
]


# The models keyed by an automatic `id` (the others are keyed by their invoice or by a name).
AutoIdModel = Client | Account | TaxRate | Invoice | InvoiceLine | Payment | XeroAttempt
