"""renumber_invoice: an approved invoice gets a new number only while it is not in Xero; every refusal names its
reason and writes nothing; the numbering sequence never goes back; the export state is left as it was."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.export_history import export_attempts
from invoice_desktop.ledger.invoices import (
    MAX_NUMBER_LENGTH,
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    next_number,
    record_payment,
    renumber_invoice,
    renumber_refusal,
    update_draft,
    void_invoice,
)
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, Invoice, InvoiceStatus, XeroAttempt, XeroExport
from invoice_desktop.store.settings import get_setting
from invoice_desktop.xero import export_actions


def new_invoice(number: str | None = None, approve: bool = True) -> int:
    line = LineDraft("Consulting", D(1), D("100.00"), "200", "GST on Income")
    draft = InvoiceDraft("Acme Pty Ltd", date(2024, 3, 1), date(2024, 3, 31), lines=(line,), number=number)
    invoice_id = create_invoice(draft)
    if approve:
        assert approve_invoices([invoice_id]).approved_ids == (invoice_id,)
    return invoice_id


def set_export(invoice_id: int, state: ExportState, **fields) -> None:
    XeroExport.update(state=state.value, **fields).where(XeroExport.invoice == invoice_id).execute()


def fail_duplicate(invoice_id: int) -> None:
    """As the exporter leaves an invoice whose number Xero has for another invoice."""
    set_export(
        invoice_id,
        ExportState.FAILED,
        category=FailureCategory.DUPLICATE_NUMBER.value,
        messages=json.dumps(["Invoice # must be unique."]),
        hint=FailureCategory.DUPLICATE_NUMBER.default_hint,
        attempts=1,
    )
    XeroAttempt.insert(
        invoice=invoice_id,
        outcome="failed",
        category=FailureCategory.DUPLICATE_NUMBER.value,
        messages=json.dumps(["Invoice # must be unique."]),
    ).execute()


def number_of(invoice_id: int) -> str:
    return Invoice.get_by_id(invoice_id).number


def refusal(invoice_id: int, new: str) -> tuple[str, str]:
    """(field, message) of the one problem renumbering was refused with; the company file is unchanged."""
    before = snapshot()
    with pytest.raises(LedgerError) as error:
        renumber_invoice(invoice_id, new)
    assert snapshot() == before, "a refused renumbering wrote something"
    (problem,) = error.value.problems
    return problem.field, problem.message


def snapshot() -> tuple:
    return (
        sorted(Invoice.select(Invoice.id, Invoice.number, Invoice.updated_at).tuples()),
        sorted(XeroExport.select(XeroExport.invoice, XeroExport.state, XeroExport.note).tuples()),
        XeroAttempt.select().count(),
        get_setting("numbering.next", 1),
    )


# --- what is renumbered ------------------------------------------------------------------------------------------


def test_a_failed_duplicate_is_renumbered_and_stays_failed_until_resync(books):
    invoice_id = new_invoice("INV-0042")
    fail_duplicate(invoice_id)
    renumber_invoice(invoice_id, "  INV-0099 ")
    detail = get_invoice_detail(invoice_id)
    assert detail.number == "INV-0099"
    assert detail.export is not None
    assert detail.export.state is ExportState.FAILED  # not requeued behind the bookkeeper's back
    assert detail.export.category == FailureCategory.DUPLICATE_NUMBER.value  # the error stays until the Resync
    assert detail.export.note == "Renumbered from INV-0042."
    latest = export_attempts(invoice_id)[0]
    assert (latest.outcome, latest.messages) == ("renumbered", ("Renumbered from INV-0042 to INV-0099.",))
    assert export_actions.failed_ids() == [invoice_id]
    assert [row.number for row in export_actions.list_failed()] == ["INV-0099"]


@pytest.mark.parametrize("state", [ExportState.NOT_SENT, ExportState.QUEUED])
def test_not_sent_and_queued_keep_their_state(books, state):
    invoice_id = new_invoice()
    set_export(invoice_id, state)
    renumber_invoice(invoice_id, "SPECIAL-1")
    assert number_of(invoice_id) == "SPECIAL-1"
    assert get_invoice_detail(invoice_id).export.state is state


def test_a_paid_invoice_can_be_renumbered(books):
    invoice_id = new_invoice()
    record_payment(invoice_id, date(2024, 3, 5), D("110.00"))
    assert get_invoice_detail(invoice_id).status is InvoiceStatus.PAID
    renumber_invoice(invoice_id, "PAID-1")
    assert number_of(invoice_id) == "PAID-1"


def test_dont_send_can_be_renumbered_again_and_again(books):
    invoice_id = new_invoice()
    export_actions.dont_send(invoice_id)
    assert renumber_refusal(invoice_id) == ""
    renumber_invoice(invoice_id, "KEEP-1")
    renumber_invoice(invoice_id, "KEEP-2")
    export = get_invoice_detail(invoice_id).export
    assert export.state is ExportState.SKIPPED
    assert export.note == "Not to be sent to Xero. Renumbered from KEEP-1."


def test_the_old_number_is_free_afterwards(books):
    first = new_invoice("INV-0042")
    renumber_invoice(first, "INV-0050")
    second = new_invoice("INV-0042")  # the old number is no longer taken locally
    assert number_of(second) == "INV-0042"


# --- the numbering sequence ----------------------------------------------------------------------------------------


def test_a_number_of_the_sequence_ahead_moves_it_on(books):
    invoice_id = new_invoice()  # INV-0001
    assert next_number() == "INV-0002"
    renumber_invoice(invoice_id, "INV-0010")
    assert get_setting("numbering.next") == 11
    assert next_number() == "INV-0011"


def test_the_sequence_never_goes_back(books):
    ids = [new_invoice() for _ in range(3)]  # INV-0001..3
    assert get_setting("numbering.next") == 4
    renumber_invoice(ids[2], "INV-0000")  # behind the sequence
    assert get_setting("numbering.next") == 4
    assert next_number() == "INV-0004"  # INV-0003 is free now but not handed out again
    renumber_invoice(ids[1], "X-1")  # not of the sequence at all
    assert get_setting("numbering.next") == 4


# --- the new number --------------------------------------------------------------------------------------------


def test_empty_is_refused(books):
    invoice_id = new_invoice()
    assert refusal(invoice_id, "   ") == ("number", "a new number is required")
    assert refusal(invoice_id, "") == ("number", "a new number is required")


def test_longer_than_xero_allows_is_refused(books):
    invoice_id = new_invoice()
    assert refusal(invoice_id, "N" * (MAX_NUMBER_LENGTH + 1)) == ("number", "is longer than 255 characters")
    renumber_invoice(invoice_id, "N" * MAX_NUMBER_LENGTH)  # exactly the limit is fine


def test_the_same_number_is_refused(books):
    invoice_id = new_invoice("INV-0042")
    assert refusal(invoice_id, "INV-0042") == ("number", "INV-0042 is already its number")


def test_a_change_of_case_only_is_refused(books):
    invoice_id = new_invoice("INV-0042")
    field, message = refusal(invoice_id, "inv-0042")
    assert field == "number" and message.startswith("inv-0042 differs from INV-0042 only in case")


def test_a_number_another_invoice_has_is_refused(books):
    new_invoice("INV-0007")
    invoice_id = new_invoice("INV-0042")
    assert refusal(invoice_id, "INV-0007") == ("number", "INV-0007 is already used by another invoice")


def test_a_number_another_invoice_has_in_other_case_is_refused(books):
    new_invoice("INV-0007", approve=False)  # a draft takes its number too
    invoice_id = new_invoice("INV-0042")
    field, message = refusal(invoice_id, "inv-0007")
    assert field == "number"
    assert message.startswith("inv-0007 is already used by another invoice as INV-0007")


# --- the invoice's state -----------------------------------------------------------------------------------------


def test_synced_is_refused(books):
    invoice_id = new_invoice("INV-0042")
    set_export(invoice_id, ExportState.SYNCED, xero_invoice_id="7f1c2a34-0000-4000-8000-000000000042")
    expected = "INV-0042 is in Xero already: its number cannot change here"
    assert refusal(invoice_id, "INV-0099") == ("status", expected)
    assert renumber_refusal(invoice_id) == expected


def test_sending_is_refused(books):
    invoice_id = new_invoice("INV-0042")
    set_export(invoice_id, ExportState.SENDING, claimed_by="someone", batch_key="invd-1")
    field, message = refusal(invoice_id, "INV-0099")
    assert field == "status" and message == "INV-0042 is being sent to Xero right now: its number cannot change"


def test_marked_as_already_in_xero_is_refused(books):
    invoice_id = new_invoice("INV-0042")
    export_actions.mark_already_in_xero(invoice_id)
    field, message = refusal(invoice_id, "INV-0099")
    assert (field, message) == ("status", "INV-0042 is marked as already in Xero: its number cannot change here")


def test_marked_and_linked_is_refused(books):
    invoice_id = new_invoice("INV-0042")
    export_actions.mark_already_in_xero(invoice_id, "7f1c2a34-0000-4000-8000-000000000042")
    assert refusal(invoice_id, "INV-0099")[0] == "status"


def test_a_draft_is_renumbered_in_the_editor_not_here(books):
    invoice_id = new_invoice("INV-0042", approve=False)
    assert refusal(invoice_id, "INV-0099") == ("status", "INV-0042 is a draft: change its number in the invoice editor")
    detail = get_invoice_detail(invoice_id)
    update_draft(invoice_id, replace(detail.to_draft(), number="INV-0099"))  # still works
    assert number_of(invoice_id) == "INV-0099"


def test_void_is_refused(books):
    invoice_id = new_invoice("INV-0042")
    void_invoice(invoice_id)
    assert refusal(invoice_id, "INV-0099") == ("status", "INV-0042 is void: its number cannot change")


def test_no_such_invoice(books):
    with pytest.raises(LedgerError, match="no invoice with id 999"):
        renumber_invoice(999, "INV-0099")


def test_a_send_that_got_no_answer_is_refused_until_xero_answers(books):
    """A timeout or 5xx may have created it in Xero under the old number: a new number would make it twice."""
    invoice_id = new_invoice("INV-0042")
    set_export(invoice_id, ExportState.FAILED, category=FailureCategory.XERO_UNAVAILABLE.value)
    XeroAttempt.insert(
        invoice=invoice_id, outcome="failed", category=FailureCategory.XERO_UNAVAILABLE.value, messages="[]"
    ).execute()
    export_actions.dont_send(invoice_id)  # a skip afterwards does not settle it either
    field, message = refusal(invoice_id, "INV-0099")
    assert field == "status" and message.startswith("INV-0042's last send to Xero got no answer")

    XeroAttempt.insert(  # a later send that Xero answered: the number is someone else's
        invoice=invoice_id, outcome="failed", category=FailureCategory.DUPLICATE_NUMBER.value, messages="[]"
    ).execute()
    renumber_invoice(invoice_id, "INV-0099")
    assert number_of(invoice_id) == "INV-0099"


def test_an_approved_invoice_without_an_export_row_is_not_in_xero(books):
    invoice_id = new_invoice("INV-0042")
    XeroExport.delete().where(XeroExport.invoice == invoice_id).execute()
    renumber_invoice(invoice_id, "INV-0099")
    assert number_of(invoice_id) == "INV-0099" and XeroAttempt.select().count() == 0


def test_the_duplicate_number_hint_says_how_to_renumber():
    hint = FailureCategory.DUPLICATE_NUMBER.default_hint
    assert "Invoice Information > Options > Renumber…" in hint and "mark it as already in Xero" in hint
