"""What a company file holds from before the text rules (ledger.text) that they would now refuse: invoice numbers
that Xero reads as one (equal by ledger.invoices.number_key: NFC and case folded), client names likewise, and
invoice numbers, client names and references holding an invisible or control character. Reported (logged, and
returned for the window and the `invoices` command to show), never changed: which one to renumber, rename or
delete is the bookkeeper's decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from invoice_desktop.ledger.invoices import number_key
from invoice_desktop.ledger.text import fold, nfc, text_problem, visible
from invoice_desktop.store.models import Client, Invoice
from invoice_desktop.store.query_rows import tuple_rows

log = logging.getLogger(__name__)


def stored_text_warnings() -> list[str]:
    """One sentence per problem found, numbers first; [] for a clean company file. Each is logged as a warning."""
    invoices = list(tuple_rows(Invoice.select(Invoice.id, Invoice.number, Invoice.reference).order_by(Invoice.id)))
    clients = list(tuple_rows(Client.select(Client.id, Client.name).order_by(Client.id)))
    warnings = [
        *(
            f"Invoices {_listed(numbers)} have numbers that Xero reads as one (they differ only in case or in "
            "Unicode form): renumber or delete all but one before they are exported."
            for numbers in _alike((number for _, number, _ in invoices), number_key)
        ),
        *(
            f"Clients {_listed(names)} have names that Xero reads as one (they differ only in case or in Unicode "
            "form): rename one of them."
            for names in _alike((name for _, name in clients), fold)
        ),
        *_refused("Invoice number", (number for _, number, _ in invoices)),
        *_refused("Client name", (name for _, name in clients)),
        *(
            f"Invoice {visible(number)}'s reference {message}."
            for _, number, reference in invoices
            if (message := text_problem(reference))
        ),
    ]
    for warning in warnings:
        log.warning("company file: %s", warning)
    return warnings


def _alike(values: Iterable[str], key: Callable[[str], str]) -> list[list[str]]:
    """The groups of two or more different values that are equal by `key`."""
    groups: dict[str, list[str]] = {}
    for value in values:
        groups.setdefault(key(value), []).append(value)
    return [group for group in groups.values() if len(group) > 1]


def _refused(what: str, values: Iterable[str]) -> list[str]:
    return [f"{what} {visible(value)} {message}." for value in values if (message := text_problem(value))]


def _listed(values: list[str]) -> str:
    shown = [f"“{visible(v)}”" for v in values]
    if len({nfc(v) for v in values}) < len(values):  # spelled alike: tell them apart by their code points
        shown = [f"“{visible(v)}” ({' '.join(f'U+{ord(ch):04X}' for ch in v if not ch.isascii())})" for v in values]
    return ", ".join(shown[:-1]) + " and " + shown[-1]
