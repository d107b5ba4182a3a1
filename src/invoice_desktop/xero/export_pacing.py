"""How fast and how often the exporter calls Xero (docs/xero-facts.md §3): backoff with jitter that honours Retry-After,
pacing from X-MinLimit-Remaining so the minute limit is rarely hit, and when a failed invoice is retried next.

Time is injected (`now`: seconds, `sleep`), so tests move a clock instead of waiting.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

MINUTE_WINDOW = 60.0
# Xero counts a call when it arrives, a little after we start it: a call is only taken to have left Xero's window
# this long after it left ours, so the next one never arrives early (with several in flight that cost 429s).
WINDOW_MARGIN = 1.0
MAX_IN_FLIGHT = 5  # Xero's concurrent-call limit per organisation


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of one request inside a run, then the automatic retries of invoices that failed."""

    retries: int = 4  # after the first try: 5 tries in all
    base_seconds: float = 2.0
    cap_seconds: float = 60.0
    auto_retry_first: timedelta = timedelta(minutes=5)
    auto_retry_cap: timedelta = timedelta(hours=6)

    def delay(self, retry: int, retry_after: float | None, jitter: Callable[[], float] = random.random) -> float:
        """Seconds before retry number `retry` (0-based): exponential with full jitter on top of half the step,
        never less than Xero's Retry-After."""
        step = min(self.cap_seconds, self.base_seconds * 2**retry)
        backoff = step / 2 + jitter() * step / 2
        if retry_after is not None:
            return max(retry_after, 0.0) + jitter()  # a little spread so parallel clients do not wake together
        return backoff

    def next_automatic_retry(self, now: datetime, attempts: int) -> datetime:
        """When an invoice whose retries are spent is tried again by the next sync (doubling, capped)."""
        factor = 2 ** max(0, min(attempts - 1, 10))
        return now + min(self.auto_retry_cap, self.auto_retry_first * factor)


@dataclass
class Pacer:
    """Spaces calls so the per-minute limit is used, not exceeded, with several calls in flight.

    After each response it reads X-MinLimit-Remaining. That answer already counts the calls started before the one
    it answers (or, with several in flight, some of them); so the calls Xero allows in the window are taken as
    that remaining count plus our calls in the window up to that one, and every call started since uses one up.
    When none is left it waits until the oldest of its own calls leaves the window. Thread-safe: one pacer serves
    every call of an engine, from any thread; it never sleeps holding its lock."""

    now: Callable[[], float]
    sleep: Callable[[float], None]
    window: float = MINUTE_WINDOW + WINDOW_MARGIN
    calls: deque[tuple[float, int]] = field(default_factory=deque)  # (start, ticket) of our calls in the window
    allowed: int | None = None  # calls Xero allows in a window, as the latest answer shows it; None: not known
    waited: float = 0.0
    _answered: int = -1  # the ticket of the call `allowed` was worked out from
    _tickets: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before_call(self) -> int:
        """Wait until a call may start; returns its ticket (give it back to `observe`)."""
        while True:
            with self._lock:
                current = self.now()
                while self.calls and self.calls[0][0] <= current - self.window:
                    self.calls.popleft()
                if self.allowed is None or len(self.calls) < self.allowed:
                    ticket = self._tickets
                    self._tickets += 1
                    self.calls.append((current, ticket))
                    return ticket
                wait = self.calls[0][0] + self.window - current if self.calls else self.window
            if wait > 0:
                self._slept(wait)

    def observe(self, headers: Mapping[str, str] | None, ticket: int | None = None) -> None:
        value = header_of(headers, "X-MinLimit-Remaining")
        if value is None or not value.strip().lstrip("-").isdigit():
            return
        with self._lock:
            answered = self._tickets - 1 if ticket is None else ticket
            if answered < self._answered:
                return  # an older answer, overtaken by a newer one
            counted = sum(1 for _start, t in self.calls if t <= answered)
            self.allowed = max(0, int(value)) + counted
            self._answered = answered

    def wait(self, seconds: float) -> None:
        """A backoff: wait, and forget what the limit looked like (it may have moved on)."""
        if seconds > 0:
            self._slept(seconds)
        with self._lock:
            self.allowed = None

    def _slept(self, seconds: float) -> None:
        with self._lock:
            self.waited += seconds
        self.sleep(seconds)


def header_of(headers: Any, name: str) -> str | None:
    """A header of a reply (urllib3 HTTPHeaderDict or a plain mapping), by case-insensitive name."""
    if not headers:
        return None
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return None if value is None else str(value)
