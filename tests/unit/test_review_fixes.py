"""Regression tests for the fixes of a code review (one section per fix)."""

from __future__ import annotations

import sqlite3
import time

# 1. tab_counts reads in a DEFERRED transaction: it does not wait for another connection's write lock.


def test_tab_counts_does_not_wait_for_a_writer(db):
    from invoice_desktop.ledger.queries import Tab, tab_counts

    other = sqlite3.connect(db.database, timeout=0.1)
    try:
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        started = time.monotonic()
        counts = tab_counts()
        assert time.monotonic() - started < 2
        assert counts[Tab.ALL] == 0
    finally:
        other.rollback()
        other.close()
