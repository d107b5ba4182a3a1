"""Invoice numbers are one number when they differ only in case, as Xero compares them ("INV-0043" and "inv-0043":
Xero refuses the second with "Invoice # must be unique."). Drafts, the next-number suggestion, the CSV import (against
the company file and within the file) and renumbering all refuse such a number the same way (number_key: casefold)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal as D

import pytest
from ledger_books import snapshot

from invoice_desktop.ledger.csv_import import ImportResult, import_csv_text
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    next_number,
    number_clash,
    number_key,
    renumber_invoice,
    update_draft,
)
from invoice_desktop.store.models import Invoice, database_proxy
from invoice_desktop.store.settings import set_setting

CASE_NOTE = "(Xero does not tell numbers apart by case)"


def draft(number: str | None = None, quantity: str = "1") -> InvoiceDraft:
    line = LineDraft("Consulting", D(quantity), D("100.00"), "200", "GST on Income")
    return InvoiceDraft("Acme Pty Ltd", date(2024, 3, 1), date(2024, 3, 31), lines=(line,), number=number)


def numbers() -> list[str]:
    return sorted(Invoice.select(Invoice.number).scalars())


def refused(call, *args) -> str:
    """The one problem `call` was refused with, on the number field; nothing was written."""
    before = sorted(Invoice.select(Invoice.id, Invoice.number, Invoice.total).tuples())
    with pytest.raises(LedgerError) as error:
        call(*args)
    assert sorted(Invoice.select(Invoice.id, Invoice.number, Invoice.total).tuples()) == before
    (problem,) = error.value.problems
    assert problem.field == "number"
    return problem.message


# --- the comparison ------------------------------------------------------------------------------------------------


def test_numbers_compare_by_unicode_casefold():
    assert number_key("INV-0043") == number_key("inv-0043")
    assert number_key("RECHNUNG-STRASSE") == number_key("rechnung-straße")  # casefold, not lower()
    assert number_key("É-1") == number_key("é-1")  # beyond ASCII, unlike SQLite's lower()
    assert number_key("INV-0043") != number_key("INV-043")


def test_the_message_names_the_number_taken():
    assert number_clash("INV-1", "INV-1") == "INV-1 is already used by another invoice"
    assert number_clash("inv-1", "INV-1") == f"inv-1 is already used by another invoice as INV-1 {CASE_NOTE}"


# --- drafts --------------------------------------------------------------------------------------------------------


def test_creating_a_draft_with_another_invoices_number_in_other_case_is_refused(books):
    create_invoice(draft("INV-0043"))
    message = refused(create_invoice, draft("inv-0043"))
    assert message == f"inv-0043 is already used by another invoice as INV-0043 {CASE_NOTE}"
    assert numbers() == ["INV-0043"]


def test_an_approved_invoice_takes_its_number_in_every_case_too(books):
    approve_invoices([create_invoice(draft("INV-0043"))])
    assert refused(create_invoice, draft("Inv-0043")).startswith("Inv-0043 is already used by another invoice as ")


def test_the_exact_number_keeps_its_message(books):
    create_invoice(draft("INV-0043"))
    assert refused(create_invoice, draft(" INV-0043 ")) == "INV-0043 is already used by another invoice"


def test_non_ascii_numbers_compare_by_casefold(books):
    create_invoice(draft("RÉF-STRASSE"))
    assert refused(create_invoice, draft("réf-straße")).startswith("réf-straße is already used by another invoice")


def test_updating_a_draft_to_another_invoices_number_in_other_case_is_refused(books):
    create_invoice(draft("INV-0043"))
    invoice_id = create_invoice(draft("INV-0044"))
    message = refused(update_draft, invoice_id, draft("inv-0043", quantity="2"))
    assert message == f"inv-0043 is already used by another invoice as INV-0043 {CASE_NOTE}"
    detail = get_invoice_detail(invoice_id)
    assert (detail.number, detail.total) == ("INV-0044", D("110.00"))


def test_a_draft_may_change_the_case_of_its_own_number(books):
    invoice_id = create_invoice(draft("INV-0043"))
    update_draft(invoice_id, draft("inv-0043", quantity="2"))  # not a clash with itself: drafts are not in Xero
    detail = get_invoice_detail(invoice_id)
    assert (detail.number, detail.total) == ("inv-0043", D("220.00"))


def test_a_draft_keeping_a_number_that_already_clashes_must_change_it(books):
    """A company file from before this rule may hold two numbers that differ only in case (the exact unique index
    let them in). Saving the draft with that number again is refused: Xero would refuse it as a duplicate."""
    create_invoice(draft("INV-0043"))
    invoice_id = create_invoice(draft("INV-0044"))
    Invoice.update(number="inv-0043").where(Invoice.id == invoice_id).execute()  # as an older version allowed
    assert refused(update_draft, invoice_id, draft("inv-0043")).startswith("inv-0043 is already used by another")
    update_draft(invoice_id, draft("INV-0045"))
    assert numbers() == ["INV-0043", "INV-0045"]


# --- the next number -----------------------------------------------------------------------------------------------


def test_the_next_number_skips_a_number_taken_in_other_case(books):
    create_invoice(draft("inv-0001"))
    create_invoice(draft("Inv-0002"))
    assert next_number() == "INV-0003"
    assert get_invoice_detail(create_invoice(draft())).number == "INV-0003"


def test_the_next_number_skips_a_casefold_match_of_a_non_ascii_prefix(books):
    set_setting("numbering.prefix", "STRASSE-")
    create_invoice(draft("straße-0001"))
    assert next_number() == "STRASSE-0002"


# --- the CSV import ------------------------------------------------------------------------------------------------


HEADER = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType"


def csv_text(*numbers: str) -> str:
    """A template file with one line per number (rows with one number are lines of one invoice)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER.split(","))
    for number in numbers:
        writer.writerow(
            ["Acme Pty Ltd", number, "01/03/2024", "31/03/2024", "Consulting", "1", "100", "200", "GST on Income"]
        )
    return out.getvalue()


