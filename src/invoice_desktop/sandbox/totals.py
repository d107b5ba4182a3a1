"""Xero's invoice arithmetic (docs/xero-facts.md §5.3), written apart from the app's ledger so the sandbox can check it.

- UnitAmount is rounded half-up to 2 places unless the request has unitdp=4 (then 4); Quantity to 4 places.
- LineAmount = Quantity x UnitAmount x (100 - DiscountRate) / 100, or Quantity x UnitAmount - DiscountAmount,
  rounded half-up to 2 places.
- Tax per line, rounded half-up to 2 places, then summed:
  Exclusive: LineAmount x rate; Inclusive: LineAmount - LineAmount / (1 + rate); NoTax: 0.
  A TaxAmount given in the request overrides the calculation (Xero lets callers override it).
- Exclusive: SubTotal = sum of LineAmounts, Total = SubTotal + TotalTax.
  Inclusive: Total = sum of LineAmounts, SubTotal = Total - TotalTax. NoTax: Total = SubTotal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from invoice_desktop.sandbox.wire import CENT, FOUR_PLACES, round_half_up

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_amount: Decimal
    tax_rate_percent: Decimal
    discount_rate: Decimal | None = None
    discount_amount: Decimal | None = None
    tax_amount_override: Decimal | None = None


@dataclass(frozen=True)
class LineResult:
    quantity: Decimal
    unit_amount: Decimal
    line_amount: Decimal
    tax_amount: Decimal
    discount: Decimal


@dataclass(frozen=True)
class InvoiceResult:
    lines: tuple[LineResult, ...]
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    total_discount: Decimal


def compute_line(line: LineInput, line_amount_types: str, unit_places: int = 2) -> LineResult:
    quantity = round_half_up(line.quantity, FOUR_PLACES)
    unit_amount = round_half_up(line.unit_amount, FOUR_PLACES if unit_places == 4 else CENT)
    gross = quantity * unit_amount
    if line.discount_rate:
        net = gross * (HUNDRED - line.discount_rate) / HUNDRED
    elif line.discount_amount:
        net = gross - line.discount_amount
    else:
        net = gross
    line_amount = round_half_up(net)
    discount = round_half_up(gross) - line_amount
    if line_amount_types == "NoTax":
        tax = ZERO
    elif line.tax_amount_override is not None:
        tax = round_half_up(line.tax_amount_override)
    elif line_amount_types == "Inclusive":
        tax = round_half_up(line_amount - line_amount / (1 + line.tax_rate_percent / HUNDRED))
    else:
        tax = round_half_up(line_amount * line.tax_rate_percent / HUNDRED)
    return LineResult(quantity, unit_amount, line_amount, tax, discount)


def compute_invoice(lines: list[LineInput], line_amount_types: str, unit_places: int = 2) -> InvoiceResult:
    results = tuple(compute_line(line, line_amount_types, unit_places) for line in lines)
    sum_lines = sum((r.line_amount for r in results), ZERO)
    total_tax = sum((r.tax_amount for r in results), ZERO)
    if line_amount_types == "Inclusive":
        total, sub_total = sum_lines, sum_lines - total_tax
    else:
        sub_total, total = sum_lines, sum_lines + total_tax
    total_discount = sum((r.discount for r in results), ZERO)
    return InvoiceResult(results, sub_total, total_tax, total, total_discount)
