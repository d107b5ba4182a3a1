"""`xero sync | resync | failed | synced` through main() against the sandbox: JSON shapes and exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_fixtures import approve, connect_company, export_row

from invoice_desktop.__main__ import main
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox import validation as xero_says
from invoice_desktop.sandbox.server import RunningSandbox


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, sandbox: RunningSandbox, *argv: str) -> tuple[int, str]:
    status = main(["--data-dir", str(data_dir), "--xero-endpoint", sandbox.base_url, *argv])
    return status, capsys.readouterr().out


def test_sync_failed_resync_synced(
    sandbox: RunningSandbox, data_dir: Path, db: object, capsys: pytest.CaptureFixture[str]
) -> None:
    connect_company(sandbox, data_dir)
    good = approve("Greenway Builders")
    archived = approve(seed.DEMO_ARCHIVED_CONTACT)
    numbers = {i: export_row(i).invoice.number for i in (good, archived)}

    status, out = _run(capsys, data_dir, sandbox, "xero", "sync", "--json")
    report = json.loads(out)
    assert status == 1 and report["exported"] == 1 and report["failed"] == 1

    status, out = _run(capsys, data_dir, sandbox, "xero", "failed", "--json")
    (row,) = json.loads(out)
    assert status == 0
    spec = {"type", "number", "category", "title", "message", "hint", "attempts", "last_attempt"}  # product.md §5
    assert set(row) == spec | {"note", "unconfirmed"} and row["unconfirmed"] is False
    assert row["number"] == numbers[archived] and row["category"] == "archived_contact"
    assert row["title"] == "Contact is archived in Xero" and row["message"] == xero_says.ARCHIVED_CONTACT
    assert row["attempts"] == 1 and row["last_attempt"]

    sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    status, out = _run(capsys, data_dir, sandbox, "xero", "resync", numbers[archived])
    assert status == 0 and "1 exported" in out

    status, out = _run(capsys, data_dir, sandbox, "xero", "synced", "--json")
    rows = json.loads(out)
    assert status == 0 and [r["number"] for r in rows] == sorted(numbers.values())
    keys = {"type", "number", "xero_invoice_id", "synced_at", "warnings"}
    assert all(set(r) == keys and r["type"] == "invoice" and r["xero_invoice_id"] for r in rows)
    assert [r["warnings"] for r in rows] == [[], []]  # Xero warned about neither
    status, out = _run(capsys, data_dir, sandbox, "xero", "failed", "--json")
    assert json.loads(out) == []


def test_resync_all_failed_and_unknown_numbers(
    sandbox: RunningSandbox, data_dir: Path, db: object, capsys: pytest.CaptureFixture[str]
) -> None:
    connect_company(sandbox, data_dir)
    approve(seed.DEMO_ARCHIVED_CONTACT)
    assert _run(capsys, data_dir, sandbox, "xero", "sync")[0] == 1
    status, out = _run(capsys, data_dir, sandbox, "xero", "resync", "--all-failed", "--json")
    assert status == 1 and json.loads(out)["failed"] == 1
    assert _run(capsys, data_dir, sandbox, "xero", "resync", "NOPE-1")[0] == 1
    assert _run(capsys, data_dir, sandbox, "xero", "resync")[0] == 2


def test_sync_without_a_connection_cannot_run(
    sandbox: RunningSandbox, data_dir: Path, db: object, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--data-dir", str(data_dir), "--xero-endpoint", sandbox.base_url, "xero", "sync", "--json"])
    assert status == 2 and "not connected" in capsys.readouterr().err.lower()
