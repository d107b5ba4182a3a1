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


class BatchState(StrEnum):
    PENDING = "pending"  # claimed, request not sent yet
    SENT = "sent"  # the request may have reached Xero
    RESOLVED = "resolved"


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
]


# The models keyed by an automatic `id` (the others are keyed by their invoice or by a name).
AutoIdModel = Client | Account | TaxRate | Invoice | InvoiceLine | Payment | XeroAttempt
