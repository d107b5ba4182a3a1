"""Keeping the client list: create, edit, delete (only a client without invoices) and search, with the figures the
Clients list shows (how many invoices, how much is awaiting payment).

Names are unique as Xero compares them (ledger.text.fold: NFC, case folded) so "ŌTAKI CAFÉ" is the same client as
"Ōtaki Café" in either Unicode form (SQLite's own case folding stops at ASCII). Every field is kept in NFC and
refused when it holds an invisible or control character (ledger.text). A client linked to a Xero contact
(`xero_contact_id`) may be renamed: the link is kept, invoices keep going to that contact, and the contact itself is
not renamed in Xero.

Every function checks everything first and raises `LedgerError` listing each problem; nothing is written then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, cast

from peewee import JOIN, Case, IntegrityError, fn

from invoice_desktop.ledger.catalog import ClientDetails, ClientInfo, _client_info, same_name
from invoice_desktop.ledger.errors import LedgerError, Problem
from invoice_desktop.ledger.text import fold, nfc, text_problem
from invoice_desktop.store.engine import NoCase
from invoice_desktop.store.models import Client, Invoice, InvoiceStatus, database_proxy

# How a client's fields are named next to a problem (Problem.field is the Client column's name).
CLIENT_FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "email": "Email",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "address_line3": "Address line 3",
    "address_line4": "Address line 4",
    "city": "City",
    "region": "Region",
    "postal_code": "Postal code",
    "country": "Country",
}

# Xero's limits on a contact's fields: longer values would be refused at export.
MAX_LENGTHS: dict[str, int] = {
    "name": 255,
    "email": 255,
    **{f"address_line{n}": 500 for n in range(1, 5)},
    "city": 255,
    "region": 255,
    "postal_code": 50,
    "country": 50,
}

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


@dataclass(frozen=True)
class ClientSummary:
    """A row of the Clients list."""

    client: ClientInfo
    invoice_count: int
    outstanding: Decimal  # awaiting payment (overdue included): totals less what has been paid

    @property
    def id(self) -> int:
        return self.client.id

    @property
    def name(self) -> str:
        return self.client.name

    @property
    def linked_in_xero(self) -> bool:
        return bool(self.client.xero_contact_id)


def describe(problem: Problem) -> str:
    """'Email: ...' — a client problem in words, with its field's label."""
    label = CLIENT_FIELD_LABELS.get(problem.field, "")
    return f"{label}: {problem.message}" if label else problem.message


def client_problems(name: str, details: ClientDetails, client_id: int | None = None) -> list[Problem]:
    """What is wrong with saving `name` and `details` (as client `client_id`, or a new client); [] when fine."""
    name = nfc(name).strip()
    problems: list[Problem] = []
    if not name:
        problems.append(Problem("name", "a client needs a name"))
    else:
        twin = _same_name(name, client_id)
        if twin is not None:
            problems.append(Problem("name", f"there is already a client named “{twin.name}”"))
    return problems + client_field_problems(name, details)


def client_field_problems(name: str, details: ClientDetails) -> list[Problem]:
    """What is wrong with the fields themselves (characters, email, Xero's lengths), without looking at the other
    clients: also for the clients a CSV import creates, row by row."""
    details = _stripped(details)
    values = {"name": nfc(name).strip(), **{f.name: getattr(details, f.name) for f in fields(ClientDetails)}}
    problems = [Problem(field, problem) for field, value in values.items() if (problem := text_problem(value))]
    email = details.email
    if email and not _EMAIL.fullmatch(email):
        problems.append(Problem("email", f"“{email}” is not an email address (like name@example.com)"))
    for field, limit in MAX_LENGTHS.items():
        if len(values[field]) > limit:
            problems.append(Problem(field, f"at most {limit} characters (Xero's limit); this has {len(values[field])}"))
    return problems


