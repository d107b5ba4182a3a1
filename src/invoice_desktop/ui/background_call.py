"""Run one blocking call (a Xero action) on its own QThread and hand its result back to the GUI thread.

`finished(result)` or `failed(message)` is emitted exactly once, from the worker thread; connect them to slots
of GUI objects (Qt queues the call). The call gets plain values; the thread's database connection is closed
when it ends (peewee keeps one per thread).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QThread, Signal, Slot

from invoice_desktop.store.models import database_proxy

log = logging.getLogger(__name__)


class BackgroundCall(QThread):
    finished_with = Signal(object)
    failed = Signal(str)

    _running: ClassVar[set[BackgroundCall]] = set()  # keeps parentless calls alive until they end

    def __init__(self, call: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call = call
        self._running.add(self)
        self.finished.connect(self._ended)

    @Slot()
    def _ended(self) -> None:
        self._running.discard(self)
        self.deleteLater()

    def run(self) -> None:
        try:
            result = self._call()
        except Exception as exc:
            log.exception("background call failed")
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.finished_with.emit(result)
        finally:
            if not database_proxy.is_closed():
                database_proxy.close()  # this thread's connection only
