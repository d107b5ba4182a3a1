"""The base of the background jobs: a QThread that runs one piece of work and reports it through typed signals.

`succeeded(result)` carries a plain dataclass, `failed(JobFailure)` why it did not (jobs.failure: the kind, Xero's
failure category, message, hint, whether the connection dropped; never a bare string), `cancelled()` a stop the
user asked for; exactly one of them is emitted, from the worker thread, so receivers must be `@Slot` methods of GUI
objects (Qt queues the call to the GUI thread). The work gets ids and plain values, never widgets or peewee rows;
its database connection (peewee keeps one per thread) is closed when the thread ends.

A job no widget owns (its window may close while it runs) is started with `start_kept_alive(job)`: a module-level
set holds it until its thread has ended, then it is deleted, so it never loses its last reference while running.
On quit the main window calls `stop_jobs(jobs, timeout_ms)` with its own running jobs and `running_jobs()`: it asks
them all to cancel, waits a bounded time for their threads, names in the log those that did not stop and keeps
those alive (parentless, so closing their window does not destroy a running thread) until they end; the window
goes on closing. `CallJob` runs one blocking call (a Xero action from a window) that way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from invoice_desktop.jobs.failure import JobFailure, classify
from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.store.models import database_proxy
from invoice_desktop.xero.connect import XERO_CALL_ERRORS

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised by `work()` when it stopped because the user cancelled."""


class Job(QThread):
    succeeded = Signal(object)  # the work's result (a dataclass)
    failed = Signal(object)  # JobFailure
    cancelled = Signal()

    # errors whose message is written for the user (a ledger refusal, say): shown as they are
    refusals: tuple[type[Exception], ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to stop (thread-safe); the job then emits `cancelled`."""
        self._cancel.set()

    def work(self) -> Any:  # pragma: no cover - every job overrides it
        raise NotImplementedError

    def run(self) -> None:
        try:
            result = self.work()
        except JobCancelled:
            self.cancelled.emit()
        except Exception as exc:
            if self._cut_short(exc):
                log.info("%s cancelled: %s", type(self).__name__, type(exc).__name__)
                self.cancelled.emit()
            else:
                self.failed.emit(self.classify(exc))
        else:
            self.succeeded.emit(result)
        finally:
            if not database_proxy.is_closed():
                database_proxy.close()  # this thread's connection only

    def _cut_short(self, exc: Exception) -> bool:
        """A Xero call that ended in an error because the user cancelled (the sign-in's wait, say)."""
        refused = isinstance(exc, (CompanyFileError, *self.refusals))
        return self.is_cancelled and isinstance(exc, XERO_CALL_ERRORS) and not refused

    def classify(self, exc: BaseException) -> JobFailure:
        """An exception of this job's work as the JobFailure its `failed` carries (logged once)."""
        return classify(exc, type(self).__name__, self.refusals)

    @Slot()
    def _release(self) -> None:
        """Its thread ended (queued to the GUI thread): let go of a job `start_kept_alive` held."""
        self.wait()  # `finished` comes just before the thread really ends
        _running.discard(self)
        self.deleteLater()


class CallJob(Job):
    """One blocking call as a job: `succeeded(result)` carries what the call returned; its errors are classified
    like every job's (Xero trouble described without bodies or headers), `refusals` shown as they are."""

    def __init__(
        self,
        call: Callable[[], Any],
        refusals: tuple[type[Exception], ...] = (),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._call = call
        self.refusals = refusals

    def work(self) -> Any:
        return self._call()


_running: set[Job] = set()  # started parentless jobs, until their thread ends


def start_kept_alive(job: Job, priority: QThread.Priority = QThread.Priority.InheritPriority) -> None:
    """Start a job no widget owns, holding it until its thread has ended; it is then deleted (deleteLater)."""
    _running.add(job)
    job.finished.connect(job._release)
    job.start(priority)


def running_jobs() -> tuple[Job, ...]:
    """The jobs `start_kept_alive` still holds."""
    return tuple(_running)


def keep_alive(job: Job) -> None:
    """Hold a running job whose owner is going away (a window closing) until its thread ends, as
    `start_kept_alive` does: it loses its parent, so deleting the owner does not destroy a running thread."""
    if job.parent() is not None:
        job.setParent(None)
    if job in _running:
        return
    _running.add(job)
    job.finished.connect(job._release)
    if job.isFinished():  # it ended before `finished` was connected: let go of it now
        job._release()


def stop_jobs(jobs: Iterable[Job], timeout_ms: int) -> tuple[Job, ...]:
    """On quit: ask every job to cancel (those that can stop early do), then wait for their threads, at most
    `timeout_ms` in all. Those still running then are named in the log and kept alive until they end (see
    `keep_alive`); they are returned, and the caller goes on."""
    deadline = time.monotonic() + timeout_ms / 1000
    jobs = list(dict.fromkeys(jobs))
    for job in jobs:
        job.cancel()
    stuck: list[Job] = []
    for job in jobs:
        left_ms = max(0, int((deadline - time.monotonic()) * 1000))
        if not job.wait(left_ms):
            stuck.append(job)
    for job in stuck:
        log.warning("%s still running at quit; not waited for any longer", type(job).__name__)
        keep_alive(job)
    return tuple(stuck)


def wait_for_running_jobs(timeout_ms: int) -> bool:
    """`stop_jobs` for the jobs `start_kept_alive` holds. True when none is still running."""
    return not stop_jobs(running_jobs(), timeout_ms)
