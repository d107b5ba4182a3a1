"""The Synced list with payments sent from here among the invoices (xero.synced_pages' UNION): every sort, both
ways, pages that neither repeat nor skip a row, on either engine (PostgreSQL sorts a UNION by its result columns
only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from invoice_desktop.ledger.invoices import InvoiceDraft, LineDraft, approve_invoices, create_invoice
from invoice_desktop.store.models import ExportState, Payment, XeroExport, XeroPaymentExport
from invoice_desktop.xero.synced_pages import SyncedSort, synced_page

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 3, tzinfo=UTC)


@pytest.fixture
def synced(books):
    for i, client in enumerate(["beta Plumbing", "Alpha Builders", "gamma Roofing", "Delta Tiles"]):
        line = LineDraft("Work", Decimal(1), Decimal(f"{100 + 10 * i}.00"), "200", "GST on Income")
        invoice_id = create_invoice(InvoiceDraft(client, DAY, DAY + timedelta(days=14), lines=(line,)))
        approve_invoices([invoice_id])
        XeroExport.update(state=ExportState.SYNCED.value, xero_invoice_id=f"x-{i}", synced_at=AT).where(
            XeroExport.invoice == invoice_id
        ).execute()
        if i % 2 == 0:
            payment = Payment.create(invoice=invoice_id, date=DAY, amount=Decimal("5.00"))
            XeroPaymentExport.create(payment=payment, state=ExportState.SYNCED.value, xero_payment_id=f"p-{i}",
                                     synced_at=AT + timedelta(hours=i))  # fmt: skip
    return books


@pytest.mark.parametrize("sort", list(SyncedSort))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_through_invoices_and_payments(synced, sort: SyncedSort, descending: bool):
    whole = synced_page(sort, descending)
    assert len(whole) == 6 and {row.kind for row in whole} == {"invoice", "payment"}
    paged = [row for offset in range(0, 6, 4) for row in synced_page(sort, descending, offset, 4)]
    assert [(r.kind, r.invoice_id, r.payment_id) for r in paged] == [
        (r.kind, r.invoice_id, r.payment_id) for r in whole
    ]


def test_the_client_sort_ignores_case(synced):
    clients = [row.client for row in synced_page(SyncedSort.CLIENT) if row.kind == "invoice"]
    assert clients == ["Alpha Builders", "beta Plumbing", "Delta Tiles", "gamma Roofing"]
