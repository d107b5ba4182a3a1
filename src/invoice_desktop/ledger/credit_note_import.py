"""Import sales credit notes from Xero's credit note CSV template (docs/product.md §5.3).

Each credit note credits an approved invoice of this company file, as Options > Credit note… does
(ledger.credit_notes): its rows are lines of that invoice, credited for all or part of their amount. The file is
read as strictly as the invoice import reads its file (ledger.csv_import.TemplateChecker on ledger.csv_reader): all
or nothing, every problem named by line and column. Rows with the same CreditNoteNumber are one credit note.

- The invoice: the InvoiceNumber column (the app's, beside the template's) or, in a file without that column, the
  Reference. The ContactName must be the invoice's client; a Currency, when given, the invoice's.
- The number: the file's CreditNoteNumber is kept; it must be of the CN- form (CN-0001) and free.
- A row is the invoice line with its Description (the first not credited by an earlier row of the credit note);
  its AccountCode and TaxType (and an InventoryItemCode or tracking, when given) must be that line's. It credits
  Quantity × UnitAmount less Discount, as the invoice states amounts (tax exclusive or inclusive); a TaxAmount, when
  given, must be the tax worked out for it.
- The credit notes are made in one transaction, in file order (so two credit notes of one invoice count together
  against what is still due); any problem rolls every one of them back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from invoice_desktop.ledger.credit_notes import (
    CreditLineDraft,
    CreditNoteDraft,
    CreditNoteResult,
    create_credit_note,
    credit_note_number_problem,
    credit_note_refusal,
    credit_note_totals,
)
from invoice_desktop.ledger.csv_import import (
    LINE_COLUMNS,
    POSTAL_COLUMNS,
    TYPE_COLUMN,
    RowError,
    TemplateChecker,
    checked_date_format,
    prepared_text,
    read_csv_text,
)
from invoice_desktop.ledger.currencies import currency_problem
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import InvoiceDetail, LineDetail, get_invoice_detail, invoice_ids_by_number
from invoice_desktop.ledger.money import (
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_UNIT_AMOUNT,
    MONEY_PLACES,
    QUANTITY_PLACES,
    UNIT_AMOUNT_PLACES,
    figure_problem,
    line_amount,
)
from invoice_desktop.ledger.text import fold, text_problem
from invoice_desktop.store.change_feed import notify_changed
from invoice_desktop.store.models import database_proxy

# --- the template's columns --------------------------------------------------------------------------------

INVOICE_COLUMN = "InvoiceNumber"  # the app's: the invoice credited (else the Reference names it)
NUMBER_COLUMN = "CreditNoteNumber"
DATE_COLUMN = "CreditNoteDate"
HEADER_COLUMNS = (
    "ContactName",
    "EmailAddress",
    *POSTAL_COLUMNS,
    NUMBER_COLUMN,
    "Reference",
    DATE_COLUMN,
    "Currency",
    "BrandingTheme",
    INVOICE_COLUMN,
)
ALL_COLUMNS = (*HEADER_COLUMNS, *LINE_COLUMNS, TYPE_COLUMN)
REQUIRED_COLUMNS = (
    "ContactName",
    NUMBER_COLUMN,
    DATE_COLUMN,
    "Description",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
)
# Columns of the credit note as a whole: its rows must agree on them.
_AGREEING = ("ContactName", "Reference", DATE_COLUMN, "Currency", INVOICE_COLUMN)
# The figures a row may give, with the decimals and the size the ledger keeps (a Discount is a percentage).
_FIGURES = {
    "Quantity": (QUANTITY_PLACES, MAX_QUANTITY),
    "UnitAmount": (UNIT_AMOUNT_PLACES, MAX_UNIT_AMOUNT),
    "Discount": (MONEY_PLACES, Decimal(100)),
    "TaxAmount": (MONEY_PLACES, MAX_MONEY),
}
# Columns that, when given, must be the invoice line's (as the ledger names them on LineDetail).
_LINE_FIELDS = {
    "AccountCode": "account_code",
    "TaxType": "tax_rate_name",
    "InventoryItemCode": "item_code",
    "TrackingName1": "tracking1_name",
    "TrackingOption1": "tracking1_option",
    "TrackingName2": "tracking2_name",
    "TrackingOption2": "tracking2_option",
}
# Where a ledger Problem of create_credit_note shows up in the file ("" for the invoice column: see _invoice_column).
_COLUMN_OF_FIELD = {
    "number": NUMBER_COLUMN,
    "date": DATE_COLUMN,
    "reference": "Reference",
    "line_amount": "UnitAmount",
    "lines": "Description",
    "total": "UnitAmount",
}
_CREDIT = re.compile(r"credit", re.IGNORECASE)  # an export's Type: "Sales credit note", "ACCRECCREDIT"


# --- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedCreditNote:
    number: str
    invoice_number: str
    total: Decimal
    invoice_amount_due: Decimal  # after it (and the file's earlier credit notes of the invoice)
    queued_for_xero: bool


@dataclass(frozen=True)
class CreditNoteImportResult:
    imported: tuple[ImportedCreditNote, ...]  # in file order; () when any row was bad
    errors: tuple[RowError, ...]  # when not empty, nothing was imported
    ignored_columns: tuple[str, ...] = ()  # columns the template does not have

    @property
    def ok(self) -> bool:
        return not self.errors


# --- entry points ------------------------------------------------------------------------------------------


def import_credit_notes_file(path: Path, date_format: str | None = None) -> CreditNoteImportResult:
    """Import the credit notes in a Xero sales credit note template file."""
    return import_credit_notes_text(read_csv_text(path), date_format=date_format)


def import_credit_notes_text(text: str, date_format: str | None = None) -> CreditNoteImportResult:
    """Check every row, then make every credit note in one transaction, or none when anything is wrong."""
    checker = _Checker(checked_date_format(date_format))
    notes, ignored = checker.plan(prepared_text(text))
    imported = checker.make(notes)
    errors = tuple(checker.sorted_errors())
    return CreditNoteImportResult(() if errors else imported, errors, ignored)


# --- checking the file -------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    credit_date: date | None = None
    figures: dict[str, Decimal] = field(default_factory=dict)  # the numbers read (Quantity, UnitAmount, ...)


@dataclass
class _Note:
    number: str
    rows: list[_Row]
    invoice_number: str = ""
    draft: CreditNoteDraft | None = None  # set when every row of it reads and matches its invoice
    tax_stated: dict[int, Decimal] = field(default_factory=dict)  # row index -> the TaxAmount the file gives


class _Checker(TemplateChecker[_Row]):
    canonical = {name.casefold(): name for name in ALL_COLUMNS}
    required = REQUIRED_COLUMNS

    def plan(self, text: str) -> tuple[list[_Note], tuple[str, ...]]:
        rows, ignored = self.read_rows(text, "the file has no credit note rows below its header")
        if INVOICE_COLUMN not in self.column_order and "Reference" not in self.column_order:
            self.error(1, INVOICE_COLUMN, "the file names no invoice: add an InvoiceNumber column (or a Reference)")
        notes: dict[str, _Note] = {}
        for row in rows:
            if number := row.cells[NUMBER_COLUMN]:
                notes.setdefault(number, _Note(number, [])).rows.append(row)
        for note in notes.values():
            self._check_note(note)
        return list(notes.values()), ignored

    @property
    def invoice_column(self) -> str:
        return INVOICE_COLUMN if INVOICE_COLUMN in self.column_order else "Reference"

    def _row(self, line: int, record: Sequence[str], columns: dict[int, str]) -> _Row:
        cells = self.cells_of(record, columns)
        row = _Row(line, cells)
        for name in (NUMBER_COLUMN, "Reference", INVOICE_COLUMN, "ContactName"):
            if problem := text_problem(cells[name]):
                self.error(line, name, problem)
        for name in (*REQUIRED_COLUMNS, self.invoice_column):
            if not cells[name]:
                self.error(line, name, "a value is required")
        if cells[DATE_COLUMN]:
            row.credit_date = self._date(line, DATE_COLUMN, cells[DATE_COLUMN])
        if cells[TYPE_COLUMN] and not _CREDIT.search(cells[TYPE_COLUMN]):
            self.error(line, TYPE_COLUMN, f"'{cells[TYPE_COLUMN]}' is not a sales credit note")
        if problem := currency_problem(cells["Currency"]):
            self.error(line, "Currency", problem)
        for name, (places, limit) in _FIGURES.items():
            figure = self._decimal(line, name, cells[name])
            if figure is None:
                continue
            if problem := figure_problem(figure, places, limit):
                self.error(line, name, problem)
            elif figure < 0:
                self.error(line, name, f"{figure} is negative: a credit note's figures are written as positive")
            else:
                row.figures[name] = figure
        return row

    def _check_note(self, note: _Note) -> None:
        """Its rows agree; its invoice exists, may be credited and is the contact's; each row is one of its lines.
        Sets the draft when all of that holds."""
        first = note.rows[0]
        if problem := credit_note_number_problem(note.number):
            self.error(first.line, NUMBER_COLUMN, problem)
        for name in _AGREEING:
            seen: tuple[str, _Row] | None = None
            for row in note.rows:
                value = row.cells[name]
                if name == DATE_COLUMN:
                    value = row.credit_date.isoformat() if row.credit_date else ""
                if not value:
                    continue
                if seen is None:
                    seen = (value, row)
                elif value != seen[0]:
                    self.error(
                        row.line,
                        name,
                        f"'{row.cells[name]}' differs from '{seen[1].cells[name]}' on line {seen[1].line}: "
                        f"the rows of credit note {note.number} must agree",
                    )
        column = self.invoice_column
        note.invoice_number = next((r.cells[column] for r in note.rows if r.cells[column]), "")
        if not note.invoice_number:
            return  # reported on its rows
        invoice_id = invoice_ids_by_number([note.invoice_number]).get(note.invoice_number)
        if invoice_id is None:
            self.error(first.line, column, f"there is no invoice {note.invoice_number} in this company file")
            return
        if refusal := credit_note_refusal(invoice_id):
            self.error(first.line, column, refusal)
            return
        invoice = get_invoice_detail(invoice_id)
        contact = next((r.cells["ContactName"] for r in note.rows if r.cells["ContactName"]), "")
        if contact and fold(contact) != fold(invoice.client.name):
            self.error(
                first.line,
                "ContactName",
                f"'{contact}' is not the client of {invoice.number}, which is '{invoice.client.name}'",
            )
        currency = next((r.cells["Currency"] for r in note.rows if r.cells["Currency"]), "").upper()
        if currency and currency != invoice.currency:
            self.error(
                first.line, "Currency", f"{currency} is not the currency of {invoice.number} ({invoice.currency})"
            )
        lines = self._credited_lines(note, invoice)
        credit_date = next((r.credit_date for r in note.rows if r.credit_date), None)
        its_lines = {row.line for row in note.rows}
        if any(e.line in its_lines for e in self.errors) or lines is None or credit_date is None:
            return
        reason = next((r.cells["Reference"] for r in note.rows if r.cells["Reference"]), "")
        note.draft = CreditNoteDraft(invoice_id, credit_date, reason, lines, number=note.number)
        self._check_tax(note)

    def _credited_lines(self, note: _Note, invoice: InvoiceDetail) -> list[CreditLineDraft] | None:
        """Each row as the invoice line it credits, or None when a row does not read or match (reported)."""
        taken: dict[int, int] = {}  # invoice line position -> the file line crediting it
        credits: list[CreditLineDraft] = []
        for index, row in enumerate(note.rows):
            line = self._matching_line(row, invoice, taken)
            quantity, unit = row.figures.get("Quantity"), row.figures.get("UnitAmount")
            if line is None or quantity is None or unit is None:
                continue
            taken[line.position] = row.line
            credits.append(CreditLineDraft(line.position, line_amount(quantity, unit, row.figures.get("Discount"))))
            if (tax := row.figures.get("TaxAmount")) is not None:
                note.tax_stated[index] = tax
        return credits if len(credits) == len(note.rows) else None

    def _matching_line(self, row: _Row, invoice: InvoiceDetail, taken: dict[int, int]) -> LineDetail | None:
        description = row.cells["Description"]
        if not description:
            return None  # reported
        same = [line for line in invoice.lines if line.description == description]
        line = next((ln for ln in same if ln.position not in taken), None)
        if line is None:
            if same:
                earlier = ", ".join(str(taken[ln.position]) for ln in same)
                message = f"{invoice.number}'s line '{description}' is credited on line {earlier} already"
            else:
                listed = "; ".join(f"'{ln.description}'" for ln in invoice.lines)
                message = f"{invoice.number} has no line '{description}' (its lines: {listed})"
            self.error(row.line, "Description", message)
            return None
        matches = True
        for column, name in _LINE_FIELDS.items():
            given, its = row.cells[column], str(getattr(line, name) or "")
            if given and fold(given) != fold(its):
                has = f"has {column} '{its}'" if its else f"has no {column}"
                credited = "a credited line is the invoice's line as it is"
                self.error(
                    row.line, column, f"{invoice.number}'s line '{description}' {has}, not '{given}': {credited}"
                )
                matches = False
        return line if matches else None

    def _check_tax(self, note: _Note) -> None:
        """A TaxAmount the file gives must be the tax worked out for its line, as Xero works it out."""
        if note.draft is None or not note.tax_stated:
            return
        totals = credit_note_totals(note.draft.invoice_id, note.draft.lines)
        for index, stated in note.tax_stated.items():
            worked = totals.lines[index].tax_amount
            if stated != worked:
                self.error(
                    note.rows[index].line, "TaxAmount", f"the file says {stated} but the line works out to {worked}"
                )
                note.draft = None

    # --- making them ----------------------------------------------------------------------------------------

    def make(self, notes: Sequence[_Note]) -> tuple[ImportedCreditNote, ...]:
        """Make the credit notes of a file, in one transaction, rolled back when any problem was found (then the
        ones that read cleanly are made anyway, to find what only making them shows: more than is due)."""
        imported: list[ImportedCreditNote] = []
        try:
            with database_proxy.atomic():
                for note in notes:
                    if note.draft is not None:
                        result = self._make(note, note.draft)
                        if result is not None:
                            imported.append(self._imported(note, result))
                if self.errors:
                    raise _RollBack
                notify_changed()
        except _RollBack:
            return ()
        return tuple(imported)

    def _make(self, note: _Note, draft: CreditNoteDraft) -> CreditNoteResult | None:
        try:
            return create_credit_note(draft)
        except LedgerError as exc:
            for problem in exc.problems:
                row = note.rows[problem.line] if problem.line is not None else note.rows[0]
                column = self.invoice_column if problem.field == "status" else _COLUMN_OF_FIELD.get(problem.field, "")
                self.error(row.line, column, problem.message)
            return None

    @staticmethod
    def _imported(note: _Note, result: CreditNoteResult) -> ImportedCreditNote:
        return ImportedCreditNote(
            result.number, note.invoice_number, result.total, result.invoice_amount_due, result.queued_for_xero
        )


class _RollBack(Exception):
    """Undoes the credit notes made when the file had a problem anywhere."""
