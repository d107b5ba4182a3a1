"""Import sales invoices from Xero's CSV import template (docs/product.md §5).

All or nothing: every row is checked first and every problem is reported (line as a spreadsheet shows it,
with the header on line 1, and the physical line of the file where that differs; the column; the reason). A file
with any bad row imports nothing. The file is read strictly (ledger.csv_reader): a quote left open, a quote out of
place, a NUL byte or a row with more or fewer cells than the header is an error of its line, never a row dropped
or merged. A good file is written in one transaction: new clients, accounts and tax rates, then the invoices as
drafts (approved afterwards when asked).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.bulk_write import ChangedMeanwhile, NewInvoice, data_version, write_invoices
from invoice_desktop.ledger.clients import client_field_problems
from invoice_desktop.ledger.csv_reader import CsvDecodeError, CsvReadError, Record, decode, read_records
from invoice_desktop.ledger.currencies import currency_problem
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    CREDIT_NOTE_PATH,
    ApproveResult,
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    header_problems,
    line_problems,
    number_clash,
    number_key,
    numbers_in_use,
    totals_for,
    totals_problems,
)
from invoice_desktop.ledger.money import (
    MAX_MONEY,
    MONEY_PLACES,
    InvoiceTotals,
    figure_problem,
    line_amount,
    line_tax,
    shown,
)
from invoice_desktop.ledger.text import nfc_lines, text_problem, visible
from invoice_desktop.store.models import AmountsType
from invoice_desktop.store.settings import get_setting

# --- the template's columns --------------------------------------------------------------------------------

ADDRESS_COLUMNS = ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "City", "Region", "PostalCode")
POSTAL_COLUMNS = tuple(f"PO{c}" for c in (*ADDRESS_COLUMNS, "Country"))
STREET_COLUMNS = tuple(f"SA{c}" for c in (*ADDRESS_COLUMNS, "Country"))  # accepted, not kept
LINE_COLUMNS = (
    "InventoryItemCode",
    "Description",
    "Quantity",
    "UnitAmount",
    "Discount",
    "AccountCode",
    "TaxType",
    "TaxAmount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
)
HEADER_COLUMNS = (
    "ContactName",
    "EmailAddress",
    *POSTAL_COLUMNS,
    "InvoiceNumber",
    "Reference",
    "InvoiceDate",
    "DueDate",
    "Currency",
    "BrandingTheme",
)
CHECKED_COLUMNS = ("LineAmount", "Total", "TaxTotal")  # calculated by some exports: must match what we compute
TYPE_COLUMN = "Type"  # in exports: "Sales invoice" or "Sales credit note"; a credit note is refused
IGNORED_COLUMNS = (
    *STREET_COLUMNS,
    "POAttentionTo",
    "SAAttentionTo",
    "InvoiceAmountPaid",
    "InvoiceAmountDue",
    "PlannedDate",
    "Sent",
    "Status",
)
REQUIRED_COLUMNS = (
    "ContactName",
    "InvoiceNumber",
    "InvoiceDate",
    "DueDate",
    "Description",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
)
ALL_COLUMNS = (*HEADER_COLUMNS, *LINE_COLUMNS, *CHECKED_COLUMNS, TYPE_COLUMN, *IGNORED_COLUMNS)

# Where the postal address columns go on a new client.
CLIENT_DETAIL_OF_COLUMN = {
    "EmailAddress": "email",
    "POAddressLine1": "address_line1",
    "POAddressLine2": "address_line2",
    "POAddressLine3": "address_line3",
    "POAddressLine4": "address_line4",
    "POCity": "city",
    "PORegion": "region",
    "POPostalCode": "postal_code",
    "POCountry": "country",
}

# Where a ledger Problem about a draft field shows up in the file.
COLUMN_OF_FIELD = {
    "client_name": "ContactName",
    "number": "InvoiceNumber",
    "date": "InvoiceDate",
    "due_date": "DueDate",
    "reference": "Reference",
    "currency": "Currency",
    "total": "Total",
    "description": "Description",
    "quantity": "Quantity",
    "unit_amount": "UnitAmount",
    "discount_rate": "Discount",
    "account_code": "AccountCode",
    "tax_rate_name": "TaxType",
    "tax_amount_override": "TaxAmount",
    "line_amount": "LineAmount",
    "item_code": "InventoryItemCode",
    "tracking1_name": "TrackingName1",
    "tracking1_option": "TrackingOption1",
    "tracking2_name": "TrackingName2",
    "tracking2_option": "TrackingOption2",
    "branding_theme": "BrandingTheme",
}
# Header columns whose text is kept as it is written (checked by ledger.text on every row); the client's columns
# are checked as the Clients window checks a client (ledger.clients.client_field_problems).
_COLUMN_OF_CLIENT_FIELD = {
    "name": "ContactName",
    **{detail: column for column, detail in CLIENT_DETAIL_OF_COLUMN.items()},
}
_TEXT_COLUMNS = ("InvoiceNumber", "Reference", "BrandingTheme")
_FIGURES = ("quantity", "unit_amount", "discount_rate", "tax_amount_override", "line_amount")

_CANONICAL = {name.casefold(): name for name in ALL_COLUMNS}
_NUMBER = re.compile(r"[$£€]?(\d{1,3}(,\d{3})+|\d*)(\.\d*)?", re.ASCII)
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_CREDIT_NOTE = re.compile(r"credit", re.IGNORECASE)  # "Sales credit note", "ACCRECCREDIT"
RowT = TypeVar("RowT")


# --- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int  # as a spreadsheet numbers rows: the header is line 1
    column: str  # the template's column name ("Quantity"), "" for the row as a whole
    message: str
    file_line: int = 0  # the physical line of the file (as a text editor numbers them); 0: the same as `line`
    # The physical line the row ends on, when a quoted cell carried it over several (0: `file_line`): a row whose
    # quoting swallowed the lines after it names them all.
    file_last_line: int = 0

    @property
    def file_lines(self) -> range:
        first = self.file_line or self.line
        return range(first, max(first, self.file_last_line) + 1)

    def __str__(self) -> str:
        where = f"line {self.line}"
        lines = self.file_lines
        if len(lines) > 1:
            where += f" (lines {lines[0]}–{lines[-1]} of the file)"
        elif self.file_line and self.file_line != self.line:
            where += f" (line {self.file_line} of the file)"
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    imported: tuple[str, ...]  # invoice numbers, in file order
    invoice_ids: tuple[int, ...]
    new_clients: int
    new_accounts: int
    new_tax_rates: int
    errors: tuple[RowError, ...]  # when not empty, nothing was imported
    approval: ApproveResult | None = None  # when approve=True and the import went through
    ignored_columns: tuple[str, ...] = ()  # columns the template does not have

    @property
    def ok(self) -> bool:
        return not self.errors


class CsvFileError(LedgerError):
    """The file cannot be read as a CSV at all (missing, not in an encoding read here, empty, separated by
    semicolons or tabs); nothing was imported."""


# --- entry points --------------------------------------------------------------------------------------------


def import_csv_file(
    path: Path,
    amounts: AmountsType | str = AmountsType.EXCLUSIVE,
    approve: bool = False,
    date_format: str | None = None,
) -> ImportResult:
    """Import the invoices in a Xero sales-invoice template file."""
    return import_csv_text(read_csv_text(path), amounts=amounts, approve=approve, date_format=date_format)


def read_csv_text(path: Path) -> str:
    """The file's text (UTF-8, UTF-16 or UTF-32; ledger.csv_reader.decode); CsvFileError when it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise CsvFileError(f"{path} does not exist.") from exc
    except OSError as exc:
        raise CsvFileError(f"{path} cannot be read: {exc.strerror or exc}.") from exc
    try:
        text = decode(data)
    except CsvDecodeError as exc:
        raise CsvFileError(f"{path} cannot be imported: {exc}") from exc
    if not text.strip():
        raise CsvFileError(f"{path} is empty.")
    return text


