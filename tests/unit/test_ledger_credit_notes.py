"""Credit notes in the ledger: made from an approved invoice for all or part of it, numbered CN-, never more than is
due, the invoice's amount due follows, queued for Xero when the invoice goes there, voided (one in Xero only once
Xero voided it)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger.credit_notes import (
    CreditLineDraft,
    CreditNoteDraft,
    count_credit_notes,
    create_credit_note,
    full_credit_lines,
    get_credit_note_detail,
    list_credit_notes,
    void_credit_note,
)
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    record_payment,
)
from invoice_desktop.ledger.queries import Tab, tab_counts
from invoice_desktop.store.models import (
    CreditNote,
    CreditNoteStatus,
    ExportState,
    InvoiceStatus,
    XeroCreditNoteExport,
    XeroExport,
)
from invoice_desktop.store.settings import set_setting


def _invoice(*units: str) -> int:
    lines = tuple(LineDraft(f"Work {i}", D(1), D(u), "200", "GST on Income") for i, u in enumerate(units, 1))
    invoice_id = create_invoice(InvoiceDraft("Acme Pty Ltd", date(2024, 3, 1), date(2024, 3, 31), lines=lines))
    approve_invoices([invoice_id])
    return invoice_id


def _credit(invoice_id: int, *lines: tuple[int, str], reason: str = "Returned") -> int:
    drafts = [CreditLineDraft(position, D(amount)) for position, amount in lines]
    return create_credit_note(CreditNoteDraft(invoice_id, date(2024, 3, 10), reason, drafts)).credit_note_id


def test_a_full_credit_settles_the_invoice_and_is_numbered_cn(books) -> None:
    invoice_id = _invoice("100.00", "33.33")
    before = tab_counts()
    result = create_credit_note(
        CreditNoteDraft(invoice_id, date(2024, 3, 10), "Cancelled", full_credit_lines(invoice_id))
    )
    assert result.number == "CN-0001"
    assert result.total == get_invoice_detail(invoice_id).total == D("146.66")
    invoice = get_invoice_detail(invoice_id)
    assert (invoice.amount_due, invoice.status) == (D("0.00"), InvoiceStatus.PAID)
    note = get_credit_note_detail(result.credit_note_id)
    assert (note.subtotal, note.total_tax, note.row.reason) == (D("133.33"), D("13.33"), "Cancelled")
    assert note.row.status is CreditNoteStatus.ALLOCATED  # not going to Xero: credited here only
    assert XeroCreditNoteExport.select().count() == 0
    after = tab_counts()
    assert after[Tab.ALL] == before[Tab.ALL] == 1  # no invoice list or count gains a row (it moved to Paid)
    assert count_credit_notes() == 1


def test_a_partial_credit_lowers_the_amount_due_to_the_cent(books) -> None:
    invoice_id = _invoice("100.00", "50.00")
    _credit(invoice_id, (1, "33.33"))
    second = create_credit_note(CreditNoteDraft(invoice_id, date(2024, 3, 11), "", [CreditLineDraft(2, D("10.00"))]))
    assert second.number == "CN-0002"
    # 33.33 + 3.33 GST, then 10.00 + 1.00 GST, off 165.00
    assert get_invoice_detail(invoice_id).amount_due == D("165.00") - D("36.66") - D("11.00")
    assert [r.number for r in list_credit_notes(invoice_id)] == ["CN-0002", "CN-0001"]


def test_more_than_due_is_refused_and_nothing_is_written(books) -> None:
    invoice_id = _invoice("100.00")
    record_payment(invoice_id, date(2024, 3, 5), D("60.00"))
    with pytest.raises(LedgerError, match=r"110.00 is more than the 50.00 still due on INV-0001"):
        _credit(invoice_id, (1, "100.00"))
    with pytest.raises(LedgerError, match=r"more than the line's 100.00"):
        _credit(invoice_id, (1, "100.01"))
    with pytest.raises(LedgerError, match=r"leave the line out"):
        _credit(invoice_id, (1, "0"))
    with pytest.raises(LedgerError, match=r"needs at least one line"):
        _credit(invoice_id)
    assert CreditNote.select().count() == 0
    assert get_invoice_detail(invoice_id).amount_due == D("50.00")


def test_a_draft_or_a_settled_invoice_takes_no_credit_note(books) -> None:
    draft_id = create_invoice(
        InvoiceDraft(
            "Acme", date(2024, 3, 1), date(2024, 3, 31), lines=(LineDraft("x", D(1), D(5), "200", "GST on Income"),)
        )
    )
    with pytest.raises(LedgerError, match="is a draft"):
        _credit(draft_id, (1, "5.00"))
    paid_id = _invoice("10.00")
    record_payment(paid_id, date(2024, 3, 5), D("11.00"))
    with pytest.raises(LedgerError, match="nothing left due"):
        _credit(paid_id, (1, "1.00"))


def test_queued_for_xero_when_its_invoice_goes_there_and_voided_before_it_is_sent(books) -> None:
    set_setting("xero.enabled", True)
    set_setting("xero.export_on_approval", True)
    invoice_id = _invoice("100.00")
    assert XeroExport.get_by_id(invoice_id).state == ExportState.QUEUED
    note_id = _credit(invoice_id, (1, "20.00"))
    row = list_credit_notes()[0]
    assert (row.status, row.xero_state) == (CreditNoteStatus.AWAITING_ALLOCATION, ExportState.QUEUED)
    assert get_invoice_detail(invoice_id).amount_due == D("88.00")
    void_credit_note(note_id)
    assert get_invoice_detail(invoice_id).amount_due == D("110.00")
    row = list_credit_notes()[0]
    assert (row.status, row.xero_state) == (CreditNoteStatus.VOID, ExportState.SKIPPED)
    with pytest.raises(LedgerError, match="void already"):
        void_credit_note(note_id)


def test_a_credit_note_in_xero_is_not_voided_here_alone(books) -> None:
    set_setting("xero.enabled", True)
    set_setting("xero.export_on_approval", True)
    invoice_id = _invoice("100.00")
    note_id = _credit(invoice_id, (1, "20.00"))
    XeroCreditNoteExport.update(state=ExportState.SYNCED.value, xero_credit_note_id="abc").execute()
    with pytest.raises(LedgerError, match="it is voided in Xero first, then here"):
        void_credit_note(note_id)
    assert get_invoice_detail(invoice_id).amount_due == D("88.00")
    void_credit_note(note_id, voided_in_xero="Voided in Xero.")  # what xero.void_export does once Xero confirms
    assert get_invoice_detail(invoice_id).amount_due == D("110.00")


def test_one_whose_export_reply_never_came_is_refused_until_it_is_looked_up(books) -> None:
    set_setting("xero.enabled", True)
    set_setting("xero.export_on_approval", True)
    invoice_id = _invoice("100.00")
    note_id = _credit(invoice_id, (1, "20.00"))
    XeroCreditNoteExport.update(state=ExportState.FAILED.value, unconfirmed=True).execute()
    with pytest.raises(LedgerError, match="may be in Xero already"):
        void_credit_note(note_id)
    XeroCreditNoteExport.update(state=ExportState.SKIPPED.value, unconfirmed=False).execute()  # never sent
    void_credit_note(note_id)
    assert get_invoice_detail(invoice_id).amount_due == D("110.00")
