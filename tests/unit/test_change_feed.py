"""The change feed (store.change_feed): SQLite's data_version watcher, and PostgreSQL's NOTIFY / LISTEN tested
directly with psycopg against a real server.

The PostgreSQL tests are marked `postgresql`: they run in the PostgreSQL leg (`--engine=postgresql`), each on a
database of its own on the leg's server (tests/conftest.py's postgres_leg), dropped afterwards."""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
from collections.abc import Iterator

import pytest
from peewee import PostgresqlDatabase

from invoice_desktop.store import change_feed
from invoice_desktop.store.change_feed import (
    CHANNEL,
    SENDER,
    DataVersionWatcher,
    PostgresListener,
    listen_params,
    notify_changed,
)
from invoice_desktop.store.models import database_proxy

needs_postgres = pytest.mark.postgresql  # run in the PostgreSQL leg (--engine=postgresql), on its server
HEARD_WITHIN_S = 10  # an upper bound for a hung test, not a timing assertion


# -- SQLite ------------------------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_the_sqlite_watcher_hears_other_connections_not_its_own(db, data_dir):
    watcher = DataVersionWatcher()
    database_proxy.execute_sql("INSERT INTO setting (key, value) VALUES ('own', '1')")
    assert not watcher.changed()  # this connection's own commit
    other = sqlite3.connect(data_dir / "company.sqlite3")
    try:
        other.execute("INSERT INTO setting (key, value) VALUES ('other', '1')")
        other.commit()
    finally:
        other.close()
    assert watcher.changed()
    assert not watcher.changed()  # heard once
    notify_changed()  # nothing to send on SQLite: data_version is the feed


# -- PostgreSQL --------------------------------------------------------------------------------------------------


@pytest.fixture
def postgres_url(postgres_leg) -> Iterator[str]:
    """An empty database of its own on the PostgreSQL leg's server."""
    url = postgres_leg.create_database()
    try:
        yield url
    finally:
        postgres_leg.drop(url)


@pytest.fixture
def store_on_postgres(postgres_url: str) -> Iterator[PostgresqlDatabase]:
    """The models' database bound to PostgreSQL, as the PostgreSQL store binds it."""
    db = PostgresqlDatabase(postgres_url)
    before = database_proxy.obj
    database_proxy.initialize(db)
    try:
        yield db
    finally:
        db.close()
        database_proxy.initialize(before)


def listening(url: str):
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def payloads(conn, wait_s: float = 0.5) -> list[dict[str, str]]:
    return [json.loads(note.payload) for note in conn.notifies(timeout=wait_s)]


@needs_postgres
def test_a_change_is_sent_when_its_transaction_commits_and_never_when_it_rolls_back(store_on_postgres, postgres_url):
    with listening(postgres_url) as other_desk:
        with store_on_postgres.atomic():
            notify_changed("invoices")
            assert payloads(other_desk, 0.2) == []  # not before the commit
        assert payloads(other_desk) == [{"sender": SENDER, "what": "invoices"}]

        with pytest.raises(RuntimeError), store_on_postgres.atomic():
            notify_changed("invoices")
            raise RuntimeError("the change failed")
        assert payloads(other_desk, 0.2) == []

        notify_changed("payments")  # outside a transaction: at once
        assert payloads(other_desk) == [{"sender": SENDER, "what": "payments"}]


@needs_postgres
def test_the_listener_hears_other_desks_on_its_own_thread_and_not_its_own_process(store_on_postgres, postgres_url):
    import psycopg

    heard: queue.Queue[tuple[str, str]] = queue.Queue()
    listener = PostgresListener(
        listen_params(store_on_postgres), lambda what: heard.put((threading.current_thread().name, what))
    )
    listener.start()
    try:
        assert listener.listening.wait(HEARD_WITHIN_S)
        notify_changed("invoices")  # this process's own: not passed on
        with psycopg.connect(postgres_url, autocommit=True) as desk_b:
            payload = json.dumps({"sender": "desk-b:4242:abcd", "what": "invoices"})
            desk_b.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
            desk_b.execute("SELECT pg_notify(%s, %s)", (CHANNEL, "not json"))  # still a change
        assert heard.get(timeout=HEARD_WITHIN_S) == ("change-feed", "invoices")
        assert heard.get(timeout=HEARD_WITHIN_S) == ("change-feed", "invoices")
        assert heard.empty()  # its own notification never came through
    finally:
        listener.stop()
    assert not listener.listening.is_set()


@needs_postgres
def test_the_listener_connects_again_after_losing_its_connection(store_on_postgres, postgres_url, monkeypatch):
    import psycopg

    monkeypatch.setattr(change_feed, "RECONNECT_S", 0.1)
    heard: queue.Queue[str] = queue.Queue()
    listener = PostgresListener(listen_params(store_on_postgres), heard.put)
    listener.start()
    try:
        assert listener.listening.wait(HEARD_WITHIN_S)
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # the server drops the listener's session
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%%' AND pid <> "
                "pg_backend_pid() AND datname = current_database()"
            )
        assert heard.get(timeout=HEARD_WITHIN_S) == "reconnected"  # what was missed: read everything again
        assert listener.listening.wait(HEARD_WITHIN_S)
    finally:
        listener.stop()


def test_listen_params_reach_the_store_s_database():
    by_url = PostgresqlDatabase("postgresql://desk@db.example:5432/books")
    assert listen_params(by_url) == {"conninfo": "postgresql://desk@db.example:5432/books"}
    by_name = PostgresqlDatabase("books", host="db.example", user="desk")
    assert listen_params(by_name) == {"dbname": "books", "host": "db.example", "user": "desk"}
