"""The export engine against the sandbox (real xero-python SDK over loopback): batches, idempotency, outcomes."""

from __future__ import annotations

from pathlib import Path

from export_fixtures import approve, connect_company, export_row, line

from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.models import ExportState, XeroAttempt, XeroBatch


def test_queued_invoice_is_exported_and_linked(sandbox: RunningSandbox, data_dir: Path, db: object) -> None:
    company = connect_company(sandbox, data_dir)
    invoice_id = approve("Greenway Builders", line("100.00"), line("50.00", tax="GST Free Income"))
    assert export_row(invoice_id).state == ExportState.QUEUED

    summary = company.exporter().run()

    row = export_row(invoice_id)
    assert row.state == ExportState.SYNCED and row.xero_invoice_id
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    assert summary.invoice_requests == 1
    (copy,) = company.xero_invoices(row.invoice.number)
    assert copy.invoice_id == row.xero_invoice_id and copy.total == row.invoice.total
    attempt = XeroAttempt.get(XeroAttempt.invoice == invoice_id)
    assert attempt.outcome == "synced" and attempt.correlation_id
    assert XeroBatch.get(XeroBatch.key == attempt.batch_key).state == "resolved"
