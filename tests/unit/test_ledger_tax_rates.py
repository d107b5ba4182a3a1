"""Tax rates read from a name ("GST 9%") or from a file's TaxAmounts follow one rule (catalog.tax_rate_reason):
from 0% up to, not including, 100%, at most 4 decimal places. A name that shows a rate which cannot be one is
refused saying so, never read as another rate ("Tax -10%" was a +10% rate) nor as 'shows no rate'."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from ledger_books import HEADER

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.csv_import import import_csv_text
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.store.models import Invoice, TaxRate


def csv_with(tax_type: str, unit: str = "100.00", tax_amount: str = "") -> str:
    row = f"Acme,Q-1,01/03/2024,31/03/2024,Work,1,{unit},200,{tax_type},{tax_amount}"
    return f"{HEADER},TaxAmount\r\n{row}\r\n"


@pytest.mark.parametrize(
    ("name", "rate"),
    [
        ("GST on Income", D(10)),
        ("GST 9%", D(9)),
        ("Tax +10%", D(10)),
        ("Sales Tax 8.875 %", D("8.875")),
        ("VAT 20% (20%)", D(20)),
        ("Tax 0%", D(0)),
        ("Mystery", None),
    ],
)
def test_a_rate_written_in_a_name_is_read(name, rate):
    assert catalog.read_rate_in_name(name) == catalog.RateReading(rate)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Tax -10%", "a rate of -10%, but a tax rate cannot be negative"),
        ("Tax \u221210%", "a rate of -10%, but a tax rate cannot be negative"),  # MINUS SIGN
        ("Tax \u201310%", "a rate of -10%, but a tax rate cannot be negative"),  # EN DASH
        ("Tax 200%", "a rate of 200%, but a tax rate must be less than 100%"),
        ("Tax 100%", "a rate of 100%, but a tax rate must be less than 100%"),
        ("Tax 0.12345%", "at most 4 decimal places"),
        ("VAT 12,5%", "write its rate with a decimal point"),
        ("GST 5% + PST 7%", "more than one rate (5%, 7%)"),
    ],
)
def test_a_name_showing_a_rate_that_cannot_be_one_is_a_problem_naming_it(name, words):
    reading = catalog.read_rate_in_name(name)
    assert reading.rate is None
    assert words in reading.problem
    assert "create that tax rate with its rate first" in reading.problem


@pytest.mark.parametrize("rate", [D(-1), D(100), D(250), D("10.12345"), D("NaN")])
def test_creating_a_tax_rate_outside_the_rule_is_refused(db, rate):
    with pytest.raises(LedgerError) as error:
        catalog.create_tax_rate("Odd", rate)
    assert error.value.problems[0].field == "tax_rate"
    assert TaxRate.select().count() == 0


@pytest.fixture
def books(db):
    catalog.get_or_create_account("200", "Sales")
    return db


@pytest.mark.parametrize(
    ("tax_type", "words"),
    [
        ("Tax -10%", "a tax rate cannot be negative"),
        ("Tax 200%", "a tax rate must be less than 100%"),
    ],
)
def test_the_csv_import_refuses_such_a_tax_type_saying_why(books, tax_type, words):
    result = import_csv_text(csv_with(tax_type))
    assert [(e.line, e.column) for e in result.errors] == [(2, "TaxType")]
    assert words in result.errors[0].message
    assert "does not show its rate" not in result.errors[0].message
    assert (Invoice.select().count(), TaxRate.select().count()) == (0, 0)


@pytest.mark.parametrize(
    ("amounts", "tax_amount", "words"),
    [
        ("exclusive", "200.00", "work out to 200% (a TaxAmount of 200.00 on 100.00), but a tax rate must be less"),
        ("inclusive", "100.00", "a TaxAmount of 100.00 on 100.00, which is not a rate"),
    ],
)
def test_a_rate_derived_from_tax_amounts_follows_the_same_rule(books, amounts, tax_amount, words):
    result = import_csv_text(csv_with("Custom Levy", tax_amount=tax_amount), amounts=amounts)
    assert [(e.line, e.column) for e in result.errors] == [(2, "TaxType")]
    assert words in result.errors[0].message
    assert TaxRate.select().count() == 0


def test_tax_amounts_that_agree_on_no_rate_are_said_so(books):
    text = (
        csv_with("Custom Levy", tax_amount="10.00")
        + "Acme,Q-2,01/03/2024,31/03/2024,Work,1,100.00,200,Custom Levy,20.00\r\n"
    )
    result = import_csv_text(text)
    assert {(e.line, e.column) for e in result.errors} == {(2, "TaxType"), (3, "TaxType")}
    assert "do not work out to one rate" in result.errors[0].message
