"""Finding our invoices in Xero by number, by a look-up that cannot miss (docs/xero-facts.md §5.1).

The exactly-once rule leans on this: after a lost reply, or when Xero answers "Invoice # must be unique.", the
engine asks Xero which sales invoices carry the numbers it sent, and links what is ours instead of sending again.
A look-up that silently misses would let the engine (or a bookkeeper following its advice to renumber) put a second
copy in Xero, so each number goes by a query form that carries it verbatim:

- ``InvoiceNumbers=a,b,c`` for plain numbers. Xero splits that parameter on commas, so a number with a comma
  cannot go this way; nor can one with leading or trailing spaces (a list element may be trimmed).
- ``where=InvoiceNumber=="..."`` for numbers with a comma (or an apostrophe, which needs no escaping either).
  Inside a where string literal a ``"`` or ``\\`` needs an escape, and how Xero's where parser escapes them
  (backslash or a doubled quote: both exist among Dynamic LINQ parsers) is not documented, so those are never put
  in a where literal.
- Everything else (a ``"``, a ``\\``, surrounding spaces, a control character): every sales invoice Xero holds
  on the invoice's date, ``where=Type=="ACCREC" AND Date==DateTime(y,m,d)``, page by page, filtered here.

Every answer is read to its last page and filtered here by the number as Xero compares numbers
(ledger.invoices.number_key). A number is *certain* only when every query it needed was answered in full; when a
query fails the failure is returned for it, and the caller must not send that invoice again (it stays unresolved).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from invoice_desktop.ledger.invoices import number_key
from invoice_desktop.xero.failure_classifier import Failure
from invoice_desktop.xero.invoice_mapping import MappedInvoice

log = logging.getLogger(__name__)

PAGE_SIZE = 1000  # Xero's largest page (docs/xero-facts.md §3)
NUMBERS_PER_CALL = 25  # keeps the query string well under any proxy's URL limit
SALES = 'Type=="ACCREC"'
GONE_STATUSES = ("VOIDED", "DELETED")
# Xero works tax out per line and rounds it to the cent (docs/xero-facts.md §5.3), so an invoice whose total we
# worked out another way can differ from Xero's by at most a cent a line. That is the tolerance for "same total".
ROUNDING_PER_LINE = Decimal("0.01")


def xero_number_key(number: str) -> str:
    """A number as Xero compares numbers (ledger.invoices.number_key), surrounding spaces aside (Xero may trim)."""
    return number_key(number).strip()


@dataclass(frozen=True)
class Wanted:
    """A number to look for, and the date it was sent with (for the date-filtered read)."""

    number: str
    date: date


@dataclass
class Lookup:
    """Xero's sales invoices by number_key; `failed` holds the numbers (their keys) whose query did not complete."""

    found: dict[str, list[Any]] = field(default_factory=dict)
    failed: dict[str, Failure] = field(default_factory=dict)
    calls: int = 0

    def invoices(self, number: str) -> list[Any]:
        return self.found.get(xero_number_key(number), [])

    def failure(self, number: str) -> Failure | None:
        return self.failed.get(xero_number_key(number))


def query_form(number: str) -> str:
    """Which query carries `number` verbatim: "numbers", "where" or "date" (see the module docstring)."""
    if number != number.strip() or any(_unprintable(c) for c in number) or '"' in number or "\\" in number:
        return "date"
    if "," in number:
        return "where"
    return "numbers"


def _unprintable(char: str) -> bool:
    return unicodedata.category(char)[0] in ("C", "Z") and char != " "


# One GET /Invoices page: (query arguments for the SDK's get_invoices) -> the SDK's reply, or a Failure.
PageReader = Callable[[dict[str, Any]], Any]


def look_up(wanted: Iterable[Wanted], read_page: PageReader) -> Lookup:
    """Look every wanted number up in Xero (see the module docstring); `read_page` makes one call."""
    result = Lookup()
    by_form: dict[str, list[Wanted]] = {"numbers": [], "where": [], "date": []}
    for item in {xero_number_key(w.number): w for w in wanted}.values():
        by_form[query_form(item.number)].append(item)
    for chunk in _chunks(by_form["numbers"], NUMBERS_PER_CALL):
        _run(result, chunk, {"invoice_numbers": [w.number for w in chunk]}, read_page)
    for chunk in _chunks(by_form["where"], NUMBERS_PER_CALL):
        literals = " OR ".join(f'InvoiceNumber=="{w.number}"' for w in chunk)
        _run(result, chunk, {"where": f"{SALES} AND ({literals})"}, read_page)
    by_date: dict[date, list[Wanted]] = {}
    for item in by_form["date"]:
        by_date.setdefault(item.date, []).append(item)
    for day, items in sorted(by_date.items()):
        where = f"{SALES} AND Date==DateTime({day.year}, {day.month:02d}, {day.day:02d})"
        _run(result, items, {"where": where}, read_page)
    return result


