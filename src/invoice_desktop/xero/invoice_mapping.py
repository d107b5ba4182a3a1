"""A local approved invoice -> the xero-python `Invoice` model (docs/product.md §4, docs/xero-facts.md §0.5/§0.6, §5).

- Enum objects, never strings (`CurrencyCode.AUD`, `LineAmountTypes.EXCLUSIVE`); `date` objects, never datetimes.
- Account rule: the line's local account goes to the Xero account chosen for it in the mapping; unmapped, to the
  Xero account with the same code (when Xero's cached chart has it); else to the default income account.
- Tax rule: the tax mapping (local tax rate name -> Xero TaxType); unmapped, the Xero tax rate whose TaxType or
  name equals the local name; else the local name is sent as it is (Xero will say if it does not know it).
- Tracking: a line's tracking pairs whose category is one of the chosen tracking categories, by Name/Option.
- Status: from the destination setting (Draft / Awaiting Approval / Awaiting Payment).
- Contact: by ContactID when the client is linked, else by Name (Xero finds or creates it).

`MappedInvoice` keeps, per line, where the local account and tax rate went: the failure hints name them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from xero_python.accounting import Contact, CurrencyCode, Invoice, Invoices, LineAmountTypes, LineItem, LineItemTracking
from xero_python.api_client.serializer import serialize

from invoice_desktop.ledger.invoices import InvoiceDetail, LineDetail
from invoice_desktop.store.models import AmountsType
from invoice_desktop.xero.settings import XeroSettings
from invoice_desktop.xero.xero_cache import XeroCache

AMOUNTS = {
    AmountsType.EXCLUSIVE: LineAmountTypes.EXCLUSIVE,
    AmountsType.INCLUSIVE: LineAmountTypes.INCLUSIVE,
    AmountsType.NO_TAX: LineAmountTypes.NOTAX,
}


class AccountRule:
    MAPPED = "mapping"
    SAME_CODE = "same code in Xero"
    DEFAULT = "default income account"


@dataclass(frozen=True)
class LineMapping:
    position: int
    local_account: str  # "" when the line has no account
    xero_account: str
    account_rule: str
    local_tax: str  # the local tax rate's name, "" when none
    xero_tax_type: str  # "" when none is sent (Xero uses the account's default)
    tax_mapped: bool


@dataclass(frozen=True)
class MappedInvoice:
    """What will be sent for one local invoice, and how each line was mapped (for hints and pre-flight)."""

    invoice_id: int
    number: str
    client_name: str
    contact_id: str | None
    date: date
    total: Decimal
    lines: tuple[LineMapping, ...]
    model: Invoice
    currency: str = ""  # the invoice's own currency code as kept locally ("" for the organisation's)

    def line_for_account(self, xero_code: str) -> LineMapping | None:
        wanted = xero_code.strip().casefold()
        return next((m for m in self.lines if m.xero_account.casefold() == wanted), None)

    def line_for_tax(self, tax_type: str) -> LineMapping | None:
        wanted = tax_type.strip().casefold()
        by_type = next((m for m in self.lines if m.xero_tax_type.casefold() == wanted), None)
        return by_type or next((m for m in self.lines if m.local_tax.casefold() == wanted), None)


def map_account(local_code: str, settings: XeroSettings, cache: XeroCache | None) -> tuple[str, str]:
    """(Xero account code, which rule chose it) for a line's local account."""
    if local_code and local_code in settings.account_map:
        return settings.account_map[local_code], AccountRule.MAPPED
    if local_code and cache is not None and cache.account(local_code) is not None:
        return cache.account(local_code).code, AccountRule.SAME_CODE  # type: ignore[union-attr]
    if local_code and cache is None and not settings.income_account:
        return local_code, AccountRule.SAME_CODE
    return settings.income_account, AccountRule.DEFAULT


def map_tax(local_name: str, settings: XeroSettings, cache: XeroCache | None) -> tuple[str, bool]:
    """(Xero TaxType, whether the mapping chose it) for a line's local tax rate name."""
    if not local_name:
        return "", False
    if local_name in settings.tax_map:
        return settings.tax_map[local_name], True
    if cache is not None:
        rate = cache.tax_rate(local_name)
        if rate is not None:
            return rate.tax_type, False
    return local_name, False


def _tracking(line: LineDetail, settings: XeroSettings) -> list[LineItemTracking]:
    chosen = {name.casefold() for name in settings.tracking}
    pairs = ((line.tracking1_name, line.tracking1_option), (line.tracking2_name, line.tracking2_option))
    return [
        LineItemTracking(name=name, option=option)
        for name, option in pairs
        if name and option and name.casefold() in chosen
    ]


def _line(line: LineDetail, settings: XeroSettings, cache: XeroCache | None) -> tuple[LineItem, LineMapping]:
    xero_account, rule = map_account(line.account_code, settings, cache)
    tax_type, tax_mapped = map_tax(line.tax_rate_name, settings, cache)
    item = LineItem(
        description=line.description or None,
        quantity=line.quantity,
        unit_amount=line.unit_amount,
        account_code=xero_account or None,
        tax_type=tax_type or None,
        item_code=line.item_code or None,
        discount_rate=line.discount_rate,
        tax_amount=line.tax_amount_override,
        tracking=_tracking(line, settings) or None,
    )
    mapping = LineMapping(
        position=line.position,
        local_account=line.account_code,
        xero_account=xero_account,
        account_rule=rule,
        local_tax=line.tax_rate_name,
        xero_tax_type=tax_type,
        tax_mapped=tax_mapped,
    )
    return item, mapping


def currency(code: str) -> CurrencyCode | None:
    if not code:
        return None
    try:
        return CurrencyCode(code.strip().upper())
    except ValueError:
        return None


def map_invoice(
    detail: InvoiceDetail, settings: XeroSettings, cache: XeroCache | None, contact_id: str | None = None
) -> MappedInvoice:
    """The SDK model of `detail`; `contact_id` (else the client's link) picks the contact, else its name."""
    linked = contact_id or detail.client.xero_contact_id
    items_and_maps = [_line(line, settings, cache) for line in detail.lines]
    model = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=linked) if linked else Contact(name=detail.client.name),
        line_items=[item for item, _ in items_and_maps],
        date=detail.date,
        due_date=detail.due_date,
        line_amount_types=AMOUNTS[detail.amounts_type],
        invoice_number=detail.number,
        reference=detail.reference or None,
        currency_code=currency(detail.currency),
        status=settings.destination.xero_status,
    )
    return MappedInvoice(
        invoice_id=detail.id,
        number=detail.number,
        client_name=detail.client.name,
        contact_id=linked,
        date=detail.date,
        total=detail.total,
        lines=tuple(m for _, m in items_and_maps),
        model=model,
        currency=detail.currency.strip().upper(),
    )


def request_body(invoices: list[Invoice]) -> dict[str, Any]:
    """The JSON the SDK sends for these invoices (PUT /Invoices)."""
    return serialize(Invoices(invoices=invoices))


def request_digest(invoices: list[Invoice]) -> str:
    """A fingerprint of a batch's request, so a replay of its Idempotency-Key is only tried for the same body."""
    text = json.dumps(request_body(invoices), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
