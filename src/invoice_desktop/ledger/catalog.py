"""Clients, accounts and tax rates: look-ups by name or code, get-or-create, and plain lists for the UI.

Names are matched exactly first (in NFC), then as Xero compares them (ledger.text.fold: NFC and case folded), so
"acme ltd" on a CSV row finds the client "Acme Ltd" rather than creating a twin. A name or code given here is
kept in NFC and refused when it holds an invisible or control character (ledger.text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TypeVar

from peewee import Field

from invoice_desktop.ledger.errors import LedgerError, Problem
from invoice_desktop.ledger.money import decimal_places
from invoice_desktop.ledger.text import fold, nfc, text_problem
from invoice_desktop.store.engine import NoCase
from invoice_desktop.store.models import Account, AutoIdModel, Client, InvoiceLine, TaxRate
from invoice_desktop.store.query_rows import tuple_rows

_Named = TypeVar("_Named", Client, Account, TaxRate)  # the catalogues found by name (or code)

# Xero's standard tax rates, by the display name Xero shows (AU, NZ, UK), as percentages.
XERO_STANDARD_TAX_RATES: dict[str, Decimal] = {
    # Australia
    "GST on Income": Decimal(10),
    "GST Free Income": Decimal(0),
    "BAS Excluded": Decimal(0),
    "GST on Expenses": Decimal(10),
    "GST Free Expenses": Decimal(0),
    # New Zealand
    "15% GST on Income": Decimal(15),
    "Zero Rated": Decimal(0),
    "No GST": Decimal(0),
    # United Kingdom
    "20% (VAT on Income)": Decimal(20),
    "5% (VAT on Income)": Decimal(5),
    "Zero Rated Income": Decimal(0),
    "Exempt Income": Decimal(0),
    "No VAT": Decimal(0),
    # Everywhere
    "Tax Exempt": Decimal(0),
}
_STANDARD_BY_FOLDED_NAME = {name.casefold(): rate for name, rate in XERO_STANDARD_TAX_RATES.items()}
# A percentage written in a name: "GST 9%", "Tax -10%", "VAT 12,5%". Any dash before it is read as a minus sign.
_PERCENT_IN_NAME = re.compile(r"([-\u2010-\u2015\u2212\ufe63\uff0d]\s*)?\+?([0-9]+(?:[.,][0-9]+)?)\s*%")
MAX_TAX_RATE = Decimal(100)  # a rate must be below it
TAX_RATE_PLACES = 4  # as TaxRate.rate keeps it
_CREATE_FIRST = "create that tax rate with its rate first, then import again"


@dataclass(frozen=True)
class ClientDetails:
    """Contact details of a client (all optional)."""

    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    address_line3: str = ""
    address_line4: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class ClientInfo:
    id: int
    name: str
    details: ClientDetails
    xero_contact_id: str | None


@dataclass(frozen=True)
class AccountInfo:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class TaxRateInfo:
    id: int
    name: str
    rate: Decimal  # percent


@dataclass(frozen=True)
class RateReading:
    """What a tax rate's name says about its rate: a rate, a problem (the name shows a rate that cannot be one, or
    more than one), or neither (the name does not show a rate)."""

    rate: Decimal | None = None
    problem: str = ""


# --- clients ---------------------------------------------------------------------------------------------


def find_client(name: str) -> ClientInfo | None:
    row = _find_by_name(Client, Client.name, name)
    return None if row is None else _client_info(row)


def get_or_create_client(name: str, details: ClientDetails | None = None) -> tuple[ClientInfo, bool]:
    """The client of that name, created (with `details`) when there is none. An existing client is not changed."""
    name = _required(name, "client_name", "a client is required")
    row = _find_by_name(Client, Client.name, name)
    if row is not None:
        return _client_info(row), False
    values = {f.name: nfc(getattr(details, f.name)).strip() for f in fields(ClientDetails)} if details else {}
    return _client_info(Client.create(name=name, **values)), True


def get_client(client_id: int) -> ClientInfo:
    row = Client.get_or_none(Client.id == client_id)
    if row is None:
        raise LedgerError(f"There is no client with id {client_id}.")
    return _client_info(row)


def list_clients() -> list[ClientInfo]:
    return [_client_info(row) for row in Client.select().order_by(NoCase(Client.name))]


def _client_info(row: Client) -> ClientInfo:
    details = ClientDetails(**{f.name: getattr(row, f.name) for f in fields(ClientDetails)})
    return ClientInfo(id=row.id, name=row.name, details=details, xero_contact_id=row.xero_contact_id)


# --- accounts --------------------------------------------------------------------------------------------


def find_account(code: str) -> AccountInfo | None:
    row = _find_by_name(Account, Account.code, code)
    return None if row is None else _account_info(row)


def get_or_create_account(code: str, name: str = "") -> tuple[AccountInfo, bool]:
    """The account with that code; a new one is named after its code until renamed."""
    code = _required(code, "account_code", "an account code is required")
    row = _find_by_name(Account, Account.code, code)
    if row is not None:
        return _account_info(row), False
    return _account_info(Account.create(code=code, name=nfc(name).strip() or code)), True


def rename_account(code: str, name: str) -> AccountInfo:
    name = _required(name, "name", "an account name is required")
    row = _find_by_name(Account, Account.code, code)
    if row is None:
        raise LedgerError(Problem("account_code", f"there is no account with code '{code}'"))
    row.name = name
    row.save()
    return _account_info(row)


def list_accounts() -> list[AccountInfo]:
    return [_account_info(row) for row in Account.select().order_by(Account.code)]


def _account_info(row: Account) -> AccountInfo:
    return AccountInfo(id=row.id, code=row.code, name=row.name)


# --- tax rates -------------------------------------------------------------------------------------------


def find_tax_rate(name: str) -> TaxRateInfo | None:
    row = _find_by_name(TaxRate, TaxRate.name, name)
    return None if row is None else _tax_rate_info(row)


def create_tax_rate(name: str, rate: Decimal) -> TaxRateInfo:
    name = _required(name, "tax_rate_name", "a tax rate name is required")
    problem = tax_rate_problem(rate)
    if problem:
        raise LedgerError(Problem("tax_rate", problem))
    if _find_by_name(TaxRate, TaxRate.name, name) is not None:
        raise LedgerError(Problem("tax_rate_name", f"there is already a tax rate named '{name}'"))
    return _tax_rate_info(TaxRate.create(name=name, rate=rate))


def list_tax_rates() -> list[TaxRateInfo]:
    return [_tax_rate_info(row) for row in TaxRate.select().order_by(NoCase(TaxRate.name))]


def last_tax_rate_for_account(code: str) -> str | None:
    """The tax rate of the company's latest invoice line on account `code` (its own default), or None."""
    row = (
        InvoiceLine.select(TaxRate.name)
        .join(TaxRate)
        .switch(InvoiceLine)
        .join(Account)
        .where(Account.code == code)
        .order_by(InvoiceLine.id.desc())
        .first()
    )
    return row.tax_rate.name if row is not None else None


