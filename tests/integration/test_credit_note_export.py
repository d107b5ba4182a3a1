"""Credit notes made here go to Xero exactly once and are allocated to their invoice exactly once (docs/product.md
§4.9): the real SDK against the sandbox, a real SQLite company file. Created, exported, allocated, amount due to
the cent in both systems; partial credit; more than due refused; a lost reply of the credit note and of its
allocation looked up, never made twice; a failed allocation in the Failed list, resynced without a second copy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from export_fixtures import Company, approve, line
from xero_python.accounting import PaymentDelete

from invoice_desktop.ledger.credit_note_import import import_credit_notes_text
from invoice_desktop.ledger.credit_notes import (
    CreditLineDraft,
    CreditNoteDraft,
    create_credit_note,
    full_credit_lines,
    list_credit_notes,
    void_credit_note,
)
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.store.models import (
    AllocationState,
    CreditNoteStatus,
    ExportState,
    Invoice,
    XeroCreditNoteExport,
)
from invoice_desktop.xero.export_actions import failed_credit_note_ids, list_failed, list_synced, resync
from invoice_desktop.xero.export_pacing import RetryPolicy
from invoice_desktop.xero.payment_import import import_changes

ON = date(2026, 3, 10)


def synced_invoice(company: Company, *amounts: str) -> int:
    invoice_id = approve("Greenway Builders", *(line(a) for a in amounts or ("100.00",)))
    summary = company.exporter().run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    return invoice_id


def credit(invoice_id: int, *lines: tuple[int, str], reason: str = "Returned goods") -> int:
    drafts = [CreditLineDraft(p, Decimal(a)) for p, a in lines] or full_credit_lines(invoice_id)
    return create_credit_note(CreditNoteDraft(invoice_id, ON, reason, drafts)).credit_note_id


def xero_credit_notes(company: Company, number: str) -> list[object]:
    org = company.sandbox.control.organisation()
    with company.sandbox.state.lock:
        return [c for c in org.credit_notes.values() if c.credit_note_number == number]


def xero_invoice(company: Company, invoice_id: int) -> object:
    [invoice] = company.xero_invoices(Invoice.get_by_id(invoice_id).number)
    return invoice


def allocations(company: Company, number: str) -> list[object]:
    [note] = xero_credit_notes(company, number)
    return list(note.allocations)  # type: ignore[attr-defined]


def test_a_full_credit_is_exported_allocated_and_leaves_nothing_due_in_both(company: Company) -> None:
    invoice_id = synced_invoice(company, "100.00", "33.33")
    note_id = credit(invoice_id)

    summary = company.exporter().run()

    assert [(o.kind, o.number, o.state) for o in summary.outcomes] == [("credit_note", "CN-0001", ExportState.SYNCED)]
    [held] = xero_credit_notes(company, "CN-0001")
    assert (held.type, held.status, held.total) == ("ACCRECCREDIT", "PAID", Decimal("146.66"))  # type: ignore[attr-defined]
    invoice = xero_invoice(company, invoice_id)
    assert (invoice.amount_due, invoice.amount_credited, invoice.status) == (  # type: ignore[attr-defined]
        Decimal("0.00"), Decimal("146.66"), "PAID",
    )  # fmt: skip
    assert get_invoice_detail(invoice_id).amount_due == Decimal("0.00")
    [row] = list_credit_notes()
    assert (row.status, row.xero_state, row.allocation) == (
        CreditNoteStatus.ALLOCATED, ExportState.SYNCED, AllocationState.DONE,
    )  # fmt: skip
    export = XeroCreditNoteExport.get_by_id(note_id)
    assert export.xero_credit_note_id == held.credit_note_id.lower()  # type: ignore[attr-defined]
    assert company.requests("PUT", "/CreditNotes") == 1
    synced = [r.to_json() for r in list_synced(payments=True) if r.kind == "credit_note"]
    assert [(r["type"], r["number"]) for r in synced] == [("credit_note", "CN-0001")]


def test_a_partial_credit_leaves_the_same_amount_due_to_the_cent_in_both(company: Company) -> None:
    invoice_id = synced_invoice(company, "100.00", "50.00")
    credit(invoice_id, (1, "33.33"))  # 33.33 + 3.33 GST
    company.exporter().run()
    invoice = xero_invoice(company, invoice_id)
    assert invoice.amount_due == Decimal("128.34") == get_invoice_detail(invoice_id).amount_due  # type: ignore[attr-defined]
    assert invoice.status == "AUTHORISED"  # type: ignore[attr-defined]
    # the payment import then reads the same figures, and makes no second row of our credit note
    company.time.advance(60)
    import_changes(company.client, force=True)
    detail = get_invoice_detail(invoice_id)
    assert detail.amount_due == Decimal("128.34") and detail.payments == ()


def test_more_than_due_is_refused_before_anything_is_sent(company: Company) -> None:
    invoice_id = synced_invoice(company)
    credit(invoice_id, (1, "60.00"))
    with pytest.raises(LedgerError, match=r"more than the 44.00 still due"):
        credit(invoice_id, (1, "50.00"))
    company.exporter().run()
    assert len(xero_credit_notes(company, "CN-0001")) == 1 and xero_credit_notes(company, "CN-0002") == []
    assert xero_invoice(company, invoice_id).amount_due == Decimal("44.00")  # type: ignore[attr-defined]


def _retry_now(company: Company, note_id: int) -> None:
    company.sandbox.faults.clear()
    company.time.advance(7 * 60)
    XeroCreditNoteExport.update(next_retry_at=company.time.now()).where(
        XeroCreditNoteExport.credit_note == note_id
    ).execute()


def test_a_lost_reply_is_looked_up_by_number_not_sent_twice(company: Company) -> None:
    invoice_id = synced_invoice(company)
    note_id = credit(invoice_id, (1, "20.00"))
    company.sandbox.faults.drop_after_commit(1, path="/CreditNotes", method="PUT")

    first = company.exporter(policy=RetryPolicy(retries=0)).run()

    assert [o.state for o in first.outcomes] == [ExportState.FAILED]
    assert XeroCreditNoteExport.get_by_id(note_id).unconfirmed
    _retry_now(company, note_id)

    second = company.exporter().run()

    assert [(o.kind, o.state) for o in second.outcomes] == [("credit_note", ExportState.SYNCED)]
    assert company.requests("PUT", "/CreditNotes") == 1  # linked by the look-up
    assert len(xero_credit_notes(company, "CN-0001")) == 1
    assert len(allocations(company, "CN-0001")) == 1
    assert xero_invoice(company, invoice_id).amount_due == Decimal("88.00") == get_invoice_detail(invoice_id).amount_due  # type: ignore[attr-defined]


def test_an_allocation_whose_reply_was_lost_is_looked_up_not_made_twice(company: Company) -> None:
    invoice_id = synced_invoice(company)
    note_id = credit(invoice_id, (1, "20.00"))
    company.sandbox.faults.drop_after_commit(1, path="/Allocations", method="PUT")

    first = company.exporter(policy=RetryPolicy(retries=0)).run()

    assert "CN-0001" in first.unresolved
    assert XeroCreditNoteExport.get_by_id(note_id).allocation_state == AllocationState.UNCONFIRMED
    company.sandbox.faults.clear()

    company.exporter().run()

    assert len(allocations(company, "CN-0001")) == 1
    assert company.requests("PUT", "/Allocations") == 1
    assert XeroCreditNoteExport.get_by_id(note_id).allocation_state == AllocationState.DONE
    assert xero_invoice(company, invoice_id).amount_due == Decimal("88.00")  # type: ignore[attr-defined]


def test_a_refused_allocation_is_failed_and_resynced_without_a_second_credit_note(company: Company) -> None:
    invoice_id = synced_invoice(company)
    number = Invoice.get_by_id(invoice_id).number
    paid = company.sandbox.control.record_payment(number, Decimal("100.00"), ON)  # Xero now has only 10.00 due
    credit(invoice_id, (1, "20.00"))

    company.exporter().run()

    [row] = [r for r in list_failed(payments=True) if r.kind == "credit_note"]
    assert row.number == "CN-0001" and row.to_json()["type"] == "credit_note"
    assert "allocate" in row.hint and row.messages
    assert len(xero_credit_notes(company, "CN-0001")) == 1 and allocations(company, "CN-0001") == []
    # The cause fixed in Xero (the payment removed), Resync allocates it: the credit note is not sent again.
    company.client.accounting().delete_payment(
        company.client.tenant_id, paid.payment_id, PaymentDelete(status="DELETED")
    )
    summary = resync(company.client, [], credit_note_ids=failed_credit_note_ids(), exporter=company.exporter)
    assert [(o.kind, o.state) for o in summary.outcomes] == [("credit_note", ExportState.SYNCED)]
    assert company.requests("PUT", "/CreditNotes") == 1
    assert len(xero_credit_notes(company, "CN-0001")) == 1 and len(allocations(company, "CN-0001")) == 1
    assert failed_credit_note_ids() == []


def test_a_credit_note_voided_before_it_is_sent_is_never_sent(company: Company) -> None:
    invoice_id = synced_invoice(company)
    note_id = credit(invoice_id, (1, "20.00"))
    void_credit_note(note_id)
    company.exporter().run()
    assert company.requests("PUT", "/CreditNotes") == 0
    assert (
        xero_invoice(company, invoice_id).amount_due == Decimal("110.00") == get_invoice_detail(invoice_id).amount_due
    )  # type: ignore[attr-defined]


def test_a_credit_note_imported_from_xeros_template_goes_to_xero_and_is_allocated(company: Company) -> None:
    invoice_id = synced_invoice(company, "100.00")
    number = Invoice.get_by_id(invoice_id).number
    template = (
        "*ContactName,*CreditNoteNumber,Reference,*CreditNoteDate,*Description,*Quantity,*UnitAmount,*AccountCode,"
        "*TaxType,InvoiceNumber\r\n"
        f"Greenway Builders,CN-0042,Returned goods,2026-03-10,Plumbing work,1,40.00,{line().account_code},"
        f"GST on Income,{number}\r\n"
    )
    result = import_credit_notes_text(template)
    assert result.ok, result.errors
    assert [(n.number, n.total, n.queued_for_xero) for n in result.imported] == [("CN-0042", Decimal("44.00"), True)]

    summary = company.exporter().run()

    assert [(o.kind, o.number, o.state) for o in summary.outcomes] == [("credit_note", "CN-0042", ExportState.SYNCED)]
    assert len(allocations(company, "CN-0042")) == 1
    assert xero_invoice(company, invoice_id).amount_due == Decimal("66.00") == get_invoice_detail(invoice_id).amount_due  # type: ignore[attr-defined]
