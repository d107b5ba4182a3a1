"""`invoice-desktop migrate-to URL [--json]`: copy this data folder's SQLite company file into an empty PostgreSQL
database (team mode). Exit 0 copied and checked; 2 refused or failed (one line; the target left empty)."""

from __future__ import annotations

import argparse
import sys

from invoice_desktop.app_context import AppContext
from invoice_desktop.cli import EXIT_OK, cannot_run, print_json
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.file_check import inspect_file


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "migrate-to",
        help="copy the SQLite company file into an empty PostgreSQL database (team mode)",
        description="Copy this data folder's SQLite company file into an EMPTY PostgreSQL database, every table "
        "with its ids, then check the rows and money totals of every table. The SQLite file is only read.",
    )
    parser.add_argument("url", metavar="URL", help="postgresql://user[:password]@host[:port]/dbname (empty)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run_migrate_to, needs_database=False)


def run_migrate_to(ctx: AppContext, args: argparse.Namespace) -> int:
    from invoice_desktop.store.migrate_to import migrate_to  # psycopg is loaded for team mode only

    source = ctx.paths.database
    if not inspect_file(source).exists:
        return cannot_run(f"there is no company file at {source} to copy (use --data-dir)", args.json)
    db = open_database(source, ctx.paths.backup_dir)
    try:
        result = migrate_to(db, args.url)
    finally:
        close_database()
    if args.json:
        print_json(
            {
                "target": result.target,
                "tables": [
                    {"table": t.table, "rows": t.rows, "money": {c: str(v) for c, v in t.money.items()}}
                    for t in result.tables
                ],
            }
        )
        return EXIT_OK
    print(f"Copied {source} into {result.target}; every table checked (rows and money totals match):")
    for table in result.tables:
        money = "  ".join(f"{column} {amount:,.2f}" for column, amount in table.money.items())
        print(f"  {table.table:<22}{table.rows:>10} rows  {money}".rstrip())
    print(f"Open it on every desk with: invoice-desktop --database '{result.target}'", file=sys.stderr)
    return EXIT_OK
