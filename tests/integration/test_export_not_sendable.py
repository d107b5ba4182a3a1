"""An invoice claimed for export that can no longer be sent (voided, or back to draft, while it waited in the
queue) is taken out of the queue with a note, once: never handed back to the queue to be claimed again."""

from __future__ import annotations

import threading

from export_fixtures import Company, approve, export_row

from invoice_desktop.store.models import ExportState, Invoice, InvoiceStatus


def test_a_queued_invoice_voided_behind_the_engines_back_is_skipped_not_requeued(company: Company) -> None:
    sendable = approve()
    voided = approve()
    # The void raced the claim: the invoice is void, its export row still queued (void_invoice itself would skip it).
    Invoice.update(status=InvoiceStatus.VOID.value).where(Invoice.id == voided).execute()

    finished: list[object] = []
    worker = threading.Thread(target=lambda: finished.append(company.exporter().run()), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert finished, "the export run did not end (the unsendable invoice went round the queue again)"

    assert export_row(sendable).state == ExportState.SYNCED.value
    row = export_row(voided)
    assert row.state == ExportState.SKIPPED.value
    assert "void" in row.note
    assert company.xero_invoices(Invoice.get_by_id(voided).number) == []
