"""Voiding a credit note that is in Xero voids it in Xero first (POST /CreditNotes/{CreditNoteID} Status VOIDED),
and here only once Xero confirms; its invoice is then due again by its total here, and in Xero too (docs/product.md
§2.5): the real SDK against the sandbox, a real company file. One allocated in Xero is refused by Xero in its
words (its allocation must be removed in Xero first); a lost reply is looked up on the next try (one void);
`invoice-desktop void CN-0001`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from export_fixtures import Company, approve, line

from invoice_desktop.__main__ import main
from invoice_desktop.ledger.credit_notes import (
    CreditLineDraft,
    CreditNoteDraft,
    create_credit_note,
    credit_note_void_refusal,
    list_credit_notes,
    void_credit_note,
)
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import XERO_HAS_PAYMENTS, get_invoice_detail
from invoice_desktop.store.models import (
    AllocationState,
    AttemptOutcome,
    BatchState,
    CreditNoteStatus,
    ExportState,
    Invoice,
    XeroBatch,
    XeroCreditNoteAttempt,
    XeroCreditNoteExport,
)
from invoice_desktop.xero.export_actions import failed_credit_note_ids
from invoice_desktop.xero.export_pacing import RetryPolicy
from invoice_desktop.xero.payment_import import import_changes
from invoice_desktop.xero.void_export import void_credit_note_anywhere

ON = date(2026, 3, 10)


def credited(company: Company, *, allocation_refused: bool = False) -> tuple[int, int]:
    """An invoice of 110.00 in Xero and a credit note of 22.00 (20.00 + GST) on it, in Xero too: allocated to it
    there, or (`allocation_refused`) with its allocation refused by Xero, so not allocated there."""
    invoice_id = approve("Greenway Builders", line("100.00"))
    company.exporter().run()
    note_id = create_credit_note(
        CreditNoteDraft(invoice_id, ON, "Returned goods", [CreditLineDraft(1, Decimal("20.00"))])
    ).credit_note_id
    if allocation_refused:
        company.sandbox.faults.no_permission(1, path="/Allocations", method="PUT")
    company.exporter().run()
    company.sandbox.faults.clear()
    assert XeroCreditNoteExport.get_by_id(note_id).xero_credit_note_id
    return invoice_id, note_id


def xero_note(company: Company, number: str = "CN-0001") -> object:
    org = company.sandbox.control.organisation()
    with company.sandbox.state.lock:
        [note] = [c for c in org.credit_notes.values() if c.credit_note_number == number]
        return note


def xero_due(company: Company, invoice_id: int) -> Decimal:
    [invoice] = company.xero_invoices(Invoice.get_by_id(invoice_id).number)
    return Decimal(invoice.amount_due)  # type: ignore[attr-defined]


def voids_sent(company: Company, method: str = "POST") -> int:
    """POST /CreditNotes/{CreditNoteID} requests (a void is the only one the app makes), or GETs of one."""
    return sum(1 for e in company.sandbox.requests.entries(method) if "/creditnotes/" in e.path.lower())


def history(note_id: int) -> list[AttemptOutcome]:
    rows = XeroCreditNoteAttempt.select().where(XeroCreditNoteAttempt.credit_note == note_id)
    return [AttemptOutcome(row.outcome) for row in rows.order_by(XeroCreditNoteAttempt.id)]


def status(note_id: int) -> CreditNoteStatus:
    [row] = [r for r in list_credit_notes() if r.id == note_id]
    return row.status


def test_one_in_xero_is_voided_there_then_here_and_its_invoice_is_due_again_in_both(company: Company) -> None:
    invoice_id, note_id = credited(company, allocation_refused=True)
    assert get_invoice_detail(invoice_id).amount_due == Decimal("88.00")  # credited here; not allocated in Xero
    assert failed_credit_note_ids() == [note_id]

    result = void_credit_note_anywhere(note_id, company.exporter)

    assert result.voided and result.message == "CN-0001 is void, in Xero and here."
    assert xero_note(company).status == "VOIDED"  # type: ignore[attr-defined]
    assert status(note_id) is CreditNoteStatus.VOID
    assert get_invoice_detail(invoice_id).amount_due == Decimal("110.00") == xero_due(company, invoice_id)
    assert voids_sent(company) == 1 and history(note_id)[-1] is AttemptOutcome.VOIDED
    export = XeroCreditNoteExport.get_by_id(note_id)
    assert (export.state, export.allocation_state, export.note) == (
        ExportState.SYNCED, AllocationState.NOT_NEEDED, "Voided in Xero.",
    )  # fmt: skip
    assert failed_credit_note_ids() == []  # its refused allocation is no longer asked
    allocations = company.requests("PUT", "/Allocations")
    company.exporter().run()
    assert company.requests("PUT", "/Allocations") == allocations
    assert XeroBatch.select().where(XeroBatch.state == BatchState.SENT.value).count() == 0
    company.time.advance(60)
    import_changes(company.client, force=True)  # the payment import then reads the same figure
    assert get_invoice_detail(invoice_id).amount_due == Decimal("110.00")


def test_one_allocated_in_xero_is_refused_in_xeros_words_and_says_to_remove_the_allocation(company: Company) -> None:
    invoice_id, note_id = credited(company)
    number = Invoice.get_by_id(invoice_id).number
    assert credit_note_void_refusal(note_id) == ""

    result = void_credit_note_anywhere(note_id, company.exporter)

    assert not result.voided
    assert result.message.startswith(f"CN-0001 was not voided (Xero refused): {XERO_HAS_PAYMENTS}")
    assert f"Remove its allocation to {number} in Xero first" in result.message
    assert xero_note(company).status != "VOIDED"  # type: ignore[attr-defined]
    assert status(note_id) is CreditNoteStatus.ALLOCATED
    assert get_invoice_detail(invoice_id).amount_due == Decimal("88.00") == xero_due(company, invoice_id)
    assert voids_sent(company) == 1 and history(note_id)[-1] is AttemptOutcome.VOID_FAILED
    assert XeroBatch.select().where(XeroBatch.state == BatchState.SENT.value).count() == 0


def test_a_lost_reply_is_looked_up_on_the_next_try_and_voided_once(company: Company) -> None:
    invoice_id, note_id = credited(company, allocation_refused=True)
    company.sandbox.faults.drop_after_commit(1, path="/CreditNotes/", method="POST")

    first = void_credit_note_anywhere(note_id, lambda: company.exporter(policy=RetryPolicy(retries=0)))

    assert not first.voided and first.unconfirmed and "reply never came" in first.message
    assert status(note_id) is CreditNoteStatus.AWAITING_ALLOCATION  # nothing half-way
    assert get_invoice_detail(invoice_id).amount_due == Decimal("88.00")
    assert xero_note(company).status == "VOIDED"  # type: ignore[attr-defined]  # Xero did it; its answer was lost
    company.sandbox.faults.clear()
    company.time.advance(7 * 60)  # past the idempotency window: a resend would be a new request

    second = void_credit_note_anywhere(note_id, company.exporter)

    assert second.voided and status(note_id) is CreditNoteStatus.VOID
    assert voids_sent(company) == 1  # looked up (GET /CreditNotes/{id}), not sent again
    assert voids_sent(company, "GET") == 1
    assert get_invoice_detail(invoice_id).amount_due == Decimal("110.00") == xero_due(company, invoice_id)
    assert history(note_id)[-2:] == [AttemptOutcome.VOID_FAILED, AttemptOutcome.VOIDED]


def test_voiding_one_in_xero_here_alone_is_refused(company: Company) -> None:
    invoice_id, note_id = credited(company, allocation_refused=True)
    with pytest.raises(LedgerError, match="CN-0001 is in Xero: it is voided in Xero first, then here"):
        void_credit_note(note_id)
    assert status(note_id) is CreditNoteStatus.AWAITING_ALLOCATION
    assert get_invoice_detail(invoice_id).amount_due == Decimal("88.00")
    without_interface = void_credit_note_anywhere(note_id, None)
    assert not without_interface.voided and "connect the Xero interface" in without_interface.message


def test_an_allocation_whose_reply_never_came_is_settled_by_an_export_before_a_void(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line("100.00"))
    company.exporter().run()
    note_id = create_credit_note(
        CreditNoteDraft(invoice_id, ON, "Returned goods", [CreditLineDraft(1, Decimal("20.00"))])
    ).credit_note_id
    company.sandbox.faults.drop_after_commit(1, path="/Allocations", method="PUT")
    company.exporter(policy=RetryPolicy(retries=0)).run()
    company.sandbox.faults.clear()

    assert "its reply never came" in credit_note_void_refusal(note_id)
    result = void_credit_note_anywhere(note_id, company.exporter)
    assert not result.voided and voids_sent(company) == 0


def test_the_void_command_takes_a_credit_note_number(
    company: Company, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoice_id, note_id = credited(company, allocation_refused=True)
    base = ["--data-dir", str(data_dir), "--xero-endpoint", company.sandbox.base_url]

    assert main([*base, "void", "CN-0001", "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert (report["type"], report["voided"], report["in_xero"]) == ("credit_note", True, True)
    assert report["message"] == "CN-0001 is void, in Xero and here."
    assert status(note_id) is CreditNoteStatus.VOID
    assert get_invoice_detail(invoice_id).amount_due == Decimal("110.00") == xero_due(company, invoice_id)
    assert main([*base, "void", "CN-0001"]) == 1
    assert capsys.readouterr().out.startswith("CN-0001 was not voided: CN-0001 is void already")
    assert main([*base, "void", "CN-0099"]) == 2