def import_csv_text(
    text: str,
    amounts: AmountsType | str = AmountsType.EXCLUSIVE,
    approve: bool = False,
    date_format: str | None = None,
) -> ImportResult:
    """Check every row, then import all invoices in one transaction, or nothing when any row is bad."""
    text = prepared_text(text)
    amounts_type = AmountsType(amounts)
    fmt = checked_date_format(date_format)
    seen_version = data_version()  # before the checks read the company file (ledger.bulk_write)
    try:
        plan = _Planner(amounts_type, fmt).plan(text)
    except CsvReadError as exc:  # pragma: no cover - a fault of the reader, caught rather than trusted
        raise CsvFileError(f"The file could not be read reliably ({exc}); nothing was imported.") from exc
    result = _failed(plan.errors, plan.ignored_columns) if plan.errors else _write(plan, seen_version)
    if result.ok and approve and result.invoice_ids:
        result = replace(result, approval=approve_invoices(result.invoice_ids))
    return result


def prepared_text(text: str) -> str:
    """A template file's text as it is read: without its byte order mark, in one Unicode form (NFC, as the ledger
    keeps text: it cannot change a comma, a quote or a line break, so the records are the same as the file's).
    CsvFileError when it is empty."""
    if not text.removeprefix("\ufeff").strip():
        raise CsvFileError("The file is empty.")
    return unicodedata.normalize("NFC", text.removeprefix("\ufeff"))


