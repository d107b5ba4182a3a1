"""Work the GUI thread does in steps, each in a turn of the event loop of its own (what follows a Resync: the status
bar, the list, the counts), so that what waits meanwhile (a paint, a key, a timer) gets its turn between them.

A step is a real timer of STEP_MS, not a zero timer or a queued call: those are handled in the same pass as the
posted events, one after another, and a chain of them holds the other timers back as one long step would."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

STEP_MS = 1


def step_timer(parent: QObject, step: Callable[[], object]) -> QTimer:
    """A single-shot timer that runs `step` a turn of the event loop after each start()."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(STEP_MS)
    timer.timeout.connect(step)
    return timer


def next_step(parent: QObject, step: Callable[[], object]) -> None:
    """Run `step` once, a turn of the event loop from now (not if `parent` is gone by then)."""
    QTimer.singleShot(STEP_MS, parent, step)
