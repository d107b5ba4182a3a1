"""The command line: global options, the headless commands (docs/product.md §5), and the window as default.

Each command module registers its subcommands with `register(subparsers)` and sets `func` (and
`needs_database=False` where a command works without the company file). Commands return the exit status:
0 all done; 1 done but some invoices failed or some rows were rejected; 2 could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable
from typing import Any

from invoice_desktop import __version__
from invoice_desktop.app_context import AppContext

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CANNOT_RUN = 2


CommandFunc = Callable[[AppContext, argparse.Namespace], int]


class ArgumentParser(argparse.ArgumentParser):
    """argparse exits with 2 on bad arguments, which is our 'could not run' status too."""


def build_parser() -> argparse.ArgumentParser:
    from invoice_desktop.cli import ledger_commands, sandbox_commands, team_commands, xero_commands

    parser = ArgumentParser(
        prog="invoice-desktop",
        description="Sales invoices kept in step with Xero. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="the company file's folder (env INVOICE_DESKTOP_DATA_DIR)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="team mode: the company file in PostgreSQL, postgresql://user[:password]@host[:port]/dbname "
        "(env INVOICE_DESKTOP_DATABASE_URL); without it, the SQLite file in the data folder",
    )
    parser.add_argument(
        "--token-dir",
        metavar="DIR",
        help="team mode: the shared folder that keeps the company file's Xero sign-in (env INVOICE_DESKTOP_TOKEN_DIR)",
    )
    parser.add_argument(
        "--xero-endpoint", metavar="URL", help="one base URL for every Xero path (env INVOICE_DESKTOP_XERO_ENDPOINT)"
    )
    parser.add_argument(
        "--client-id", metavar="ID", help="the Xero app's client id (env INVOICE_DESKTOP_XERO_CLIENT_ID)"
    )
    parser.add_argument(
        "--sandbox", action="store_true", help="open the window on the built-in Xero sandbox with a demo company"
    )
    parser.add_argument(
        "--reset", action="store_true", help="with --sandbox: wipe the demo company file and sandbox state first"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    ledger_commands.register(subparsers)
    xero_commands.register(subparsers)
    sandbox_commands.register(subparsers)
    team_commands.register(subparsers)
    return parser


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def fail(message: str) -> int:
    """Say why a command could not run (one line on stderr) and give its exit status."""
    with contextlib.suppress(OSError, ValueError):  # stderr closed or gone (the windowed app has none)
        print(f"invoice-desktop: {message}", file=sys.stderr, flush=True)
    return EXIT_CANNOT_RUN


def cannot_run(message: str, as_json: bool = False) -> int:
    """`fail`, and with --json also the document `{"error": message}` on stdout."""
    if as_json:
        with contextlib.suppress(OSError, ValueError):
            print_json({"error": message})
            sys.stdout.flush()
    return fail(message)
