"""Waiting in tests, for something to happen and never for a while: `wait_until` polls a condition until it holds.
Its deadline is a net for a hung test (the test fails naming what never happened), never a timing assertion.

GUI tests wait with pytest-qt's `qtbot.waitUntil` / `qtbot.waitSignal`, which run Qt's event loop meanwhile; threads
of a test hand over with threading.Event. This is for what neither can see: another process, a file, the database.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

DEADLINE_S = 60.0  # an upper bound for a hung test, not a timing assertion
POLL_S = 0.01


def wait_until(
    condition: Callable[[], object],
    what: str,
    *,
    process: subprocess.Popen | None = None,
    timeout: float = DEADLINE_S,
    poll: float = POLL_S,
) -> None:
    """Poll `condition()` until it is true. With `process`, fail at once (with its output) if it exits first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the process exited ({process.returncode}) before {what}:\n{err or ''}\n{out or ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(poll)


def catches_signal(pid: int, signum: int = signal.SIGTERM) -> bool:
    """Process `pid` has a handler installed for `signum` (Linux: SigCgt in /proc/PID/status), e.g. the window's
    SIGTERM handler, installed when its event loop starts; before that SIGTERM would kill it outright."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to see whether a process handles a signal")
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return False
    for row in status.read_text().splitlines():
        if row.startswith("SigCgt:"):
            return bool(int(row.split()[1], 16) & (1 << (signum - 1)))
    return False
