"""The base of the background jobs: a QThread that runs one piece of work and reports it through typed signals.

`succeeded(result)` carries a plain dataclass, `failed(message)` words for the user, `cancelled()` a stop the user
asked for; exactly one of them is emitted, from the worker thread, so receivers must be `@Slot` methods of GUI
objects (Qt queues the call to the GUI thread). The work gets ids and plain values, never widgets or peewee rows;
its database connection (peewee keeps one per thread) is closed when the thread ends.

A job no widget owns (its window may close while it runs) is started with `start_kept_alive(job)`: a module-level
set holds it until its thread has ended, then it is deleted, so it never loses its last reference while running.
On quit the main window calls `wait_for_running_jobs()`, which asks them to cancel and waits for their threads.
`CallJob` runs one blocking call (a Xero action from a window) that way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from invoice_desktop.store.errors import CompanyFileError
from invoice_desktop.store.models import database_proxy
from invoice_desktop.xero.connect import XERO_CALL_ERRORS, describe_error

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised by `work()` when it stopped because the user cancelled."""


class Job(QThread):
    succeeded = Signal(object)
    failed = Signal(str)
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
        except (CompanyFileError, *self.refusals) as exc:  # the company file busy, the disk full: said as it is
            log.info("%s refused: %s", type(self).__name__, type(exc).__name__)
            self.failed.emit(str(exc) or type(exc).__name__)
        except XERO_CALL_ERRORS as exc:  # expected trouble: words for the user
            if self.is_cancelled:
                self.cancelled.emit()
            else:
                log.info("%s failed: %s", type(self).__name__, type(exc).__name__)
                self.failed.emit(describe_error(exc))
        except Exception as exc:
            log.exception("%s failed unexpectedly", type(self).__name__)
            self.failed.emit(f"Something went wrong ({type(exc).__name__}); the details are in the log.")
        else:
            self.succeeded.emit(result)
        finally:
            if not database_proxy.is_closed():
                database_proxy.close()  # this thread's connection only

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


def start_kept_alive(job: Job) -> None:
    """Start a job no widget owns, holding it until its thread has ended; it is then deleted (deleteLater)."""
    _running.add(job)
    job.finished.connect(job._release)
    job.start()


def running_jobs() -> tuple[Job, ...]:
    """The jobs `start_kept_alive` still holds."""
    return tuple(_running)


def wait_for_running_jobs(timeout_ms: int) -> bool:
    """On quit: ask every held job to cancel (those that can stop early do), then wait for their threads, at most
    `timeout_ms` in all. True when none is still running."""
    deadline = time.monotonic() + timeout_ms / 1000
    jobs = list(_running)
    for job in jobs:
        job.cancel()
    for job in jobs:
        left_ms = max(0, int((deadline - time.monotonic()) * 1000))
        if not job.wait(left_ms):
            log.warning("%s still running at quit", type(job).__name__)
            return False
    return True
