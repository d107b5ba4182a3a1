"""Work the GUI thread does in steps, each in a turn of the event loop of its own (what follows a Resync: the status
bar, the list, the counts), so that what waits meanwhile (a paint, a key, a timer) gets its turn between them.

A read that is slow whatever its size (a count over every invoice of a million: 50-80 ms) is done off the GUI
thread (`read_off_thread`): SQLite lets go of the GIL while it counts.

A step is a real timer of STEP_MS, not a zero timer or a queued call: those are handled in the same pass as the
posted events, one after another, and a chain of them holds the other timers back as one long step would."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Slot
from shiboken6 import isValid

from invoice_desktop.jobs.failure import JobFailure
from invoice_desktop.jobs.worker import CallJob, start_kept_alive

log = logging.getLogger(__name__)

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


def read_off_thread(
    parent: QObject, read: Callable[[], Any], apply: Callable[[Any], None], *, idle: bool = False
) -> None:
    """`read()` on a worker thread (its own database connection), then `apply(result)` on the GUI thread, unless
    `parent` is gone by then. A read that fails leaves what is shown as it was (logged).

    `idle`: the thread at Qt's idle priority (Linux: SCHED_IDLE; Windows: idle), for what may come a little late
    (the counts in the tab titles and the tiles). Why: over a million invoices those counts are 50-90 ms of SQLite
    each, read after a Resync while the window repaints its list; on two cores the GUI thread then waited for one.
    On a machine busy to its last core such a read waits for a moment the others leave."""
    job = CallJob(read)
    receiver = _Applier(job, parent, apply)
    job.succeeded.connect(receiver.apply)
    job.failed.connect(receiver.not_read)
    start_kept_alive(job, QThread.Priority.IdlePriority if idle else QThread.Priority.InheritPriority)


def read_then_show(
    parent: QObject,
    read: Callable[[], Any],
    show: Callable[[Any], None],
    later: bool,
    prepare: Callable[[Any], None] | None = None,
) -> None:
    """`show(read())` now, or with `later` the read off the GUI thread (read_off_thread) and the show when it comes;
    `prepare(result)`, if given, runs a turn of the event loop before the show (a list's texts laid out ahead of
    the rows, so that neither step is a long one)."""
    if not later:
        show(read())
        return

    def arrived(result: Any) -> None:
        if prepare is None:
            show(result)
            return
        prepare(result)
        next_step(parent, lambda: show(result))

    read_off_thread(parent, read, arrived)


class _Applier(QObject):
    """The GUI-thread end of one read: a child of its job, so deleted with it once the thread has ended (it used
    to delete itself after applying, and on a busy machine that deletion could come after the job's and crash)."""

    def __init__(self, job: QObject, parent: QObject, apply: Callable[[Any], None]) -> None:
        super().__init__(job)
        self._for, self._apply = parent, apply

    @Slot(object)
    def apply(self, result: object) -> None:
        if isValid(self._for):  # the widget that asked is still there
            self._apply(result)

    @Slot(object)
    def not_read(self, failure: JobFailure) -> None:
        log.info("a read off the GUI thread failed: %s", failure.message)
