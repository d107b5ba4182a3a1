"""Invoice services: create and edit drafts, number, approve, renumber, void, record payments, read one invoice.

No Qt and no Xero here. Each service is one `atomic()` unit: it validates everything first and either writes
all of its change or nothing. Totals are always worked out with ledger.money (Xero's rounding) and stored on
the invoice and its lines, so lists and exports read them without recomputing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from peewee import JOIN, IntegrityError

from invoice_desktop.desk import current_user
from invoice_desktop.ledger.activity import record_event
from invoice_desktop.ledger.catalog import (
    ClientInfo,
    _client_info,
    find_account,
    find_tax_rate,
    get_or_create_client,
)
from invoice_desktop.ledger.currencies import currency_problem
from invoice_desktop.ledger.errors import LedgerError, Problem
from invoice_desktop.ledger.money import (
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_UNIT_AMOUNT,
    MONEY_PLACES,
    QUANTITY_PLACES,
    UNIT_AMOUNT_PLACES,
    InvoiceTotals,
    LineFigures,
    compute_totals,
    decimal_places,
    figure_problem,
    line_amount,
    shown,
)
from invoice_desktop.ledger.text import fold, nfc, nfc_lines, text_problem
from invoice_desktop.store.change_feed import notify_changed
from invoice_desktop.store.failures import FailureCategory, stored_messages
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import (
    Account,
    AmountsType,
    AttemptOutcome,
    Client,
    CreditNoteLine,
    EventAction,
    ExportState,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    TaxRate,
    XeroAttempt,
    XeroExport,
    XeroInvoiceState,
    XeroPaymentExport,
    database_proxy,
)
from invoice_desktop.store.settings import get_setting, set_setting

# An invoice is never negative: what would make it so is a credit note, a document of its own (ledger.credit_notes).
CREDIT_NOTE_PATH = (
    "that is a credit note: make it from its invoice with Invoice Information > Options > Credit note…, or import "
    "it with Xero's credit note template (invoice-desktop import-credit-notes FILE.csv)"
)
DEFAULT_PREFIX = "INV-"
DEFAULT_DIGITS = 4
MAX_NUMBER_LENGTH = 255  # Xero's limit for InvoiceNumber
APPROVAL_CHUNK = 500  # invoices approved per transaction (approve_invoices)
_MONEY_LIMIT = f"an amount of money must be under {MAX_MONEY:,} (ledger.money)"
# A draft's one-line texts (checked and normalised by ledger.text); a line's description may hold line breaks.
_HEADER_TEXTS = ("client_name", "number", "reference", "branding_theme")
_LINE_TEXTS = (
    "account_code",
    "tax_rate_name",
    "item_code",
    "tracking1_name",
    "tracking1_option",
    "tracking2_name",
    "tracking2_option",
)
# The note xero.export_actions.dont_send writes: the one kind of skipped export whose invoice may be renumbered
# (the other kind, "Marked as already in Xero", is in Xero under its number).
DONT_SEND_NOTE = "Not to be sent to Xero."
# Attempt outcomes that are not a send of the invoice to Xero (the rest are: synced, failed, retry).
_NOT_SENDS = (AttemptOutcome.SKIPPED, AttemptOutcome.RENUMBERED, AttemptOutcome.VOIDED, AttemptOutcome.VOID_FAILED)

_STATUS_WORDS = {
    InvoiceStatus.DRAFT.value: "a draft",
    InvoiceStatus.AWAITING_PAYMENT.value: "already approved",
    InvoiceStatus.PAID.value: "already paid",
    InvoiceStatus.VOID.value: "void",
}


# --- drafts (what the editor and the CSV import hand in) -------------------------------------------------


@dataclass(frozen=True)
class LineDraft:
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str
    tax_rate_name: str
    discount_rate: Decimal | None = None  # percent
    tax_amount_override: Decimal | None = None
    item_code: str = ""
    tracking1_name: str = ""
    tracking1_option: str = ""
    tracking2_name: str = ""
    tracking2_option: str = ""


@dataclass(frozen=True)
class InvoiceDraft:
    client_name: str
    date: dt.date
    due_date: dt.date
    reference: str = ""
    currency: str = ""
    amounts_type: AmountsType = AmountsType.EXCLUSIVE
    lines: Sequence[LineDraft] = ()
    number: str | None = None  # None or "": the next number in the sequence
    branding_theme: str = ""
    # The client picked from the list, when one was: it wins over client_name, which may be a name the client had
    # before it was renamed. None: the client is found by name, or created (the CSV import, a name typed in).
    client_id: int | None = None


# --- results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApproveResult:
    approved: tuple[str, ...]  # invoice numbers
    rejected: tuple[tuple[str, str], ...]  # (number, reason)
    approved_ids: tuple[int, ...] = ()
    export_state: ExportState = ExportState.NOT_SENT  # what the approved invoices' Xero export rows were set to


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    amount_paid: Decimal
    amount_due: Decimal
    status: InvoiceStatus
    queued_for_xero: bool = False  # "Send payments recorded here to Xero" is on and the invoice is (going) there
    waits_for_invoice: bool = False  # queued, but sent only once the invoice is in Xero


@dataclass(frozen=True)
class LineDetail:
    position: int
    description: str
    item_code: str
    quantity: Decimal
    unit_amount: Decimal
    discount_rate: Decimal | None
    account_code: str
    account_name: str
    tax_rate_name: str
    tax_rate: Decimal
    tax_amount_override: Decimal | None
    line_amount: Decimal
    tax_amount: Decimal
    tracking1_name: str
    tracking1_option: str
    tracking2_name: str
    tracking2_option: str


@dataclass(frozen=True)
class PaymentDetail:
    id: int
    date: date
    amount: Decimal
    reference: str
    source: str
    xero_state: ExportState | None = None  # a payment recorded here that goes to Xero: how far it got


@dataclass(frozen=True)
class ExportDetail:
    state: ExportState
    xero_invoice_id: str | None
    category: FailureCategory | None
    messages: tuple[str, ...]
    hint: str
    note: str
    attempts: int
    last_attempt_at: datetime | None
    next_retry_at: datetime | None
    synced_at: datetime | None
    warnings: tuple[str, ...] = ()  # what Xero warned about when it created the invoice
    unconfirmed: bool = False  # sent, its reply never came: Xero may hold it


@dataclass(frozen=True)
class InvoiceDetail:
    id: int
    number: str
    status: InvoiceStatus
    client: ClientInfo
    date: dt.date
    due_date: dt.date
    reference: str
    currency: str
    branding_theme: str
    amounts_type: AmountsType
    subtotal: Decimal
    total_tax: Decimal
    total: Decimal
    amount_paid: Decimal
    approved_at: datetime | None
    lines: tuple[LineDetail, ...]
    payments: tuple[PaymentDetail, ...]
    export: ExportDetail | None  # None until the invoice is approved
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.amount_paid

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status is InvoiceStatus.AWAITING_PAYMENT and self.due_date < (today or date.today())

    def to_draft(self) -> InvoiceDraft:
        """The invoice as the editor edits it."""
        return InvoiceDraft(
            client_name=self.client.name,
            client_id=self.client.id,
            date=self.date,
            due_date=self.due_date,
            reference=self.reference,
            currency=self.currency,
            amounts_type=self.amounts_type,
            number=self.number,
            branding_theme=self.branding_theme,
            lines=tuple(
                LineDraft(
                    description=ln.description,
                    quantity=ln.quantity,
                    unit_amount=ln.unit_amount,
                    account_code=ln.account_code,
                    tax_rate_name=ln.tax_rate_name,
                    discount_rate=ln.discount_rate,
                    tax_amount_override=ln.tax_amount_override,
                    item_code=ln.item_code,
                    tracking1_name=ln.tracking1_name,
                    tracking1_option=ln.tracking1_option,
                    tracking2_name=ln.tracking2_name,
                    tracking2_option=ln.tracking2_option,
                )
                for ln in self.lines
            ),
        )


# --- validation (pure: no database) ----------------------------------------------------------------------


def line_problems(
    line: LineDraft, amounts_type: AmountsType | str = AmountsType.EXCLUSIVE, index: int = 0
) -> list[Problem]:
    """What is wrong with one line on its own (not whether its account and tax rate exist)."""
    amounts_type = AmountsType(amounts_type)
    problems: list[Problem] = []

    def add(name: str, message: str) -> None:
        problems.append(Problem(name, message, index))

    if not line.description.strip():
        add("description", "a description is required")
    elif problem := text_problem(line.description, multiline=True):
        add("description", problem)
    for name in _LINE_TEXTS:
        if problem := text_problem(getattr(line, name)):
            add(name, problem)
    figures_read = True
    for name, value, places, limit in (
        ("quantity", line.quantity, QUANTITY_PLACES, MAX_QUANTITY),
        ("unit_amount", line.unit_amount, UNIT_AMOUNT_PLACES, MAX_UNIT_AMOUNT),
        ("tax_amount_override", line.tax_amount_override, MONEY_PLACES, MAX_MONEY),
    ):
        if value is None:
            continue
        problem = figure_problem(value, places, limit)
        if not problem and value < 0:
            problem = f"{value} is negative: {CREDIT_NOTE_PATH}"
        if problem:
            add(name, problem)
            figures_read = False
    discount = line.discount_rate
    if discount is not None and (not discount.is_finite() or not 0 <= discount <= 100 or decimal_places(discount) > 2):
        add("discount_rate", f"{shown(discount)} is not a percentage between 0 and 100 with at most 2 decimal places")
        figures_read = False
    if figures_read and (amount := line_amount(line.quantity, line.unit_amount, line.discount_rate)) >= MAX_MONEY:
        add("line_amount", f"the line works out to {amount:,}: {_MONEY_LIMIT}")
    if not line.account_code.strip():
        add("account_code", "an account is required")
    if not line.tax_rate_name.strip() and amounts_type is not AmountsType.NO_TAX:
        add("tax_rate_name", "a tax rate is required")
    return problems


def header_problems(draft: InvoiceDraft) -> list[Problem]:
    """What is wrong with a draft's header on its own (its lines are not looked at)."""
    problems: list[Problem] = []
    if draft.client_id is None and not draft.client_name.strip():
        problems.append(Problem("client_name", "a client is required"))
    for name in _HEADER_TEXTS:
        if problem := text_problem(getattr(draft, name) or ""):
            problems.append(Problem(name, problem))
    if draft.due_date < draft.date:
        problems.append(Problem("due_date", f"{draft.due_date.isoformat()} is before the invoice date {draft.date}"))
    if draft.number and len(draft.number.strip()) > MAX_NUMBER_LENGTH:
        problems.append(Problem("number", f"is longer than {MAX_NUMBER_LENGTH} characters"))
    if problem := currency_problem(draft.currency):
        problems.append(Problem("currency", problem))
    return problems


