"""The base of the background jobs: a QThread that runs one piece of work and reports it through typed signals.

`succeeded(result)` carries a plain dataclass, `failed(message)` words for the user, `cancelled()` a stop the user
asked for; exactly one of them is emitted, from the worker thread, so receivers must be `@Slot` methods of GUI
objects (Qt queues the call to the GUI thread). The work gets ids and plain values, never widgets or peewee rows;
its database connection (peewee keeps one per thread) is closed when the thread ends.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from invoice_desktop.store.models import database_proxy
from invoice_desktop.xero.connect import XERO_CALL_ERRORS, describe_error

log = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised by `work()` when it stopped because the user cancelled."""


class Job(QThread):
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

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