def create_client(name: str, details: ClientDetails | None = None) -> ClientInfo:
    details = details or ClientDetails()
    with database_proxy.atomic():
        _check(name, details, None)
        try:
            row = Client.create(name=nfc(name).strip(), **_values(details))
        except IntegrityError as exc:  # another process took the name in between
            raise LedgerError(Problem("name", f"there is already a client named “{name.strip()}”")) from exc
    return _client_info(row)


def update_client(client_id: int, name: str, details: ClientDetails) -> ClientInfo:
    """Change a client's name and details. Its invoices follow (they refer to the client, not its name); a
    Xero contact link is kept as it is."""
    with database_proxy.atomic():
        row = _get(client_id)
        _check(name, details, client_id)
        try:
            Client.update(name=nfc(name).strip(), **_values(details)).where(Client.id == client_id).execute()
        except IntegrityError as exc:
            raise LedgerError(Problem("name", f"there is already a client named “{name.strip()}”")) from exc
    return _client_info(_get(row.id))


def delete_problems(client_id: int) -> list[Problem]:
    """Why the client cannot be deleted ([] when it can): a client with invoices stays, as its invoices need it."""
    row = _get(client_id)
    count = Invoice.select().where(Invoice.client == client_id).count()
    if not count:
        return []
    invoices = "1 invoice" if count == 1 else f"{count:,} invoices"
    return [Problem("", f"“{row.name}” has {invoices} and cannot be deleted: every invoice keeps its client.")]


def delete_client(client_id: int) -> str:
    """Delete a client that has no invoices; returns its name. A client with invoices is refused."""
    with database_proxy.atomic():
        row = _get(client_id)
        problems = delete_problems(client_id)
        if problems:
            raise LedgerError(problems)
        row.delete_instance()
    return row.name


def search_clients(term: str = "") -> list[ClientSummary]:
    """Clients whose name, email or city contains `term` (ignoring case), by name; every client for ''."""
    wanted = fold(term.strip())
    awaiting = Case(
        None, [(Invoice.status == InvoiceStatus.AWAITING_PAYMENT.value, Invoice.total - Invoice.amount_paid)], 0
    )
    query = (
        Client.select(
            Client,
            fn.COUNT(Invoice.id).alias("invoice_count"),
            fn.COALESCE(fn.SUM(awaiting), 0).coerce(False).alias("outstanding_cents"),
        )
        .join(Invoice, JOIN.LEFT_OUTER, on=(Invoice.client == Client.id))
        .group_by(Client.id)
        .order_by(NoCase(Client.name), Client.id)
    )
    summaries = []
    for row in cast("Iterable[Any]", query):  # each a Client with its two aggregates as attributes
        if wanted and not any(wanted in fold(value) for value in (row.name, row.email, row.city)):
            continue
        outstanding = Invoice.total.python_value(row.outstanding_cents) or Decimal("0.00")
        summaries.append(ClientSummary(_client_info(row), row.invoice_count, outstanding))
    return summaries


def _check(name: str, details: ClientDetails, client_id: int | None) -> None:
    problems = client_problems(name, details, client_id)
    if problems:
        raise LedgerError(problems)


def _same_name(name: str, client_id: int | None) -> Client | None:
    """Another client whose name is `name` ignoring case (a client keeps its own name, in any case)."""
    if client_id is not None:
        current = Client.get_or_none(Client.id == client_id)
        if current is not None and current.name == name:
            return None  # unchanged: twins made before this rule existed stay editable
    return next(iter(same_name(Client, Client.name, name, client_id)), None)


def _stripped(details: ClientDetails) -> ClientDetails:
    return ClientDetails(**{f.name: nfc(getattr(details, f.name) or "").strip() for f in fields(ClientDetails)})


def _values(details: ClientDetails) -> dict[str, str]:
    stripped = _stripped(details)
    return {f.name: getattr(stripped, f.name) for f in fields(ClientDetails)}


def _get(client_id: int) -> Client:
    row = Client.get_or_none(Client.id == client_id)
    if row is None:
        raise LedgerError(f"There is no client with id {client_id}; it may have been deleted.")
    return row