def draft_problems(draft: InvoiceDraft) -> list[Problem]:
    """What is wrong with a draft on its own (not whether its client, accounts and tax rates exist), as it will be
    kept (normalised)."""
    draft = normalised(draft)
    problems = header_problems(draft)
    if not draft.lines:
        problems.append(Problem("lines", "an invoice needs at least one line"))
    problems.extend(p for i, line in enumerate(draft.lines) for p in line_problems(line, draft.amounts_type, i))
    return problems


def normalised(draft: InvoiceDraft) -> InvoiceDraft:
    """The draft with its text as the ledger keeps text (ledger.text): NFC, a description's line breaks as "\n"."""
    lines = tuple(
        replace(
            line,
            description=nfc_lines(line.description),
            **_texts(line, _LINE_TEXTS),
        )
        for line in draft.lines
    )
    return replace(draft, lines=lines, **_texts(draft, (*_HEADER_TEXTS, "currency")))


def _texts(draft: InvoiceDraft | LineDraft, names: tuple[str, ...]) -> dict[str, Any]:
    """The draft's text fields of those names (those set), in NFC."""
    return {name: nfc(value) for name in names if (value := getattr(draft, name)) is not None}


def totals_problems(totals: InvoiceTotals) -> list[Problem]:
    """What is wrong with an invoice's totals: negative (a credit note), or too large (ledger.money)."""
    if totals.total < 0:
        return [Problem("total", f"{totals.total} is negative: {CREDIT_NOTE_PATH}")]
    if totals.total >= MAX_MONEY:
        return [Problem("total", f"the invoice works out to {totals.total:,}: {_MONEY_LIMIT}")]
    return []