def checked_date_format(date_format: str | None) -> str:
    """'dmy' or 'mdy': the one given, else the company file's setting (dates.format)."""
    fmt = date_format or str(get_setting("dates.format", "dmy"))
    if fmt not in ("dmy", "mdy"):
        raise CsvFileError(f"Unknown date format '{fmt}': use 'dmy' or 'mdy'.")
    return fmt


def parse_date(text: str, date_format: str = "dmy") -> date | None:
    """A CSV date: yyyy-mm-dd, or dd/mm/yyyy ("dmy") / mm/dd/yyyy ("mdy"). None when it is not a real date."""
    text = text.strip()
    if iso := _ISO.fullmatch(text):
        year, month, day = iso.groups()
    elif slashed := _SLASHED.fullmatch(text):
        first, second, year = slashed.groups()
        day, month = (first, second) if date_format == "dmy" else (second, first)
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


# --- checking the file (no writes) ----------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    cells: dict[str, str]  # every template column -> its stripped text ("" when absent)
    dates: dict[str, date] = field(default_factory=dict)  # InvoiceDate / DueDate when readable
    draft_line: LineDraft | None = None  # None when a number on it could not be read
    stated: dict[str, Decimal] = field(default_factory=dict)  # LineAmount / Total / TaxTotal given in the file


@dataclass
class _Invoice:
    number: str
    rows: list[_Row]
    draft: InvoiceDraft | None = None  # set once every row of it reads cleanly
    totals: InvoiceTotals | None = None  # with the draft
    client_details: catalog.ClientDetails | None = None


@dataclass
class _Plan:
    invoices: list[_Invoice]
    tax_rates: dict[str, Decimal]  # every TaxType used, as written -> percent (new ones are created on write)
    errors: list[RowError]
    ignored_columns: tuple[str, ...]


