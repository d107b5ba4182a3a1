"""`invoice-desktop --sandbox`: the demo company file, connected to the in-process sandbox through the real PKCE
code path, with every tab filled and failures of several categories waiting under Failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from invoice_desktop.config import AppPaths
from invoice_desktop.ledger.clients import search_clients
from invoice_desktop.ledger.queries import Tab, tab_counts
from invoice_desktop.sandbox_demo import start_demo
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.xero.export_actions import list_failed, list_synced
from invoice_desktop.xero.settings import InterfaceState, interface_state
from waiting import catches_signal, wait_until


def test_first_start_fills_connects_and_exports(db, data_dir: Path) -> None:
    session = start_demo(AppPaths(data_dir))
    try:
        assert session.created
        counts = tab_counts()
        assert all(counts[tab] > 0 for tab in (Tab.DRAFT, Tab.AWAITING_PAYMENT, Tab.OVERDUE, Tab.PAID))
        assert interface_state() is InterfaceState.CONNECTED
        categories = {FailureCategory(row.category) for row in list_failed()}
        assert {
            FailureCategory.ARCHIVED_CONTACT,
            FailureCategory.ACCOUNT_MAPPING,
            FailureCategory.DUPLICATE_NUMBER,
            FailureCategory.LOCK_DATE,
        } <= categories
        assert len(list_synced()) >= 5
        clients = search_clients()
        assert clients and all(c.client.details.email and c.client.details.city for c in clients)  # Clients filled
    finally:
        session.stop()


def test_a_later_start_finds_everything_as_it_was(db, data_dir: Path) -> None:
    start_demo(AppPaths(data_dir)).stop()
    failed_before = [row.number for row in list_failed()]
    again = start_demo(AppPaths(data_dir))
    try:
        assert not again.created
        assert [row.number for row in list_failed()] == failed_before
        # The sandbox kept its state (tokens included): the stored connection still works.
        from invoice_desktop.xero.company_client import open_client

        client = open_client(AppPaths(data_dir), again.sandbox.endpoints)
        assert client.accounting().get_organisations(client.tenant_id).organisations
    finally:
        again.stop()


def test_the_window_starts_on_the_sandbox_and_closes_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INVOICE_DESKTOP_KEYRING": "file"}
    data = tmp_path / "demo"
    command = [sys.executable, "-m", "invoice_desktop", "--sandbox", "--data-dir", str(data)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def first_export_logged() -> bool:
        return any("first export" in p.read_text(errors="replace") for p in (data / "logs").glob("*.log"))

    try:
        wait_until(first_export_logged, "the demo's first export", process=process)
        wait_until(lambda: catches_signal(process.pid), "the window's SIGTERM handler", process=process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_a_start_after_connecting_failed_connects_without_filling_again(db, data_dir: Path, monkeypatch) -> None:
    import pytest

    from invoice_desktop import sandbox_demo
    from invoice_desktop.store.models import Invoice

    real_connect = sandbox_demo.connect

    def refused(*args, **kwargs):
        raise OSError("the sign-in failed")

    monkeypatch.setattr(sandbox_demo, "connect", refused)
    with pytest.raises(OSError):
        start_demo(AppPaths(data_dir))
    invoices = Invoice.select().count()
    assert invoices > 0 and interface_state() is InterfaceState.NOT_SET_UP

    monkeypatch.setattr(sandbox_demo, "connect", real_connect)
    again = start_demo(AppPaths(data_dir))  # before the fix: "INV-0042 is already used"
    try:
        assert not again.created
        assert Invoice.select().count() == invoices
        assert interface_state() is InterfaceState.CONNECTED
    finally:
        again.stop()
