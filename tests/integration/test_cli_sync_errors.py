"""`xero sync` / `xero resync` when Xero cannot be reached, is not enabled, or the connection is dead: exit 2 with a
clear message, and the invoices left as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_fixtures import approve, connect_company, export_row

from invoice_desktop.__main__ import main
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.models import ExportState
from invoice_desktop.xero import export_actions
from invoice_desktop.xero.exporter import Exporter


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, sandbox: RunningSandbox, *argv: str) -> tuple[int, str]:
    status = main(["--data-dir", str(data_dir), "--xero-endpoint", sandbox.base_url, *argv])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_resync_when_xero_is_offline_cannot_run_and_leaves_the_invoices_failed(
    sandbox: RunningSandbox, data_dir: Path, db: object, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    company = connect_company(sandbox, data_dir)
    # The command's engine backs off on the test's clock (FakeTime), so its retries take no real time.
    clock = {"sleep": company.time.sleep, "clock": company.time.now}
    monkeypatch.setattr(export_actions, "Exporter", lambda client, **kw: Exporter(client, **clock, **kw))
    invoice_id = approve(seed.DEMO_ARCHIVED_CONTACT)
    assert _run(capsys, data_dir, sandbox, "xero", "sync")[0] == 1
    assert export_row(invoice_id).state == ExportState.FAILED.value

    sandbox.faults.offline(None)  # every API call: 503 The Organisation is Offline
    status, out = _run(capsys, data_dir, sandbox, "xero", "resync", "--all-failed")

    assert status == 2
    assert "Xero could not be reached" in out and "503" in out and "Traceback" not in out
    assert export_row(invoice_id).state == ExportState.FAILED.value  # not queued behind the user's back
    assert company.time.slept  # it retried, backing off, before it gave up


def test_sync_refuses_while_the_interface_is_disabled_or_dropped_but_resync_still_works(
    sandbox: RunningSandbox, data_dir: Path, db: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from invoice_desktop.xero.settings import mark_dropped

    connect_company(sandbox, data_dir)
    invoice_id = approve("Greenway Builders")
    assert export_row(invoice_id).state == ExportState.QUEUED.value
    assert _run(capsys, data_dir, sandbox, "xero", "settings", "--disable")[0] == 0

    status, out = _run(capsys, data_dir, sandbox, "xero", "sync")
    assert status == 2 and "disabled" in out and "--enable" in out
    assert export_row(invoice_id).state == ExportState.QUEUED.value  # nothing sent

    # A resync is the user's explicit request for these invoices: it goes while disabled, as the window's Resync.
    status, out = _run(capsys, data_dir, sandbox, "xero", "resync", export_row(invoice_id).invoice.number)
    assert status == 0 and export_row(invoice_id).state == ExportState.SYNCED.value

    assert _run(capsys, data_dir, sandbox, "xero", "settings", "--enable")[0] == 0
    mark_dropped("test")
    status, out = _run(capsys, data_dir, sandbox, "xero", "sync")
    assert status == 2 and "dropped" in out and "xero connect" in out


def test_sync_that_finds_the_connection_dead_cannot_run(
    sandbox: RunningSandbox, data_dir: Path, db: object, capsys: pytest.CaptureFixture[str]
) -> None:
    connect_company(sandbox, data_dir)
    ids = [approve("Greenway Builders"), approve("Marlow Street Dental")]
    sandbox.control.revoke_app()

    status, out = _run(capsys, data_dir, sandbox, "xero", "sync")

    assert status == 2  # as the module docstring promises: connection dropped before anything was sent
    assert "Stopped" in out and "Traceback" not in out
    assert all(export_row(i).state != ExportState.SYNCED.value for i in ids)
