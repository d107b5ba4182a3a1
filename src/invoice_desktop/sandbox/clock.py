"""The sandbox's own clock: real time plus an offset that tests move forward instead of sleeping.

Everything time-based in the sandbox reads this clock: token expiry, the 30-minute refresh grace, 60-day refresh
expiry, the 6-minute idempotency window, rate-limit windows, and the UpdatedDateUTC of what it stores.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

MAX_OFFSET_SECONDS = 50 * 365 * 86_400.0  # the sandbox clock runs at most 50 years ahead


class SandboxClock:
    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = offset_seconds
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        """Seconds since the epoch, UTC, as the sandbox sees it."""
        return time.time() + self._offset

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def today(self) -> date:
        return self.now_datetime().date()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
