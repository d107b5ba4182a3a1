"""The rows of the Xero Exports tab's Failed and Synced lists (and of `xero failed` / `xero synced`), and a row's
key: (type, id) as one int. Plain values, shared by export_actions, failed_pages and synced_pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.xero.export_results import ExportOutcome


@dataclass(frozen=True)
class FailedRow:
    invoice_id: int
    number: str
    client: str
    total: str
    category: FailureCategory | None
    messages: tuple[str, ...]
    hint: str
    attempts: int
    last_attempt: datetime | None
    next_retry_at: datetime | None
    note: str = ""
    unconfirmed: bool = False  # sent, its reply never came: looked up in Xero before it is sent again
    kind: str = "invoice"  # "invoice" | "payment" (a payment recorded here: `number` is its invoice's)
    payment_id: int | None = None  # | "credit_note" (`number` is the credit note's, `invoice_id` its invoice's)
    credit_note_id: int | None = None

    @property
    def title(self) -> str:
        return self.category.title if self.category else ""

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "number": self.number,
            "category": self.category.value if self.category else None,
            "title": self.title,
            "message": " ".join(self.messages),
            "hint": self.hint,
            "attempts": self.attempts,
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
            "note": self.note or None,
            "unconfirmed": self.unconfirmed,
        }


@dataclass(frozen=True)
class SyncedRow:
    invoice_id: int
    number: str
    client: str
    total: str
    xero_invoice_id: str
    synced_at: datetime | None
    note: str
    warnings: tuple[str, ...] = ()  # what Xero warned about when it created the invoice
    kind: str = "invoice"  # "invoice" | "payment" (then xero_invoice_id holds Xero's PaymentID)
    payment_id: int | None = None  # | "credit_note" (then xero_invoice_id holds Xero's CreditNoteID)
    credit_note_id: int | None = None
    invoice_xero_id: str = ""  # the Xero InvoiceID of the invoice (a payment's or credit note's: its invoice)

    @property
    def xero_page_id(self) -> str:
        """The Xero invoice whose page shows this row in Xero (a payment or credit note is shown on its invoice's
        page, where Xero lists what was paid and credited)."""
        return self.xero_invoice_id if self.kind == "invoice" else self.invoice_xero_id

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.kind,
            "number": self.number,
            "xero_invoice_id": self.xero_invoice_id,
            "synced_at": self.synced_at.isoformat() if self.synced_at else None,
            "warnings": list(self.warnings),
        }


# --- a row's key: (type, id) -------------------------------------------------------------------------------------
#
# The Failed and Synced lists hold invoices, payments and credit notes, whose ids may be equal: a row is known by
# (type, id), carried as one int so the tables' ticks, lookups and the worker's reports keep their int keys: an
# invoice's row by its invoice id (as before payments were listed), a payment's by its payment id negated (ids
# start at 1), a credit note's by its id plus CREDIT_NOTE_KEYS, negated (no payment id comes near 2**40).
CREDIT_NOTE_KEYS = 1 << 40


def row_key(kind: str, invoice_id: int, payment_id: int | None, credit_note_id: int | None = None) -> int:
    """The row key of an invoice (`kind` "invoice"), of a payment recorded here ("payment", its payment id) or of
    a credit note ("credit_note", its id)."""
    if kind == "payment":
        assert payment_id is not None and 0 < payment_id < CREDIT_NOTE_KEYS
        return -payment_id
    if kind == "credit_note":
        assert credit_note_id is not None and credit_note_id > 0
        return -(CREDIT_NOTE_KEYS + credit_note_id)
    return invoice_id


def key_of(row: FailedRow | SyncedRow | ExportOutcome) -> int:
    return row_key(row.kind, row.invoice_id, row.payment_id, row.credit_note_id)


def payment_key(payment_id: int) -> int:
    return row_key("payment", 0, payment_id)


def credit_note_key(credit_note_id: int) -> int:
    return row_key("credit_note", 0, None, credit_note_id)


def split_keys(keys: Iterable[int]) -> tuple[list[int], list[int], list[int]]:
    """Row keys -> (invoice ids, payment ids, credit note ids), each in the order given."""
    listed = list(keys)
    return (
        [k for k in listed if k > 0],
        [-k for k in listed if -CREDIT_NOTE_KEYS < k < 0],
        [-k - CREDIT_NOTE_KEYS for k in listed if k <= -CREDIT_NOTE_KEYS],
    )