def totals_for(draft: InvoiceDraft, tax_rates: dict[str, Decimal]) -> InvoiceTotals:
    """The draft's totals as Xero works them out; `tax_rates` maps each line's tax rate name to its percent."""
    return compute_totals(
        (
            LineFigures(
                quantity=line.quantity,
                unit_amount=line.unit_amount,
                tax_rate=tax_rates.get(line.tax_rate_name.strip(), Decimal(0)),
                discount_rate=line.discount_rate,
                tax_override=line.tax_amount_override,
            )
            for line in draft.lines
        ),
        draft.amounts_type,
    )


# --- numbering -------------------------------------------------------------------------------------------


def next_number(used: dict[str, str] | None = None) -> str:
    """The next free number of the sequence (numbering.prefix + zero-padded numbering.next). Not reserved.

    Free as Xero compares numbers (number_key): INV-0003 is skipped when inv-0003 exists. `used`: numbers_in_use()
    when the caller already has it."""
    prefix, digits = _numbering_format()
    sequence = max(int(get_setting("numbering.next", 1)), 1)
    used = numbers_in_use() if used is None else used
    while True:
        candidate = f"{prefix}{sequence:0{digits}d}"
        if number_key(candidate) not in used:
            return candidate
        sequence += 1


def number_key(number: str) -> str:
    """An invoice number as Xero compares numbers: NFC, then case-insensitively (Unicode casefold; ledger.text.fold),
    so INV-0043 and inv-0043 are one number, and so are "CAFÉ-1" spelled with a precomposed É and with a combining
    accent. Every local uniqueness check compares numbers by this key.

    The rule lives in the services, not in a unique index on lower(number): SQLite's lower() folds ASCII only
    (a different rule), and such an index could not be built on a company file that already holds numbers
    differing only in case. Each check runs in its write's transaction, which begins IMMEDIATE (store.database),
    so no other writer takes the number in between; the exact unique index on number stays as the last guard.
    Numbers stored before this rule that are equal by it are reported (ledger.stored_text), never merged."""
    return fold(number)


def numbers_in_use(except_invoice: int | None = None) -> dict[str, str]:
    """Every invoice's number (but invoice `except_invoice`'s) by its number_key."""
    query = Invoice.select(Invoice.number)
    if except_invoice is not None:
        query = query.where(Invoice.id != except_invoice)
    # the driver's plain rows: reading 100,000 numbers takes ~0.1 s, inside the write it checks for
    return {number_key(number): number for (number,) in database_proxy.obj.execute(query)}


def number_clash(number: str, taken: str, by: str = "another invoice") -> str:
    """Why `number` is refused when `taken` (equal to it by number_key) is already the number of `by`."""
    if taken == number:
        return f"{number} is already used by {by}"
    if nfc(taken) == nfc(number):
        return f"{number} is already used by {by}, stored in another Unicode form (Xero reads the two as one)"
    return f"{number} is already used by {by} as {taken} (Xero does not tell numbers apart by case)"


def _number_taken(number: str, except_invoice: int | None, in_use: dict[str, str] | None = None) -> str:
    """Why no other invoice can have `number` besides invoice `except_invoice`, or "" when it is free. `in_use`:
    numbers_in_use(except_invoice) when the caller already has it."""
    in_use = numbers_in_use(except_invoice) if in_use is None else in_use
    taken = in_use.get(number_key(number))
    return "" if taken is None else number_clash(number, taken)


def _numbering_format() -> tuple[str, int]:
    return str(get_setting("numbering.prefix", DEFAULT_PREFIX)), int(get_setting("numbering.digits", DEFAULT_DIGITS))


def advance_numbering(numbers: Iterable[str]) -> None:
    """After `numbers` were used: when one belongs to the sequence, the sequence continues after the last of them."""
    prefix, _ = _numbering_format()
    pattern = re.compile(re.escape(prefix) + r"([0-9]+)")
    used = [int(match.group(1)) for number in numbers if (match := pattern.fullmatch(number))]
    if used and max(used) >= int(get_setting("numbering.next", 1)):
        set_setting("numbering.next", max(used) + 1)


# --- services --------------------------------------------------------------------------------------------


def create_invoice(draft: InvoiceDraft, taken: dict[str, str] | None = None) -> int:
    """Save a new draft invoice; returns its id. Raises LedgerError (and writes nothing) when it is not valid.

    `taken`: numbers_in_use() for a caller creating many invoices in one transaction (the CSV import), read once
    instead of once per invoice; the new invoice's number is added to it."""
    draft = normalised(draft)
    with database_proxy.atomic():
        notify_changed()
        refs = _checked(draft, invoice_id=None, in_use=taken)
        number = (draft.number or "").strip() or next_number(taken)
        now = utcnow()
        invoice = Invoice(client=_client_id(draft), number=number, status=InvoiceStatus.DRAFT.value, created_at=now)
        _write(invoice, draft, refs, now)
        if taken is not None:
            taken[number_key(number)] = number
        return invoice.id


def update_draft(invoice_id: int, draft: InvoiceDraft) -> None:
    """Replace a draft's header and lines. Only drafts can be edited; the number is frozen once approved."""
    draft = normalised(draft)
    with database_proxy.atomic():
        notify_changed()
        invoice = _get(invoice_id)
        _require_status(invoice, InvoiceStatus.DRAFT, "edited")
        refs = _checked(draft, invoice_id=invoice_id)
        invoice.client_id = _client_id(draft)
        invoice.number = (draft.number or "").strip() or invoice.number
        InvoiceLine.delete().where(InvoiceLine.invoice == invoice_id).execute()
        _write(invoice, draft, refs, utcnow())


