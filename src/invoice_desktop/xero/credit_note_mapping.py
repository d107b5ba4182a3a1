"""A credit note made here, as the SDK's CreditNote (PUT /CreditNotes, Type ACCRECCREDIT), and how the app knows
it again in Xero.

The lines, contact, amounts type and currency are mapped by the invoice mapping (xero.invoice_mapping.map_invoice
on the credit note read as an invoice: its number, date, reason and lines), so a credit note's account and tax
mapping, tracking and contact choice are the invoice's own, and so are the pre-flight checks and the hints of
its failures (xero.export_preflight, failure_classifier). The credit note goes AUTHORISED (only an authorised
credit note can be allocated).

The look-up that cannot miss: the CreditNoteNumber is the app's own (CN-0001, ...: letters, a hyphen, digits),
unique among the sales credit notes in Xero, so `where=Type=="ACCRECCREDIT" AND CreditNoteNumber=="CN-0001"`
carries it verbatim (no character a where literal would need escaped). Ours is the one with that number (as Xero
compares numbers) and our total (to a cent a line, Xero's rounding).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from xero_python.accounting import CreditNote, CreditNotes
from xero_python.api_client.serializer import serialize

from invoice_desktop.ledger.credit_notes import CreditNoteDetail
from invoice_desktop.ledger.invoices import InvoiceDetail
from invoice_desktop.xero.invoice_lookup import ROUNDING_PER_LINE, xero_number_key
from invoice_desktop.xero.invoice_mapping import MappedInvoice, map_invoice
from invoice_desktop.xero.settings import XeroSettings
from invoice_desktop.xero.xero_cache import XeroCache

CREDIT_NOTE_TYPE = "ACCRECCREDIT"
_UNQUOTABLE = ('"', "\\")


@dataclass(frozen=True)
class MappedCreditNote:
    credit_note_id: int
    invoice_id: int  # the local invoice it credits
    number: str  # the credit note's number
    invoice_number: str
    total: Decimal
    as_invoice: MappedInvoice  # the invoice mapping of its lines and contact (pre-flight, hints)
    model: CreditNote

    @property
    def document_id(self) -> int:
        return self.credit_note_id

    def is_ours(self, found: Any) -> bool:
        """Whether a credit note Xero holds (SDK model) is this one: a sales credit note with our number and total."""
        kind = getattr(found, "type", None)
        number = str(getattr(found, "credit_note_number", "") or "")
        total = getattr(found, "total", None)
        if str(getattr(kind, "value", kind) or "") != CREDIT_NOTE_TYPE or total is None:
            return False
        close = abs(Decimal(str(total)) - self.total) <= ROUNDING_PER_LINE * max(1, len(self.as_invoice.lines))
        return xero_number_key(number) == xero_number_key(self.number) and close

    @property
    def where(self) -> str:
        """The look-up's where clause (the number needs no escape: lookup_problem says when one would)."""
        return f'Type=="{CREDIT_NOTE_TYPE}" AND CreditNoteNumber=="{self.number}"'


def lookup_problem(number: str) -> str:
    """Why a credit note number could not be looked up in Xero without a doubt, or ""."""
    if any(c in number for c in _UNQUOTABLE) or number != number.strip():
        return f"{number!r} cannot be looked up in Xero exactly (a quote, a backslash or surrounding spaces)"
    return ""


def map_credit_note(
    note: CreditNoteDetail, invoice: InvoiceDetail, settings: XeroSettings, cache: XeroCache | None,
    contact_id: str | None = None,
) -> MappedCreditNote:  # fmt: skip
    row = note.row
    as_invoice = map_invoice(
        replace(invoice, number=row.number, date=row.date, due_date=row.date, reference=row.reason, lines=note.lines,
                total=row.total, amounts_type=note.amounts_type, currency=note.currency),
        settings, cache, contact_id,
    )  # fmt: skip
    sent = as_invoice.model
    model = CreditNote(
        type=CREDIT_NOTE_TYPE,
        contact=sent.contact,
        date=row.date,
        status="AUTHORISED",
        line_amount_types=sent.line_amount_types,
        line_items=sent.line_items,
        currency_code=sent.currency_code,
        credit_note_number=row.number,
        reference=row.reason or None,
    )
    return MappedCreditNote(row.id, invoice.id, row.number, invoice.number, row.total, as_invoice, model)


def request_digest(credit_notes: list[CreditNote]) -> str:
    text = json.dumps(serialize(CreditNotes(credit_notes=credit_notes)), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
