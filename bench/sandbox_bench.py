"""Sandbox list benchmark: what one GET page costs the sandbox as its organisation grows.

    python bench/sandbox_bench.py [--sizes 1000,10000,100000] [--repeat 3] [--freeze-gc]

For each size the demo organisation is filled with that many sales invoices (built in-process, as the export
leaves them: batches of 50 sharing an UpdatedDateUTC; every 100th then paid and credited), then each query below is
asked over loopback HTTP (raw, no SDK: the figure is the sandbox's own work plus the bytes on the wire) and the
median wall time of `--repeat` runs is printed in milliseconds per page. Pages are 1,000 long. `--freeze-gc` moves
the filled organisation out of the cyclic garbage collector's sight (gc.freeze) before measuring: with 100,000
invoices in the heap, Python's own collections of the older generations take a good part of a page's time, which
is the interpreter's cost of a big heap, not the sandbox's work per page.

    import p1     If-Modified-Since (before everything), where=Type=="ACCREC", order=UpdatedDateUTC ASC, page 1
    import last   the same, the last page
    refresh       the same with If-Modified-Since near the end (the last 1% changed)
    numbers       where=Type=="ACCREC" AND (InvoiceNumber=="..." OR ... 25 numbers)
    numbers list  InvoiceNumbers=25 numbers
    date          where=Type=="ACCREC" AND Date==DateTime(y, m, d)
    payments      GET /Payments, If-Modified-Since, order=UpdatedDateUTC ASC, page 1
    credit notes  GET /CreditNotes, where=Type=="ACCRECCREDIT", order=UpdatedDateUTC ASC, page 1 ("-": no such
                  endpoint in the sandbox measured)
"""

from __future__ import annotations

import argparse
import gc
import http.client
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "contract"))

from contract_helpers import Wire

from invoice_desktop.sandbox import seed, state
from invoice_desktop.sandbox.limits import RateLimits
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox

PAGE = 1000
OPEN_LIMITS = RateLimits(per_minute=10**9, per_day=10**9, app_per_minute=10**9)
FIRST_DAY = date(2026, 1, 1)
STEP = 0.5  # seconds between two export batches


def fill(sandbox: RunningSandbox, count: int, start: float) -> float:
    """`count` AUTHORISED sales invoices, numbered B-000000 ..., 50 to an UpdatedDateUTC; then, as a bookkeeper
    does in Xero (the control actions), every 100th paid 5.00 and credited 1.00 by a credit note. Returns the time
    just before those changes."""
    org = sandbox.state.organisations[seed.DEMO_TENANT_ID]
    sales = org.account_by_code("200")
    assert sales is not None
    contacts = [c.contact_id for c in org.contacts if c.status == "ACTIVE"]
    with sandbox.state.lock:
        for i in range(count):
            moment = start + (i // 50) * STEP
            line = state.LineItem(state.new_id(), "Hot water service", Decimal("1.0000"), Decimal("100.00"), "200",
                                  sales.account_id, "OUTPUT", Decimal("10.00"), Decimal("100.00"))  # fmt: skip
            invoice = state.Invoice(
                state.new_id(), "ACCREC", f"B-{i:06d}", contacts[i % len(contacts)], FIRST_DAY + timedelta(i % 300),
                due_date=FIRST_DAY + timedelta(i % 300 + 14), status="AUTHORISED", line_items=[line],
                sub_total=Decimal("100.00"), total_tax=Decimal("10.00"), total=Decimal("110.00"), created=moment,
                updated=moment, approved_at=moment,
            )  # fmt: skip
            org.add_invoice(invoice)
    changes_from = sandbox.clock.now() - 1
    for i in range(0, count, 100):
        sandbox.control.record_payment(f"B-{i:06d}", "5.00", on="2026-11-02")
        sandbox.control.allocate_credit(f"B-{i:06d}", "1.00", "credit_note", on="2026-11-02")
    return changes_from


def since_header(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")


def get(wire: Wire, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET, waiting as long as it takes (Wire.send gives up after 10 s)."""
    parts = urlsplit(wire.sandbox.base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=3600)
    try:
        connection.request("GET", target, headers=headers)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def timed(wire: Wire, repeat: int, resource: str, query: dict[str, str], since: float | None) -> float | None:
    """The median milliseconds of the call (None: the sandbox has no such endpoint, 404)."""
    headers = {"Authorization": f"Bearer {wire.access_token}", "xero-tenant-id": seed.DEMO_TENANT_ID,
               "Accept": "application/json"}  # fmt: skip
    if since is not None:
        headers["If-Modified-Since"] = since_header(since)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        status, body = get(wire, f"/api.xro/2.0/{resource}?{urlencode(query)}", headers)
        times.append((time.perf_counter() - started) * 1000)
        if status == 404:
            return None
        assert status == 200, (resource, query, status, body[:300])
    return statistics.median(times)


def queries(count: int, start: float, changes_from: float) -> list[tuple[str, str, dict[str, str], float | None]]:
    import_query = {"where": 'Type=="ACCREC"', "order": "UpdatedDateUTC ASC", "pageSize": str(PAGE)}
    first = {"page": "1", "pageSize": str(PAGE)}
    oldest_first = {"order": "UpdatedDateUTC ASC", **first}
    last = str(max(1, (count + PAGE - 1) // PAGE))
    wanted = [f"B-{i:06d}" for i in range(0, count, max(1, count // 25))][:25]
    literals = " OR ".join(f'InvoiceNumber=="{n}"' for n in wanted)
    return [
        ("import p1", "Invoices", {**import_query, "page": "1"}, start - 60),
        ("import last", "Invoices", {**import_query, "page": last}, start - 60),
        ("refresh", "Invoices", {**import_query, "page": "1"}, changes_from),
        ("numbers", "Invoices", {"where": f'Type=="ACCREC" AND ({literals})', **first}, None),
        ("numbers list", "Invoices", {"InvoiceNumbers": ",".join(wanted), **first}, None),
        ("date", "Invoices", {"where": 'Type=="ACCREC" AND Date==DateTime(2026, 03, 05)', **first}, None),
        ("payments", "Payments", oldest_first, start - 60),
        ("credit notes", "CreditNotes", {"where": 'Type=="ACCRECCREDIT"', **oldest_first}, None),
    ]  # fmt: skip


def run(count: int, repeat: int, freeze_gc: bool) -> dict[str, Any]:
    with start_sandbox(auto_approve=True, limits=OPEN_LIMITS) as sandbox:
        start = sandbox.clock.now() - 86_400
        started = time.perf_counter()
        changes_from = fill(sandbox, count, start)
        print(f"{count:>7} invoices filled in {time.perf_counter() - started:.1f}s", flush=True)
        wire = Wire(sandbox)
        if freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            return {label: timed(wire, repeat, resource, query, since)
                    for label, resource, query, since in queries(count, start, changes_from)}  # fmt: skip
        finally:
            gc.unfreeze()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--freeze-gc", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {size: run(size, args.repeat, args.freeze_gc) for size in sizes}
    labels = list(next(iter(results.values())))
    frozen = ", gc frozen" if args.freeze_gc else ""
    print(f"\nms per page (median of {args.repeat}{frozen}), pages of {PAGE}")
    print(f"{'query':<14}" + "".join(f"{size:>12,}" for size in sizes))
    for label in labels:
        cells = "".join(f"{results[s][label]:>12.1f}" if results[s][label] is not None else f"{'-':>12}"
                        for s in sizes)  # fmt: skip
        print(f"{label:<14}{cells}")


if __name__ == "__main__":
    main()
