"""Figures too large to keep are refused where they enter, with a clear message (ledger.money's limits: money under
10^12, quantities and unit prices under 10^11), never a traceback later: the store's scaled integers overflowed
("Python int too large to convert to SQLite INTEGER") and Decimal arithmetic gave up (InvalidOperation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ledger_books import HEADER, snapshot

from invoice_desktop.ledger.csv_import import import_csv_text
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, create_invoice, draft_problems, line_problems
from invoice_desktop.ledger.money import MAX_QUANTITY, MAX_UNIT_AMOUNT, shown
from invoice_desktop.store.models import Invoice

HUGE = "9" * 25  # far past a 64-bit integer once scaled


def line(quantity: str = "1", unit: str = "100.00", **kw) -> LineDraft:
    return LineDraft("Work", D(quantity), D(unit), "200", "GST on Income", **kw)


def draft(*lines: LineDraft) -> InvoiceDraft:
    return InvoiceDraft("Acme", date(2024, 3, 1), date(2024, 3, 31), lines=lines, number="Q-1")


# --- the rule ------------------------------------------------------------------------------------------------------


def test_the_largest_figures_kept_are_accepted(books):
    biggest = D("99999999999.9999")  # just under MAX_QUANTITY / MAX_UNIT_AMOUNT
    assert biggest < MAX_QUANTITY == MAX_UNIT_AMOUNT
    assert line_problems(line(str(biggest), "0.0001")) == []
    invoice_id = create_invoice(draft(line("10", "90909090909.09")))
    assert Invoice.get_by_id(invoice_id).total == D("999999999999.99")  # 909,090,909,090.90 + 10% GST: under 10^12


@pytest.mark.parametrize(
    ("figures", "field", "words"),
    [
        ({"quantity": str(MAX_QUANTITY)}, "quantity", "is too large: it must be under 100,000,000,000"),
        ({"unit": HUGE}, "unit_amount", "is too large"),
        ({"tax_amount_override": D(HUGE)}, "tax_amount_override", "is too large: it must be under 1,000,000,000,000"),
        ({"quantity": "1000000", "unit": "1000000"}, "line_amount", "the line works out to 1,000,000,000,000.00"),
    ],
    ids=["quantity", "unit-price", "tax-amount", "line-amount"],
)
def test_a_figure_past_its_limit_is_a_problem_of_its_field(books, figures, field, words):
    quantity, unit = figures.pop("quantity", "1"), figures.pop("unit", "100.00")
    problems = line_problems(line(quantity, unit, **figures))
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message
    before = snapshot()
    with pytest.raises(LedgerError):
        create_invoice(draft(line(quantity, unit, **figures)))
    assert snapshot() == before


def test_an_invoice_whose_lines_add_up_past_the_limit_is_refused(books):
    lines = (line("5", "95000000000.00"), line("5", "95000000000.00"))
    assert draft_problems(draft(*lines)) == []  # each line on its own is fine
    with pytest.raises(LedgerError) as error:
        create_invoice(draft(*lines))
    assert [p.field for p in error.value.problems] == ["total"]
    assert "the invoice works out to 1,045,000,000,000.00" in error.value.problems[0].message
    assert Invoice.select().count() == 0


def test_absurdly_long_figures_are_named_by_their_digits():
    assert shown(D("1" * 400)) == "a number of 400 digits (111111111111…)"
    assert shown(D("12.5")) == "12.5"


# --- the CSV import ------------------------------------------------------------------------------------------------


def csv(**cells: str) -> str:
    values = {"Quantity": "1", "UnitAmount": "100.00"} | cells
    extra = [c for c in cells if c not in ("Quantity", "UnitAmount")]
    row = f"Acme,Q-1,01/03/2024,31/03/2024,Work,{values['Quantity']},{values['UnitAmount']},200,GST on Income"
    return f"{HEADER}{''.join(',' + c for c in extra)}\r\n{row}{''.join(',' + cells[c] for c in extra)}\r\n"


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ({"Quantity": HUGE}, "Quantity", "a number of 25 digits"),
        ({"UnitAmount": "100000000000"}, "UnitAmount", "is too large"),
        ({"TaxAmount": HUGE}, "TaxAmount", "is too large"),
        ({"Discount": HUGE}, "Discount", "is not a percentage between 0 and 100"),
        ({"Total": HUGE}, "Total", "is too large"),
        ({"TaxTotal": HUGE}, "TaxTotal", "is too large"),
        ({"LineAmount": HUGE}, "LineAmount", "is too large"),
        ({"Quantity": "1000000", "UnitAmount": "1000000"}, "LineAmount", "the line works out to"),
        ({"Quantity": "99999999999", "UnitAmount": "10.01"}, "LineAmount", "the line works out to"),
        ({"Quantity": "99999999999", "UnitAmount": "9.99"}, "Total", "the invoice works out to 1,098,899,999,989.01"),
    ],
)
def test_the_csv_import_refuses_figures_past_the_limits_by_column(books, cells, column, words):
    before = snapshot()
    result = import_csv_text(csv(**cells))
    assert [(e.line, e.column) for e in result.errors] == [(2, column)]
    assert words in result.errors[0].message
    assert snapshot() == before


def test_the_csv_import_refuses_an_invoice_adding_up_past_the_limit(books):
    more = "Acme,Q-1,01/03/2024,31/03/2024,More,6,90000000000.00,200,GST on Income\r\n"
    text = csv(Quantity="6", UnitAmount="90000000000.00") + more
    result = import_csv_text(text)
    assert [(e.line, e.column) for e in result.errors] == [(2, "Total")]
    assert "the invoice works out to" in result.errors[0].message


def test_digits_of_other_scripts_are_not_read_as_figures(books):
    result = import_csv_text(csv(Quantity="\u0661\u0660"))  # ARABIC-INDIC DIGIT ONE, ZERO
    assert [(e.line, e.column) for e in result.errors] == [(2, "Quantity")]
    assert "is not a number" in result.errors[0].message


# --- the editor ----------------------------------------------------------------------------------------------------


def test_the_editor_shows_no_amount_for_a_huge_line_and_saving_says_why(qtbot, books):
    from invoice_desktop.ui.invoice_editor import InvoiceEditor
    from invoice_desktop.ui.models.line_items_model import LineEntry

    editor = InvoiceEditor(today=lambda: date(2024, 3, 1))
    qtbot.addWidget(editor)
    editor.client_combo.setEditText("Acme")
    editor.lines_model.set_entries([LineEntry("Work", "1e30", "100.00", "200", "GST on Income")])
    amount = editor.lines_model.index(0, 5).data()
    assert amount == "—"  # was a decimal.InvalidOperation traceback from the live total
    assert editor.total_labels["Total"].text() == "0.00"
    assert editor.save() is None
    assert "Line 1, Quantity: 1E+30 is too large" in editor.problems.text()
    assert Invoice.select().count() == 0