def errors_of(result: ImportResult) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in result.errors]


def test_csv_template_rows_are_what_the_helper_writes(books):
    result = import_csv_text(csv_text("INV-1", "INV-1", "INV-2"))
    assert result.ok and result.imported == ("INV-1", "INV-2")
    assert [len(get_invoice_detail(i).lines) for i in result.invoice_ids] == [2, 1]


def test_csv_a_number_in_the_company_file_in_other_case_is_refused(books):
    create_invoice(draft("INV-0043"))
    before = snapshot()
    result = import_csv_text(csv_text("INV-0050", "inv-0043", "inv-0043"))
    expected = f"inv-0043 is already used by an invoice in this company file as INV-0043 {CASE_NOTE}"
    assert errors_of(result) == [(3, "InvoiceNumber", expected)]  # once, on the invoice's first row
    assert result.imported == () and snapshot() == before


def test_csv_numbers_of_one_file_that_differ_only_in_case_clash(books):
    """The template groups rows by InvoiceNumber exactly: INV-1 and inv-1 would be two invoices with one number."""
    before = snapshot()
    result = import_csv_text(csv_text("INV-1", "INV-2", "inv-1", "INV-1", "Inv-1"))
    assert errors_of(result) == [
        (4, "InvoiceNumber", f"inv-1 is already used by the invoice on line 2 of this file as INV-1 {CASE_NOTE}"),
        (6, "InvoiceNumber", f"Inv-1 is already used by the invoice on line 2 of this file as INV-1 {CASE_NOTE}"),
    ]
    assert result.imported == () and snapshot() == before


def test_csv_a_clash_with_the_file_and_the_company_file_is_reported_for_each(books):
    create_invoice(draft("INV-1"))
    result = import_csv_text(csv_text("inv-1", "Inv-1"))
    assert [(line, message.split(" as ")[0]) for line, _, message in errors_of(result)] == [
        (2, "inv-1 is already used by an invoice in this company file"),
        (3, "Inv-1 is already used by an invoice in this company file"),
        (3, "Inv-1 is already used by the invoice on line 2 of this file"),
    ]
    assert numbers() == ["INV-1"]


# --- renumbering (the comparison it had, now shared) ---------------------------------------------------------------


def test_renumber_still_refuses_another_invoices_number_in_other_case(books):
    create_invoice(draft("INV-0007"))  # a draft takes its number too
    invoice_id = create_invoice(draft("INV-0042"))
    approve_invoices([invoice_id])
    assert refused(renumber_invoice, invoice_id, "inv-0007") == (
        f"inv-0007 is already used by another invoice as INV-0007 {CASE_NOTE}"
    )
    assert refused(renumber_invoice, invoice_id, "INV-0007") == "INV-0007 is already used by another invoice"
    assert refused(renumber_invoice, invoice_id, "inv-0042").startswith("inv-0042 differs from INV-0042 only in case")
    renumber_invoice(invoice_id, "INV-0099")
    assert numbers() == ["INV-0007", "INV-0099"]


def test_a_renumbered_invoices_number_is_taken_in_every_case(books):
    invoice_id = create_invoice(draft("INV-0042"))
    approve_invoices([invoice_id])
    renumber_invoice(invoice_id, "SPECIAL-1")
    assert refused(create_invoice, draft("special-1")).startswith("special-1 is already used by another invoice as ")
    assert get_invoice_detail(create_invoice(draft("inv-0042"))).number == "inv-0042"  # the old number is free


# --- the schema: the rule is not an index --------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_the_schema_keeps_only_the_exact_unique_index_on_number(db):
    """Kept in the services (see ledger.invoices.number_key): no migration adds a lower(number) index, which would
    fold ASCII only and could not be built on a file already holding numbers that differ only in case."""
    rows = database_proxy.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'invoice'")
    keys = [sql.split(" WHERE ")[0] for (sql,) in rows if sql]  # what is indexed (invoice_not_ascii's condition
    on_number = sorted(key for key in keys if "number" in key)  # reads the number, it indexes the id)
    assert on_number == [
        'CREATE INDEX "invoice_status_number" ON "invoice" ("status", "number")',  # the tabs' sort: not unique
        'CREATE UNIQUE INDEX "invoice_number" ON "invoice" ("number")',
    ]
