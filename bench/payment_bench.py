"""Payment import benchmark: refresh N exported invoices of which a share changed in Xero, through the real SDK
against the in-process sandbox.

    python bench/payment_bench.py [--count 10000] [--changed-percent 1] [--memory]

N invoices are approved and exported (batched, sandbox limits raised: the figures measure the import), a first
import sets the If-Modified-Since mark, then payments are recorded in Xero on `changed-percent` of them (each at its
own UpdatedDateUTC) and the refresh is measured: API calls (GET /Invoices pages), invoices Xero answered, payments
imported, invoices changed, wall time, peak Python memory (tracemalloc). The first import (no mark yet: every
exported invoice comes back once) is printed for comparison.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from bench_common import OPEN_LIMITS, Company, approve_many, sandbox_company
from invoice_desktop.store.models import XeroExport
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.payment_import import ImportSummary, PaymentImporter


def measured(company: Company, memory: bool) -> tuple[ImportSummary, float, float]:
    importer = PaymentImporter(company.client)
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    summary = importer.run()
    wall = time.perf_counter() - started
    peak = 0
    if memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return summary, wall, peak / 2**20


def show(
    label: str, figures: tuple[ImportSummary, float, float], calls_target: int | None = None,
    seconds_target: float | None = None,
) -> None:  # fmt: skip
    summary, wall, peak_mib = figures
    print(
        f"{label:<34} api_calls={summary.api_calls:>4} answered={summary.invoices_seen:>6} "
        f"payments_imported={summary.payments_imported:>5} invoices_changed={summary.invoices_changed:>5} "
        f"wall={wall:7.2f}s peak={peak_mib:6.1f} MiB"
    )
    if calls_target is not None:
        print(f"    target: <= {calls_target} calls: {'ok' if summary.api_calls <= calls_target else 'missed'}")
    if seconds_target is not None:
        print(f"    target: <= {seconds_target:.0f} s: {'ok' if wall <= seconds_target else 'missed'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--changed-percent", type=float, default=1.0)
    parser.add_argument("--memory", action="store_true", help="trace memory (tracemalloc slows every line ~4x)")
    args = parser.parse_args()
    memory = args.memory
    with sandbox_company(OPEN_LIMITS) as (sandbox, company):
        approve_many(args.count)
        started = time.perf_counter()
        exported = Exporter(company.client).run()
        print(f"set-up: {len(exported.synced)} invoices exported in {time.perf_counter() - started:.1f}s")

        first_calls = -(-args.count // 1000) + 1  # pages of 1,000, and one more (the page at the mark)
        show("first import (no mark yet)", measured(company, memory), first_calls, 20.0)
        numbers = [row.invoice.number for row in XeroExport.select().order_by(XeroExport.invoice)]
        changed = numbers[:: max(1, round(100 / args.changed_percent))]
        for number in changed:
            sandbox.control.advance_clock(0.01)  # its own UpdatedDateUTC, as real payments have
            sandbox.control.record_payment(number, "5.00", on="2026-03-10")
        show(f"refresh: {len(changed)} of {len(numbers)} changed", measured(company, memory), 2)
        show("refresh again: nothing changed", measured(company, memory), 1)


if __name__ == "__main__":
    main()