def tax_rate_problem(rate: Decimal) -> str:
    """Why `rate` (a percentage) cannot be a tax rate, or "" (tax_rate_reason)."""
    reason = tax_rate_reason(rate)
    return f"{rate}% is not a tax rate: {reason}" if reason else ""


def tax_rate_reason(rate: Decimal) -> str:
    """The rule `rate` breaks, or "": a tax rate is from 0% up to, not including, 100%, with at most
    TAX_RATE_PLACES decimal places. The one rule for every rate, however it was read (typed, named, derived)."""
    if not rate.is_finite():
        return "a tax rate is a number"
    if rate < 0:
        return "a tax rate cannot be negative"
    if rate >= MAX_TAX_RATE:
        return f"a tax rate must be less than {MAX_TAX_RATE}%"
    if decimal_places(rate) > TAX_RATE_PLACES:
        return f"a tax rate has at most {TAX_RATE_PLACES} decimal places"
    return ""


def read_rate_in_name(name: str) -> RateReading:
    """The rate of a Xero standard tax rate display name, else the percentage written in the name ("GST 9%").
    A name showing a rate that cannot be one ("Tax -10%", "Tax 200%", "VAT 12,5%") or several different ones
    ("GST 5% + PST 7%") gives a problem naming it, never another rate."""
    known = _STANDARD_BY_FOLDED_NAME.get(name.strip().casefold())
    if known is not None:
        return RateReading(known)
    shown = _PERCENT_IN_NAME.findall(name)
    if not shown:
        return RateReading()
    if any("," in digits for _, digits in shown):
        written = next(digits for _, digits in shown if "," in digits)
        return RateReading(
            problem=f"the name shows {written}%: write its rate with a decimal point, or {_CREATE_FIRST}"
        )
    rates = list(dict.fromkeys(-Decimal(digits) if minus else Decimal(digits) for minus, digits in shown))
    if len(rates) > 1:
        listed = ", ".join(f"{rate}%" for rate in rates)
        return RateReading(problem=f"the name shows more than one rate ({listed}): {_CREATE_FIRST}")
    rate = rates[0]
    reason = tax_rate_reason(rate)
    if reason:
        if rate < 0:
            reason += " (a dash before the figure is read as a minus sign)"
        return RateReading(problem=f"the name shows a rate of {rate}%, but {reason}: {_CREATE_FIRST}")
    return RateReading(rate)


