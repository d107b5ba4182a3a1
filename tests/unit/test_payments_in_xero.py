"""Payments are not sent to Xero (yet), so record_payment refuses a payment entered here on an invoice that is in
Xero, for any caller: exported (synced), being exported (sending), or linked to its Xero invoice ("Mark as already
in Xero" with its number or InvoiceID). Its payments come back from Xero with the payment import (source "xero"),
which is still taken. Invoices not in Xero take payments as before."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    DONT_SEND_NOTE,
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    payment_refusal,
    record_payment,
)
from invoice_desktop.store.models import ExportState, InvoiceStatus, Payment, XeroExport

XERO_ID = "3f2a8c1e-5b7d-4e9f-8a6b-1c2d3e4f5a6b"
DAY = date(2024, 3, 10)


@pytest.fixture
def invoice(db) -> int:
    """An approved invoice of 110.00, not in Xero yet."""
    catalog.get_or_create_account("200", "Sales")
    catalog.create_tax_rate("GST on Income", D(10))
    line = LineDraft("Work", D(1), D("100.00"), "200", "GST on Income")
    invoice_id = create_invoice(InvoiceDraft("Acme Ltd", DAY, DAY, lines=[line], number="INV-0001"))
    approve_invoices([invoice_id])
    return invoice_id


def put(invoice_id: int, state: ExportState, xero_invoice_id: str | None = None, note: str = "") -> None:
    XeroExport.update(state=state.value, xero_invoice_id=xero_invoice_id, note=note).where(
        XeroExport.invoice == invoice_id
    ).execute()


LINKED = "Marked as already in Xero (linked to INV-0001)."
IN_XERO = {
    "synced": (ExportState.SYNCED, XERO_ID, "", "INV-0001 is in Xero"),
    "being sent": (ExportState.SENDING, None, "", "INV-0001 is being sent to Xero"),
    "marked as in Xero, linked": (ExportState.SKIPPED, XERO_ID, LINKED, "INV-0001 is in Xero"),
}


@pytest.mark.parametrize("where", IN_XERO)
def test_a_payment_entered_here_on_an_invoice_in_xero_is_refused(invoice: int, where: str) -> None:
    state, xero_id, note, words = IN_XERO[where]
    put(invoice, state, xero_id, note)
    with pytest.raises(LedgerError) as refused:
        record_payment(invoice, DAY, D("10.00"), "EFT")
    message = str(refused.value)
    assert message.startswith(f"{words}: record its payments in Xero, not here")
    assert "comes back here by itself with the next payment import from Xero" in message
    assert message == payment_refusal(invoice)
    assert Payment.select().count() == 0  # nothing written
    detail = get_invoice_detail(invoice)
    assert (detail.amount_paid, detail.status) == (D("0.00"), InvoiceStatus.AWAITING_PAYMENT)


def test_the_payment_import_still_enters_xeros_payments(invoice: int) -> None:
    put(invoice, ExportState.SYNCED, XERO_ID)
    result = record_payment(invoice, DAY, D("110.00"), "DD", source="xero", xero_payment_id="p-1")
    assert result.status is InvoiceStatus.PAID


NOT_IN_XERO = {
    "not exported": (ExportState.NOT_SENT, None, ""),
    "queued": (ExportState.QUEUED, None, ""),
    "failed": (ExportState.FAILED, None, ""),
    "don't send": (ExportState.SKIPPED, None, DONT_SEND_NOTE),
    "marked as in Xero, not linked": (ExportState.SKIPPED, None, "Marked as already in Xero."),
}


@pytest.mark.parametrize("where", NOT_IN_XERO)
def test_invoices_not_in_xero_take_payments_as_before(invoice: int, where: str) -> None:
    put(invoice, *NOT_IN_XERO[where])
    assert payment_refusal(invoice) == ""
    assert record_payment(invoice, DAY, D("10.00"), "EFT").amount_due == D("100.00")
