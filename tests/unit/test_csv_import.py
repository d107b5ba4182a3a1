"""CSV import from Xero's sales-invoice template: grouping, dates, encodings, amounts, checks, all-or-nothing."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ledger_books import HEADER, snapshot

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.csv_import import CsvFileError, ImportResult, import_csv_file, import_csv_text
from invoice_desktop.ledger.invoices import get_invoice_detail, invoice_ids_by_number
from invoice_desktop.store.models import (
    Account,
    AmountsType,
    Client,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    TaxRate,
    XeroExport,
)
from invoice_desktop.store.settings import set_setting

DATA = Path(__file__).parent.parent / "data"
TEMPLATE = DATA / "xero_sales_invoice_template.csv"

# The required columns first, as Xero's template marks them.
COLUMNS = (
    "*ContactName",
    "*InvoiceNumber",
    "*InvoiceDate",
    "*DueDate",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "*AccountCode",
    "*TaxType",
)


def row(number: str = "INV-0001", **cells: str) -> dict[str, str]:
    values = {
        "ContactName": "Acme Pty Ltd",
        "InvoiceNumber": number,
        "InvoiceDate": "01/03/2024",
        "DueDate": "31/03/2024",
        "Description": "Consulting",
        "Quantity": "1",
        "UnitAmount": "100.00",
        "AccountCode": "200",
        "TaxType": "GST on Income",
    }
    values.update(cells)
    return values


def csv_text(*rows: dict[str, str], star: bool = True, extra: tuple[str, ...] = ()) -> str:
    """A template file with the required columns, any other column the rows use, then `extra` columns."""
    names = [c.lstrip("*") for c in COLUMNS]
    for r in rows:
        names.extend(name for name in r if name not in names)
    names.extend(name for name in extra if name not in names)
    header = [f"*{n}" if star and f"*{n}" in COLUMNS else n for n in names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([r.get(n, "") for n in names] for r in rows)
    return out.getvalue()


def run(*rows: dict[str, str], **kw) -> ImportResult:
    return import_csv_text(csv_text(*rows), **kw)


def errors_of(result: ImportResult) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in result.errors]


def detail(number: str):
    return get_invoice_detail(invoice_ids_by_number([number])[number])


@pytest.fixture
def books(books):
    catalog.create_tax_rate("GST Free Income", D(0))
    return books


# --- the template ------------------------------------------------------------------------------------------


def test_xero_template_file_imports_as_drafts_with_lines_and_client_details(books):
    result = import_csv_file(TEMPLATE)

    assert result.ok, result.errors
    assert result.imported == ("INV-0101", "INV-0102")
    assert (result.new_clients, result.new_accounts, result.new_tax_rates) == (2, 1, 0)

    acme = detail("INV-0101")
    assert acme.status is InvoiceStatus.DRAFT
    assert acme.client.name == "Acme Pty Ltd"
    assert acme.client.details.email == "accounts@acme.example"
    assert (acme.client.details.address_line2, acme.client.details.city) == ("10 Smith St", "Sydney")
    assert (acme.date, acme.due_date, acme.reference) == (date(2024, 3, 5), date(2024, 4, 4), "PO 7781")
    assert (acme.currency, acme.branding_theme) == ("AUD", "Standard")
    assert [(ln.description, ln.line_amount, ln.tax_amount) for ln in acme.lines] == [
        ("Widgets", D("37.50"), D("3.75")),
        ("Installation, on site", D("108.00"), D("10.80")),
    ]
    assert acme.lines[0].item_code == "WIDGET"
    assert (acme.lines[0].tracking1_name, acme.lines[0].tracking1_option) == ("Region", "North")
    assert acme.lines[1].account_code == "400"
    assert (acme.subtotal, acme.total_tax, acme.total) == (D("145.50"), D("14.55"), D("160.05"))

    cafe = detail("INV-0102")
    assert cafe.client.name == "Café Ōtautahi"
    assert (cafe.date, cafe.total_tax, cafe.total) == (date(2024, 3, 6), D("0.00"), D("300.00"))


@pytest.mark.parametrize("star", [True, False], ids=["starred", "plain"])
def test_headers_with_and_without_the_required_star(books, star):
    result = import_csv_text(csv_text(row(), star=star))
    assert result.ok, result.errors
    assert result.imported == ("INV-0001",)


def test_header_names_ignore_case_and_spaces_and_unknown_columns_are_reported_as_ignored(books):
    text = csv_text(row()).replace("*ContactName", "* Contact Name").replace("*UnitAmount", "unitamount")
    text = text.replace("\r\n", ",Colour\r\n")
    result = import_csv_text(text)
    assert result.ok, result.errors
    assert result.ignored_columns == ("Colour",)


def test_rows_sharing_a_number_are_lines_of_one_invoice_even_when_not_adjacent(books):
    result = run(
        row("INV-0001", Description="First"),
        row("INV-0002", ContactName="Bob", Description="Other"),
        row("INV-0001", Description="Second", UnitAmount="50.00"),
    )
    assert result.ok, result.errors
    assert result.imported == ("INV-0001", "INV-0002")
    assert Invoice.select().count() == 2
    first = detail("INV-0001")
    assert [ln.description for ln in first.lines] == ["First", "Second"]
    assert first.total == D("165.00")


def test_rows_of_one_invoice_must_agree_on_the_header(books):
    before = snapshot()
    result = run(row("INV-0001"), row("INV-0001", ContactName="Someone Else", DueDate="30/04/2024"))
    assert errors_of(result) == [(3, "ContactName"), (3, "DueDate")]
    assert "line 2" in result.errors[0].message
    assert snapshot() == before


# --- dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "setting", "expected"),
    [
        ("03/04/2024", None, date(2024, 4, 3)),
        ("3/4/2024", "dmy", date(2024, 4, 3)),
        ("03/04/2024", "mdy", date(2024, 3, 4)),
        ("2024-04-03", None, date(2024, 4, 3)),
        ("2024-04-03", "mdy", date(2024, 4, 3)),
    ],
)
def test_dates_are_day_first_unless_the_company_reads_month_first_and_iso_always_works(
    books, written, setting, expected
):
    if setting:
        set_setting("dates.format", setting)
    result = run(row(InvoiceDate=written, DueDate="2024-12-31"))
    assert result.ok, result.errors
    assert detail("INV-0001").date == expected


@pytest.mark.parametrize("written", ["31/02/2024", "13/13/2024", "1/3/24", "March 1 2024", "2024-3-1"])
def test_a_date_that_is_not_one_is_reported(books, written):
    result = run(row(InvoiceDate=written))
    assert errors_of(result) == [(2, "InvoiceDate")]
    assert "dd/mm/yyyy or yyyy-mm-dd" in result.errors[0].message


def test_month_first_dates_are_explained_in_the_company_format(books):
    set_setting("dates.format", "mdy")
    result = run(row(DueDate="31/03/2024"))
    assert errors_of(result) == [(2, "DueDate")]
    assert "mm/dd/yyyy" in result.errors[0].message


def test_due_date_before_invoice_date_is_reported(books):
    result = run(row(InvoiceDate="10/03/2024", DueDate="01/03/2024"))
    assert errors_of(result) == [(2, "DueDate")]


# --- encodings and file shape --------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["utf8", "utf8-bom"])
def test_utf8_files_with_and_without_bom(books, tmp_path, bom):
    path = tmp_path / "invoices.csv"
    path.write_bytes(bom + csv_text(row(ContactName="Café Ōtautahi")).encode("utf-8"))
    result = import_csv_file(path)
    assert result.ok, result.errors
    assert detail("INV-0001").client.name == "Café Ōtautahi"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"  \r\n\r\n", "empty"),
        (csv_text(row(ContactName="Café")).encode("cp1252"), "not UTF-8 text .byte 0xE9 on line 2.* Windows-1252"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd9", "not UTF-8"),
    ],
    ids=["empty", "blank", "cp1252", "png"],
)
def test_a_file_that_cannot_be_read_as_csv_raises_and_changes_nothing(books, tmp_path, data, words):
    path = tmp_path / "invoices.csv"
    path.write_bytes(data)
    before = snapshot()
    with pytest.raises(CsvFileError, match=words):
        import_csv_file(path)
    assert snapshot() == before


def test_a_missing_file_raises(books, tmp_path):
    with pytest.raises(CsvFileError, match="does not exist"):
        import_csv_file(tmp_path / "nope.csv")


def test_empty_text_raises(books):
    with pytest.raises(CsvFileError, match="empty"):
        import_csv_text("\ufeff")


def test_header_only_is_reported_on_line_1(books):
    result = import_csv_text(csv_text())
    assert errors_of(result) == [(1, "")]
    assert "no invoice rows" in result.errors[0].message


def test_missing_required_columns_are_each_named(books):
    text = csv_text(row()).replace("*Quantity", "Qty").replace("*TaxType", "Tax")
    result = import_csv_text(text)
    assert errors_of(result) == [(1, "Quantity"), (1, "TaxType")]
    assert all("required column is missing" in e.message for e in result.errors)
    assert Invoice.select().count() == 0


def test_a_column_twice_in_the_header_is_reported(books):
    text = csv_text(row(Reference="A")).replace("\r\n", ",Reference\r\n", 1)
    result = import_csv_text(text)
    assert errors_of(result) == [(1, "Reference")]
    assert "appears twice" in result.errors[0].message


def test_line_numbers_count_records_as_a_spreadsheet_shows_them(books):
    text = csv_text(row(Description="two\nphysical lines"), row("INV-0002", Quantity="many"))
    text = text.replace("\r\nAcme Pty Ltd,INV-0002", "\r\n,,,\r\nAcme Pty Ltd,INV-0002")
    result = import_csv_text(text)
    assert errors_of(result) == [(4, "Quantity")]


@pytest.mark.parametrize(("separator", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_separated_files_are_refused_with_what_to_do(books, separator, name):
    text = csv_text(row(), row("INV-0002")).replace(",", separator)
    before = snapshot()
    with pytest.raises(CsvFileError, match=f"looks like a {name}-separated file") as error:
        import_csv_text(text)
    assert "CSV UTF-8 (Comma delimited)" in str(error.value)
    assert snapshot() == before


# --- amounts -------------------------------------------------------------------------------------------------


def test_inclusive_amounts(books):
    result = run(row(UnitAmount="115.50"), amounts="inclusive")
    assert result.ok, result.errors
    invoice = detail("INV-0001")
    assert invoice.amounts_type is AmountsType.INCLUSIVE
    # 115.50 - 115.50 / 1.1 = 10.5 -> 10.50
    assert (invoice.subtotal, invoice.total_tax, invoice.total) == (D("105.00"), D("10.50"), D("115.50"))


@pytest.mark.parametrize("written", ["10", "10%", "10.00"])
def test_discount_is_a_percentage(books, written):
    result = run(row(Quantity="3", UnitAmount="10.00", Discount=written))
    assert result.ok, result.errors
    invoice = detail("INV-0001")
    assert (invoice.lines[0].discount_rate, invoice.subtotal, invoice.total) == (D("10.00"), D("27.00"), D("29.70"))


def test_a_discount_outside_0_to_100_is_reported(books):
    assert errors_of(run(row(Discount="150"))) == [(2, "Discount")]


def test_tax_amount_overrides_the_computed_tax_only_when_it_differs(books):
    result = run(
        row("INV-0001", UnitAmount="100.00", TaxAmount="9.99"),
        row("INV-0002", UnitAmount="100.00", TaxAmount="10.00"),
    )
    assert result.ok, result.errors
    overridden, same = detail("INV-0001"), detail("INV-0002")
    assert (overridden.lines[0].tax_amount_override, overridden.total_tax, overridden.total) == (
        D("9.99"),
        D("9.99"),
        D("109.99"),
    )
    assert (same.lines[0].tax_amount_override, same.total_tax) == (None, D("10.00"))


def test_amounts_with_currency_symbols_and_thousands_separators(books):
    result = run(row(UnitAmount="$1,234.50"))
    assert result.ok, result.errors
    assert detail("INV-0001").subtotal == D("1234.50")


@pytest.mark.parametrize(
    ("column", "written"), [("Quantity", "two"), ("UnitAmount", "1.2.3"), ("TaxAmount", "x"), ("Quantity", "1e3")]
)
def test_a_number_that_is_not_one_is_reported(books, column, written):
    result = run(row(**{column: written}))
    assert errors_of(result) == [(2, column)]
    assert "is not a number" in result.errors[0].message


def test_too_many_decimal_places_are_reported(books):
    assert errors_of(run(row(UnitAmount="1.00001", Quantity="1.23456"))) == [(2, "Quantity"), (2, "UnitAmount")]


# --- calculated columns --------------------------------------------------------------------------------------


def test_calculated_columns_that_match_are_accepted_and_the_rest_ignored(books):
    calculated = {
        "LineAmount": "100.00",
        "TaxTotal": "15.00",
        "Total": "165.00",
        "InvoiceAmountPaid": "0",
        "InvoiceAmountDue": "165.00",
        "PlannedDate": "nonsense",
        "Type": "Sales invoice",
        "Sent": "Sent",
        "Status": "Awaiting Payment",
        "SAAddressLine1": "1 Street Rd",
    }
    result = run(row(**calculated), row(**{**calculated, "UnitAmount": "50.00", "LineAmount": "50.00"}))
    assert result.ok, result.errors
    assert detail("INV-0001").status is InvoiceStatus.DRAFT  # a Status column does not approve anything


def test_calculated_columns_that_disagree_are_reported(books):
    result = run(row(LineAmount="99.00", TaxTotal="10.00", Total="111.00"))
    assert errors_of(result) == [(2, "LineAmount"), (2, "Total")]
    assert "the file says 99.00 but the invoice works out to 100.00" in result.errors[0].message


# --- accounts and tax rates ----------------------------------------------------------------------------------


def test_new_account_codes_and_tax_rates_are_created_once(books):
    result = run(
        row("INV-0001", AccountCode="260", TaxType="15% GST on Income"),
        row("INV-0002", AccountCode="260", TaxType="GST 9%"),
        row("INV-0003", AccountCode="200", TaxType="gst on income"),  # existing, matched ignoring case
        row("INV-0004", AccountCode="270", TaxType="Custom Levy", UnitAmount="80.00", TaxAmount="10.00"),
    )
    assert result.ok, result.errors
    assert (result.new_accounts, result.new_tax_rates) == (2, 3)
    assert sorted(Account.select(Account.code).scalars()) == ["200", "260", "270"]
    rates = {r.name: r.rate for r in TaxRate.select()}
    assert rates["15% GST on Income"] == D(15)
    assert rates["GST 9%"] == D(9)
    assert rates["Custom Levy"] == D("12.5")  # what 10.00 on 80.00 reveals
    assert "gst on income" not in rates
    assert detail("INV-0004").lines[0].tax_amount_override is None  # the derived rate explains its TaxAmount
    assert [detail(n).total_tax for n in ("INV-0001", "INV-0002", "INV-0003")] == [D("15.00"), D("9.00"), D("10.00")]


def test_a_tax_type_with_no_known_rate_is_reported_on_each_of_its_rows(books):
    result = run(row("INV-0001", TaxType="Mystery"), row("INV-0002", TaxType="Mystery"))
    assert errors_of(result) == [(2, "TaxType"), (3, "TaxType")]
    assert "create that tax rate first" in result.errors[0].message
    assert TaxRate.select().count() == 2


# --- what is refused, and all-or-nothing ---------------------------------------------------------------------


def test_an_invoice_number_already_in_the_company_file_is_never_duplicated(books):
    assert run(row("INV-0001")).ok
    before = snapshot()
    result = run(row("INV-0002"), row("INV-0001", Description="Again"))
    assert errors_of(result) == [(3, "InvoiceNumber")]
    assert result.errors[0].message == "INV-0001 is already used by an invoice in this company file"
    assert result.imported == ()
    assert Invoice.select().where(Invoice.number == "INV-0001").count() == 1
    assert snapshot() == before


@pytest.mark.parametrize(
    "cells",
    [{"UnitAmount": "-10.00"}, {"Quantity": "-1"}, {"TaxAmount": "-1.00"}, {"Type": "Sales credit note"}],
    ids=["negative-price", "negative-quantity", "negative-tax", "credit-note-type"],
)
def test_credit_notes_are_refused_with_a_clear_message(books, cells):
    result = run(row(**cells))
    assert len(result.errors) == 1
    assert result.errors[0].column == next(iter(cells))
    assert "that is a credit note: make it from its invoice" in result.errors[0].message
    assert "Options > Credit note…" in result.errors[0].message
    assert "invoice-desktop import-credit-notes FILE.csv" in result.errors[0].message
    assert Invoice.select().count() == 0


def test_every_bad_row_is_reported_and_nothing_is_written(books):
    before = snapshot()
    counts = {m: m.select().count() for m in (Invoice, InvoiceLine, Client, Account, TaxRate)}
    result = run(
        row("INV-0001", AccountCode="999", ContactName="New Client"),  # fine on its own
        row("INV-0002", Quantity="abc"),
        row("INV-0003", InvoiceDate="32/01/2024", Description=""),
        row("INV-0004", UnitAmount="-5"),
        row("INV-0005", ContactName=""),
    )
    assert errors_of(result) == [
        (3, "Quantity"),
        (4, "InvoiceDate"),
        (4, "Description"),
        (5, "UnitAmount"),
        (6, "ContactName"),
    ]
    assert [str(e) for e in result.errors][:2] == [
        "line 3, Quantity: 'abc' is not a number",
        "line 4, InvoiceDate: '32/01/2024' is not a date: write it as dd/mm/yyyy or yyyy-mm-dd",
    ]
    assert (result.imported, result.invoice_ids, result.new_clients, result.new_accounts) == ((), (), 0, 0)
    assert {m: m.select().count() for m in counts} == counts
    assert snapshot() == before


def test_approve_after_import(books):
    result = run(row("INV-0001"), row("INV-0002"), approve=True)
    assert result.ok
    assert result.approval is not None and result.approval.approved == ("INV-0001", "INV-0002")
    assert {i.status for i in Invoice.select()} == {InvoiceStatus.AWAITING_PAYMENT.value}
    assert XeroExport.select().count() == 2


def test_a_bad_file_with_approve_approves_nothing(books):
    assert run(row("INV-0001"), approve=True).ok
    result = run(row("INV-0002", Quantity="x"), approve=True)
    assert result.approval is None
    assert Invoice.select().count() == 1


def test_an_import_reads_the_numbers_in_use_once_not_once_per_invoice(books, monkeypatch):
    from invoice_desktop.ledger import csv_import, invoices

    calls = []
    real = invoices.numbers_in_use

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(invoices, "numbers_in_use", counting)
    monkeypatch.setattr(csv_import, "numbers_in_use", counting)
    rows = [f"Acme,CSV-{n:03d},01/03/2024,31/03/2024,Work,1,100.00,200,GST on Income" for n in range(20)]

    result = import_csv_text("\r\n".join([HEADER, *rows]) + "\r\n")

    assert result.ok, result.errors
    assert len(result.invoice_ids) == 20
    assert len(calls) <= 2  # the planner's check and the write's, not one per invoice
    assert len(invoice_ids_by_number([f"CSV-{n:03d}" for n in range(20)])) == 20