def delete_draft(invoice_id: int) -> None:
    with database_proxy.atomic():
        notify_changed()
        invoice = _get(invoice_id)
        _require_status(invoice, InvoiceStatus.DRAFT, "deleted")
        invoice.delete_instance(recursive=True)


def approve_invoices(invoice_ids: Iterable[int]) -> ApproveResult:
    """Approve drafts (draft -> awaiting payment). Each approved invoice gets its Xero export row in the same
    transaction: queued when the Xero interface is enabled with export on approval, else not_sent.

    APPROVAL_CHUNK invoices at a time, each chunk one short transaction of a few statements, so approving every
    draft of a 100,000-invoice import never holds the write lock for long (another process's write waits for one
    chunk at most)."""
    state = ExportState.QUEUED if _exports_on_approval() else ExportState.NOT_SENT
    approved: list[tuple[int, str]] = []
    rejected: list[tuple[str, str]] = []
    wanted = list(dict.fromkeys(invoice_ids))
    for start in range(0, len(wanted), APPROVAL_CHUNK):
        chunk = wanted[start : start + APPROVAL_CHUNK]
        with database_proxy.atomic():
            notify_changed()
            now = utcnow()
            invoices = {row.id: row for row in Invoice.select().where(Invoice.id.in_(chunk))}
            with_lines = set(
                InvoiceLine.select(InvoiceLine.invoice).where(InvoiceLine.invoice.in_(chunk)).distinct().scalars()
            )
            ok: list[int] = []
            for invoice_id in chunk:
                invoice = invoices.get(invoice_id)
                reason = _approval_refusal(invoice, invoice_id in with_lines)
                if reason or invoice is None:  # (no invoice always has a reason)
                    rejected.append((invoice.number if invoice else f"#{invoice_id}", reason))
                else:
                    ok.append(invoice_id)
                    approved.append((invoice_id, invoice.number))
            if not ok:
                continue
            Invoice.update(status=InvoiceStatus.AWAITING_PAYMENT.value, approved_at=now, updated_at=now).where(
                Invoice.id.in_(ok)
            ).execute()
            (
                XeroExport.insert_many([{"invoice": i, "state": state.value, "updated_at": now} for i in ok])
                .on_conflict(
                    conflict_target=[XeroExport.invoice],
                    update={XeroExport.state: state.value, XeroExport.updated_at: now},
                )
                .execute()
            )
            record_event(EventAction.APPROVED, ok, at=now)
    return ApproveResult(
        approved=tuple(number for _, number in approved),
        rejected=tuple(rejected),
        approved_ids=tuple(invoice_id for invoice_id, _ in approved),
        export_state=state,
    )


def approve_by_numbers(numbers: Iterable[str]) -> ApproveResult:
    """Approve the drafts with these numbers; a number with no invoice is rejected as 'no such invoice'."""
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    ids = invoice_ids_by_number(wanted)
    result = approve_invoices(ids[n] for n in wanted if n in ids)
    unknown = tuple((n, "no such invoice") for n in wanted if n not in ids)
    return replace(result, rejected=result.rejected + unknown)


def approve_all_drafts() -> ApproveResult:
    """Approve every draft, in number order."""
    return approve_invoices(draft_ids())


# Xero's answer to a change (a void too) of a document with a payment or credit on it (docs/sandbox.md: "Void (or any
# change) refused once a payment or credit is on the document").
XERO_HAS_PAYMENTS = "This document cannot be edited as it has a payment or credit note allocated to it."


def void_invoice(invoice_id: int, *, voided_in_xero: str = "") -> None:
    """Void an approved, unpaid invoice. If it has not reached Xero yet it will not be sent.

    An invoice that is in Xero (void_xero_id) is voided in Xero first (xero.void_export): only with the note of the
    void Xero confirmed, `voided_in_xero`, is it voided here (in that caller's transaction), and its export row
    keeps the note; without it such an invoice is refused, since voiding it here alone would leave Xero owed."""
    with database_proxy.atomic():
        notify_changed()
        invoice = _get(invoice_id)
        refusal = _void_refusal(invoice)
        if refusal:
            raise LedgerError(Problem("status", refusal))
        if void_xero_id(invoice_id) and not voided_in_xero:
            raise LedgerError(Problem("status", f"{invoice.number} is in Xero: it is voided in Xero first, then here"))
        now = utcnow()
        invoice.status = InvoiceStatus.VOID.value
        invoice.updated_at = now
        invoice.save()
        record_event(EventAction.VOIDED, [invoice_id], at=now)
        if voided_in_xero:
            XeroExport.update(note=voided_in_xero, updated_at=now).where(XeroExport.invoice == invoice_id).execute()
            return
        unsent = (ExportState.NOT_SENT.value, ExportState.QUEUED.value, ExportState.FAILED.value)
        XeroExport.update(state=ExportState.SKIPPED.value, note="Voided before it reached Xero.", updated_at=now).where(
            (XeroExport.invoice == invoice_id) & XeroExport.state.in_(unsent)
        ).execute()
        skip_waiting_payments(invoice_id, f"Not sent: {invoice.number} was voided before it reached Xero.")


def void_refusal(invoice_id: int) -> str:
    """Why this invoice cannot be voided now (before anything is sent to Xero), or "" when it can."""
    return _void_refusal(_get(invoice_id))


