"""Export benchmark: N approved invoices to the in-process sandbox through the real SDK over loopback.

    python bench/export_bench.py [--counts 1000 10000] [--minute-limit 60 --throttled 300]

    python bench/export_bench.py --ceiling [--ceiling-count 5000] [--latencies 0 1.5 3]

At Xero's ceiling (`--ceiling`): real time, the sandbox's limits as Xero's (60 calls a minute, 5 at once) and its
latency switch at each of `--latencies` seconds per call; exporting `--ceiling-count` invoices with the engine as
the app runs it (4 requests in flight), the same engine one request at a time, and a plain exporter of a few lines
against the SDK (one invoice per call, Retry-After honoured) on a sample of `--plain-count` invoices. Each prints
invoices/min and its share of the ceiling the limits allow (60 calls/min x 50 invoices = 3,000 invoices/min).

Otherwise it prints, per run: API calls, invoice-creating requests, wall time, invoices/second, app-side
milliseconds per invoice (wall time minus time spent waiting on HTTP), peak Python memory (tracemalloc); the same
for a naive one-invoice-per-request export (batch size 1) as a ratio; and, under a configured minute limit with a
fake clock that the pacer sleeps on, the throughput reached as a percentage of that limit.
The sandbox's rate limits are raised for the unthrottled runs (the figures measure the app, not the limit).
tracemalloc slows every allocation (the app's and the in-process sandbox's); `--no-memory` leaves it off, for
timings closer to a user's (peak memory is then not measured and shows as 0).
"""

from __future__ import annotations

import argparse
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench_common import (  # noqa: F401 (ui_bench reaches start_sandbox, open_database, ... as export_bench.*)
    OPEN_LIMITS,
    Company,
    FakeTime,
    approve_many,
    close_database,
    connect_company,
    open_database,
    sandbox_company,
    start_sandbox,
)
from invoice_desktop.sandbox.limits import RateLimits
from invoice_desktop.xero.exporter import Exporter


@dataclass
class Figures:
    count: int
    batch_size: int
    api_calls: int
    invoice_requests: int
    wall: float
    http: float
    peak_mib: float
    synced: int
    busiest_minute: int  # the most calls sent in any 60 s (the clock the sandbox's limits count by)

    @property
    def per_invoice_ms(self) -> float:
        return 1000 * (self.wall - self.http) / self.count


class RealPlusWaits(FakeTime):
    """Real time plus the pacer's waits (which move the sandbox's clock instead of sleeping)."""

    def now(self):  # type: ignore[no-untyped-def]
        return datetime.now(UTC) + timedelta(seconds=self.offset)


class TimedExporter(Exporter):
    """Counts the time during which at least one of the SDK's HTTP calls is under way, to separate app-side time
    from waiting on the server (with several calls in flight their times overlap: summed, they came to more than the
    run's wall time, and the app-side time printed negative)."""

    http_seconds = 0.0

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._timing = threading.Lock()
        self._under_way = 0
        self._since = 0.0
        self.stamp: Callable[[], float] = time.monotonic  # the clock the calls are stamped by (seconds)
        self.sent_at: list[float] = []

    def call(self, request, on_retry=None):  # type: ignore[no-untyped-def]
        def stamped():  # type: ignore[no-untyped-def]
            self.sent_at.append(self.stamp())  # as it goes, after the pacer's wait
            return request()

        return super().call(stamped, on_retry)

    def _send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self._timing:
            if not self._under_way:
                self._since = time.perf_counter()
            self._under_way += 1
        try:
            return super()._send(*args, **kwargs)
        finally:
            with self._timing:
                self._under_way -= 1
                if not self._under_way:
                    self.http_seconds += time.perf_counter() - self._since


def run_once(
    count: int, batch_size: int, limits: RateLimits, fake: bool, memory: bool = True
) -> tuple[Figures, FakeTime | None]:
    with sandbox_company(limits) as (sandbox, company):
        approve_many(count)
        clock = RealPlusWaits(sandbox) if fake else None
        if clock is not None:
            clock.advance(61)  # the settings fetch leaves the minute window
        options = {"batch_size": batch_size}
        if clock is not None:
            options.update(sleep=clock.sleep, clock=clock.now)
        exporter = TimedExporter(company.client, **options)  # type: ignore[arg-type]
        if clock is not None:
            exporter.stamp = lambda: clock.now().timestamp()  # the sandbox's clock, which its limits count by
        if memory:
            tracemalloc.start()
        started = time.perf_counter()
        summary = exporter.run()
        wall = time.perf_counter() - started
        peak = 0
        if memory:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        figures = Figures(count, batch_size, summary.api_calls, summary.invoice_requests, wall,
                          exporter.http_seconds, peak / 2**20, len(summary.synced),
                          busiest_minute(exporter.sent_at))  # fmt: skip
        return figures, clock


def busiest_minute(sent_at: list[float]) -> int:
    """The most calls sent within any 60 seconds."""
    times, most, first = sorted(sent_at), 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - 60:
            first += 1
        most = max(most, last - first + 1)
    return most


CEILING_PER_MINUTE = 60 * 50  # Xero's minute limit times the invoices a request carries