class TemplateChecker(Generic[RowT]):
    """Reads one of Xero's CSV templates strictly, collecting every error; touches nothing. It checks the header
    against the template's columns (`canonical`, `required`), reads each row's shape (ledger.csv_reader), and reads
    numbers and dates in cells; a template gives its columns and how one row is read (`_row`)."""

    canonical: ClassVar[dict[str, str]]  # a column title's key (_column_key) -> the template's column name
    required: ClassVar[tuple[str, ...]]

    def __init__(self, date_format: str):
        self.date_format = date_format
        self.errors: list[RowError] = []
        self.column_order: dict[str, int] = {}
        self.file_spans: dict[int, tuple[int, int]] = {}  # record number -> its first and last physical line

    def error(self, line: int, column: str, message: str, file_line: int = 0) -> None:
        first, last = self.file_spans.get(line, (line, line))
        self.errors.append(RowError(line, column, message, file_line or first, 0 if file_line else last))

    def read_rows(self, text: str, nothing: str) -> tuple[list[RowT], tuple[str, ...]]:
        """The rows read cleanly and the header's columns the template does not have; `nothing`: the error of a
        file with no rows below its header."""
        records = read_records(text)
        self.file_spans = {record.number: (record.line, record.last_line) for record in records}
        header = next((r for r in records if not r.is_blank()), None)
        if header is None:
            raise CsvFileError("The file is empty.")
        columns, ignored = self._columns(header)
        rows: list[RowT] = []
        if not self.errors:
            rows = self._rows([r for r in records if r.number > header.number and not r.is_blank()], columns)
            if not rows and not self.errors:
                self.error(header.number, "", nothing)
        return rows, ignored

    def sorted_errors(self) -> list[RowError]:
        """Every error once, by line and then in the header's column order."""
        errors = list(dict.fromkeys(self.errors))  # a row's header problem may be found twice (row, document)
        errors.sort(key=lambda e: (e.line, self.column_order.get(e.column, -1), e.message))
        return errors

    # the header

    def _columns(self, header: Record) -> tuple[dict[int, str], tuple[str, ...]]:
        columns: dict[int, str] = {}
        ignored: list[str] = []
        line = header.number
        if header.problem:
            self.error(line, "", header.problem_text(), header.line)
            return columns, ()
        _refuse_other_separators(header, self.canonical)
        for index, title in enumerate(header.cells):
            if problem := text_problem(title):  # "Contact<U+200B>Name" would be 'missing' and 'ignored' unseen
                self.error(line, "", f"the column title “{visible(title.strip())}” {problem}")
            key = _column_key(title)
            name = self.canonical.get(key)
            if not key:
                continue
            if name is None:
                ignored.append(title.strip())
            elif name in self.column_order:
                self.error(line, name, "this column appears twice in the header")
            else:
                columns[index] = name
                self.column_order[name] = index
        for name in self.required:
            if name not in self.column_order:
                self.error(line, name, "this required column is missing from the header")
        return columns, tuple(ignored)

    # the rows' shape

    def _rows(self, records: Sequence[Record], columns: dict[int, str]) -> list[RowT]:
        """The rows read cleanly, checked; the others' quoting or shape is reported. Lines that a quote out of
        place may have swallowed are checked for their shape only: they may be pieces of a cell, not rows."""
        rows: list[RowT] = []
        swallowed_to = 0
        for record in records:
            if record.problem:
                cell = record.problem_cell
                column = columns.get(cell, "") if cell is not None and record.problem_line == record.line else ""
                self.error(record.number, column, record.problem_text(), record.line)
                swallowed_to = max(swallowed_to, record.swallowed_to)
            elif record.line > swallowed_to:
                rows.append(self._row(record.number, record.cells, columns))
        return rows

    def _row(self, line: int, record: Sequence[str], columns: dict[int, str]) -> RowT:
        raise NotImplementedError

    def cells_of(self, record: Sequence[str], columns: dict[int, str]) -> dict[str, str]:
        """Every template column -> its cell's text ("" when absent). Only plain spaces are trimmed: a line break or
        tab at a cell's edge is refused, not hidden (a quote out of place can carry a row's end into the next row's
        cell); a description may hold line breaks anywhere."""
        cells = dict.fromkeys(self.canonical.values(), "")
        cells.update({name: record[i].strip(" ") for i, name in columns.items()})
        cells["Description"] = nfc_lines(cells["Description"].strip())  # a quoted cell's line breaks, as typed
        return cells

    # cells

    def _decimal(self, line: int, column: str, text: str) -> Decimal | None:
        if not text:
            return None
        body = text.removesuffix("%").strip() if column == "Discount" else text
        negative = body.startswith("-")
        body = body.removeprefix("-").strip()
        if not _NUMBER.fullmatch(body) or not any(ch.isdigit() for ch in body):
            self.error(line, column, f"'{shown(text)}' is not a number")
            return None
        value = Decimal(body.lstrip("$£€").replace(",", ""))
        return -value if negative else value

    def _date(self, line: int, column: str, text: str) -> date | None:
        parsed = parse_date(text, self.date_format)
        if parsed is None:
            pattern = "dd/mm/yyyy" if self.date_format == "dmy" else "mm/dd/yyyy"
            self.error(line, column, f"'{text}' is not a date: write it as {pattern} or yyyy-mm-dd")
        return parsed


