"""`invoice-desktop renumber OLD NEW [--json]` through main(): 0 renumbered, 1 refused with the reason, 2 could not
run (bad arguments, no invoice with that number)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from invoice_desktop.__main__ import main
from invoice_desktop.config import DATABASE_NAME
from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, approve_invoices, create_invoice
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, Invoice, XeroExport


@pytest.fixture
def books(data_dir: Path) -> Path:
    """A company file with INV-0042 (approved, failed as a duplicate number in Xero), INV-0043 (synced) and
    INV-0007 (a draft); closed again so the command opens it the way it does for real."""
    open_database(data_dir / DATABASE_NAME, data_dir / "backups")
    try:
        catalog.get_or_create_account("200", "Sales")
        catalog.create_tax_rate("GST on Income", D(10))
        ids = {}
        for number in ("INV-0042", "INV-0043", "INV-0007"):
            line = LineDraft("Consulting", D(1), D("100.00"), "200", "GST on Income")
            ids[number] = create_invoice(
                InvoiceDraft("Acme Pty Ltd", date(2024, 3, 1), date(2024, 3, 31), lines=(line,), number=number)
            )
        approve_invoices([ids["INV-0042"], ids["INV-0043"]])
        XeroExport.update(state=ExportState.FAILED.value, category=FailureCategory.DUPLICATE_NUMBER.value).where(
            XeroExport.invoice == ids["INV-0042"]
        ).execute()
        XeroExport.update(state=ExportState.SYNCED.value, xero_invoice_id="x-43").where(
            XeroExport.invoice == ids["INV-0043"]
        ).execute()
    finally:
        close_database()
    return data_dir


def run(data_dir: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--data-dir", str(data_dir), *argv])
    except SystemExit as exc:  # argparse refusing the arguments
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def numbers(data_dir: Path) -> list[str]:
    open_database(data_dir / DATABASE_NAME, data_dir / "backups")
    try:
        return sorted(row.number for row in Invoice.select(Invoice.number))
    finally:
        close_database()


def test_renumber_a_failed_duplicate(books, capsys):
    code, out, _ = run(books, capsys, "renumber", "INV-0042", "INV-0099")
    assert code == 0
    assert (
        out.strip() == "INV-0042 is now INV-0099. Its export is still failed: `xero resync INV-0099` sends it to Xero."
    )
    assert numbers(books) == ["INV-0007", "INV-0043", "INV-0099"]


def test_renumber_json(books, capsys):
    code, out, _ = run(books, capsys, "renumber", "INV-0042", "INV-0099", "--json")
    assert code == 0
    assert json.loads(out) == {
        "old": "INV-0042",
        "new": "INV-0099",
        "renumbered": True,
        "export_state": "failed",
        "problems": [],
    }


def test_refused_exit_1_with_the_reason(books, capsys):
    code, out, _ = run(books, capsys, "renumber", "INV-0042", "inv-0007", "--json")
    assert code == 1
    document = json.loads(out)
    assert document["renumbered"] is False and document["export_state"] == "failed"
    assert document["problems"][0]["field"] == "number"
    assert document["problems"][0]["message"].startswith("inv-0007 is already used by another invoice as INV-0007")

    code, out, _ = run(books, capsys, "renumber", "INV-0042", "")
    assert code == 1 and out.strip() == "Not renumbered: Invoice number: a new number is required."

    code, out, _ = run(books, capsys, "renumber", "INV-0043", "INV-0099")
    assert code == 1
    assert out.strip() == "Not renumbered: INV-0043 is in Xero already: its number cannot change here."
    assert numbers(books) == ["INV-0007", "INV-0042", "INV-0043"]


def test_no_such_invoice_or_bad_arguments_exit_2(books, capsys):
    code, out, err = run(books, capsys, "renumber", "INV-9999", "INV-0099", "--json")
    assert code == 2
    assert json.loads(out) == {"error": "there is no invoice numbered 'INV-9999'"}
    assert "there is no invoice numbered 'INV-9999'" in err

    code, _, err = run(books, capsys, "renumber", "INV-0042")  # NEW missing
    assert code == 2 and "NEW" in err
    assert numbers(books) == ["INV-0007", "INV-0042", "INV-0043"]
