"""Ledger commands (docs/product.md §5): `import`, `import-credit-notes`, `approve`, `invoices`, `renumber`, `void`.
Thin: parse, call a ledger service, print. Exit status: 0 all done; 1 done, but some rows were rejected (then
nothing was imported) or some invoices could not be approved, or the renumbering was refused; 2 could not run
(bad arguments, a missing or unreadable file, not a CSV, no invoice with the number to renumber).

With `--json` exactly one JSON document goes to stdout. Money is a string with two decimals ("115.50"), dates
are ISO ("2024-03-31").

`import FILE.csv [--approve] [--amounts exclusive|inclusive] [--json]`::

    {"file": "invoices.csv", "amounts": "exclusive",
     "imported": ["INV-0001", "INV-0002"],          # numbers, in file order; [] when any row was bad
     "new_clients": 1, "new_accounts": 0, "new_tax_rates": 0,
     "ignored_columns": ["Colour"],                  # header columns the template does not have
     "errors": [{"line": 3, "file_line": 3,          # the row as a spreadsheet numbers it; the file's line
                 "column": "Quantity", "message": "'x' is not a number"}],
     "approval": null}                               # with --approve: the `approve` document below

`import-credit-notes FILE.csv [--json]` (Xero's sales credit note template; exit 1 when any row was bad, and then
nothing was imported)::

    {"file": "credit_notes.csv",
     "imported": [{"number": "CN-0101", "invoice": "INV-0101", "total": "73.15",
                   "invoice_amount_due": "42.72", "queued_for_xero": false}],   # [] when any row was bad
     "ignored_columns": [],
     "errors": [{"line": 3, "file_line": 3, "file_last_line": 3, "column": "UnitAmount",
                 "message": "the credit note's total 22.00 is more than the 11.00 still due on INV-0001: ..."}]}

`approve NUMBER... | --all-drafts [--json]`::

    {"approved": ["INV-0001"], "rejected": [{"number": "INV-0009", "reason": "no such invoice"}],
     "export_state": "not_sent"}                     # what the approved invoices' Xero export was set to

`invoices [--tab draft|awaiting-payment|overdue|paid|all] [--json]`: a list, sorted by number (first, on stderr, a
warning line for each number or name stored before the text rules that they now refuse: ledger.stored_text)::

    [{"number": "INV-0001", "client": "Acme Pty Ltd", "reference": "", "date": "2024-03-01",
      "due_date": "2024-03-31", "status": "awaiting_payment", "overdue": false, "subtotal": "100.00",
      "total_tax": "10.00", "total": "110.00", "amount_paid": "0.00", "amount_due": "110.00",
      "xero": "not_sent", "xero_error": ""}]

`renumber OLD NEW [--json]`: give an approved invoice that has not reached Xero a new number (for one Xero
refused as `duplicate_number`); its export state stays as it was, so a failed one waits for `xero resync`::

    {"old": "INV-0042", "new": "INV-0099", "renumbered": true, "export_state": "failed", "problems": []}
    {"old": "INV-0042", "new": "INV-0007", "renumbered": false, "export_state": "failed",    # exit 1
     "problems": [{"field": "number", "message": "INV-0007 is already used by another invoice"}]}

`void NUMBER [--json]`: void an approved invoice with no payments; one in Xero is voided in Xero first, and here
once Xero confirms (exit 1 when it was not voided: refused, or Xero's reply never came; Xero's words are kept)::

    {"number": "INV-0042", "voided": true, "in_xero": true, "message": "INV-0042 is void, in Xero and here.",
     "category": null, "xero_messages": [], "unconfirmed": false}

When a command cannot run, `--json` prints `{"error": "<message>"}` (the message also goes to stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from invoice_desktop.app_context import AppContext
from invoice_desktop.cli import EXIT_OK, EXIT_PARTIAL, cannot_run, fail, print_json
from invoice_desktop.ledger.credit_note_import import CreditNoteImportResult, import_credit_notes_file
from invoice_desktop.ledger.credit_notes import credit_note_ids_by_number, credit_note_void_xero_id
from invoice_desktop.ledger.csv_import import CsvFileError, ImportResult, RowError, import_csv_file
from invoice_desktop.ledger.errors import LedgerError, Problem
from invoice_desktop.ledger.invoices import (
    ApproveResult,
    approve_all_drafts,
    approve_by_numbers,
    approve_invoices,
    get_invoice_detail,
    invoice_ids_by_number,
    renumber_invoice,
    void_xero_id,
)
from invoice_desktop.ledger.money import money_text
from invoice_desktop.ledger.queries import InvoiceRow, Tab, list_invoices
from invoice_desktop.ledger.stored_text import stored_text_warnings
from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.store.models import AmountsType, ExportState, InvoiceStatus
from invoice_desktop.xero.client import XeroInterfaceError
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.settings import InterfaceState, interface_state
from invoice_desktop.xero.void_export import VoidResult, void_credit_note_anywhere, void_invoice_anywhere

LISTED_NUMBERS = 10  # a human report names this many invoices, then counts the rest

STATUS_WORDS = {
    InvoiceStatus.DRAFT.value: "Draft",
    InvoiceStatus.AWAITING_PAYMENT.value: "Awaiting Payment",
    InvoiceStatus.PAID.value: "Paid",
    InvoiceStatus.VOID.value: "Void",
}
XERO_WORDS = {
    ExportState.NOT_SENT.value: "not attempted",
    ExportState.QUEUED.value: "queued",
    ExportState.SENDING.value: "sending",
    ExportState.SYNCED.value: "synced",
    ExportState.FAILED.value: "failed",
    ExportState.SKIPPED.value: "skipped",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_import(subparsers)
    _register_import_credit_notes(subparsers)
    _register_approve(subparsers)
    _register_invoices(subparsers)
    _register_renumber(subparsers)
    _register_void(subparsers)


def _register_import(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import sales invoices from Xero's CSV template (all or nothing)",
        description="Import sales invoices from Xero's sales-invoice CSV template as drafts. A file with any bad "
        "row imports nothing and every bad row is reported.",
    )
    parser.add_argument("file", metavar="FILE.csv", type=Path)
    parser.add_argument("--approve", action="store_true", help="approve the imported invoices")
    parser.add_argument(
        "--amounts",
        choices=[AmountsType.EXCLUSIVE.value, AmountsType.INCLUSIVE.value],
        default=AmountsType.EXCLUSIVE.value,
        help="whether the file's amounts are tax exclusive (the default) or inclusive",
    )
    _add_json(parser)
    parser.set_defaults(func=run_import)


def _register_import_credit_notes(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import-credit-notes",
        help="import sales credit notes from Xero's credit note CSV template (all or nothing)",
        description="Import sales credit notes from Xero's credit note CSV template. Each credits an approved "
        "invoice of its contact, named in an InvoiceNumber column (or, without that column, in the Reference). A "
        "file with any bad row imports nothing and every bad row is reported.",
    )
    parser.add_argument("file", metavar="FILE.csv", type=Path)
    _add_json(parser)
    parser.set_defaults(func=run_import_credit_notes)


def _register_approve(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("approve", help="approve draft invoices", description="Approve draft invoices.")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("numbers", nargs="*", metavar="NUMBER", default=[], help="invoice numbers")
    which.add_argument("--all-drafts", action="store_true", help="approve every draft")
    _add_json(parser)
    parser.set_defaults(func=run_approve)


def _register_invoices(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("invoices", help="list invoices", description="List the invoices on a tab.")
    parser.add_argument("--tab", choices=[tab.value for tab in Tab], default=Tab.ALL.value)
    _add_json(parser)
    parser.set_defaults(func=run_invoices)


def _register_renumber(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "renumber",
        help="give an approved invoice not yet in Xero a new number",
        description="Give an approved invoice a new number while it is not in Xero (not sent, queued, failed, or "
        "kept out by don't send), e.g. when Xero already has its number. A failed export stays failed until it is "
        "resynced.",
    )
    parser.add_argument("old", metavar="OLD", help="the invoice's number now")
    parser.add_argument("new", metavar="NEW", help="its new number")
    _add_json(parser)
    parser.set_defaults(func=run_renumber)


def _register_void(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "void",
        help="void an approved, unpaid invoice or a credit note (in Xero first when it is there)",
        description="Void an approved invoice with no payments, or a credit note (its invoice is then due again by "
        "its total). One that is in Xero is voided in Xero first and here once Xero confirms; one not in Xero yet "
        "is voided here and never sent.",
    )
    parser.add_argument("number", metavar="NUMBER", help="the invoice's or the credit note's number (CN-0001)")
    _add_json(parser)
    parser.set_defaults(func=run_void)


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


# --- commands ----------------------------------------------------------------------------------------------


def run_import(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        result = import_csv_file(args.file, amounts=args.amounts)
    except CsvFileError as exc:
        return _cannot_run(args, str(exc))
    not_approved = None
    if args.approve and result.invoice_ids:  # a transaction of its own: the import stands when this one fails
        try:
            result = replace(result, approval=approve_invoices(result.invoice_ids))
        except CompanyFileError as exc:
            stayed = "invoice stayed a draft" if len(result.imported) == 1 else "invoices stayed drafts"
            not_approved = f"{exc} The imported {stayed}, not approved: {_numbers(result.imported)}."
    if args.json:
        print_json(
            {**import_document(result, args.file, args.amounts), **({"error": not_approved} if not_approved else {})}
        )
    else:
        print(import_report(result, args.file))
    if not_approved:
        return fail(not_approved)
    rejected = result.errors or (result.approval is not None and result.approval.rejected)
    return EXIT_PARTIAL if rejected else EXIT_OK


def run_import_credit_notes(ctx: AppContext, args: argparse.Namespace) -> int:
    try:
        result = import_credit_notes_file(args.file)
    except CsvFileError as exc:
        return _cannot_run(args, str(exc))
    if args.json:
        print_json(credit_note_import_document(result, args.file))
    else:
        print(credit_note_import_report(result, args.file))
    return EXIT_PARTIAL if result.errors else EXIT_OK


def run_approve(ctx: AppContext, args: argparse.Namespace) -> int:
    result = approve_all_drafts() if args.all_drafts else approve_by_numbers(args.numbers)
    if args.json:
        print_json(approval_document(result))
    else:
        print(approval_report(result, nothing="No drafts to approve."))
    return EXIT_PARTIAL if result.rejected else EXIT_OK


def run_invoices(ctx: AppContext, args: argparse.Namespace) -> int:
    for warning in stored_text_warnings():  # on stderr, so --json stays one document
        print(f"invoice-desktop: warning: {warning}", file=sys.stderr)
    rows = list_invoices(Tab(args.tab))
    if args.json:
        print_json([invoice_document(row) for row in rows])
    else:
        print(invoices_table(rows) if rows else "No invoices on this tab.")
    return EXIT_OK


def run_renumber(ctx: AppContext, args: argparse.Namespace) -> int:
    old, new = args.old.strip(), args.new.strip()
    invoice_id = invoice_ids_by_number([old]).get(old)
    if invoice_id is None:
        return _cannot_run(args, f"there is no invoice numbered {old!r}")
    problems: tuple[Problem, ...] = ()
    try:
        renumber_invoice(invoice_id, new)
    except LedgerError as exc:
        problems = exc.problems
    export = get_invoice_detail(invoice_id).export
    state = export.state.value if export is not None else None
    if args.json:
        print_json(renumber_document(old, new, state, problems))
    elif problems:
        print("\n".join(f"Not renumbered: {p.message if p.field == 'status' else p.describe()}." for p in problems))
    else:
        resync = f" Its export is still failed: `xero resync {new}` sends it to Xero." if state == "failed" else ""
        print(f"{old} is now {new}.{resync}")
    return EXIT_PARTIAL if problems else EXIT_OK


def run_void(ctx: AppContext, args: argparse.Namespace) -> int:
    number = args.number.strip()
    invoice_id = invoice_ids_by_number([number]).get(number)
    credit_note_id = credit_note_ids_by_number([number]).get(number)
    if invoice_id is None and credit_note_id is None:
        return _cannot_run(args, f"there is no invoice or credit note numbered {number!r}")
    if invoice_id is not None and credit_note_id is not None:
        return _cannot_run(args, f"{number!r} is the number of an invoice and of a credit note: void it in the app")
    if credit_note_id is not None:
        kind, in_xero = "credit_note", bool(credit_note_void_xero_id(credit_note_id))
    else:
        kind, in_xero = "invoice", bool(void_xero_id(invoice_id or 0))
    connected = interface_state() is not InterfaceState.NOT_SET_UP
    engine = (lambda: Exporter(open_client(ctx.paths, ctx.endpoints, ctx.client_id))) if connected else None
    try:
        if credit_note_id is not None:
            result = void_credit_note_anywhere(credit_note_id, engine)
        else:
            result = void_invoice_anywhere(invoice_id or 0, engine)
    except LedgerError as exc:
        result = VoidResult(False, f"{number} was not voided: " + "; ".join(p.message for p in exc.problems) + ".")
    except XeroInterfaceError as exc:
        return _cannot_run(args, str(exc))
    if args.json:
        print_json(void_document(number, in_xero, result, kind))
    else:
        print(result.message)
    return EXIT_OK if result.voided else EXIT_PARTIAL


def _cannot_run(args: argparse.Namespace, message: str) -> int:
    return cannot_run(message, getattr(args, "json", False))


# --- JSON documents ----------------------------------------------------------------------------------------


def import_document(result: ImportResult, path: Path, amounts: str) -> dict[str, Any]:
    return {
        "file": str(path),
        "amounts": amounts,
        "imported": list(result.imported),
        "new_clients": result.new_clients,
        "new_accounts": result.new_accounts,
        "new_tax_rates": result.new_tax_rates,
        "ignored_columns": list(result.ignored_columns),
        "errors": row_errors_document(result.errors),
        "approval": None if result.approval is None else approval_document(result.approval),
    }


def credit_note_import_document(result: CreditNoteImportResult, path: Path) -> dict[str, Any]:
    return {
        "file": str(path),
        "imported": [
            {
                "number": note.number,
                "invoice": note.invoice_number,
                "total": money_text(note.total),
                "invoice_amount_due": money_text(note.invoice_amount_due),
                "queued_for_xero": note.queued_for_xero,
            }
            for note in result.imported
        ],
        "ignored_columns": list(result.ignored_columns),
        "errors": row_errors_document(result.errors),
    }


def row_errors_document(errors: Sequence[RowError]) -> list[dict[str, Any]]:
    return [
        {
            "line": e.line,
            "file_line": e.file_lines[0],
            "file_last_line": e.file_lines[-1],
            "column": e.column,
            "message": e.message,
        }
        for e in errors
    ]


def approval_document(result: ApproveResult) -> dict[str, Any]:
    return {
        "approved": list(result.approved),
        "rejected": [{"number": number, "reason": reason} for number, reason in result.rejected],
        "export_state": result.export_state.value,
    }


def renumber_document(old: str, new: str, export_state: str | None, problems: Sequence[Problem]) -> dict[str, Any]:
    return {
        "old": old,
        "new": new,
        "renumbered": not problems,
        "export_state": export_state,
        "problems": [{"field": p.field, "message": p.message} for p in problems],
    }


def void_document(number: str, in_xero: bool, result: VoidResult, kind: str = "invoice") -> dict[str, Any]:
    failure = result.failure
    return {
        "number": number,
        "type": kind,
        "voided": result.voided,
        "in_xero": in_xero,
        "message": result.message,
        "category": failure.category.value if failure is not None else None,
        "xero_messages": list(failure.messages) if failure is not None else [],
        "unconfirmed": result.unconfirmed,
    }


def invoice_document(row: InvoiceRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "client": row.client,
        "reference": row.reference,
        "date": row.date.isoformat(),
        "due_date": row.due_date.isoformat(),
        "status": row.status,
        "overdue": row.overdue,
        "subtotal": money_text(row.subtotal),
        "total_tax": money_text(row.total_tax),
        "total": money_text(row.total),
        "amount_paid": money_text(row.amount_paid),
        "amount_due": money_text(row.amount_due),
        "xero": row.xero_state,
        "xero_error": row.xero_error,
    }


# --- human reports -----------------------------------------------------------------------------------------


def import_report(result: ImportResult, path: Path) -> str:
    if result.errors:
        return _nothing_imported(result.errors, path)
    lines = [f"Imported {_plural(len(result.imported), 'invoice')} as drafts: {_numbers(result.imported)}."]
    created = [
        _plural(n, word)
        for n, word in (
            (result.new_clients, "client"),
            (result.new_accounts, "account"),
            (result.new_tax_rates, "tax rate"),
        )
        if n
    ]
    if created:
        lines.append(f"New: {', '.join(created)}.")
    if result.ignored_columns:
        lines.append(f"Ignored columns: {', '.join(result.ignored_columns)}.")
    if result.approval is not None:
        lines.append(approval_report(result.approval, nothing="Nothing to approve."))
    return "\n".join(lines)


def approval_report(result: ApproveResult, nothing: str) -> str:
    lines: list[str] = []
    if result.approved:
        queued = " and queued for Xero" if result.export_state is ExportState.QUEUED else ""
        lines.append(f"{_plural(len(result.approved), 'invoice')} approved{queued}: {_numbers(result.approved)}.")
    lines.extend(f"Not approved: {number}: {reason}." for number, reason in result.rejected)
    return "\n".join(lines) or nothing


def invoices_table(rows: Sequence[InvoiceRow]) -> str:
    header = ("Invoice #", "Client", "Date", "Due", "Status", "Total", "Amount Due", "Xero")
    body = [
        (
            row.number,
            row.client,
            row.date.isoformat(),
            row.due_date.isoformat(),
            "Overdue" if row.overdue else STATUS_WORDS.get(row.status, row.status),
            money_text(row.total),
            money_text(row.amount_due),
            _xero_cell(row),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in (header, *body)) for i in range(len(header) - 1)]
    right = {5, 6}  # money columns

    def render(cells: Sequence[str]) -> str:
        fixed = zip(cells[:-1], widths, strict=True)
        padded = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(fixed)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    return "\n".join([render(header), *(render(cells) for cells in body), _plural(len(rows), "invoice")])


def _xero_cell(row: InvoiceRow) -> str:
    words = XERO_WORDS.get(row.xero_state, row.xero_state)
    return f"{words}: {row.xero_error}" if row.xero_error else words


def credit_note_import_report(result: CreditNoteImportResult, path: Path) -> str:
    if result.errors:
        return _nothing_imported(result.errors, path)
    lines = [f"Imported {_plural(len(result.imported), 'credit note')}:"]
    for note in result.imported:
        xero = "; queued for Xero" if note.queued_for_xero else ""
        lines.append(
            f"  {note.number} credits {note.invoice_number} {money_text(note.total)}"
            f" ({money_text(note.invoice_amount_due)} still due){xero}"
        )
    if result.ignored_columns:
        lines.append(f"Ignored columns: {', '.join(result.ignored_columns)}.")
    return "\n".join(lines)


def _nothing_imported(errors: Sequence[RowError], path: Path) -> str:
    count = _plural(len(errors), "problem")
    return "\n".join([f"Nothing imported: {count} in {path}.", *(f"  {error}" for error in errors)])


def _numbers(numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:LISTED_NUMBERS])
    rest = len(numbers) - LISTED_NUMBERS
    return f"{shown} and {rest} more" if rest > 0 else shown


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
