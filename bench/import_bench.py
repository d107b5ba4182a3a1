"""CSV import benchmark: how long an import holds the company file's write lock.

    python bench/import_bench.py [--rows 100000] [--lines 2] [--clients 1000] [--approve]

A Xero sales-invoice template file of `rows` rows (`lines` rows per invoice, `clients` clients, new accounts and a
tax rate derived from TaxAmounts among them) is imported into a new company file in a temp folder. Printed: the
whole import's wall time, and the write step's: from the BEGIN of each write transaction to its COMMIT, as
peewee's atomic() opens and closes them (the longest time another process's write waits). With --approve the
imported drafts are approved too (ledger.invoices.approve_invoices, in its own short transactions).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import peewee

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.csv_import import import_csv_file
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.models import Invoice, InvoiceLine

HEADER = (
    "*ContactName,EmailAddress,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,"
    "Discount,*AccountCode,*TaxType,TaxAmount,Currency"
)


def write_file(path: Path, rows: int, lines: int, clients: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        for row in range(rows):
            invoice = row // lines
            client = f"Client {invoice % clients:05d} Pty Ltd"
            account = ("200", "400", "260")[row % 3]
            tax, tax_amount = ("GST on Income", "") if row % 5 else ("Levy 12.5", "12.50")
            description = f'"Work item {row}, on site"' if row % 7 == 0 else f"Work item {row}"
            out.write(
                f"{client},accounts{invoice % clients}@example.com,BENCH-{invoice:06d},PO {invoice},05/03/2024,"
                f"04/04/2024,{description},1,100.00,,{account},{tax},{tax_amount},AUD\r\n"
            )


class WriteLockTimer:
    """Times every outermost write transaction (peewee's atomic(): BEGIN IMMEDIATE ... COMMIT/ROLLBACK), without a
    statement trace's cost per row. DEFERRED ones take no write lock (reads; the import's staging of TEMP tables)."""

    def __init__(self) -> None:
        self.spans: list[float] = []
        self._depth = 0
        self._began = 0.0
        self._deferred = False
        self._saved = (peewee._atomic.__enter__, peewee._atomic.__exit__)

    def __enter__(self) -> WriteLockTimer:
        enter, leave = self._saved
        timer = self

        def timed_enter(atomic):
            if timer._depth == 0:
                timer._began = time.perf_counter()
                timer._deferred = atomic._transaction_args[1].get("lock_type") == "DEFERRED"
            timer._depth += 1
            return enter(atomic)

        def timed_exit(atomic, *exc):
            try:
                return leave(atomic, *exc)
            finally:
                timer._depth -= 1
                if timer._depth == 0 and not timer._deferred:  # DEFERRED: reads, or TEMP tables only
                    timer.spans.append(time.perf_counter() - timer._began)

        peewee._atomic.__enter__, peewee._atomic.__exit__ = timed_enter, timed_exit
        return self

    def __exit__(self, *exc: object) -> None:
        peewee._atomic.__enter__, peewee._atomic.__exit__ = self._saved


IMPORT_TARGET_S = 60  # issue 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=2, help="rows per invoice")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--approve", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "invoices.csv"
        write_file(csv_path, args.rows, args.lines, args.clients)
        open_database(folder / "company.sqlite3", folder / "backups")
        try:
            catalog.get_or_create_account("200", "Sales")
            catalog.create_tax_rate("GST on Income", Decimal(10))
            with WriteLockTimer() as timer:
                started = time.perf_counter()
                result = import_csv_file(csv_path, approve=args.approve)
                wall = time.perf_counter() - started
            assert result.ok, result.errors[:5]
            print(
                f"rows={args.rows:,} invoices={len(result.imported):,} lines={InvoiceLine.select().count():,} "
                f"new_clients={result.new_clients:,} new_accounts={result.new_accounts} "
                f"new_tax_rates={result.new_tax_rates} stored_invoices={Invoice.select().count():,}"
            )
            verdict = "ok" if wall <= IMPORT_TARGET_S else "MISSED"
            print(f"whole import: {wall:.2f} s (target for 100,000 rows <= {IMPORT_TARGET_S:.0f} s: {verdict})")
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
            print(f"peak memory (RSS, the whole process, the CSV file written first): {peak:.0f} MiB")
            writes = timer.spans  # the import's, then the approval's chunks
            print(f"import's write transaction: {writes[0]:.3f} s")
            if len(writes) > 1:
                chunks = writes[1:]
                print(
                    f"approval: {len(chunks)} transactions, longest {max(chunks):.3f} s, "
                    f"all together {sum(chunks):.3f} s"
                )
        finally:
            close_database()


if __name__ == "__main__":
    main()