def _void_refusal(invoice: Invoice) -> str:
    if invoice.status == InvoiceStatus.DRAFT.value:
        return f"{invoice.number} is a draft: delete it instead of voiding it"
    if invoice.status != InvoiceStatus.AWAITING_PAYMENT.value:
        return f"{invoice.number} is {_STATUS_WORDS.get(invoice.status, invoice.status)} and cannot be voided"
    export = XeroExport.get_or_none(XeroExport.invoice == invoice.id)
    in_xero = bool(void_xero_id(invoice.id))
    if invoice.amount_paid:
        if in_xero:
            return (f"{invoice.number} has payments of {invoice.amount_paid} recorded here, so Xero would refuse to "
                    f"void it: \u201c{XERO_HAS_PAYMENTS}\u201d Remove the payments first")  # fmt: skip
        return f"{invoice.number} has payments of {invoice.amount_paid} and cannot be voided"
    if export is not None and export.state == ExportState.SENDING.value:
        return f"{invoice.number} is being sent to Xero right now; try again once it is there"
    if export is not None and export.state == ExportState.FAILED.value and export.unconfirmed:
        return (f"{invoice.number} may be in Xero already (the reply to its export never came): export it again "
                "(Options > Export to Xero, or Resync), which looks it up in Xero first, then void it")  # fmt: skip
    state = XeroInvoiceState.get_or_none(XeroInvoiceState.invoice == invoice.id) if in_xero else None
    if state is not None and (state.amount_paid or state.amount_credited or state.xero_status == "PAID"):
        settled = state.amount_paid + state.amount_credited
        return (f"Xero had {settled} paid or credited on {invoice.number} at the last payment import, so it would "
                f"refuse to void it: \u201c{XERO_HAS_PAYMENTS}\u201d Remove the payments or credit notes in Xero "
                "first")  # fmt: skip
    return ""


def void_xero_id(invoice_id: int) -> str:
    """The Xero InvoiceID of an invoice that is in Xero, so that voiding it means voiding it in Xero: exported
    (synced), or marked as already in Xero with a linked Xero invoice; "" otherwise."""
    export = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
    if export is None or not export.xero_invoice_id:
        return ""
    if export.state in (ExportState.SYNCED.value, ExportState.SKIPPED.value):
        return str(export.xero_invoice_id)
    return ""


def renumber_invoice(invoice_id: int, new_number: str) -> None:
    """Give an approved (awaiting payment or paid) invoice a new number, while it is not in Xero.

    For the invoice Xero refused because another invoice there has its number (`duplicate_number`). Allowed while
    its export is not_sent, queued, failed, or skipped by Don't send: never while it is sending or synced, nor
    when it is marked as already in Xero (it is there under its number). Refused too when the last send to Xero
    got no answer (a timeout, a 5xx: `xero_unavailable`): Xero may have created it under the old number, and
    sending it again under a new one would put it in Xero twice; an Export to Xero or Resync settles that first.
    Drafts are renumbered in the editor (update_draft).

    The new number must be free locally compared case-insensitively (number_key: casefold), the way Xero and the
    exporter's look-ups compare numbers, and the way drafts and the CSV import are checked too: INV-0043 is taken
    when inv-0043 exists (a number that only Xero would call taken is no fix). The numbering sequence only moves forward
    (a number of the sequence beyond numbering.next moves it on; the old number is not handed out again).

    The export state is left as it is: a failed invoice stays failed until the bookkeeper resyncs it (Xero
    Exports > Resync, or Options > Export to Xero). Renumbering is the fix, not a send: the bookkeeper may have
    more to fix before it goes, Resync re-reads Xero's settings first, and nothing reaches Xero behind their
    back, the same as after fixing a mapping. A queued invoice goes with its new number. The export row's note
    says "Renumbered from INV-0042." and the attempt history keeps a "renumbered" row.
    """
    number = nfc(new_number or "").strip()
    with database_proxy.atomic():
        notify_changed()
        invoice = _get(invoice_id)
        export = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
        refusal = _renumber_refusal(invoice, export)
        if refusal:
            raise LedgerError(Problem("status", refusal))
        old = invoice.number
        problem = _new_number_problem(invoice, number)
        if problem:
            raise LedgerError(Problem("number", problem))
        now = utcnow()
        invoice.number = number
        invoice.updated_at = now
        try:
            invoice.save()
        except IntegrityError as exc:  # another process took the number in between
            raise LedgerError(Problem("number", f"{number} is already used by another invoice")) from exc
        if export is not None:
            note = f"Renumbered from {old}."
            if export.state == ExportState.SKIPPED.value:
                note = f"{DONT_SEND_NOTE} {note}"
            XeroExport.update(note=note, updated_at=now).where(XeroExport.invoice == invoice_id).execute()
            XeroAttempt.insert(
                invoice=invoice_id,
                at=now,
                outcome=AttemptOutcome.RENUMBERED,
                messages=json.dumps([f"Renumbered from {old} to {number}."]),
                user_name=current_user(),
            ).execute()
        advance_numbering([number])


def renumber_refusal(invoice_id: int) -> str:
    """Why this invoice cannot be renumbered now, or "" when it can (Options > Renumber…'s tooltip)."""
    invoice = _get(invoice_id)
    return _renumber_refusal(invoice, XeroExport.get_or_none(XeroExport.invoice == invoice_id))


def record_payment(
    invoice_id: int,
    payment_date: date,
    amount: Decimal,
    reference: str = "",
    source: str = "local",
    xero_payment_id: str | None = None,
) -> PaymentResult:
    """Record a payment against an approved invoice; it becomes paid when payments cover the total.

    With "Send payments recorded here to Xero" on, a payment entered here on an invoice that is in Xero, or on its
    way there (not sent yet, queued, being sent, failed), is queued to be sent to Xero (an xero_payment_export row,
    in the same transaction); one on an invoice not in Xero yet waits for it (`waits_for_invoice`), and stays here
    only if the invoice never goes (voided, Don't send: skip_waiting_payments). With the switch off, one on an
    invoice in Xero is refused with `payment_refusal`'s reason (its payments belong in Xero, and the payment import
    brings them here)."""
    with database_proxy.atomic():
        notify_changed()
        invoice = _get(invoice_id)
        _require_status(invoice, InvoiceStatus.AWAITING_PAYMENT, "paid")
        in_xero = payment_refusal(invoice_id) if source != "xero" else ""
        if in_xero:
            raise LedgerError(in_xero)
        if not amount.is_finite() or amount <= 0 or decimal_places(amount) > 2:
            raise LedgerError(Problem("amount", f"{amount} is not an amount of money above zero"))
        due = invoice.total - invoice.amount_paid
        if amount > due:
            raise LedgerError(
                Problem("amount", f"{amount} is more than the {due} due on {invoice.number}: overpayments are refused")
            )
        if xero_payment_id and Payment.select().where(Payment.xero_payment_id == xero_payment_id).exists():
            raise LedgerError(Problem("amount", f"Xero payment {xero_payment_id} is already recorded"))
        export = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
        send = source != "xero" and sends_payments() and _goes_to_xero(export)
        waits = send and not _in_xero(export)
        payment = Payment.create(
            invoice=invoice.id,
            date=payment_date,
            amount=amount,
            reference=reference.strip(),
            source=source,
            xero_payment_id=xero_payment_id,
        )
        invoice.amount_paid += amount
        if invoice.amount_paid == invoice.total:
            invoice.status = InvoiceStatus.PAID.value
        invoice.updated_at = utcnow()
        invoice.save()
        if send:
            note = WAITS_FOR_INVOICE.format(number=invoice.number) if waits else ""
            XeroPaymentExport.create(payment=payment.id, state=ExportState.QUEUED.value, note=note)
        return PaymentResult(
            payment_id=payment.id,
            amount_paid=invoice.amount_paid,
            amount_due=invoice.total - invoice.amount_paid,
            status=InvoiceStatus(invoice.status),
            queued_for_xero=send,
            waits_for_invoice=waits,
        )


