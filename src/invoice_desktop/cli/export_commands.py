"""`xero sync | resync | failed | synced` (the export engine's commands), registered under `xero`.

Exit status: 0 all done; 1 done but some invoices failed (or numbers were unknown); 2 could not run (not
connected, connection dropped before anything was sent, bad arguments).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from invoice_desktop.app_context import AppContext
from invoice_desktop.cli import EXIT_CANNOT_RUN, EXIT_OK, EXIT_PARTIAL, fail, print_json
from invoice_desktop.ledger.credit_notes import credit_note_ids_by_number
from invoice_desktop.ledger.invoices import invoice_ids_by_number
from invoice_desktop.xero.client import XeroClient, XeroInterfaceError
from invoice_desktop.xero.company_client import open_client
from invoice_desktop.xero.connect import XERO_CALL_ERRORS, describe_error
from invoice_desktop.xero.export_actions import (
    FailedRow,
    SyncedRow,
    failed_credit_note_ids,
    failed_ids,
    failed_payment_ids,
    list_failed,
    list_synced,
    resync,
)
from invoice_desktop.xero.export_results import ExportSummary
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.payment_import import ImportSummary, import_changes
from invoice_desktop.xero.settings import InterfaceState, interface_state

R = TypeVar("R", FailedRow, SyncedRow)


def register(xero_subparsers: argparse._SubParsersAction) -> None:
    p = xero_subparsers.add_parser("sync", help="export the queued invoices to Xero, then import payments")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sync)

    p = xero_subparsers.add_parser("resync", help="export these invoices again (after fixing the cause)")
    p.add_argument("numbers", nargs="*", metavar="NUMBER")
    p.add_argument("--all-failed", action="store_true", help="every invoice that failed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_resync)

    p = xero_subparsers.add_parser("failed", help="the invoices that failed to export, and why")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_failed)

    p = xero_subparsers.add_parser("synced", help="the invoices that are in Xero")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_synced)


def _client(ctx: AppContext) -> XeroClient:
    return open_client(ctx.paths, ctx.endpoints, ctx.client_id)


# Why `xero sync` does nothing unless the interface is connected and enabled (as the window's automatic export).
_SYNC_REFUSED = {
    InterfaceState.NOT_SET_UP: "Xero is not connected: run `invoice-desktop xero connect` first. Nothing was synced.",
    InterfaceState.DISABLED: (
        "The Xero interface is disabled: nothing was exported or imported. "
        "Enable it with `invoice-desktop xero settings --enable`."
    ),
    InterfaceState.DROPPED: (
        "The Xero connection has been dropped: nothing was exported or imported. "
        "Reconnect with `invoice-desktop xero connect`."
    ),
}


def cmd_sync(ctx: AppContext, args: argparse.Namespace) -> int:
    state = interface_state()
    if state is not InterfaceState.CONNECTED:
        return fail(_SYNC_REFUSED[state])
    try:
        client = _client(ctx)
    except XeroInterfaceError as exc:
        return fail(str(exc))
    exporter = Exporter(client)
    try:
        summary = exporter.run()
        imported = import_changes(client, pacer=exporter.pacer)  # gated by xero.import_payments
    except XERO_CALL_ERRORS as exc:
        return fail(f"Xero could not be reached: {describe_error(exc)}")
    status = _report(summary, args.json, imported)
    return EXIT_PARTIAL if status == EXIT_OK and not imported.ok else status


KIND_PREFIX = {"payment": "payment on ", "credit_note": "credit note "}


def cmd_resync(ctx: AppContext, args: argparse.Namespace) -> int:
    if bool(args.numbers) == bool(args.all_failed):
        return fail("give invoice numbers or --all-failed (not both)")
    unknown: list[str] = []
    payment_ids: list[int] = []
    credit_note_ids: list[int] = []
    if args.all_failed:
        ids = failed_ids()
        payment_ids = failed_payment_ids()
        credit_note_ids = failed_credit_note_ids()
    else:
        found = invoice_ids_by_number(args.numbers)
        notes = credit_note_ids_by_number(n for n in args.numbers if n.strip() not in found)
        unknown = [n for n in args.numbers if n.strip() not in found and n.strip() not in notes]
        ids = [found[n.strip()] for n in args.numbers if n.strip() in found]
        credit_note_ids = [notes[n.strip()] for n in args.numbers if n.strip() in notes]
    for number in unknown:
        print(f"invoice-desktop: no invoice or credit note {number}", file=sys.stderr)
    if not ids and not payment_ids and not credit_note_ids:
        if args.json:
            print_json(ExportSummary().to_json())
        else:
            print("Nothing to resync.")
        return EXIT_PARTIAL if unknown else EXIT_OK
    try:
        client = _client(ctx)
        summary = resync(client, ids, payment_ids=payment_ids, credit_note_ids=credit_note_ids)
    except XeroInterfaceError as exc:
        return fail(str(exc))
    except XERO_CALL_ERRORS as exc:  # e.g. reading Xero's settings first: the invoices were left as they were
        return fail(f"Xero could not be reached, nothing was sent: {describe_error(exc)}")
    status = _report(summary, args.json)
    return EXIT_PARTIAL if unknown and status == EXIT_OK else status


def _report(summary: ExportSummary, as_json: bool, imported: ImportSummary | None = None) -> int:
    if as_json:
        document = summary.to_json()
        if imported is not None:
            document.update(imported.to_json())
        print_json(document)
    else:
        for outcome in summary.outcomes:
            if outcome.category is None:
                print(f"{outcome.number}: {outcome.state.value}{' — ' + outcome.note if outcome.note else ''}")
            else:
                print(f"{outcome.number}: {outcome.title} — {outcome.message}")
                print(f"    {outcome.hint}")
        print(summary.message())
        if imported is not None:
            print(imported.message())
    stop = summary.stop
    if stop is not None and not summary.outcomes:
        return EXIT_CANNOT_RUN if stop.resumes_at is None else EXIT_PARTIAL
    if stop is not None and stop.connection_dropped and not summary.synced:
        return EXIT_CANNOT_RUN  # the connection was dropped before anything was sent
    return EXIT_OK if summary.ok else EXIT_PARTIAL


def cmd_failed(ctx: AppContext, args: argparse.Namespace) -> int:
    return _list(args, list_failed(payments=True), _print_failed, "failed")


def _print_failed(r: FailedRow) -> None:
    when = r.last_attempt.isoformat(timespec="seconds") if r.last_attempt else "never"
    kind = KIND_PREFIX.get(r.kind, "")
    print(f"{kind}{r.number}  {r.client}  {r.total}  Sync Failed: {r.title} (attempts {r.attempts}, last {when})")
    print(f"    Xero: {' '.join(r.messages)}")
    print(f"    {r.hint}")
    if r.next_retry_at:
        print(f"    Next automatic retry: {r.next_retry_at.isoformat(timespec='seconds')}")


def cmd_synced(ctx: AppContext, args: argparse.Namespace) -> int:
    return _list(args, list_synced(payments=True), _print_synced, "synced")


def _print_synced(r: SyncedRow) -> None:
    when = r.synced_at.isoformat(timespec="seconds") if r.synced_at else ""
    kind = KIND_PREFIX.get(r.kind, "")
    print(f"{kind}{r.number}  {r.client}  {r.total}  synced {when}  {r.xero_invoice_id}")


def _list(args: argparse.Namespace, rows: Sequence[R], print_row: Callable[[R], None], what: str) -> int:
    """Rows as JSON (--json), or a few lines each and a count."""
    if args.json:
        print_json([r.to_json() for r in rows])
        return EXIT_OK
    for r in rows:
        print_row(r)
    print(f"{len(rows)} {what}.")
    return EXIT_OK
