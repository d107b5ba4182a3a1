"""Live view: the window follows what the other desks change, within LIVE_VIEW_WITHIN_MS, without F5
(docs/product.md §8).

`LiveView.changed` fires on the GUI thread when another connection to the company file changed it. Where that is
heard from depends on the engine (store.change_feed):

- SQLite: a timer on the GUI thread polls `PRAGMA data_version` every POLL_MS. Its own window's background runs
  write through other connections too, and they are not news, so while `busy()` (this window's export or
  Resync holds the gate) the watcher waits: the run's end re-reads the window (`seen()` is then called), and
  anything another desk did in the meantime is in that read.
- PostgreSQL: a listener thread with a connection of its own (LISTEN/NOTIFY). What it hears is passed to the
  GUI thread by a queued signal, so the GUI thread never waits on the database for it. Its own process's
  notifications are not passed on.

Changes that come close together are one `changed` (COALESCE_MS), so a desk approving 500 invoices in steps
re-reads the window once or twice, not 500 times.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from invoice_desktop.store.change_feed import (
    DataVersionWatcher,
    PostgresListener,
    listen_params,
)
from invoice_desktop.store.engine import is_postgresql
from invoice_desktop.store.models import database_proxy

LIVE_VIEW_WITHIN_MS = 2000  # the promise: another desk's change shows within this
POLL_MS = 500  # SQLite: how often data_version is looked at
COALESCE_MS = 250  # changes heard within this are one re-read


class LiveView(QObject):
    changed = Signal()  # another desk changed the company file: re-read what is shown
    _heard = Signal()  # from the listener thread (queued to the GUI thread)

    def __init__(self, parent: QObject | None = None, busy: Callable[[], bool] = lambda: False) -> None:
        super().__init__(parent)
        self._busy = busy
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(COALESCE_MS)
        self._coalesce.timeout.connect(self._fire)
        self._heard.connect(self._on_heard, Qt.ConnectionType.QueuedConnection)
        self.watcher: DataVersionWatcher | None = None
        self.listener: PostgresListener | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll)
        db = database_proxy.obj
        if db is not None and is_postgresql(db):
            self.listener = PostgresListener(listen_params(db), lambda _what: self._heard.emit())
        else:
            self.watcher = DataVersionWatcher()

    def start(self) -> None:
        if self.listener is not None:
            self.listener.start()
        else:
            self._poll.start()

    def stop(self) -> None:
        self._poll.stop()
        self._coalesce.stop()
        if self.listener is not None:
            self.listener.stop()

    @Slot()
    def seen(self) -> None:
        """The window has just re-read its lists for a reason of its own (its run ended, F5)."""
        if self.watcher is not None:
            self.watcher.mark_seen()

    @Slot()
    def poll(self) -> None:
        if self.watcher is None or self._busy():
            return
        if self.watcher.changed():
            self._on_heard()

    @Slot()
    def _on_heard(self) -> None:
        if not self._coalesce.isActive():
            self._coalesce.start()

    @Slot()
    def _fire(self) -> None:
        self.changed.emit()