def sends_payments() -> bool:
    """Whether payments recorded here on an invoice in Xero are sent there (the Xero settings' switch)."""
    return get_setting("xero.enabled", False) is True and get_setting("xero.send_payments", False) is True


def _in_xero(export: XeroExport | None) -> bool:
    return export is not None and export.state == ExportState.SYNCED and bool(export.xero_invoice_id)


# An approved invoice on its way to Xero (not sent yet, queued, being sent, failed): a payment recorded on it with
# "send payments" on is queued too, and waits until the invoice is in Xero (xero.export_queue.pending_ids).
_ON_ITS_WAY = (ExportState.NOT_SENT, ExportState.QUEUED, ExportState.SENDING, ExportState.FAILED)
WAITS_FOR_INVOICE = "Waits for {number} to reach Xero; it is sent to Xero right after the invoice."


def _goes_to_xero(export: XeroExport | None) -> bool:
    return export is not None and (_in_xero(export) or ExportState(export.state) in _ON_ITS_WAY)


def skip_waiting_payments(invoice_id: int, note: str) -> int:
    """The invoice will never reach Xero (voided before it got there, Don't send, marked as in Xero without its
    Xero invoice): its payments queued for Xero stay here only, with `note` saying why."""
    payments = Payment.select(Payment.id).where(Payment.invoice == invoice_id)
    waiting = XeroPaymentExport.payment.in_(payments) & XeroPaymentExport.state.in_(
        (ExportState.QUEUED.value, ExportState.FAILED.value)
    )
    return (
        XeroPaymentExport.update(state=ExportState.SKIPPED.value, note=note, next_retry_at=None, updated_at=utcnow())
        .where(waiting)
        .execute()
    )


def payment_refusal(invoice_id: int) -> str:
    """Why a payment cannot be entered here for this invoice, because the invoice is in Xero (exported, being
    exported, or linked to its Xero invoice), or "" when it can. Its payments belong in Xero then: they come back
    here with the payment import; a payment entered here was not sent to Xero (Invoice Information says so)."""
    invoice = _get(invoice_id)
    export = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
    if export is None or not (export.xero_invoice_id or export.state in (ExportState.SYNCED, ExportState.SENDING)):
        return ""
    if sends_payments() and (_in_xero(export) or export.state == ExportState.SENDING):
        return ""  # recorded here and sent to Xero (once the invoice is there)
    where = "is being sent to Xero" if export.state == ExportState.SENDING else "is in Xero"
    if sends_payments():
        return f"{invoice.number} {where}: record the payment once Xero has the invoice (it is then sent to Xero)."
    return (
        f"{invoice.number} {where}: record its payments in Xero, not here (sending payments recorded here to Xero "
        "is off: Business > Settings > Xero). A payment recorded in Xero comes back here by itself with the next "
        "payment import from Xero."
    )


def get_invoice_detail(invoice_id: int) -> InvoiceDetail:
    detail = read_invoice_details([invoice_id]).get(invoice_id)
    if detail is None:
        raise LedgerError(f"There is no invoice with id {invoice_id}.")
    return detail


def read_invoice_details(ids: Sequence[int]) -> dict[int, InvoiceDetail]:
    """The details of these invoices by id (ids with no invoice are left out), in five queries: invoices, their
    clients, their lines (with accounts and tax rates), payments and export rows. `get_invoice_detail` reads one;
    ledger.invoice_batch reads many, a chunk of ids at a time."""
    if not ids:
        return {}
    invoices = list(Invoice.select().where(Invoice.id.in_(ids)))
    if not invoices:
        return {}
    client_ids = list({inv.client_id for inv in invoices})
    clients = {row.id: _client_info(row) for row in Client.select().where(Client.id.in_(client_ids))}
    lines: dict[int, list[InvoiceLine]] = {}
    line_rows = (
        InvoiceLine.select(InvoiceLine, Account, TaxRate)
        .join_from(InvoiceLine, Account, on=(InvoiceLine.account == Account.id), join_type=JOIN.LEFT_OUTER)
        .join_from(InvoiceLine, TaxRate, on=(InvoiceLine.tax_rate == TaxRate.id), join_type=JOIN.LEFT_OUTER)
        .where(InvoiceLine.invoice.in_(ids))
        .order_by(InvoiceLine.invoice, InvoiceLine.position)
    )
    for row in line_rows:
        lines.setdefault(row.invoice_id, []).append(row)
    payments: dict[int, list[PaymentDetail]] = {}
    sent = (
        XeroPaymentExport.select(XeroPaymentExport.payment, XeroPaymentExport.state)
        .join(Payment, on=(XeroPaymentExport.payment == Payment.id))
        .where(Payment.invoice.in_(ids))
    )
    xero_state = {row.payment_id: ExportState(row.state) for row in sent}
    for p in Payment.select().where(Payment.invoice.in_(ids)).order_by(Payment.date, Payment.id):
        payments.setdefault(p.invoice_id, []).append(
            PaymentDetail(p.id, p.date, p.amount, p.reference, p.source, xero_state.get(p.id))
        )
    exports = {row.invoice_id: row for row in XeroExport.select().where(XeroExport.invoice.in_(ids))}
    details: dict[int, InvoiceDetail] = {}
    for invoice in invoices:
        export = exports.get(invoice.id)
        details[invoice.id] = InvoiceDetail(
            id=invoice.id,
            number=invoice.number,
            status=InvoiceStatus(invoice.status),
            client=clients[invoice.client_id],
            date=invoice.date,
            due_date=invoice.due_date,
            reference=invoice.reference,
            currency=invoice.currency,
            branding_theme=invoice.branding_theme,
            amounts_type=AmountsType(invoice.amounts_type),
            subtotal=invoice.subtotal,
            total_tax=invoice.total_tax,
            total=invoice.total,
            amount_paid=invoice.amount_paid,
            approved_at=invoice.approved_at,
            lines=tuple(line_detail(row) for row in lines.get(invoice.id, ())),
            payments=tuple(payments.get(invoice.id, ())),
            export=None if export is None else _export_detail(export),
            created_at=invoice.created_at,
            updated_at=invoice.updated_at,
        )
    return details


