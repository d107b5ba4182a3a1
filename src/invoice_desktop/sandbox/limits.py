"""Xero's API limits (docs/xero-facts.md §3): per tenant 5 in flight, 60 a minute, 5,000 a day; 10,000 a minute across
the app. Windows are rolling and read the sandbox clock, so tests move time instead of waiting.

Every tenant call gets X-DayLimit-Remaining, X-MinLimit-Remaining and X-AppMinLimit-Remaining; a call over a
limit gets 429 with X-Rate-Limit-Problem (minute, day, concurrent, appminute), the exhausted Remaining at 0 and,
unless `send_retry_after` is off, Retry-After in whole seconds. Refused calls do not count.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field

from invoice_desktop.sandbox.clock import SandboxClock

DAY_SECONDS = 86_400.0


@dataclass
class RateLimits:
    per_minute: int = 60
    minute_window_seconds: float = 60.0
    per_day: int = 5000
    concurrent: int = 5
    app_per_minute: int = 10000
    send_retry_after: bool = True


@dataclass
class LimitDecision:
    allowed: bool
    minute_remaining: int
    day_remaining: int
    app_remaining: int
    problem: str | None = None
    retry_after: int | None = None

    def headers(self, send_retry_after: bool = True) -> dict[str, str]:
        result = {
            "X-DayLimit-Remaining": str(self.day_remaining),
            "X-MinLimit-Remaining": str(self.minute_remaining),
            "X-AppMinLimit-Remaining": str(self.app_remaining),
        }
        if self.problem is not None:
            result["X-Rate-Limit-Problem"] = self.problem
            if send_retry_after and self.retry_after is not None:
                result["Retry-After"] = str(self.retry_after)
        return result


@dataclass
class _TenantWindow:
    minute: deque[float] = field(default_factory=deque)
    day: deque[float] = field(default_factory=deque)
    in_flight: int = 0


class RateLimiter:
    def __init__(self, limits: RateLimits, clock: SandboxClock) -> None:
        self.limits = limits
        self.clock = clock
        self._tenants: dict[str, _TenantWindow] = {}
        self._app: deque[float] = deque()
        self._lock = threading.Lock()

    def _window(self, tenant_id: str) -> _TenantWindow:
        return self._tenants.setdefault(tenant_id.lower(), _TenantWindow())

    def _expire(self, window: _TenantWindow, now: float) -> None:
        _drop_before(window.minute, now - self.limits.minute_window_seconds)
        _drop_before(window.day, now - DAY_SECONDS)
        _drop_before(self._app, now - self.limits.minute_window_seconds)

    def acquire(self, tenant_id: str) -> LimitDecision:
        """Count a tenant call, or refuse it. An allowed call must be followed by `release`."""
        with self._lock:
            now = self.clock.now()
            window = self._window(tenant_id)
            self._expire(window, now)
            limits = self.limits
            problem, retry_after = None, None
            if len(window.day) >= limits.per_day:
                problem, retry_after = "day", _seconds_until(window.day[0] + DAY_SECONDS, now)
            elif len(window.minute) >= limits.per_minute:
                problem = "minute"
                retry_after = _seconds_until(window.minute[0] + limits.minute_window_seconds, now)
            elif len(self._app) >= limits.app_per_minute:
                problem = "appminute"
                retry_after = _seconds_until(self._app[0] + limits.minute_window_seconds, now)
            elif window.in_flight >= limits.concurrent:
                problem, retry_after = "concurrent", 1
            if problem is None:
                window.minute.append(now)
                window.day.append(now)
                self._app.append(now)
                window.in_flight += 1
            return LimitDecision(
                allowed=problem is None,
                minute_remaining=0 if problem == "minute" else max(0, limits.per_minute - len(window.minute)),
                day_remaining=0 if problem == "day" else max(0, limits.per_day - len(window.day)),
                app_remaining=0 if problem == "appminute" else max(0, limits.app_per_minute - len(self._app)),
                problem=problem,
                retry_after=retry_after,
            )

    def release(self, tenant_id: str) -> None:
        with self._lock:
            window = self._window(tenant_id)
            window.in_flight = max(0, window.in_flight - 1)

    def app_remaining(self) -> int:
        with self._lock:
            _drop_before(self._app, self.clock.now() - self.limits.minute_window_seconds)
            return max(0, self.limits.app_per_minute - len(self._app))

    def snapshot(self, tenant_id: str) -> LimitDecision:
        """The Remaining figures without counting a call."""
        with self._lock:
            window = self._window(tenant_id)
            self._expire(window, self.clock.now())
            return LimitDecision(
                allowed=True,
                minute_remaining=max(0, self.limits.per_minute - len(window.minute)),
                day_remaining=max(0, self.limits.per_day - len(window.day)),
                app_remaining=max(0, self.limits.app_per_minute - len(self._app)),
            )

    def exhaust(self, tenant_id: str, problem: str) -> None:
        """Use up a tenant's minute or day allowance now (a switch for tests and the admin page)."""
        with self._lock:
            now = self.clock.now()
            window = self._window(tenant_id)
            self._expire(window, now)
            if problem == "minute":
                window.minute.extend([now] * max(0, self.limits.per_minute - len(window.minute)))
            elif problem == "day":
                window.day.extend([now] * max(0, self.limits.per_day - len(window.day)))
            elif problem == "appminute":
                self._app.extend([now] * max(0, self.limits.app_per_minute - len(self._app)))
            else:
                raise ValueError(f"cannot exhaust the {problem!r} limit (minute, day or appminute)")

    def reset(self) -> None:
        with self._lock:
            for window in self._tenants.values():
                window.minute.clear()
                window.day.clear()
            self._app.clear()


def _drop_before(times: deque[float], threshold: float) -> None:
    while times and times[0] <= threshold:
        times.popleft()


def _seconds_until(moment: float, now: float) -> int:
    return max(1, math.ceil(moment - now))