class _Planner(TemplateChecker[_Row]):
    """Reads and checks a sales-invoice file, collecting every error; touches nothing."""

    canonical = _CANONICAL
    required = REQUIRED_COLUMNS

    def __init__(self, amounts: AmountsType, date_format: str):
        super().__init__(date_format)
        self.amounts = amounts

    def plan(self, text: str) -> _Plan:
        rows, ignored = self.read_rows(text, "the file has no invoice rows below its header")
        invoices = self._group(rows)
        tax_rates = self._tax_rates(rows)
        for invoice in invoices:
            self._build(invoice, tax_rates)
        return _Plan(invoices, tax_rates, self.sorted_errors(), ignored)

    # one row

    def _row(self, line: int, record: Sequence[str], columns: dict[int, str]) -> _Row:
        cells = self.cells_of(record, columns)
        row = _Row(line, cells)
        for name in _TEXT_COLUMNS:
            if problem := text_problem(cells[name]):
                self.error(line, name, problem)
        details = catalog.ClientDetails(**{detail: cells[column] for column, detail in CLIENT_DETAIL_OF_COLUMN.items()})
        for found in client_field_problems(cells["ContactName"], details):  # as the Clients window checks them
            self.error(line, _COLUMN_OF_CLIENT_FIELD[found.field], found.message)
        for name in REQUIRED_COLUMNS:
            if not cells[name]:
                self.error(line, name, "a value is required")
        for name in ("InvoiceDate", "DueDate"):
            if cells[name] and (parsed := self._date(line, name, cells[name])) is not None:
                row.dates[name] = parsed
        if _CREDIT_NOTE.search(cells[TYPE_COLUMN]):
            self.error(line, TYPE_COLUMN, f"'{cells[TYPE_COLUMN]}': {CREDIT_NOTE_PATH}")
        if problem := currency_problem(cells["Currency"]):
            self.error(line, "Currency", problem)
        numeric = ("Quantity", "UnitAmount", "Discount", "TaxAmount", *CHECKED_COLUMNS)
        numbers = {name: self._decimal(line, name, cells[name]) for name in numeric}
        for name in CHECKED_COLUMNS:
            if (figure := numbers[name]) is not None and (problem := figure_problem(figure, MONEY_PLACES, MAX_MONEY)):
                self.error(line, name, problem)
                numbers[name] = None
        row.stated = {name: figure for name in CHECKED_COLUMNS if (figure := numbers[name]) is not None}
        if any(cells[name] and numbers[name] is None for name in numeric[:4]):
            return row  # a number on the line could not be read (reported)
        if numbers["Quantity"] is None or numbers["UnitAmount"] is None:
            return row  # missing (reported)
        row.draft_line = LineDraft(
            description=cells["Description"],
            quantity=numbers["Quantity"],
            unit_amount=numbers["UnitAmount"],
            account_code=cells["AccountCode"],
            tax_rate_name=cells["TaxType"],
            discount_rate=numbers["Discount"],
            tax_amount_override=numbers["TaxAmount"],  # dropped in _build when it equals the computed tax
            item_code=cells["InventoryItemCode"],
            tracking1_name=cells["TrackingName1"],
            tracking1_option=cells["TrackingOption1"],
            tracking2_name=cells["TrackingName2"],
            tracking2_option=cells["TrackingOption2"],
        )
        for found in line_problems(row.draft_line, self.amounts):
            column = COLUMN_OF_FIELD[found.field]
            if cells[column] or column not in REQUIRED_COLUMNS:  # an empty required cell is already reported
                self.error(line, column, found.message)
            if found.field in _FIGURES:
                row.draft_line = None  # its figures are not worked with (reported)
        return row

    # invoices

    def _group(self, rows: Sequence[_Row]) -> list[_Invoice]:
        """Rows with the same InvoiceNumber (exactly, as the template groups them) are one invoice. Its number
        must be free as Xero compares numbers (number_key): not taken in the company file, and not another
        invoice's of this file in another case (INV-1 and inv-1 are one number to Xero, but two invoices here)."""
        by_number: dict[str, _Invoice] = {}
        for row in rows:
            if number := row.cells["InvoiceNumber"]:
                by_number.setdefault(number, _Invoice(number, [])).rows.append(row)
        in_use = numbers_in_use()
        first_of_key: dict[str, _Invoice] = {}
        for invoice in by_number.values():
            key, line = number_key(invoice.number), invoice.rows[0].line
            if (taken := in_use.get(key)) is not None:
                by = "an invoice in this company file"
                self.error(line, "InvoiceNumber", number_clash(invoice.number, taken, by))
            earlier = first_of_key.setdefault(key, invoice)
            if earlier is not invoice:
                by = f"the invoice on line {earlier.rows[0].line} of this file"
                self.error(line, "InvoiceNumber", number_clash(invoice.number, earlier.number, by))
            self._check_agreement(invoice)
        return list(by_number.values())

    def _check_agreement(self, invoice: _Invoice) -> None:
        """The header columns of an invoice's rows must agree (a blank optional cell agrees with anything)."""
        first_seen: dict[str, tuple[str, _Row]] = {}
        for row in invoice.rows:
            for name in HEADER_COLUMNS:
                if name in ("InvoiceDate", "DueDate"):
                    if name not in row.dates:
                        continue  # blank or unreadable: reported already
                    value = row.dates[name].isoformat()
                else:
                    value = row.cells[name]
                if not value:
                    continue
                value_seen, row_seen = first_seen.setdefault(name, (value, row))
                if value != value_seen:
                    self.error(
                        row.line,
                        name,
                        f"'{row.cells[name]}' differs from '{row_seen.cells[name]}' on line {row_seen.line}: "
                        f"the rows of invoice {invoice.number} must agree",
                    )

    def _tax_rates(self, rows: Sequence[_Row]) -> dict[str, Decimal]:
        """The rate of every TaxType: a local tax rate, else Xero's standard name or a % in the name, else the
        rate the file's TaxAmounts reveal. A TaxType none of these explains, or whose name or TaxAmounts show a
        rate that cannot be one (catalog.tax_rate_reason), is an error on each of its rows."""
        rates: dict[str, Decimal] = {}
        used_by: dict[str, list[_Row]] = {}
        for row in rows:
            if name := row.cells["TaxType"]:
                used_by.setdefault(name, []).append(row)
        for name, its_rows in used_by.items():
            local = catalog.find_tax_rate(name)
            reading = catalog.RateReading(local.rate) if local is not None else catalog.read_rate_in_name(name)
            if reading.rate is None and not reading.problem:
                reading = self._derive_rate(its_rows)
            if reading.rate is not None:
                rates[name] = reading.rate
                continue
            problem = reading.problem or (
                f"there is no tax rate '{name}' and the file does not show its rate: "
                "create that tax rate first, then import again"
            )
            for row in its_rows:
                self.error(row.line, "TaxType", problem)
        return rates

    def _derive_rate(self, rows: Sequence[_Row]) -> catalog.RateReading:
        """The rate with the fewest decimals (at most 2) that reproduces every TaxAmount given with this TaxType;
        a problem when they show a rate that cannot be one, or no one rate."""
        samples = [
            (line_amount(ln.quantity, ln.unit_amount, ln.discount_rate), ln.tax_amount_override)
            for ln in (r.draft_line for r in rows)
            if ln is not None and ln.tax_amount_override is not None
        ]
        samples = [(amount, tax) for amount, tax in samples if amount > 0 and tax >= 0]
        if not samples:
            return catalog.RateReading()
        amount, tax = max(samples)  # the largest amount pins the rate most precisely
        base = amount - tax if self.amounts is AmountsType.INCLUSIVE else amount
        shown = f"a TaxAmount of {tax} on {amount}"
        if base <= 0:
            reason = catalog.tax_rate_reason(catalog.MAX_TAX_RATE)
            return catalog.RateReading(problem=f"the file gives it {shown}, which is not a rate: {reason}")
        for places in range(3):
            rate = (tax * 100 / base).quantize(Decimal(1).scaleb(-places))
            if all(line_tax(a, rate, self.amounts) == t for a, t in samples):
                reason = catalog.tax_rate_reason(rate)
                if reason:
                    return catalog.RateReading(
                        problem=f"the file's TaxAmounts work out to {rate}% ({shown}), but {reason}"
                    )
                return catalog.RateReading(rate)
        return catalog.RateReading(
            problem="there is no tax rate '{}' and the TaxAmounts given with it do not work out to one rate: "
            "create that tax rate first, then import again".format(rows[0].cells["TaxType"])
        )

    def _build(self, invoice: _Invoice, tax_rates: dict[str, Decimal]) -> None:
        """Check the invoice as a whole and, when all its rows read cleanly, make its draft."""
        rows = invoice.rows
        first_filled = {name: next((r.cells[name] for r in rows if r.cells[name]), "") for name in HEADER_COLUMNS}
        dates = {
            name: next((r.dates[name] for r in rows if name in r.dates), None) for name in ("InvoiceDate", "DueDate")
        }
        invoice.client_details = catalog.ClientDetails(
            **{detail: first_filled[column] for column, detail in CLIENT_DETAIL_OF_COLUMN.items()}
        )
        if dates["InvoiceDate"] and dates["DueDate"]:
            probe = InvoiceDraft(
                first_filled["ContactName"] or "?", dates["InvoiceDate"], dates["DueDate"], number=invoice.number
            )
            for problem in header_problems(probe):
                self.error(rows[0].line, COLUMN_OF_FIELD.get(problem.field, ""), problem.message)
        lines = [r.draft_line for r in rows if r.draft_line is not None]
        if len(lines) < len(rows) or any(ln.tax_rate_name not in tax_rates for ln in lines):
            return  # its rows have errors already
        lines = [self._without_redundant_override(ln, tax_rates) for ln in lines]
        draft = InvoiceDraft(
            client_name=first_filled["ContactName"],
            date=dates["InvoiceDate"] or date.min,
            due_date=dates["DueDate"] or date.min,
            reference=first_filled["Reference"],
            currency=first_filled["Currency"].upper(),
            amounts_type=self.amounts,
            lines=tuple(lines),
            number=invoice.number,
            branding_theme=first_filled["BrandingTheme"],
        )
        totals = totals_for(draft, tax_rates)
        for problem in totals_problems(totals):
            self.error(rows[0].line, COLUMN_OF_FIELD[problem.field], problem.message)
        whole = {"Total": totals.total, "TaxTotal": totals.total_tax}
        for row, figures in zip(rows, totals.lines, strict=True):
            for name, stated in row.stated.items():
                expected = figures.line_amount if name == "LineAmount" else whole[name]
                if stated != expected:
                    self.error(row.line, name, f"the file says {stated} but the invoice works out to {expected}")
        invoice.draft, invoice.totals = draft, totals

    def _without_redundant_override(self, line: LineDraft, tax_rates: dict[str, Decimal]) -> LineDraft:
        """A TaxAmount equal to the computed tax is no override: the line keeps following its rate."""
        if line.tax_amount_override is None:
            return line
        amount = line_amount(line.quantity, line.unit_amount, line.discount_rate)
        if line_tax(amount, tax_rates[line.tax_rate_name], self.amounts) == line.tax_amount_override:
            return replace(line, tax_amount_override=None)
        return line