def invoice_ids_by_number(numbers: Iterable[str]) -> dict[str, int]:
    """Ids of the invoices with these numbers, keyed by the number as given (stripped); numbers not found are left
    out. A number is found as typed (in NFC), else as Xero compares numbers (number_key) when that finds one
    invoice: "inv-0043" finds INV-0043."""
    wanted = {n.strip(): nfc(n.strip()) for n in numbers}
    exact = {
        row.number: row.id
        for row in Invoice.select(Invoice.id, Invoice.number).where(Invoice.number.in_(list(set(wanted.values()))))
    }
    found = {given: exact[number] for given, number in wanted.items() if number in exact}
    missing = {given: number for given, number in wanted.items() if given not in found}
    if missing:
        by_key: dict[str, list[int]] = {}
        for row in Invoice.select(Invoice.id, Invoice.number):
            by_key.setdefault(number_key(row.number), []).append(row.id)
        for given, number in missing.items():
            ids = by_key.get(number_key(number), [])
            if len(ids) == 1:
                found[given] = ids[0]
    return found


def draft_ids() -> list[int]:
    query = Invoice.select(Invoice.id).where(Invoice.status == InvoiceStatus.DRAFT.value).order_by(Invoice.number)
    return [row.id for row in query]


# --- internals -------------------------------------------------------------------------------------------


@dataclass
class _References:
    accounts: dict[str, int] = field(default_factory=dict)  # code as written on the line -> account id
    tax_rates: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # name on the line -> (id, percent)


def _checked(draft: InvoiceDraft, invoice_id: int | None, in_use: dict[str, str] | None = None) -> _References:
    """Validate a draft against itself and the company file; raise LedgerError with every problem found."""
    problems = draft_problems(draft)
    if draft.client_id is not None and not Client.select().where(Client.id == draft.client_id).exists():
        name = draft.client_name.strip() or f"#{draft.client_id}"
        problems.append(Problem("client_name", f"“{name}” was deleted: pick another client or type a new name"))
    refs = _References()
    for index, line in enumerate(draft.lines):
        code, tax_name = line.account_code.strip(), line.tax_rate_name.strip()
        if code and code not in refs.accounts:
            account = find_account(code)
            if account is None:
                problems.append(Problem("account_code", f"there is no account with code '{code}'", index))
            else:
                refs.accounts[code] = account.id
        if tax_name and tax_name not in refs.tax_rates:
            rate = find_tax_rate(tax_name)
            if rate is None:
                problems.append(Problem("tax_rate_name", f"there is no tax rate named '{tax_name}'", index))
            else:
                refs.tax_rates[tax_name] = (rate.id, rate.rate)
    number = (draft.number or "").strip()
    if number and (taken := _number_taken(number, invoice_id, in_use)):
        problems.append(Problem("number", taken))
    if not problems:
        problems.extend(totals_problems(totals_for(draft, _rates(refs))))
    if problems:
        raise LedgerError(problems)
    return refs


def _client_id(draft: InvoiceDraft) -> int:
    """The draft's client: the one picked (`client_id`), else the one of that name, created when there is none."""
    if draft.client_id is not None:
        return draft.client_id
    client, _ = get_or_create_client(draft.client_name)
    return client.id


def _rates(refs: _References) -> dict[str, Decimal]:
    return {name: rate for name, (_, rate) in refs.tax_rates.items()}


def _write(invoice: Invoice, draft: InvoiceDraft, refs: _References, now: datetime) -> None:
    """Store the draft's header, computed totals and lines on `invoice` (whose old lines are gone)."""
    totals = totals_for(draft, _rates(refs))
    for name, value in invoice_values(draft, totals).items():
        setattr(invoice, name, value)
    invoice.updated_at = now
    try:
        invoice.save()
    except IntegrityError as exc:  # another process took the number in between
        raise LedgerError(Problem("number", f"{invoice.number} is already used by another invoice")) from exc
    tax_rate_ids = {name: rate_id for name, (rate_id, _) in refs.tax_rates.items()}
    lines = line_values(draft, totals, refs.accounts, tax_rate_ids)
    InvoiceLine.insert_many([{**values, "invoice": invoice.id} for values in lines]).execute()
    advance_numbering([invoice.number])


def invoice_values(draft: InvoiceDraft, totals: InvoiceTotals) -> dict[str, object]:
    """The Invoice columns a (normalised, checked) draft sets, with its totals: the one mapping of a draft's header
    to the store, for a save (`_write`) and for the CSV import's bulk insert (ledger.bulk_write)."""
    return {
        "date": draft.date,
        "due_date": draft.due_date,
        "reference": draft.reference.strip(),
        "currency": draft.currency.strip().upper(),
        "branding_theme": draft.branding_theme.strip(),
        "amounts_type": AmountsType(draft.amounts_type).value,
        "subtotal": totals.subtotal,
        "total_tax": totals.total_tax,
        "total": totals.total,
    }