def ceiling_run(count: int, latency: float, in_flight: int | None) -> tuple[float, int, int]:
    """Invoices/min exporting `count` invoices at Xero's limits with `latency` s per call: the engine with
    `in_flight` requests at once, or (None) the plain exporter. Returns (invoices/min, calls, 429 answers)."""
    with sandbox_company(RateLimits(per_minute=60, per_day=10**9, concurrent=5)) as (sandbox, company):
        approve_many(count)
        time.sleep(61)  # the sign-in and settings calls leave the minute window
        sandbox.faults.set_latency(latency, path="/Invoices")
        sandbox.requests.clear()
        started = time.perf_counter()
        if in_flight is None:
            synced = plain_export(company)
        else:
            synced = len(Exporter(company.client, in_flight=in_flight).run().synced)
        minutes = (time.perf_counter() - started) / 60
        requests = sandbox.requests.entries("PUT", "/Invoices")
        assert synced == count, f"{synced} of {count} exported"
        return count / minutes, len(requests), sum(1 for r in requests if r.status == 429)


def plain_export(company: Company) -> int:
    """What a first integration does: one PUT per invoice, sleeping through a 429's Retry-After."""
    from xero_python.accounting import Invoices
    from xero_python.exceptions import RateLimitException

    from invoice_desktop.ledger.invoices import get_invoice_detail
    from invoice_desktop.store.models import XeroExport
    from invoice_desktop.xero.invoice_mapping import map_invoice
    from invoice_desktop.xero.settings import load_settings

    api, settings, done = company.client.accounting(), load_settings(), 0
    for row in XeroExport.select(XeroExport.invoice):
        model = map_invoice(get_invoice_detail(row.invoice_id), settings, None).model
        while True:
            try:
                api.create_invoices(company.client.tenant_id, Invoices(invoices=[model]))
                done += 1
                break
            except RateLimitException as exc:
                time.sleep(float(exc.headers.get("Retry-After") or 1))
    return done


def ceiling(count: int, latencies: list[float], plain_count: int) -> None:
    for latency in latencies:
        for label, in_flight, n in (("engine, 4 in flight", 4, count), ("engine, 1 at a time", 1, count),
                                    ("plain, 1 invoice/call", None, plain_count)):  # fmt: skip
            rate, calls, refused = ceiling_run(n, latency, in_flight)
            share = 100 * rate / CEILING_PER_MINUTE
            target = f"  target >= 90%: {'ok' if share >= 90 else 'missed'}" if in_flight == 4 else ""
            print(f"latency {latency:>3}s  {label:<22} invoices={n:>5}  {rate:7.0f} invoices/min = {share:5.1f}% of "
                  f"the ceiling  PUTs={calls:>5}  429s={refused}{target}", flush=True)  # fmt: skip


def show(label: str, f: Figures) -> None:
    print(
        f"{label:<28} invoices={f.count:>6} synced={f.synced:>6} api_calls={f.api_calls:>6} "
        f"invoice_requests={f.invoice_requests:>6} wall={f.wall:7.2f}s inv/s={f.count / f.wall:8.1f} "
        f"app_ms/inv={f.per_invoice_ms:6.2f} peak={f.peak_mib:6.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--naive", type=int, default=1000, help="invoices for the one-per-request comparison")
    parser.add_argument("--minute-limit", type=int, default=60)
    parser.add_argument("--throttled", type=int, default=5000, help="invoices for the throttled run")
    parser.add_argument("--no-memory", action="store_true", help="no tracemalloc (faster; peak not measured)")
    parser.add_argument("--ceiling", action="store_true", help="only the runs at Xero's ceiling, in real time")
    parser.add_argument("--ceiling-count", type=int, default=5000)
    parser.add_argument("--plain-count", type=int, default=60)
    parser.add_argument("--latencies", type=float, nargs="*", default=[0.0, 1.5, 3.0])
    args = parser.parse_args()
    if args.ceiling:
        ceiling(args.ceiling_count, args.latencies, args.plain_count)
        return
    memory = not args.no_memory
    batched = {}
    for count in args.counts:
        batched[count], _ = run_once(count, 50, OPEN_LIMITS, fake=False, memory=memory)
        show("batched (50/request)", batched[count])
    if args.naive:
        naive, _ = run_once(args.naive, 1, OPEN_LIMITS, fake=False, memory=memory)
        show("naive (1/request)", naive)
        base = batched.get(args.naive) or run_once(args.naive, 50, OPEN_LIMITS, fake=False, memory=memory)[0]
        print(f"requests naive/batched: {naive.invoice_requests}/{base.invoice_requests} = "
              f"{naive.invoice_requests / base.invoice_requests:.1f}x; wall naive/batched: "
              f"{naive.wall / base.wall:.1f}x")  # fmt: skip
    if args.throttled:
        limits = RateLimits(per_minute=args.minute_limit, per_day=10**9, app_per_minute=10**9)
        throttled, clock = run_once(args.throttled, 50, limits, fake=True, memory=memory)
        assert clock is not None
        elapsed = throttled.wall + clock.offset - 61  # the sandbox's clock: real time plus the pacer's waits
        show(f"throttled ({args.minute_limit}/min)", throttled)
        # (calls over elapsed minutes said more than the limit for a short run: the first minute's calls all go at
        # once, then the next minute's; what the limit bounds is the calls within any 60 s)
        within = "ok" if throttled.busiest_minute <= args.minute_limit else "OVER THE LIMIT"
        print(f"throttled: {throttled.api_calls} calls in {elapsed:.0f} s of sandbox clock; the busiest 60 s "
              f"held {throttled.busiest_minute} (limit {args.minute_limit}: {within})")  # fmt: skip


if __name__ == "__main__":
    main()