def _column_key(title: str) -> str:
    """A header title as it is matched to the template's columns: no spaces, no leading *, any case."""
    return re.sub(r"\s+", "", title).lstrip("*").casefold()


_OTHER_SEPARATORS = {";": "semicolon", "\t": "tab"}


def _refuse_other_separators(header: Record, canonical: dict[str, str]) -> None:
    """A header that names the template's columns only when split at semicolons or tabs: the file was saved with
    another separator (Excel does, where the system's list separator is ';'). Refused, with what to do."""
    found = sum(_column_key(title) in canonical for title in header.cells)
    for separator, name in _OTHER_SEPARATORS.items():
        split = sum(_column_key(title) in canonical for cell in header.cells for title in cell.split(separator))
        if split > max(found, 1):
            raise CsvFileError(
                f"This looks like a {name}-separated file: its header (line {header.line}) has {name}s between the "
                f"column names, and a CSV import needs commas. Save it from your spreadsheet as 'CSV UTF-8 (Comma "
                "delimited)' (where Excel keeps writing semicolons, set the list separator in the system's region "
                "settings to a comma), then import that file."
            )


# --- writing -----------------------------------------------------------------------------------------------------


def _write(plan: _Plan, seen_version: int | None) -> ImportResult:
    """Every invoice of a checked file, in one short write transaction (ledger.bulk_write)."""
    invoices = [
        NewInvoice(invoice.draft, invoice.totals, invoice.client_details)
        for invoice in plan.invoices
        if invoice.draft is not None and invoice.totals is not None
    ]
    try:
        written = write_invoices(invoices, plan.tax_rates, seen_version)
    except ChangedMeanwhile as exc:
        raise CsvFileError(f"Nothing was imported: {exc}. Import the file again.") from exc
    return ImportResult(
        imported=tuple(invoice.number for invoice in plan.invoices),
        invoice_ids=written.invoice_ids,
        new_clients=written.new_clients,
        new_accounts=written.new_accounts,
        new_tax_rates=written.new_tax_rates,
        errors=(),
        ignored_columns=plan.ignored_columns,
    )


def _failed(errors: Sequence[RowError], ignored_columns: tuple[str, ...]) -> ImportResult:
    return ImportResult(
        imported=(),
        invoice_ids=(),
        new_clients=0,
        new_accounts=0,
        new_tax_rates=0,
        errors=tuple(errors),
        ignored_columns=ignored_columns,
    )