def line_values(
    draft: InvoiceDraft, totals: InvoiceTotals, account_ids: Mapping[str, object], tax_rate_ids: Mapping[str, object]
) -> list[dict[str, object]]:
    """The InvoiceLine columns of a draft's lines but `invoice` (account and tax rate by code and name as the lines
    have them, stripped): the one mapping of lines to the store, as `invoice_values` is for the header."""
    return [
        {
            "position": position,
            "description": line.description.strip(),
            "item_code": line.item_code.strip(),
            "quantity": line.quantity,
            "unit_amount": line.unit_amount,
            "discount_rate": line.discount_rate or None,
            "account": account_ids.get(line.account_code.strip()),
            "tax_rate": tax_rate_ids.get(line.tax_rate_name.strip()),
            "tax_amount_override": line.tax_amount_override,
            "line_amount": figures.line_amount,
            "tax_amount": figures.tax_amount,
            "tracking1_name": line.tracking1_name.strip(),
            "tracking1_option": line.tracking1_option.strip(),
            "tracking2_name": line.tracking2_name.strip(),
            "tracking2_option": line.tracking2_option.strip(),
        }
        for position, (line, figures) in enumerate(zip(draft.lines, totals.lines, strict=True), start=1)
    ]


def _get(invoice_id: int) -> Invoice:
    invoice = Invoice.get_or_none(Invoice.id == invoice_id)
    if invoice is None:
        raise LedgerError(f"There is no invoice with id {invoice_id}.")
    return invoice


def _require_status(invoice: Invoice, status: InvoiceStatus, action: str) -> None:
    if invoice.status != status.value:
        word = _STATUS_WORDS.get(invoice.status, invoice.status)
        raise LedgerError(Problem("status", f"{invoice.number} is {word} and cannot be {action}"))


def _renumber_refusal(invoice: Invoice, export: XeroExport | None) -> str:
    number = invoice.number
    if invoice.status == InvoiceStatus.DRAFT.value:
        return f"{number} is a draft: change its number in the invoice editor"
    if invoice.status not in (InvoiceStatus.AWAITING_PAYMENT.value, InvoiceStatus.PAID.value):
        return f"{number} is {_STATUS_WORDS.get(invoice.status, invoice.status)}: its number cannot change"
    if export is None:  # approved before export rows existed: never sent
        return ""
    state = export.state
    if state == ExportState.SYNCED.value:
        return f"{number} is in Xero already: its number cannot change here"
    if state == ExportState.SENDING.value:
        return f"{number} is being sent to Xero right now: its number cannot change"
    if state == ExportState.SKIPPED.value and (export.xero_invoice_id or not export.note.startswith(DONT_SEND_NOTE)):
        return f"{number} is marked as already in Xero: its number cannot change here"
    last_send = (
        XeroAttempt.select(XeroAttempt.category)
        .where((XeroAttempt.invoice == invoice.id) & XeroAttempt.outcome.not_in(_NOT_SENDS))
        .order_by(XeroAttempt.at.desc(), XeroAttempt.id.desc())
        .first()
    )
    if export.unconfirmed or (last_send is not None and last_send.category == FailureCategory.XERO_UNAVAILABLE.value):
        return (
            f"{number}'s last send to Xero got no answer, so Xero may have it already: "
            "export it to Xero (or Resync) first, then renumber it if Xero still refuses the number"
        )
    return ""


def _new_number_problem(invoice: Invoice, number: str) -> str:
    """What is wrong with `number` as the new number of `invoice`, or ""."""
    old = invoice.number
    if not number:
        return "a new number is required"
    if problem := text_problem(number):
        return problem
    if len(number) > MAX_NUMBER_LENGTH:
        return f"is longer than {MAX_NUMBER_LENGTH} characters"
    if number == old:
        return f"{old} is already its number"
    if number_key(number) == number_key(old):
        return f"{number} differs from {old} only in case or Unicode form, and Xero does not tell those apart"
    return _number_taken(number, invoice.id)


def _approval_refusal(invoice: Invoice | None, has_lines: bool) -> str:
    if invoice is None:
        return "no such invoice"
    if invoice.status != InvoiceStatus.DRAFT.value:
        return _STATUS_WORDS.get(invoice.status, invoice.status)
    if not has_lines:
        return "it has no lines"
    if invoice.total < 0:
        return f"its total is negative: {CREDIT_NOTE_PATH}"
    if problem := currency_problem(invoice.currency):
        return f"its currency: {problem}"
    return ""


def _exports_on_approval() -> bool:
    return get_setting("xero.enabled", False) is True and get_setting("xero.export_on_approval", False) is True


def line_detail(row: InvoiceLine | CreditNoteLine) -> LineDetail:
    """An invoice's (or a credit note's) stored line as the services hand it out."""
    account = row.account if row.account_id is not None else None
    tax = row.tax_rate if row.tax_rate_id is not None else None
    return LineDetail(
        position=row.position,
        description=row.description,
        item_code=row.item_code,
        quantity=row.quantity,
        unit_amount=row.unit_amount,
        discount_rate=row.discount_rate,
        account_code=account.code if account else "",
        account_name=account.name if account else "",
        tax_rate_name=tax.name if tax else "",
        tax_rate=tax.rate if tax else Decimal(0),
        tax_amount_override=row.tax_amount_override,
        line_amount=row.line_amount,
        tax_amount=row.tax_amount,
        tracking1_name=row.tracking1_name,
        tracking1_option=row.tracking1_option,
        tracking2_name=row.tracking2_name,
        tracking2_option=row.tracking2_option,
    )


def _export_detail(row: XeroExport) -> ExportDetail:
    messages = stored_messages(row.messages)
    return ExportDetail(
        state=row.state,
        xero_invoice_id=row.xero_invoice_id,
        category=row.category,
        messages=messages,
        hint=row.hint,
        note=row.note,
        attempts=row.attempts,
        last_attempt_at=row.last_attempt_at,
        next_retry_at=row.next_retry_at,
        synced_at=row.synced_at,
        warnings=stored_messages(row.warnings),
        unconfirmed=bool(row.unconfirmed),
    )
