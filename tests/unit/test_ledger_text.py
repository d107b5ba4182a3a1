"""Look-alike text: every text entering the ledger is kept in NFC, invisible and control characters are refused
naming the field and the character, and numbers and names compare as Xero compares them (NFC + casefold). The
issue: `CAFÉ-1` in NFC and in NFD, and `INV-0101` with a zero-width space, were two invoices that look the same.
Company files holding such text from before are reported, never changed."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ledger_books import HEADER, snapshot

from invoice_desktop.__main__ import main
from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.catalog import ClientDetails
from invoice_desktop.ledger.clients import client_problems, create_client
from invoice_desktop.ledger.csv_import import import_csv_text
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_by_numbers,
    approve_invoices,
    create_invoice,
    draft_problems,
    get_invoice_detail,
    number_key,
    renumber_invoice,
)
from invoice_desktop.ledger.queries import Tab, list_invoices
from invoice_desktop.ledger.stored_text import stored_text_warnings
from invoice_desktop.ledger.text import char_name, fold, text_problem
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.models import Client, Invoice

NFC = "CAF\u00c9-1"  # É precomposed
NFD = "CAFE\u0301-1"  # E + COMBINING ACUTE ACCENT


def draft(number: str = "Q-1", client: str = "Acme", description: str = "Work", **header) -> InvoiceDraft:
    line = LineDraft(description, D(1), D(100), "200", "GST on Income")
    return InvoiceDraft(client, date(2024, 3, 1), date(2024, 3, 31), lines=(line,), number=number, **header)


def csv_row(number: str, client: str = "Acme", description: str = "Work", tax: str = "GST on Income") -> str:
    return f"{client},{number},01/03/2024,31/03/2024,{description},1,100.00,200,{tax}"


def csv(*rows: str) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


# --- the rules -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("INV-0101\u200b", "an invisible character, U+200B ZERO WIDTH SPACE, after “INV-0101”"),
        ("INV\u2060-0101", "an invisible character, U+2060 WORD JOINER, after “INV”"),
        ("\u202eINV-0101", "an invisible character, U+202E RIGHT-TO-LEFT OVERRIDE, at the start"),
        ("INV-\u2066101", "an invisible character, U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("INV-\u00ad0101", "an invisible character, U+00AD SOFT HYPHEN"),
        ("INV-\ufeff0101", "an invisible character, U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("INV-\u31640101", "an invisible character, U+3164 HANGUL FILLER"),
        ("INV-01\n01", "a line break, U+000A LINE FEED"),
        ("INV-01\u202801", "a line break, U+2028 LINE SEPARATOR"),
        ("INV-01\t01", "a tab, U+0009 CHARACTER TABULATION"),
        ("INV-01\x0701", "a control character, U+0007"),
        ("INV-01\x8501", "a line break, U+0085 NEXT LINE"),
        ("INV-01\x9b01", "a control character, U+009B"),
        ("INV\u00a00101", "a space other than the ordinary one, U+00A0 NO-BREAK SPACE"),
        ("INV\ue0000101", "a private-use character, U+E000"),
    ],
)
def test_invisible_and_control_characters_are_named(value, words):
    assert words in text_problem(value)


def test_a_description_may_hold_line_breaks_and_any_space_but_nothing_invisible():
    assert text_problem("Two\nlines\u00a0here", multiline=True) == ""
    assert "U+200B ZERO WIDTH SPACE" in text_problem("Two\u200b lines", multiline=True)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in text_problem("Work \u202e", multiline=True)
    assert "U+2028 LINE SEPARATOR" in text_problem("a\u2028b", multiline=True)


def test_numbers_compare_as_xero_compares_them():
    assert number_key(NFC) == number_key(NFD) == number_key("café-1")
    assert fold("Ōtaki Café") == fold("ŌTAKI CAFE\u0301")
    assert char_name("\x00") == "U+0000 NULL"


# --- where text enters ---------------------------------------------------------------------------------------------


def test_the_csv_import_reads_one_number_in_two_unicode_forms_as_one_number(books):
    """Rows with the same InvoiceNumber are lines of one invoice: in NFC and NFD it is the same number."""
    result = import_csv_text(csv(csv_row(NFC), csv_row(NFD)))
    assert result.ok, result.errors
    assert result.imported == (NFC,)
    assert len(get_invoice_detail(result.invoice_ids[0]).lines) == 2
    assert list(Invoice.select(Invoice.number).scalars()) == [NFC]


def test_the_csv_import_refuses_a_form_of_a_number_in_the_company_file(books):
    create_invoice(draft(NFC))
    result = import_csv_text(csv(csv_row("café-1")))
    assert [(e.line, e.column) for e in result.errors] == [(2, "InvoiceNumber")]
    assert Invoice.select().count() == 1


def test_the_csv_import_refuses_a_number_with_a_zero_width_space(books):
    result = import_csv_text(csv(csv_row("INV-0101"), csv_row("INV-0101\u200b")))
    assert [(e.line, e.column) for e in result.errors] == [(3, "InvoiceNumber")]
    assert "U+200B ZERO WIDTH SPACE" in result.errors[0].message
    assert Invoice.select().count() == 0


@pytest.mark.parametrize(
    ("row", "column", "character"),
    [
        (csv_row("Q-1", client="Acme\u200b"), "ContactName", "U+200B ZERO WIDTH SPACE"),
        (csv_row("Q-1", description="Work\u202e"), "Description", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        (csv_row("Q-1", tax="GST on\u00a0Income"), "TaxType", "U+00A0 NO-BREAK SPACE"),
        (csv_row("Q-1").replace(",200,", ",2\u200d00,"), "AccountCode", "U+200D ZERO WIDTH JOINER"),
    ],
)
def test_the_csv_import_names_the_column_and_the_character(books, row, column, character):
    before = snapshot()
    result = import_csv_text(csv(row))
    assert (result.errors[0].line, result.errors[0].column) == (2, column)
    assert character in result.errors[0].message
    assert snapshot() == before


def test_the_csv_import_keeps_text_in_nfc_and_finds_clients_in_either_form(books):
    create_client("Ōtaki Café")
    result = import_csv_text(csv(csv_row(NFD, client="O\u0304taki Cafe\u0301")))
    assert result.ok, result.errors
    invoice = get_invoice_detail(result.invoice_ids[0])
    assert (invoice.number, invoice.client.name) == (NFC, "Ōtaki Café")
    assert Client.select().count() == 1


def test_a_draft_in_another_unicode_form_of_a_taken_number_is_refused(books):
    create_invoice(draft(NFC))
    with pytest.raises(LedgerError) as error:
        create_invoice(draft(NFD))
    assert error.value.problems[0].field == "number"
    assert Invoice.select().count() == 1


def test_a_draft_is_kept_in_nfc(books):
    invoice_id = create_invoice(
        draft(NFD, client="Cafe\u0301", description="Line one\r\nline two", reference="Re\u0301f")
    )
    detail = get_invoice_detail(invoice_id)
    assert (detail.number, detail.client.name, detail.reference) == (NFC, "Café", "Réf")
    assert detail.lines[0].description == "Line one\nline two"


@pytest.mark.parametrize(
    ("changes", "field", "character"),
    [
        ({"number": "INV-0101\u200b"}, "number", "U+200B ZERO WIDTH SPACE"),
        ({"client": "Acme\u202e"}, "client_name", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ({"reference": "PO\t7781"}, "reference", "U+0009 CHARACTER TABULATION"),
        ({"description": "Work\u200b"}, "description", "U+200B ZERO WIDTH SPACE"),
    ],
)
def test_a_draft_with_an_invisible_character_is_refused_naming_field_and_character(books, changes, field, character):
    problems = draft_problems(draft(**changes))
    assert [p.field for p in problems] == [field]
    assert character in problems[0].describe()
    with pytest.raises(LedgerError):
        create_invoice(draft(**changes))
    assert Invoice.select().count() == 0


def test_clients_refuse_invisible_characters_and_twins_in_another_form(books):
    create_client("Ōtaki Café")
    problems = client_problems("O\u0304TAKI CAFE\u0301", ClientDetails())
    assert [p.field for p in problems] == ["name"]
    assert "there is already a client named “Ōtaki Café”" in problems[0].message
    problems = client_problems("Acme\u200b", ClientDetails(city="Sydney\tNSW"))
    assert {p.field for p in problems} == {"name", "city"}
    with pytest.raises(LedgerError):
        create_client("Acme\u200b")
    with pytest.raises(LedgerError):
        catalog.get_or_create_client("Acme\u200b")
    with pytest.raises(LedgerError):
        catalog.get_or_create_account("2\u200b00")
    with pytest.raises(LedgerError):
        catalog.create_tax_rate("GST\u200b", D(10))
    assert Client.select().count() == 1


def test_renumbering_normalises_and_refuses_invisible_characters_and_forms_of_taken_numbers(books):
    create_invoice(draft(NFC))
    invoice_id = create_invoice(draft("Q-2"))
    approve_invoices([invoice_id])
    for refused, words in ((NFD, "already used"), ("Q-2\u200b", "U+200B ZERO WIDTH SPACE")):
        with pytest.raises(LedgerError) as error:
            renumber_invoice(invoice_id, refused)
        assert words in error.value.problems[0].message
    renumber_invoice(invoice_id, "Q-3 Re\u0301f")
    assert get_invoice_detail(invoice_id).number == "Q-3 Réf"


def test_approving_by_number_finds_the_invoice_in_any_form_or_case(books):
    create_invoice(draft(NFC))
    create_invoice(draft("INV-0001"))
    result = approve_by_numbers([NFD, "inv-0001", "nope"])
    assert result.approved == (NFC, "INV-0001")
    assert result.rejected == (("nope", "no such invoice"),)


def test_searching_finds_text_in_either_unicode_form(books):
    create_invoice(draft("Q-1", client="Ōtaki Café"))
    assert [row.client for row in list_invoices(Tab.ALL, search="CAFE\u0301")] == ["Ōtaki Café"]


# --- company files from before the rules ---------------------------------------------------------------------------


def store_raw(number: str, client: str = "Acme", reference: str = "") -> None:
    """An invoice as an older version stored it, bypassing the rules."""
    invoice_id = create_invoice(draft(f"TMP-{Invoice.select().count()}", client="Acme"))
    Invoice.update(number=number, reference=reference).where(Invoice.id == invoice_id).execute()
    if client != "Acme":
        Client.insert(name=client).execute()


def test_stored_lookalikes_are_reported_and_logged_never_changed(books, caplog):
    store_raw(NFC)
    store_raw(NFD)
    store_raw("INV-0101")
    store_raw("INV-0101\u200b", reference="PO\u202e1")
    store_raw("Q-9", client="Cafe\u0301")
    Client.insert(name="CAFÉ").execute()
    before = snapshot()
    with caplog.at_level(logging.WARNING):
        warnings = stored_text_warnings()
    assert snapshot() == before
    assert warnings[0] == (
        f"Invoices “{NFC}” (U+00C9) and “{NFD}” (U+0301) have numbers that Xero reads as one (they differ only in "
        "case or in Unicode form): renumber or delete all but one before they are exported."
    )
    assert any(w.startswith("Clients “Cafe\u0301” and “CAFÉ” have names that Xero reads as one") for w in warnings)
    assert any(
        w.startswith("Invoice number INV-0101<U+200B> holds an invisible character, U+200B ZERO WIDTH SPACE")
        for w in warnings
    )
    assert any(w.startswith("Invoice INV-0101<U+200B>'s reference holds an invisible character") for w in warnings)
    assert len(warnings) == 4
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"company file: {w}" for w in warnings
    ]


def test_a_clean_company_file_has_no_warnings(books):
    create_invoice(draft("Q-1"))
    assert stored_text_warnings() == []


def test_the_invoices_command_prints_a_warning_line_and_keeps_json_one_document(db, data_dir: Path, capsys):
    catalog.get_or_create_account("200", "Sales")
    catalog.create_tax_rate("GST on Income", D(10))
    store_raw("INV-0101\u200b")
    close_database()
    assert main(["--data-dir", str(data_dir), "invoices", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.lstrip().startswith("[")
    assert "invoice-desktop: warning: Invoice number INV-0101<U+200B> holds an invisible character" in err
    open_database(data_dir / "company.sqlite3", data_dir / "backups")  # for the db fixture's teardown


# --- the window's forms get the same rules -------------------------------------------------------------------------


def test_the_invoice_editor_names_the_field_and_the_character(qtbot, books):
    from invoice_desktop.ui.invoice_editor import InvoiceEditor
    from invoice_desktop.ui.models.line_items_model import LineEntry

    editor = InvoiceEditor(today=lambda: date(2024, 3, 1))
    qtbot.addWidget(editor)
    editor.client_combo.setEditText("Acme")
    editor.number_edit.setText("INV-0101\u200b")
    editor.lines_model.set_entries([LineEntry("Work", "1", "100.00", "200", "GST on Income")])
    assert editor.save() is None
    assert "• Invoice number: holds an invisible character, U+200B ZERO WIDTH SPACE" in editor.problems.text()
    assert Invoice.select().count() == 0


def test_the_client_dialog_names_the_field_and_the_character(qtbot, books):
    from invoice_desktop.ui.client_dialog import ClientDialog

    dialog = ClientDialog()
    qtbot.addWidget(dialog)
    dialog.edits["name"].setText("Acme\u2066 Ltd")
    assert dialog.save() is None
    assert "• Name: holds an invisible character, U+2066 LEFT-TO-RIGHT ISOLATE" in dialog.problems.text()
    assert Client.select().count() == 0


def test_the_csv_import_checks_a_new_clients_columns_as_the_clients_window_does(books):
    header = f"{HEADER},EmailAddress,POCity"
    rows = [
        f"{csv_row('Q-1')},nope,Sydney",
        f"{csv_row('Q-2', client='B' * 256)},,Sydney",
        f"{csv_row('Q-3', client='Cee')},,Syd\tney",
    ]
    result = import_csv_text("\r\n".join([header, *rows]) + "\r\n")
    assert [(e.line, e.column) for e in result.errors] == [(2, "EmailAddress"), (3, "ContactName"), (4, "POCity")]
    assert "is not an email address" in result.errors[0].message
    assert "at most 255 characters" in result.errors[1].message
    assert "U+0009 CHARACTER TABULATION" in result.errors[2].message
    assert Client.select().count() == 0


def test_a_header_title_with_an_invisible_character_is_named(books):
    result = import_csv_text(csv(csv_row("Q-1")).replace("*ContactName", "*Contact\u200bName", 1))
    assert (result.errors[0].line, result.errors[0].column) == (1, "")
    assert result.errors[0].message.startswith("the column title “*Contact<U+200B>Name” holds an invisible character")
