"""Importing Xero's sales credit note template: each credit note credits an approved invoice of the company file,
all or nothing, every problem named by line and column, the file's CN- number kept, never more than is due."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D
from pathlib import Path

import pytest

from invoice_desktop.ledger.credit_note_import import (
    CreditNoteImportResult,
    import_credit_notes_file,
    import_credit_notes_text,
)
from invoice_desktop.ledger.credit_notes import (
    count_credit_notes,
    credit_note_ids_by_number,
    get_credit_note_detail,
    list_credit_notes,
)
from invoice_desktop.ledger.csv_import import CsvFileError, import_csv_file, import_csv_text
from invoice_desktop.ledger.invoices import approve_invoices, get_invoice_detail, invoice_ids_by_number
from invoice_desktop.store.models import InvoiceStatus

DATA = Path(__file__).parent.parent / "data"
INVOICES = DATA / "xero_sales_invoice_template.csv"
CREDIT_NOTES = DATA / "xero_sales_credit_note_template.csv"

INVOICE_FILE = (
    "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType\r\n"
    "Acme Pty Ltd,INV-0001,01/03/2024,31/03/2024,Consulting,2,100.00,200,GST on Income\r\n"
    "Acme Pty Ltd,INV-0001,01/03/2024,31/03/2024,Travel,1,50.00,200,GST on Income\r\n"
    "Bob's Bakery,INV-0002,01/03/2024,31/03/2024,Bread,1,20.00,200,GST on Income\r\n"
    "Acme Pty Ltd,INV-0003,01/03/2024,31/03/2024,Draft work,1,10.00,200,GST on Income\r\n"
)
COLUMNS = (
    "*ContactName",
    "*CreditNoteNumber",
    "Reference",
    "*CreditNoteDate",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "*AccountCode",
    "*TaxType",
    "InvoiceNumber",
)


def note(number: str = "CN-0001", **cells: str) -> dict[str, str]:
    values = {
        "ContactName": "Acme Pty Ltd",
        "CreditNoteNumber": number,
        "Reference": "Returned",
        "CreditNoteDate": "10/03/2024",
        "Description": "Consulting",
        "Quantity": "1",
        "UnitAmount": "100.00",
        "AccountCode": "200",
        "TaxType": "GST on Income",
        "InvoiceNumber": "INV-0001",
    }
    values.update(cells)
    return values


def csv_text(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> str:
    names = [c.lstrip("*") for c in columns]
    for r in rows:
        names.extend(name for name in r if name not in names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c for c in columns] + names[len(columns) :])
    writer.writerows([r.get(n, "") for n in names] for r in rows)
    return out.getvalue()


def run(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> CreditNoteImportResult:
    return import_credit_notes_text(csv_text(*rows, columns=columns))


def errors_of(result: CreditNoteImportResult) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in result.errors]


def invoice(number: str):
    return get_invoice_detail(invoice_ids_by_number([number])[number])


@pytest.fixture
def ledger(books):
    """INV-0001 (Acme: 2 × 100 and 50, 275.00 with GST) and INV-0002 (Bob's Bakery, 22.00) approved; INV-0003 a
    draft."""
    assert import_csv_text(INVOICE_FILE).ok
    approve_invoices([invoice("INV-0001").id, invoice("INV-0002").id])
    return books


def assert_nothing_imported(before_due: D = D("275.00")) -> None:
    assert count_credit_notes() == 0
    assert invoice("INV-0001").amount_due == before_due


def test_the_sample_file_credits_the_sample_invoices(books) -> None:
    imported = import_csv_file(INVOICES)
    assert imported.ok
    approve_invoices(imported.invoice_ids)
    due_before = invoice("INV-0101").amount_due

    result = import_credit_notes_file(CREDIT_NOTES)

    assert result.ok, result.errors
    assert [(n.number, n.invoice_number, n.total) for n in result.imported] == [
        ("CN-0101", "INV-0101", D("73.15")),  # 12.50 + 54.00 (0.75 × 80 less 10%), GST 1.25 + 5.40
        ("CN-0102", "INV-0102", D("300.00")),
    ]
    assert invoice("INV-0101").amount_due == due_before - D("73.15") == result.imported[0].invoice_amount_due
    assert (invoice("INV-0102").amount_due, invoice("INV-0102").status) == (D("0.00"), InvoiceStatus.PAID)
    first = get_credit_note_detail(credit_note_ids_by_number(["CN-0101"])["CN-0101"])
    assert first.row.reason == "Damaged widget returned"
    assert [(ln.description, ln.item_code, ln.tracking1_option, ln.line_amount) for ln in first.lines] == [
        ("Widgets", "WIDGET", "North", D("12.50")),
        ("Installation, on site", "", "North", D("54.00")),
    ]


def test_a_good_file_keeps_its_numbers_and_credits_in_file_order(ledger) -> None:
    result = run(
        note("CN-0007"),
        note("CN-0007", Description="Travel", UnitAmount="50.00"),
        note("CN-0003", ContactName="Bob's Bakery", InvoiceNumber="INV-0002", Description="Bread", UnitAmount="5"),
    )
    assert result.ok, result.errors
    assert [(n.number, n.total, n.invoice_amount_due) for n in result.imported] == [
        ("CN-0007", D("165.00"), D("110.00")),
        ("CN-0003", D("5.50"), D("16.50")),
    ]
    assert invoice("INV-0001").amount_due == D("110.00")
    assert [r.number for r in list_credit_notes()] == ["CN-0007", "CN-0003"]


def test_a_whole_line_credited_is_the_invoice_line(ledger) -> None:
    result = run(note(Quantity="2"))
    assert result.ok, result.errors
    (line,) = get_credit_note_detail(list_credit_notes()[0].id).lines
    assert (line.quantity, line.unit_amount, line.line_amount) == (D(2), D("100.00"), D("200.00"))


def test_every_bad_row_is_named_and_nothing_is_imported(ledger) -> None:
    result = run(
        note("CN-0001"),  # good, but the file has bad rows
        note("CN-0002", Quantity="two"),
        note("CN-0003", Description=""),
        note("CN-0004", CreditNoteDate="31/02/2024"),
        note("INV-9", Description="Travel", UnitAmount="50"),
        note("CN-0006", UnitAmount="-5"),
    )
    assert errors_of(result) == [
        (3, "Quantity"),
        (4, "Description"),
        (5, "CreditNoteDate"),
        (6, "CreditNoteNumber"),
        (7, "UnitAmount"),
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0] == "line 3, Quantity: 'two' is not a number"
    assert "a value is required" in messages[1]
    assert "'31/02/2024' is not a date" in messages[2]
    assert "'INV-9' is not a credit note number of the CN- form (CN-0001 is the next free one)" in messages[3]
    assert "negative" in messages[4]
    assert result.imported == ()
    assert_nothing_imported()


def test_the_invoice_must_exist_be_approved_and_be_the_contacts(ledger) -> None:
    result = run(
        note("CN-0001", InvoiceNumber="INV-0404"),
        note("CN-0002", InvoiceNumber="INV-0003", Description="Draft work", UnitAmount="10"),
        note("CN-0003", ContactName="Bob's Bakery"),
        note("CN-0004", InvoiceNumber=""),
    )
    assert errors_of(result) == [(2, "InvoiceNumber"), (3, "InvoiceNumber"), (4, "ContactName"), (5, "InvoiceNumber")]
    assert result.errors[0].message == "there is no invoice INV-0404 in this company file"
    assert "INV-0003 is a draft" in result.errors[1].message
    assert result.errors[2].message == "'Bob's Bakery' is not the client of INV-0001, which is 'Acme Pty Ltd'"
    assert result.errors[3].message == "a value is required"
    assert_nothing_imported()


def test_more_than_is_still_due_is_refused_naming_the_figures(ledger) -> None:
    # Each fits on its own; together they credit 286.00 of the 275.00 due.
    result = run(
        note("CN-0001", Quantity="2"),
        note("CN-0002", Description="Travel", UnitAmount="40"),
        note("CN-0003", Description="Travel", UnitAmount="20"),
    )
    assert [str(e) for e in result.errors] == [
        "line 4, UnitAmount: the credit note's total 22.00 is more than the 11.00 still due on INV-0001: a credit "
        "note cannot credit more than is due"
    ]
    assert_nothing_imported()


def test_a_line_credits_at_most_the_invoice_lines_amount(ledger) -> None:
    result = run(note(Description="Travel", UnitAmount="60.00"))
    assert [str(e) for e in result.errors] == ["line 2, UnitAmount: 60.00 is more than the line's 50.00"]
    assert_nothing_imported()


def test_each_row_is_one_of_the_invoices_lines(ledger) -> None:
    result = run(
        note("CN-0001", Description="Painting"),
        note("CN-0002", AccountCode="400"),
        note("CN-0003"),
        note("CN-0003"),  # the invoice has one Consulting line
    )
    assert errors_of(result) == [(2, "Description"), (3, "AccountCode"), (5, "Description")]
    assert result.errors[0].message == "INV-0001 has no line 'Painting' (its lines: 'Consulting'; 'Travel')"
    assert result.errors[1].message == (
        "INV-0001's line 'Consulting' has AccountCode '200', not '400': a credited line is the invoice's line as it is"
    )
    assert result.errors[2].message == "INV-0001's line 'Consulting' is credited on line 4 already"
    assert_nothing_imported()


def test_a_tax_amount_must_be_the_tax_worked_out(ledger) -> None:
    result = run(note(TaxAmount="9.00"))
    assert [str(e) for e in result.errors] == ["line 2, TaxAmount: the file says 9.00 but the line works out to 10.00"]
    assert run(note(TaxAmount="10.00")).ok


def test_numbers_must_be_free_and_the_rows_agree(ledger) -> None:
    assert run(note("CN-0001")).ok
    result = run(note("CN-0001", Description="Travel", UnitAmount="1"), note("CN-0002", Reference="A"))
    assert errors_of(result) == [(2, "CreditNoteNumber")]
    assert "CN-0001 is already used by another credit note" in result.errors[0].message
    result = run(note("CN-0002"), note("CN-0002", Description="Travel", ContactName="Acme Ltd", UnitAmount="1"))
    assert errors_of(result) == [(3, "ContactName")]
    assert "differs from 'Acme Pty Ltd' on line 2: the rows of credit note CN-0002 must agree" in str(result.errors[0])
    assert count_credit_notes() == 1


def test_without_an_invoice_number_column_the_reference_names_the_invoice(ledger) -> None:
    columns = tuple(c for c in COLUMNS if c != "InvoiceNumber")
    row = {k: v for k, v in note(Reference="INV-0001").items() if k != "InvoiceNumber"}
    result = run(row, columns=columns)
    assert result.ok, result.errors
    assert result.imported[0].invoice_number == "INV-0001"
    missing = run({**row, "CreditNoteNumber": "CN-0002", "Reference": "INV-0404"}, columns=columns)
    assert [str(e) for e in missing.errors] == ["line 2, Reference: there is no invoice INV-0404 in this company file"]


def test_a_file_that_cannot_be_read_is_refused_whole(ledger, tmp_path: Path) -> None:
    with pytest.raises(CsvFileError, match="does not exist"):
        import_credit_notes_file(tmp_path / "missing.csv")
    result = import_credit_notes_text(csv_text(note()).replace("*CreditNoteDate", "Date"))
    assert (2, "") not in errors_of(result)
    assert (1, "CreditNoteDate") in errors_of(result)
    assert_nothing_imported()


def test_an_invoice_row_in_the_invoice_import_names_the_credit_note_path(ledger) -> None:
    bad = (
        INVOICE_FILE.splitlines()[0]
        + "\r\nBob's Bakery,INV-0009,01/03/2024,31/03/2024,Bread,1,-20.00,200,GST on Income"
    )
    (error,) = import_csv_text(bad).errors
    assert error.message.endswith(
        "that is a credit note: make it from its invoice with Invoice Information > Options > Credit note…, or import "
        "it with Xero's credit note template (invoice-desktop import-credit-notes FILE.csv)"
    )


def test_the_file_is_read_as_strictly_as_the_invoice_template(ledger, tmp_path: Path) -> None:
    text = csv_text(note("CN-0001"), note("CN-0002", Description="Travel", UnitAmount="50"))
    lines = text.split("\r\n")
    lines[2] = lines[2].replace("Travel", 'Tra"vel')  # a quote inside an unquoted cell
    result = import_credit_notes_text("\r\n".join(lines))
    assert errors_of(result) == [(3, "Description")]
    assert "a quote inside a cell that does not start with one" in result.errors[0].message
    excel = tmp_path / "excel.csv"
    excel.write_bytes(csv_text(note(ContactName="Café")).encode("cp1252"))
    with pytest.raises(CsvFileError, match="Windows-1252"):
        import_credit_notes_file(excel)
    assert_nothing_imported()


def test_a_type_column_must_say_credit_note(ledger) -> None:
    assert run(note("CN-0001", Type="Sales credit note")).ok
    result = run(note("CN-0002", Type="Sales invoice"))
    assert [str(e) for e in result.errors] == ["line 2, Type: 'Sales invoice' is not a sales credit note"]
