"""Live view (issue 15): an approval at another desk appears in this window within 2 s, without F5.

The other desk is a real window in a process of its own (tests/gui/desk_approves.py), so it writes through a
connection of its own to the same company file, as a second desk does. The test runs in both legs: on the SQLite
file (its feed: PRAGMA data_version, polled) and, with `--engine=postgresql` (.ci/run's PostgreSQL leg), on one
PostgreSQL company file (LISTEN/NOTIFY)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from invoice_desktop.ledger.invoices import approve_invoices
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.ui.live_view import LIVE_VIEW_WITHIN_MS

DESK = Path(__file__).with_name("desk_approves.py")


def numbers_on(window, tab: Tab) -> list[str]:
    model = window.invoice_manager.pages[tab].model
    return [model.invoice_at(row).number for row in range(model.rowCount())]


def tab_title(window, tab: Tab) -> str:
    tabs = window.invoice_manager.tabs
    return tabs.tabText(tabs.indexOf(window.invoice_manager.pages[tab]))


def test_an_approval_at_another_desk_appears_here_within_2_s(qtbot, main_window, books, data_dir, company_location):
    main_window.show()
    assert "INV-0102" in numbers_on(main_window, Tab.DRAFT)
    draft_title = tab_title(main_window, Tab.DRAFT)

    other_desk = subprocess.run(
        [
            sys.executable,
            str(DESK),
            str(data_dir),
            "INV-0102",
            *([company_location] if isinstance(company_location, str) else []),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other_desk.returncode == 0, other_desk.stderr
    assert other_desk.stdout.splitlines() == ["1 invoice approved (INV-0102).", "approved"]

    # From here the approval is in the company file: this window has LIVE_VIEW_WITHIN_MS to show it by itself.
    # The list on show first, the counts in the tab titles at the next turn of the event loop (refresh_in_steps).
    qtbot.waitUntil(
        lambda: (
            "INV-0102" not in numbers_on(main_window, Tab.DRAFT) and tab_title(main_window, Tab.DRAFT) != draft_title
        ),
        timeout=LIVE_VIEW_WITHIN_MS,
    )
    main_window.invoice_manager.tabs.setCurrentWidget(main_window.invoice_manager.pages[Tab.AWAITING_PAYMENT])
    qtbot.waitUntil(lambda: "INV-0102" in numbers_on(main_window, Tab.AWAITING_PAYMENT), timeout=1000)


@pytest.mark.sqlite_only
def test_the_window_s_own_writes_are_not_news(main_window, books, data_dir):
    """Its own approvals re-read the window already (the Draft tab's Approve); its own background runs re-read it
    when they end: neither is heard from the feed."""
    live = main_window.live_view
    assert live.watcher is not None
    approve_invoices([books["INV-0101"]])  # on the window's own connection (the GUI thread's)
    assert not live.watcher.changed()

    run = object()
    assert main_window.export_gate.try_acquire(run)  # this window's run writes through its worker's connection
    other_connection_writes(data_dir)
    live.poll()
    assert not live._coalesce.isActive()  # not while its own run goes
    main_window.export_gate.release(run)
    live.seen()  # the run's end re-read the window
    live.poll()
    assert not live._coalesce.isActive()

    other_connection_writes(data_dir)  # another desk, with no run of ours going: heard
    live.poll()
    assert live._coalesce.isActive()


def other_connection_writes(data_dir: Path) -> None:
    conn = sqlite3.connect(data_dir / "company.sqlite3")
    try:
        conn.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('test.touch', '1')")
        conn.commit()
    finally:
        conn.close()


@pytest.mark.postgresql
def test_on_postgresql_another_desk_s_notify_reaches_the_gui_thread_within_2_s(qtbot, postgres_leg):
    """The PostgreSQL form of the feed: heard on the listener's thread, `changed` emitted on the GUI thread."""
    import psycopg
    from peewee import PostgresqlDatabase
    from PySide6.QtCore import QThread

    from invoice_desktop.store.change_feed import CHANNEL
    from invoice_desktop.store.models import database_proxy
    from invoice_desktop.ui.live_view import LiveView

    url = postgres_leg.create_database()
    before = database_proxy.obj
    database_proxy.initialize(PostgresqlDatabase(url))
    live = LiveView()
    try:
        assert live.listener is not None and live.watcher is None
        threads: list[bool] = []
        live.changed.connect(lambda: threads.append(QThread.currentThread() is live.thread()))
        live.start()
        assert live.listener.listening.wait(10)
        with qtbot.waitSignal(live.changed, timeout=LIVE_VIEW_WITHIN_MS), psycopg.connect(url, autocommit=True) as b:
            b.execute("SELECT pg_notify(%s, %s)", (CHANNEL, json.dumps({"sender": "desk-b", "what": "invoices"})))
        assert threads == [True]
    finally:
        live.stop()
        database_proxy.obj.close()
        database_proxy.initialize(before)
        postgres_leg.drop(url)