def _run(result: Lookup, items: Sequence[Wanted], query: dict[str, Any], read_page: PageReader) -> None:
    """Read every page of one query; keep the sales invoices whose number is one of `items`."""
    keys = {xero_number_key(w.number) for w in items}
    page = 1
    seen: list[Any] = []
    while True:
        result.calls += 1
        reply = read_page({**query, "page": page, "page_size": PAGE_SIZE})
        if isinstance(reply, Failure):
            log.info("look-up of %d invoice numbers in Xero failed: %s", len(keys), reply.message)
            for key in keys:
                result.failed[key] = reply
            return
        invoices = list(getattr(reply, "invoices", None) or [])
        seen.extend(invoices)
        if len(invoices) < PAGE_SIZE:
            break
        page += 1
    for invoice in seen:
        if not str(getattr(invoice, "type", "") or "").endswith("ACCREC"):
            continue
        key = xero_number_key(str(getattr(invoice, "invoice_number", "") or ""))
        if key in keys:
            found = result.found.setdefault(key, [])
            if all(str(i.invoice_id) != str(invoice.invoice_id) for i in found):
                found.append(invoice)


def _chunks(items: list[Wanted], size: int) -> Iterable[list[Wanted]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- is it ours? ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ownership:
    """The Xero invoice that is ours among the candidates (None: none is), and the rule that decided, in words
    for the attempt history."""

    invoice: Any | None
    rule: str


def whose(mapped: MappedInvoice, candidates: Sequence[Any]) -> Ownership:
    """Ours: not voided or deleted, the same number as Xero compares them, the same ContactID (or, sent by name,
    the same contact name), the same currency, and a total within Xero's rounding of ours (ROUNDING_PER_LINE)."""
    reasons: list[str] = []
    for invoice in candidates:
        rule = _ours_by(mapped, invoice)
        if rule.startswith("ours"):
            return Ownership(invoice, rule)
        reasons.append(rule)
    return Ownership(None, "; ".join(reasons) or "Xero has no sales invoice with this number")


def _ours_by(mapped: MappedInvoice, invoice: Any) -> str:
    status = str(getattr(invoice, "status", "") or "").upper().rsplit(".", 1)[-1]
    if status in GONE_STATUSES:
        return f"Xero's {invoice.invoice_number} is {status.lower()}"
    if xero_number_key(str(invoice.invoice_number or "")) != xero_number_key(mapped.number):
        return f"Xero's number {invoice.invoice_number!r} is another number"
    contact = getattr(invoice, "contact", None)
    contact_id = str(getattr(contact, "contact_id", "") or "").lower()
    contact_name = str(getattr(contact, "name", "") or "")
    if mapped.contact_id and contact_id == mapped.contact_id.lower():
        by_contact = "ContactID"
    elif contact_name and number_key(contact_name).strip() == number_key(mapped.client_name).strip():
        by_contact = "contact name"
    else:
        return f"Xero's {invoice.invoice_number} is for another contact ({contact_name or contact_id or '?'})"
    currency = _code(getattr(invoice, "currency_code", None))
    if mapped.currency and currency and currency != mapped.currency.upper():
        return f"Xero's {invoice.invoice_number} is in {currency}, ours in {mapped.currency.upper()}"
    if getattr(invoice, "total", None) is None:
        return f"Xero's {invoice.invoice_number} shows no total"
    difference = abs(Decimal(str(invoice.total)) - mapped.total)
    tolerance = ROUNDING_PER_LINE * max(1, len(mapped.lines))
    if difference > tolerance:
        return f"Xero's {invoice.invoice_number} totals {invoice.total}, ours {mapped.total}"
    how = "exactly" if difference == 0 else f"within {difference} (Xero's rounding: up to {tolerance})"
    return f"ours: same number, same {by_contact}, total {invoice.total} {how}"


def _code(value: Any) -> str:
    text = getattr(value, "value", value)
    return str(text or "").upper()


def describe(invoice: Any) -> str:
    """Xero's invoice in a bookkeeper's words: its contact, date, total and status."""
    contact = getattr(getattr(invoice, "contact", None), "name", None) or "an unnamed contact"
    when = getattr(invoice, "date", None)
    day = f", dated {when.day} {when:%b %Y}" if isinstance(when, date) else ""
    total = getattr(invoice, "total", None)
    money = f", total {total} {_code(getattr(invoice, 'currency_code', None))}".rstrip() if total is not None else ""
    status = str(getattr(invoice, "status", "") or "").rsplit(".", 1)[-1].lower()
    state = f" ({status})" if status else ""
    return f"Xero's {invoice.invoice_number} is for {contact}{day}{money}{state}"
