"""Money as Xero works it out (docs/xero-facts.md §5.3): worked examples, and ledger.money against a reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, create_invoice, get_invoice_detail
from invoice_desktop.ledger.money import (
    InvoiceTotals,
    LineFigures,
    compute_totals,
    line_amount,
    line_tax,
    money_text,
    round_cents,
)
from invoice_desktop.store.models import AmountsType

EXCLUSIVE, INCLUSIVE, NO_TAX = AmountsType.EXCLUSIVE, AmountsType.INCLUSIVE, AmountsType.NO_TAX

# --- a reference written apart from ledger.money: exact fractions, integer cents --------------------------------


def ref_cents(value: Fraction) -> int:
    """Round to whole cents, halves away from zero (Xero: 2.165 -> 2.17, 2.164 -> 2.16)."""
    scaled = abs(value) * 100
    whole = scaled.numerator // scaled.denominator
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return whole if value >= 0 else -whole


@dataclass(frozen=True)
class RefLine:
    quantity: str
    unit_amount: str
    rate: str = "0"  # percent
    discount: str | None = None  # percent
    tax_override: str | None = None


def ref_totals(lines: list[RefLine], amounts: str) -> tuple[int, int, int, list[tuple[int, int]]]:
    """(subtotal, total tax, total, [(line amount, line tax)]) in cents."""
    per_line: list[tuple[int, int]] = []
    for ln in lines:
        gross = Fraction(ln.quantity) * Fraction(ln.unit_amount)
        if ln.discount is not None:
            gross = gross * (1 - Fraction(ln.discount) / 100)
        amount = ref_cents(gross)  # cents
        rate = Fraction(ln.rate) / 100
        if amounts == "no_tax":
            tax = 0
        elif ln.tax_override is not None:
            tax = ref_cents(Fraction(ln.tax_override))
        elif amounts == "inclusive":
            tax = ref_cents(Fraction(amount, 100) * rate / (1 + rate))
        else:
            tax = ref_cents(Fraction(amount, 100) * rate)
        per_line.append((amount, tax))
    amounts_sum = sum(a for a, _ in per_line)
    tax_sum = sum(t for _, t in per_line)
    if amounts == "inclusive":
        return amounts_sum - tax_sum, tax_sum, amounts_sum, per_line
    return amounts_sum, tax_sum, amounts_sum + tax_sum, per_line


def cents(value: D) -> int:
    assert value.as_tuple().exponent == -2, f"{value} is not in cents"
    return int(value * 100)


def as_figures(ln: RefLine) -> LineFigures:
    return LineFigures(
        quantity=D(ln.quantity),
        unit_amount=D(ln.unit_amount),
        tax_rate=D(ln.rate),
        discount_rate=None if ln.discount is None else D(ln.discount),
        tax_override=None if ln.tax_override is None else D(ln.tax_override),
    )


def as_cents(totals: InvoiceTotals) -> tuple[int, int, int, list[tuple[int, int]]]:
    return (
        cents(totals.subtotal),
        cents(totals.total_tax),
        cents(totals.total),
        [(cents(t.line_amount), cents(t.tax_amount)) for t in totals.lines],
    )


# --- worked examples -------------------------------------------------------------------------------------------


def totals(amounts: AmountsType, *lines: LineFigures) -> tuple[D, D, D]:
    result = compute_totals(lines, amounts)
    return result.subtotal, result.total_tax, result.total


def fig(quantity: str, unit: str, rate: str = "0", **kw) -> LineFigures:
    return LineFigures(D(quantity), D(unit), D(rate), **kw)


def test_tax_is_rounded_per_line_then_summed():
    # Three lines at 15%: 76.30 x 15% would be 11.445 -> 11.45, but per line it is 3.81 + 3.81 + 3.82 = 11.44.
    lines = (fig("1", "25.43", "15"), fig("1", "25.43", "15"), fig("1", "25.44", "15"))
    assert totals(EXCLUSIVE, *lines) == (D("76.30"), D("11.44"), D("87.74"))
    assert [t.tax_amount for t in compute_totals(lines, EXCLUSIVE).lines] == [D("3.81"), D("3.81"), D("3.82")]


@pytest.mark.parametrize(("amount", "tax"), [("21.65", "2.17"), ("21.64", "2.16"), ("21.66", "2.17")])
def test_half_up_to_the_cent(amount, tax):
    assert line_tax(D(amount), D(10), EXCLUSIVE) == D(tax)


def test_line_amount_is_quantity_times_price_rounded_half_up():
    assert line_amount(D("3"), D("33.335")) == D("100.01")  # 100.005
    assert line_amount(D("1.5"), D("0.0033")) == D("0.00")  # 0.00495
    assert line_amount(D("2.0000"), D("10.5000")) == D("21.00")


def test_exclusive_inclusive_and_no_tax():
    line = fig("2", "57.75", "10")  # 115.50
    assert totals(EXCLUSIVE, line) == (D("115.50"), D("11.55"), D("127.05"))
    assert totals(INCLUSIVE, line) == (D("105.00"), D("10.50"), D("115.50"))  # 115.50 - 115.50 / 1.1
    assert totals(NO_TAX, line) == (D("115.50"), D("0.00"), D("115.50"))


def test_inclusive_tax_at_15_percent():
    # 20.00 incl. 15%: 20 - 20 / 1.15 = 2.6087 -> 2.61
    assert totals(INCLUSIVE, fig("1", "20.00", "15")) == (D("17.39"), D("2.61"), D("20.00"))


def test_discount_applies_before_tax():
    line = fig("3", "10.00", "10", discount_rate=D("12.5"))  # 30.00 less 12.5% = 26.25
    assert totals(EXCLUSIVE, line) == (D("26.25"), D("2.63"), D("28.88"))  # tax 2.625 -> 2.63
    assert line_amount(D("1"), D("99.99"), D("100")) == D("0.00")


def test_tax_override_is_used_as_given_except_without_tax():
    line = fig("1", "100.00", "10", tax_override=D("9.99"))
    assert totals(EXCLUSIVE, line) == (D("100.00"), D("9.99"), D("109.99"))
    assert totals(NO_TAX, line) == (D("100.00"), D("0.00"), D("100.00"))


def test_amounts_given_as_their_text_value_mean_the_same():
    line = fig("1", "115.50", "10")
    for amounts in AmountsType:
        assert compute_totals([line], amounts.value) == compute_totals([line], amounts)
        assert line_tax(D("115.50"), D(10), amounts.value) == line_tax(D("115.50"), D(10), amounts)


def test_no_lines_is_zero():
    assert totals(EXCLUSIVE) == (D("0.00"), D("0.00"), D("0.00"))


def test_money_text_has_two_decimals():
    assert [money_text(v) for v in (D("115.5"), D(0), D("0.005"), D("1234567.891"))] == [
        "115.50",
        "0.00",
        "0.01",
        "1234567.89",
    ]
    assert round_cents(D("-2.165")) == D("-2.17")


def test_the_reference_agrees_with_the_worked_examples():
    lines = [RefLine("1", "25.43", "15"), RefLine("1", "25.43", "15"), RefLine("1", "25.44", "15")]
    assert ref_totals(lines, "exclusive")[:3] == (7630, 1144, 8774)
    assert ref_totals([RefLine("2", "57.75", "10")], "inclusive")[:3] == (10500, 1050, 11550)


# --- properties against the reference -------------------------------------------------------------------------


def decimals(places: int, max_value: int) -> st.SearchStrategy[str]:
    return st.integers(0, max_value * 10**places).map(lambda n: str(D(n).scaleb(-places)))


rates = st.one_of(st.sampled_from(["0", "5", "10", "12.5", "15", "20"]), decimals(4, 99))
lines = st.builds(
    RefLine,
    quantity=decimals(4, 10_000),
    unit_amount=decimals(4, 100_000),
    rate=rates,
    discount=st.none() | decimals(2, 100),
    tax_override=st.none() | decimals(2, 10_000),
)
amount_types = st.sampled_from([a.value for a in AmountsType])


@settings(max_examples=200, deadline=None)
@given(st.lists(lines, max_size=6), amount_types)
def test_compute_totals_matches_the_reference(ref_lines, amounts):
    assert as_cents(compute_totals([as_figures(ln) for ln in ref_lines], amounts)) == ref_totals(ref_lines, amounts)


@settings(max_examples=200, deadline=None)
@given(decimals(2, 1_000_000), rates, amount_types)
def test_line_tax_matches_the_reference(amount, rate, amounts):
    line = RefLine("1", amount, rate)
    assert cents(line_tax(D(amount), D(rate), AmountsType(amounts))) == ref_totals([line], amounts)[3][0][1]


@settings(max_examples=200, deadline=None)
@given(st.lists(lines, min_size=1, max_size=6), amount_types)
def test_totals_add_up(ref_lines, amounts):
    result = compute_totals([as_figures(ln) for ln in ref_lines], amounts)
    assert result.subtotal + result.total_tax == result.total
    assert result.total_tax == sum((t.tax_amount for t in result.lines), D("0.00"))


# --- what create_invoice stores -------------------------------------------------------------------------------

stored_lines = st.builds(
    RefLine,
    quantity=decimals(4, 1_000),
    unit_amount=decimals(4, 10_000),
    rate=st.sampled_from(["0", "10", "12.5", "15", "20"]),
    discount=st.none() | decimals(2, 100),
    tax_override=st.none() | decimals(2, 1_000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(stored_lines, min_size=1, max_size=5), st.sampled_from([a.value for a in AmountsType]))
def test_stored_totals_equal_the_reference(db, ref_lines, amounts):
    catalog.get_or_create_account("200")
    for rate in {ln.rate for ln in ref_lines}:
        if catalog.find_tax_rate(f"Rate {rate}") is None:
            catalog.create_tax_rate(f"Rate {rate}", D(rate))
    draft = InvoiceDraft(
        client_name="Acme",
        date=date(2024, 1, 1),
        due_date=date(2024, 1, 31),
        amounts_type=AmountsType(amounts),
        lines=tuple(
            LineDraft(
                description="Work",
                quantity=D(ln.quantity),
                unit_amount=D(ln.unit_amount),
                account_code="200",
                tax_rate_name=f"Rate {ln.rate}",
                discount_rate=None if ln.discount is None else D(ln.discount),
                tax_amount_override=None if ln.tax_override is None else D(ln.tax_override),
            )
            for ln in ref_lines
        ),
    )
    stored = get_invoice_detail(create_invoice(draft))
    subtotal, total_tax, total, per_line = ref_totals(ref_lines, amounts)
    assert (cents(stored.subtotal), cents(stored.total_tax), cents(stored.total)) == (subtotal, total_tax, total)
    assert [(cents(ln.line_amount), cents(ln.tax_amount)) for ln in stored.lines] == per_line
