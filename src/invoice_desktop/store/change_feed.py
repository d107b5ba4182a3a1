"""The change feed: how one desk's window hears that another desk changed the company file (docs/product.md §8).

Two sides, each with an SQLite and a PostgreSQL form; no Qt here (ui.live_view turns what is heard into a
signal on the GUI thread):

- `notify_changed(what)`: the ledger and the export engine call it in (or right after) the transaction of a change
  to invoices: an approval, a void, a renumber, a payment, an export's outcome, a payment import's page.
  PostgreSQL: `pg_notify` on CHANNEL with this process's SENDER. Inside a transaction it is delivered when the
  transaction commits, and never when it rolls back. SQLite: nothing to send. Every commit moves
  `PRAGMA data_version` for every other connection to the file, and that is the feed.
- The listeners. `DataVersionWatcher.changed()` (SQLite) reads `PRAGMA data_version` on the caller's own
  connection, a look at the WAL index that takes no lock; the window polls it on a timer. `PostgresListener`
  (PostgreSQL) LISTENs on a connection of its own, on a thread of its own, and calls `on_change` for every
  notification another process sent. It never blocks its caller, and after a lost connection it connects
  again and reports one change (what was sent meanwhile is lost).

Plain peewee calls (`execute_sql` with parameters), so nothing here depends on how the store was opened.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

from peewee import PostgresqlDatabase

from invoice_desktop.store.engine import is_postgresql
from invoice_desktop.store.models import database_proxy

log = logging.getLogger(__name__)

CHANNEL = "invoice_desktop_changes"
# Who sent a notification: a window ignores its own process's (it refreshes after its own changes already).
SENDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
LISTEN_POLL_S = 0.5  # how often the listener thread looks up from waiting to see whether it should stop
RECONNECT_S = 2.0  # the pause before the listener connects again after losing its connection


def notify_changed(what: str = "invoices") -> None:
    """Tell the other desks that `what` changed (PostgreSQL; a no-op on SQLite, whose data_version does it)."""
    db = database_proxy.obj
    if db is None or not is_postgresql(db):
        return
    payload = json.dumps({"sender": SENDER, "what": what})
    try:
        db.execute_sql("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
    except Exception:  # the change itself is made; a desk that misses the news still has F5 and its timers
        log.exception("could not notify the other desks of a change to %s", what)


class DataVersionWatcher:
    """SQLite's feed: has another connection committed since the last look? (Per thread: call from one thread.)"""

    def __init__(self) -> None:
        self._seen = self._version()

    @staticmethod
    def _version() -> int:
        return int(database_proxy.execute_sql("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        version = self._version()
        moved, self._seen = version != self._seen, version
        return moved

    def mark_seen(self) -> None:
        """The caller has just re-read what it shows: what was committed until now is not news any more."""
        self._seen = self._version()


def listen_params(db: PostgresqlDatabase) -> dict[str, Any]:
    """psycopg.connect's arguments for a connection to the same database as the store's."""
    params: dict[str, Any] = dict(db.connect_params)
    name = str(db.database)
    params["conninfo" if name.startswith(("postgresql://", "postgres://")) else "dbname"] = name
    return params


class PostgresListener:
    """LISTEN on CHANNEL on a thread and a connection of its own; `on_change(what)` runs on that thread."""

    def __init__(self, params: dict[str, Any], on_change: Callable[[str], None]) -> None:
        self._params = params
        self._on_change = on_change
        self._stop = threading.Event()
        self.listening = threading.Event()  # set while LISTEN is in place (tests wait for it)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="change-feed", daemon=True)
            self._thread.start()

    def stop(self, wait_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait_s)

    def _run(self) -> None:
        import psycopg

        lost = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(autocommit=True, **self._params) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if lost:
                        self._on_change("reconnected")  # what was sent while we were away is not known
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=LISTEN_POLL_S):
                            self._deliver(note.payload)
            except psycopg.Error as exc:
                self.listening.clear()
                if not lost:
                    log.warning("the change feed lost its connection (%s); trying again", type(exc).__name__)
                lost = True
                self._stop.wait(RECONNECT_S)
        self.listening.clear()

    def _deliver(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            sender, what = str(note["sender"]), str(note.get("what") or "invoices")
        except (ValueError, KeyError, TypeError):
            sender, what = "", "invoices"  # not one of ours to read: a change all the same
        if sender == SENDER:
            return
        try:
            self._on_change(what)
        except Exception:
            log.exception("a change-feed listener failed")
