"""Export benchmark: N approved invoices to the in-process sandbox through the real SDK over loopback.

    python bench/export_bench.py [--counts 1000 10000] [--minute-limit 60 --throttled 300]

Prints, per run: API calls, invoice-creating requests, wall time, invoices/second, app-side milliseconds per
invoice (wall time minus time spent waiting on HTTP), peak Python memory (tracemalloc); the same for a naive
one-invoice-per-request export (batch size 1) as a ratio; and, under a configured minute limit with a fake clock
that the pacer sleeps on, the throughput reached as a percentage of that limit.
The sandbox's rate limits are raised for the unthrottled runs (the figures measure the app, not the limit).
tracemalloc slows every allocation (the app's and the in-process sandbox's); `--no-memory` leaves it off, for
timings closer to a user's (peak memory is then not measured and shows as 0).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench_common import (  # noqa: F401 (ui_bench reaches start_sandbox, open_database, ... as export_bench.*)
    OPEN_LIMITS,
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

    @property
    def per_invoice_ms(self) -> float:
        return 1000 * (self.wall - self.http) / self.count


class RealPlusWaits(FakeTime):
    """Real time plus the pacer's waits (which move the sandbox's clock instead of sleeping)."""

    def now(self):  # type: ignore[no-untyped-def]
        return datetime.now(UTC) + timedelta(seconds=self.offset)


class TimedExporter(Exporter):
    """Counts the time spent inside the SDK's HTTP calls, to separate app-side time from waiting on the server."""

    http_seconds = 0.0

    def _send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return super()._send(*args, **kwargs)
        finally:
            self.http_seconds += time.perf_counter() - started


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
                          exporter.http_seconds, peak / 2**20, len(summary.synced))  # fmt: skip
        return figures, clock


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
    args = parser.parse_args()
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
        calls_per_minute = throttled.api_calls / (elapsed / 60) if elapsed > 0 else float("inf")
        show(f"throttled ({args.minute_limit}/min)", throttled)
        print(f"throttled: {throttled.api_calls} calls in {elapsed:.0f} s of sandbox clock = "
              f"{calls_per_minute:.1f} calls/min = {100 * calls_per_minute / args.minute_limit:.0f}% of the "
              f"{args.minute_limit}/min limit")  # fmt: skip


if __name__ == "__main__":
    main()
