"""Credit notes: made from an approved invoice for some or all of it (its lines, lowered or left out, a reason, a
date), numbered CN-0001, ..., voided (one in Xero only once Xero has voided it: xero.void_export). No Qt and no Xero
here.

A credit note is approved when it is made (there are no draft credit notes): in the same transaction it credits
its invoice here (the invoice's amount_paid counts everything settled against it, payments and credits, as the
payment import counts Xero's figures), so the invoice's amount due follows at once and never goes below zero: a
credit note is never more than what is still due. When the invoice goes to Xero (the Xero interface is on and the
invoice is queued, being sent, sent or failed), the credit note is queued for Xero too (an
xero_credit_note_export row) and, once both are there, allocated to the invoice in Xero (xero.credit_note_export).
Otherwise it is credited here only, and allocated at once.

Lines: each credited line is the invoice line (description, account, tax rate, tracking) for its whole line
amount (quantity, unit price, discount and tax override as on the invoice, so a full credit has the invoice's
very totals) or for a lower amount (quantity 1 at that amount). Tax is worked out with ledger.money, as Xero
works it out, so both systems agree to the cent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from peewee import JOIN

from invoice_desktop.ledger.errors import LedgerError, Problem
from invoice_desktop.ledger.invoices import InvoiceDetail, LineDetail, get_invoice_detail, line_detail, number_key
from invoice_desktop.ledger.money import InvoiceTotals, LineFigures, compute_totals, decimal_places
from invoice_desktop.ledger.text import nfc, text_problem
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import (
    Account,
    AllocationState,
    AmountsType,
    Client,
    CreditNote,
    CreditNoteLine,
    CreditNoteStatus,
    ExportState,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    TaxRate,
    XeroCreditNoteExport,
    XeroExport,
    database_proxy,
)
from invoice_desktop.store.settings import get_setting, set_setting

CREDIT_NOTE_PREFIX = "CN-"
CREDIT_NOTE_DIGITS = 4
NEXT_SETTING = "credit_notes.next"
MAX_REASON_LENGTH = 255  # Xero's Reference
# The invoice's export states in which the invoice goes to Xero: its credit notes follow it there.
_INVOICE_GOES = tuple(
    s.value for s in (ExportState.QUEUED, ExportState.SENDING, ExportState.SYNCED, ExportState.FAILED)
)
VOIDED_NOTE = "Voided before it reached Xero."

_NUMBERED = re.compile(re.escape(CREDIT_NOTE_PREFIX) + r"([0-9]+)")
_STATUS_WORDS = {
    CreditNoteStatus.AWAITING_ALLOCATION: "Awaiting allocation",
    CreditNoteStatus.ALLOCATED: "Allocated",
    CreditNoteStatus.VOID: "Void",
}


@dataclass(frozen=True)
class CreditLineDraft:
    position: int  # the invoice line's position (1, 2, ...)
    amount: Decimal  # the line amount credited, as the invoice states amounts; at most the invoice line's


@dataclass(frozen=True)
class CreditNoteDraft:
    invoice_id: int
    date: date
    reason: str
    lines: Sequence[CreditLineDraft]
    number: str = ""  # "": the next free CN- number; else kept when it is of the CN- form and free


@dataclass(frozen=True)
class CreditNoteResult:
    credit_note_id: int
    number: str
    total: Decimal
    invoice_amount_due: Decimal
    queued_for_xero: bool


@dataclass(frozen=True)
class CreditNoteRow:
    """A credit note as the Credit Notes tab and `Invoice Information` list it."""

    id: int
    number: str
    invoice_id: int
    invoice_number: str
    client: str
    date: date
    reason: str
    total: Decimal
    status: CreditNoteStatus
    xero_state: ExportState | None  # None: credited here only
    allocation: AllocationState | None

    @property
    def status_text(self) -> str:
        return _STATUS_WORDS[self.status]


@dataclass(frozen=True)
class CreditNoteDetail:
    row: CreditNoteRow
    amounts_type: AmountsType
    currency: str
    subtotal: Decimal
    total_tax: Decimal
    lines: tuple[LineDetail, ...]
    xero_credit_note_id: str | None


# --- numbering ---------------------------------------------------------------------------------------------------


def next_credit_note_number() -> str:
    """The next free CN- number (not reserved), free as Xero compares numbers (ledger.invoices.number_key)."""
    used = {number_key(n) for (n,) in database_proxy.obj.execute(CreditNote.select(CreditNote.number))}
    sequence = max(int(get_setting(NEXT_SETTING, 1)), 1)
    while True:
        candidate = f"{CREDIT_NOTE_PREFIX}{sequence:0{CREDIT_NOTE_DIGITS}d}"
        if number_key(candidate) not in used:
            return candidate
        sequence += 1


def credit_note_number_problem(number: str) -> str:
    """Why a credit note cannot be given this number, or "": it must be of the CN- form (CN-0001: the look-up
    after a lost reply relies on it, docs/product.md §4.9) and not used by another credit note."""
    if not _NUMBERED.fullmatch(number):
        return (
            f"'{number}' is not a credit note number of the {CREDIT_NOTE_PREFIX} form "
            f"({next_credit_note_number()} is the next free one)"
        )
    key = number_key(number)
    if any(number_key(used) == key for (used,) in database_proxy.obj.execute(CreditNote.select(CreditNote.number))):
        return (
            f"{number} is already used by another credit note: "
            f"give it a free number ({next_credit_note_number()} is the next free one)"
        )
    return ""


def _advance(number: str) -> None:
    match = _NUMBERED.fullmatch(number)
    if match and int(match.group(1)) >= int(get_setting(NEXT_SETTING, 1)):
        set_setting(NEXT_SETTING, int(match.group(1)) + 1)


# --- making one --------------------------------------------------------------------------------------------------


def credit_note_refusal(invoice_id: int) -> str:
    """Why no credit note can be made from this invoice now, or "" (Options > Credit note…'s tooltip)."""
    invoice = Invoice.get_or_none(Invoice.id == invoice_id)
    if invoice is None:
        return f"There is no invoice with id {invoice_id}."
    if invoice.status == InvoiceStatus.DRAFT.value:
        return f"{invoice.number} is a draft: change or delete it instead of crediting it"
    if invoice.status == InvoiceStatus.VOID.value:
        return f"{invoice.number} is void: there is nothing to credit"
    if invoice.total - invoice.amount_paid <= 0:
        return f"{invoice.number} has nothing left due: a credit note cannot credit more than is still due"
    return ""


def create_credit_note(draft: CreditNoteDraft) -> CreditNoteResult:
    """Make and approve a credit note from its invoice; raises LedgerError (and writes nothing) when it is not
    valid, naming every problem."""
    reason = nfc(draft.reason or "").strip()
    with database_proxy.atomic():
        refusal = credit_note_refusal(draft.invoice_id)
        if refusal:
            raise LedgerError(Problem("status", refusal))
        invoice = Invoice.get_by_id(draft.invoice_id)
        detail = get_invoice_detail(invoice.id)
        problems: list[Problem] = []
        if problem := text_problem(reason):
            problems.append(Problem("reference", problem))
        elif len(reason) > MAX_REASON_LENGTH:
            problems.append(Problem("reference", f"the reason is longer than {MAX_REASON_LENGTH} characters"))
        if draft.date < invoice.date:
            problems.append(Problem("date", f"{draft.date.isoformat()} is before the invoice date {invoice.date}"))
        lines, totals, line_problems = _credited(detail, draft.lines)
        problems.extend(line_problems)
        if not draft.lines:
            problems.append(Problem("lines", "a credit note needs at least one line"))
        if draft.number and (problem := credit_note_number_problem(draft.number)):
            problems.append(Problem("number", problem))
        if problems:
            raise LedgerError(problems)
        due = invoice.total - invoice.amount_paid
        if totals.total > due:
            raise LedgerError(
                Problem(
                    "total",
                    f"the credit note's total {totals.total} is more than the {due} still due on {invoice.number}: "
                    "a credit note cannot credit more than is due",
                )
            )
        if totals.total <= 0:
            raise LedgerError(Problem("total", f"the credit note's total is {totals.total}: nothing to credit"))
        now = utcnow()
        goes = _goes_to_xero(invoice.id)
        number = draft.number or next_credit_note_number()
        note = CreditNote.create(
            number=number, invoice=invoice.id, date=draft.date, reference=reason, currency=invoice.currency,
            amounts_type=invoice.amounts_type, subtotal=totals.subtotal, total_tax=totals.total_tax,
            total=totals.total, created_at=now, updated_at=now,
            status=(CreditNoteStatus.AWAITING_ALLOCATION if goes else CreditNoteStatus.ALLOCATED).value,
        )  # fmt: skip
        stored = [
            {**values, "credit_note": note.id, "position": position, "line_amount": figure.line_amount,
             "tax_amount": figure.tax_amount}
            for position, ((_, values), figure) in enumerate(zip(lines, totals.lines, strict=True), start=1)
        ]  # fmt: skip
        CreditNoteLine.insert_many(stored).execute()
        invoice.amount_paid += totals.total
        if invoice.amount_paid == invoice.total:
            invoice.status = InvoiceStatus.PAID.value
        invoice.updated_at = now
        invoice.save()
        if goes:
            XeroCreditNoteExport.create(credit_note=note.id, state=ExportState.QUEUED.value, updated_at=now)
        _advance(number)
        return CreditNoteResult(note.id, number, totals.total, invoice.total - invoice.amount_paid, goes)


def credit_note_totals(invoice_id: int, lines: Sequence[CreditLineDraft]) -> InvoiceTotals:
    """The totals a credit note of these lines would have (lines with a problem left out): the dialog's preview."""
    return _credited(get_invoice_detail(invoice_id), lines)[1]


def _credited(
    detail: InvoiceDetail, credits: Sequence[CreditLineDraft]
) -> tuple[list[tuple[LineDetail, dict[str, object]]], InvoiceTotals, list[Problem]]:
    """The credit note's lines (each invoice line credited, and its credit_note_line columns), their totals as
    Xero works them out, and what is wrong with the lines asked for."""
    rows = {row.position: row for row in InvoiceLine.select().where(InvoiceLine.invoice == detail.id)}
    by_position = {line.position: line for line in detail.lines}
    lines: list[tuple[LineDetail, dict[str, object]]] = []
    problems: list[Problem] = []
    for index, credit in enumerate(credits):
        line = by_position.get(credit.position)
        amount = credit.amount
        if line is None:
            problems.append(Problem("lines", f"{detail.number} has no line {credit.position}", index))
        elif not amount.is_finite() or decimal_places(amount) > 2 or amount <= 0:
            problems.append(
                Problem("line_amount", f"{amount} is not an amount above zero (leave the line out instead)", index)
            )
        elif amount > line.line_amount:
            problems.append(Problem("line_amount", f"{amount} is more than the line's {line.line_amount}", index))
        else:
            lines.append((line, _line_columns(line, rows[credit.position], amount)))
    figures = [
        LineFigures(
            quantity=values["quantity"],  # type: ignore[arg-type]
            unit_amount=values["unit_amount"],  # type: ignore[arg-type]
            tax_rate=line.tax_rate,
            discount_rate=values["discount_rate"],  # type: ignore[arg-type]
            tax_override=values["tax_amount_override"],  # type: ignore[arg-type]
        )
        for line, values in lines
    ]
    return lines, compute_totals(figures, detail.amounts_type), problems


def full_credit_lines(invoice_id: int) -> list[CreditLineDraft]:
    """Every line of the invoice for its whole amount: a credit note for all of the invoice."""
    return [CreditLineDraft(line.position, line.line_amount) for line in get_invoice_detail(invoice_id).lines]


def void_credit_note(credit_note_id: int, *, voided_in_xero: str = "") -> None:
    """Void a credit note: the invoice is due again by its total. One not in Xero is then never sent.

    One that is in Xero (credit_note_void_xero_id) is voided in Xero first (xero.void_export): only with the note
    of the void Xero confirmed, `voided_in_xero`, is it voided here (in that caller's transaction); its export row
    keeps the note and its allocation is no longer asked. Without it such a credit note is refused, since voiding
    it here alone would leave Xero and the company file owed different amounts."""
    with database_proxy.atomic():
        note = CreditNote.get_or_none(CreditNote.id == credit_note_id)
        if note is None:
            raise LedgerError(f"There is no credit note with id {credit_note_id}.")
        if refusal := _void_refusal(note):
            raise LedgerError(Problem("status", refusal))
        if credit_note_void_xero_id(credit_note_id) and not voided_in_xero:
            raise LedgerError(Problem("status", f"{note.number} is in Xero: it is voided in Xero first, then here"))
        now = utcnow()
        invoice = Invoice.get_by_id(note.invoice_id)
        invoice.amount_paid -= note.total
        if invoice.status == InvoiceStatus.PAID.value:
            invoice.status = InvoiceStatus.AWAITING_PAYMENT.value
        invoice.updated_at = now
        invoice.save()
        CreditNote.update(status=CreditNoteStatus.VOID.value, updated_at=now).where(
            CreditNote.id == credit_note_id
        ).execute()
        if voided_in_xero:
            # In Xero and void there: off the Failed list (a refused allocation), and never allocated now.
            export = XeroCreditNoteExport.update(
                state=ExportState.SYNCED.value, note=voided_in_xero, category=None, messages="[]", hint="",
                next_retry_at=None, updated_at=now,
            )  # fmt: skip
            not_made = (AllocationState.PENDING.value, AllocationState.FAILED.value)
            XeroCreditNoteExport.update(allocation_state=AllocationState.NOT_NEEDED.value).where(
                (XeroCreditNoteExport.credit_note == credit_note_id)
                & XeroCreditNoteExport.allocation_state.in_(not_made)
            ).execute()
        else:
            export = XeroCreditNoteExport.update(
                state=ExportState.SKIPPED.value, note=VOIDED_NOTE, allocation_state=AllocationState.NOT_NEEDED.value,
                next_retry_at=None, updated_at=now,
            )  # fmt: skip
        export.where(XeroCreditNoteExport.credit_note == credit_note_id).execute()


def credit_note_void_refusal(credit_note_id: int) -> str:
    """Why this credit note cannot be voided now (before anything is sent to Xero), or "" when it can."""
    note = CreditNote.get_or_none(CreditNote.id == credit_note_id)
    return f"There is no credit note with id {credit_note_id}." if note is None else _void_refusal(note)


def credit_note_void_xero_id(credit_note_id: int) -> str:
    """The Xero CreditNoteID of a credit note that is in Xero, so that voiding it means voiding it in Xero; ""
    otherwise. It is in Xero once Xero gave its CreditNoteID (synced, or failed on its allocation only)."""
    export = XeroCreditNoteExport.get_or_none(XeroCreditNoteExport.credit_note == credit_note_id)
    return str(export.xero_credit_note_id) if export is not None and export.xero_credit_note_id else ""


def _void_refusal(note: CreditNote) -> str:
    if note.status == CreditNoteStatus.VOID.value:
        return f"{note.number} is void already"
    export = XeroCreditNoteExport.get_or_none(XeroCreditNoteExport.credit_note == note.id)
    if export is None:
        return ""
    if export.state == ExportState.SENDING.value:
        return f"{note.number} is being sent to Xero right now; try again once it is there"
    allocation = export.allocation_state
    if export.xero_credit_note_id and allocation in (AllocationState.SENDING.value, AllocationState.UNCONFIRMED.value):
        return (f"{note.number}'s allocation to its invoice is being sent to Xero, or its reply never came: try again "
                "after the next export to Xero, which settles it")  # fmt: skip
    if not export.xero_credit_note_id and export.unconfirmed:  # (skipped, never sent: voided here only)
        return (f"{note.number} may be in Xero already (the reply to its export never came): export it again "
                "(Resync), which looks it up in Xero first, then void it")  # fmt: skip
    return ""


# --- reading -----------------------------------------------------------------------------------------------------


def list_credit_notes(invoice_id: int | None = None) -> list[CreditNoteRow]:
    """Every credit note (or those of one invoice), newest number first."""
    query = (
        CreditNote.select(CreditNote, Invoice, Client)
        .join(Invoice, on=(CreditNote.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .order_by(CreditNote.number.desc())
    )
    exports = XeroCreditNoteExport.select(
        XeroCreditNoteExport.credit_note, XeroCreditNoteExport.state, XeroCreditNoteExport.allocation_state
    )
    if invoice_id is not None:
        query = query.where(CreditNote.invoice == invoice_id)
        exports = exports.join(CreditNote).where(CreditNote.invoice == invoice_id)
    states = {row.credit_note_id: (ExportState(row.state), AllocationState(row.allocation_state)) for row in exports}
    rows = []
    for note in query:
        state, allocation = states.get(note.id, (None, None))
        rows.append(
            CreditNoteRow(
                note.id, note.number, note.invoice_id, note.invoice.number, note.invoice.client.name, note.date,
                note.reference, note.total, CreditNoteStatus(note.status), state, allocation,
            )
        )  # fmt: skip
    return rows


def credit_note_ids_by_number(numbers: Iterable[str]) -> dict[str, int]:
    """Ids of the credit notes with these numbers (as Xero compares numbers), keyed by the number as given."""
    wanted = {n.strip(): number_key(n.strip()) for n in numbers if n.strip()}
    if not wanted:
        return {}
    by_key = {number_key(row.number): row.id for row in CreditNote.select(CreditNote.id, CreditNote.number)}
    return {given: by_key[key] for given, key in wanted.items() if key in by_key}


def count_credit_notes() -> int:
    return CreditNote.select().count()


def get_credit_note_detail(credit_note_id: int) -> CreditNoteDetail:
    rows = [r for r in list_credit_notes() if r.id == credit_note_id]
    note = CreditNote.get_or_none(CreditNote.id == credit_note_id)
    if note is None or not rows:
        raise LedgerError(f"There is no credit note with id {credit_note_id}.")
    export = XeroCreditNoteExport.get_or_none(XeroCreditNoteExport.credit_note == credit_note_id)
    return CreditNoteDetail(
        rows[0], AmountsType(note.amounts_type), note.currency, note.subtotal, note.total_tax,
        credit_note_lines(credit_note_id), export.xero_credit_note_id if export is not None else None,
    )  # fmt: skip


def credit_note_lines(credit_note_id: int) -> tuple[LineDetail, ...]:
    """The credit note's lines as invoice lines are read (so the invoice's Xero line mapping maps them)."""
    query = (
        CreditNoteLine.select(CreditNoteLine, Account, TaxRate)
        .join_from(CreditNoteLine, Account, on=(CreditNoteLine.account == Account.id), join_type=JOIN.LEFT_OUTER)
        .join_from(CreditNoteLine, TaxRate, on=(CreditNoteLine.tax_rate == TaxRate.id), join_type=JOIN.LEFT_OUTER)
        .where(CreditNoteLine.credit_note == credit_note_id)
        .order_by(CreditNoteLine.position)
    )
    return tuple(line_detail(row) for row in query)


# --- internals ---------------------------------------------------------------------------------------------------


def _goes_to_xero(invoice_id: int) -> bool:
    if get_setting("xero.enabled", False) is not True:
        return False
    export = XeroExport.get_or_none(XeroExport.invoice == invoice_id)
    return export is not None and export.state in _INVOICE_GOES


def _line_columns(line: LineDetail, row: InvoiceLine, amount: Decimal) -> dict[str, object]:
    """The credit_note_line columns (but its credit note, position and computed amounts) crediting `amount` of an
    invoice line (`row`: its InvoiceLine, for the account and tax rate ids)."""
    whole = amount == line.line_amount
    return {
        "description": line.description,
        "item_code": line.item_code,
        "quantity": line.quantity if whole else Decimal(1),
        "unit_amount": line.unit_amount if whole else amount,
        "discount_rate": line.discount_rate if whole else None,
        "tax_amount_override": line.tax_amount_override if whole else None,
        "account": row.account_id,
        "tax_rate": row.tax_rate_id,
        "tracking1_name": line.tracking1_name,
        "tracking1_option": line.tracking1_option,
        "tracking2_name": line.tracking2_name,
        "tracking2_option": line.tracking2_option,
    }
