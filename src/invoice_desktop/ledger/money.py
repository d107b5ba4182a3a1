"""Money arithmetic exactly as Xero does it (docs/xero-facts.md §5.3).

- Amounts are Decimal, never float.
- LineAmount = Quantity x UnitAmount x (100 - DiscountRate) / 100, rounded half-up to cents.
- Tax is worked out per line and rounded half-up to cents, then the lines' taxes are summed
  ("Xero calculates tax on a per line basis, rounding to two decimal places, and then sums").
- Exclusive: tax = LineAmount x rate; SubTotal = sum of LineAmounts; Total = SubTotal + TotalTax.
- Inclusive: the LineAmount already holds the tax: tax = LineAmount - LineAmount / (1 + rate);
  Total = sum of LineAmounts; SubTotal = Total - TotalTax.
- NoTax: no tax at all.
- A line may carry its own tax amount (Xero's TaxAmount override); it is used as given.

`amounts` may be an AmountsType or its value ("inclusive"): both mean the same everywhere here.

Limits (checked wherever a figure enters the ledger: the editor, a draft, the CSV import): every amount of money
(a line's amount, tax and tax override, an invoice's totals) is under MAX_MONEY, 1,000,000,000,000 with 2 decimal
places; a quantity and a unit price are under MAX_QUANTITY / MAX_UNIT_AMOUNT, 100,000,000,000 with 4. So every
figure has at most 15 significant digits: it fits the company file's scaled integers (store.fields) many times
over, stays exact in this module's Decimal arithmetic, and survives the float that the xero-python SDK turns each
Decimal into on its way to Xero (15 digits round-trip exactly through a float; Xero publishes no limit of its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from invoice_desktop.store.models import AmountsType

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
MONEY_PLACES = 2
QUANTITY_PLACES = 4
UNIT_AMOUNT_PLACES = 4
MAX_MONEY = Decimal(10) ** 12
MAX_QUANTITY = Decimal(10) ** 11
MAX_UNIT_AMOUNT = Decimal(10) ** 11
_SHOWN_DIGITS = 24  # longer figures are named by their count of digits in messages


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def figure_problem(value: Decimal, places: int, limit: Decimal) -> str:
    """Why `value` cannot be a figure with at most `places` decimals, under `limit`, or "" (the sign is the
    caller's business). The one check of a figure's size, for every place a figure enters."""
    if not value.is_finite():
        return f"{shown(value)} is not a number"
    if abs(value) >= limit:
        return f"{shown(value)} is too large: it must be under {limit:,}"
    if decimal_places(value) > places:
        return f"{shown(value)} has more than {places} decimal places"
    return ""


def in_limits(quantity: Decimal, unit_amount: Decimal) -> bool:
    """Whether a line's quantity and unit price are figures the ledger keeps (a live total can be worked out)."""
    return not figure_problem(quantity, QUANTITY_PLACES, MAX_QUANTITY) and not figure_problem(
        unit_amount, UNIT_AMOUNT_PLACES, MAX_UNIT_AMOUNT
    )


def shown(value: Decimal | str) -> str:
    """A figure as a message shows it: as written, or its count of digits when it is absurdly long."""
    text = str(value)
    if len(text) <= _SHOWN_DIGITS:
        return text
    return f"a number of {sum(ch.isdigit() for ch in text):,} digits ({text[:12]}…)"


def round_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineFigures:
    quantity: Decimal
    unit_amount: Decimal
    tax_rate: Decimal = Decimal(0)  # percent, e.g. Decimal("10") for 10% GST
    discount_rate: Decimal | None = None  # percent
    tax_override: Decimal | None = None


@dataclass(frozen=True)
class LineTotals:
    line_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    total_tax: Decimal
    total: Decimal
    lines: tuple[LineTotals, ...]


def money_text(value: Decimal) -> str:
    """Money as text with exactly two decimals ("115.50"), for JSON and reports."""
    return str(round_cents(value))


def line_amount(quantity: Decimal, unit_amount: Decimal, discount_rate: Decimal | None = None) -> Decimal:
    gross = quantity * unit_amount
    if discount_rate:
        gross = gross * (HUNDRED - discount_rate) / HUNDRED
    return round_cents(gross)


def line_tax(amount: Decimal, rate: Decimal, amounts: AmountsType | str) -> Decimal:
    amounts = AmountsType(amounts)
    if amounts is AmountsType.NO_TAX or not rate:
        return Decimal("0.00")
    if amounts is AmountsType.INCLUSIVE:
        return round_cents(amount - amount / (1 + rate / HUNDRED))
    return round_cents(amount * rate / HUNDRED)


def compute_line(line: LineFigures, amounts: AmountsType | str) -> LineTotals:
    amounts = AmountsType(amounts)
    amount = line_amount(line.quantity, line.unit_amount, line.discount_rate)
    if amounts is AmountsType.NO_TAX:
        tax = Decimal("0.00")
    elif line.tax_override is not None:
        tax = round_cents(line.tax_override)
    else:
        tax = line_tax(amount, line.tax_rate, amounts)
    return LineTotals(line_amount=amount, tax_amount=tax)


def compute_totals(lines: Iterable[LineFigures], amounts: AmountsType | str) -> InvoiceTotals:
    amounts = AmountsType(amounts)
    computed = tuple(compute_line(line, amounts) for line in lines)
    sum_lines = sum((c.line_amount for c in computed), Decimal("0.00"))
    total_tax = sum((c.tax_amount for c in computed), Decimal("0.00"))
    if amounts is AmountsType.INCLUSIVE:
        total, subtotal = sum_lines, sum_lines - total_tax
    else:
        subtotal, total = sum_lines, sum_lines + total_tax
    return InvoiceTotals(subtotal=subtotal, total_tax=total_tax, total=total, lines=computed)