def standard_tax_rate(name: str) -> Decimal | None:
    """The rate a tax rate's name shows (read_rate_in_name), or None when it shows none or one that cannot be."""
    return read_rate_in_name(name).rate


def _tax_rate_info(row: TaxRate) -> TaxRateInfo:
    return TaxRateInfo(id=row.id, name=row.name, rate=row.rate)


# --- shared ----------------------------------------------------------------------------------------------


class NameIndex:
    """Every row's id of a model by its name (or code), read once: finds names as `_find_by_name` does (exactly,
    else by fold when that is unambiguous) for a caller with many names to look up (the CSV import)."""

    def __init__(self, model: type[AutoIdModel], column: Field) -> None:
        self.exact: dict[str, int] = {}
        self.folded: dict[str, list[int]] = {}
        for row_id, name in tuple_rows(model.select(model.id, column)):
            self.exact[name] = row_id
            self.folded.setdefault(fold(name), []).append(row_id)

    def find(self, name: str) -> int | None:
        name = nfc(name).strip()
        if name in self.exact:
            return self.exact[name]
        matches = self.folded.get(fold(name), [])
        return matches[0] if len(matches) == 1 else None


def _find_by_name(model: type[_Named], column: Field, value: str) -> _Named | None:
    value = nfc(value).strip()
    if not value:
        return None
    row = model.get_or_none(column == value)
    if row is None:  # accept a case-insensitive match only when it is unambiguous
        matches = same_name(model, column, value)
        row = matches[0] if len(matches) == 1 else None
    return row


def same_name(model: type[_Named], column: Field, value: str, except_id: int | None = None) -> list[_Named]:
    """The rows (but row `except_id`) whose `column` equals `value` as Xero compares names (ledger.text.fold: NFC,
    case folded): "ŌTAKI CAFÉ" is "Ōtaki Café" in either Unicode form (SQLite's lower() folds ASCII only). The one
    matcher of names ignoring case, for the lookups here and for the clients' uniqueness check (ledger.clients)."""
    folded = fold(value.strip())
    query = model.select()
    if except_id is not None:
        query = query.where(model.id != except_id)
    return [row for row in query if fold(getattr(row, column.name)) == folded]


def _required(value: str, field: str, message: str) -> str:
    """The value as kept (NFC, stripped); LedgerError when it is empty or holds a refused character."""
    value = nfc(value or "").strip()
    if not value:
        raise LedgerError(Problem(field, message))
    if problem := text_problem(value):
        raise LedgerError(Problem(field, problem))
    return value
