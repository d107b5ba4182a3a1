"""A send whose reply was lost is resolved by a look-up that cannot miss, for any number the app accepts: one copy
in Xero, synced, and no second PUT of the invoice (docs/product.md §4). Real SDK against the sandbox, which splits
InvoiceNumbers on commas as Xero does."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from export_fixtures import Company, approve, die_after_send, export_row, line
from sandbox_helpers import DEMO
from xero_python.accounting import Contact, Invoice, Invoices, LineItem

from invoice_desktop.sandbox import seed
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import BatchState, ExportState, XeroAttempt, XeroBatch
from invoice_desktop.xero.export_actions import mark_already_in_xero
from invoice_desktop.xero.export_pacing import RetryPolicy
from invoice_desktop.xero.settings import Destination, load_settings, save_settings

NUMBERS = [
    "CM,1",  # InvoiceNumbers=CM%2C1 asks Xero for "CM" and "1"
    'Q"1',
    "O'Brien-1",
    "A&B=1",
    "(P)1",
    "INV 1",
    "CAFÉ-1",
    "Ōtaki-7",
    "B\\1",
    'x,"y"',
]
AFTER_THE_REPLAY_WINDOW = 7 * 60


def change_the_request() -> None:
    """What the invoice's request would now be is not what was sent (a replay of the old key is impossible)."""
    settings = load_settings()
    settings.destination = Destination.AWAITING_APPROVAL
    save_settings(settings, check=False)


def linked_history(invoice_id: int) -> list[str]:
    rows = XeroAttempt.select().where((XeroAttempt.invoice == invoice_id) & (XeroAttempt.outcome == "linked"))
    return [" ".join(json.loads(r.messages)) for r in rows]


@pytest.mark.parametrize("number", NUMBERS)
def test_a_reply_lost_is_looked_up_not_sent_again(company: Company, number: str) -> None:
    invoice_id = approve("Greenway Builders", line("120.00"), number=number)
    company.sandbox.faults.drop_after_commit(1, path="/Invoices", method="PUT")

    first = company.exporter(policy=RetryPolicy(retries=0)).run()  # one try, its reply lost

    [outcome] = first.outcomes
    assert outcome.state is ExportState.FAILED and outcome.category is FailureCategory.XERO_UNAVAILABLE
    assert export_row(invoice_id).unconfirmed  # it may be in Xero: never sent again unseen
    company.assert_one_copy(number)
    company.sandbox.faults.clear()
    company.time.advance(AFTER_THE_REPLAY_WINDOW)
    change_the_request()
    sent_before = company.puts()

    second = company.exporter().run()

    assert [(o.number, o.state) for o in second.outcomes] == [(number, ExportState.SYNCED)]
    assert company.puts() == sent_before  # looked up, linked: no second PUT
    company.assert_one_copy(number)
    row = export_row(invoice_id)
    assert row.state == ExportState.SYNCED.value and not row.unconfirmed
    assert row.xero_invoice_id == str(company.xero_invoices(number)[0].invoice_id)
    assert any("same ContactID" in h or "same contact name" in h for h in linked_history(invoice_id))


@pytest.mark.parametrize("number", NUMBERS)
def test_a_send_of_a_process_that_died_is_linked_after_the_replay_window(company: Company, number: str) -> None:
    invoice_id = approve("Greenway Builders", line("75.50"), number=number)
    die_after_send(company)
    assert export_row(invoice_id).state == ExportState.SENDING.value
    company.time.advance(AFTER_THE_REPLAY_WINDOW)
    change_the_request()
    sent_before = company.puts()

    summary = company.exporter().run()

    assert [(o.number, o.state) for o in summary.outcomes] == [(number, ExportState.SYNCED)]
    assert company.puts() == sent_before
    company.assert_one_copy(number)
    assert linked_history(invoice_id)


def test_a_look_up_that_cannot_be_made_leaves_the_invoice_unconfirmed_and_unsent(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line("64.00"), number="CM,2")
    die_after_send(company)
    company.time.advance(AFTER_THE_REPLAY_WINDOW)
    company.sandbox.faults.fail_next(None, path="/Invoices", method="GET")  # every look-up answers 500
    sent_before = company.puts()

    summary = company.exporter().run()

    assert summary.unresolved == ["CM,2"] and "not confirmed by Xero yet" in summary.message()
    row = export_row(invoice_id)
    assert row.state == ExportState.FAILED.value and row.unconfirmed
    assert "looked up in Xero before it is ever sent again" in row.note
    assert company.puts() == sent_before
    company.sandbox.faults.clear()
    company.time.advance(RetryPolicy().auto_retry_cap.total_seconds())

    later = company.exporter().run()

    assert [(o.number, o.state) for o in later.outcomes] == [("CM,2", ExportState.SYNCED)]
    assert company.puts() == sent_before
    company.assert_one_copy("CM,2")


def test_a_send_shown_not_to_have_arrived_is_sent(company: Company) -> None:
    """The look-up is complete and Xero has no such invoice: it is sent (once)."""
    invoice_id = approve("Greenway Builders", line("10.00"), number="NEVER,ARRIVED")
    company.sandbox.faults.reset(None, path="/Invoices", method="PUT")  # refused before Xero took it
    company.exporter(policy=RetryPolicy(retries=0)).run()
    company.sandbox.faults.clear()
    assert not company.xero_invoices("NEVER,ARRIVED")
    company.time.advance(RetryPolicy().auto_retry_cap.total_seconds())

    summary = company.exporter().run()

    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    company.assert_one_copy("NEVER,ARRIVED")
    assert not export_row(invoice_id).unconfirmed


def entered_in_xero(company: Company, number: str, contact: str, amount: str) -> None:
    """An invoice the bookkeeper typed into Xero by hand."""
    line_item = LineItem(
        description="Typed in Xero",
        quantity=1,
        unit_amount=Decimal(amount),
        account_code="200",
        tax_type="EXEMPTOUTPUT",
    )
    invoice = Invoice(
        type="ACCREC", contact=Contact(name=contact), line_items=[line_item], invoice_number=number,
        status="AUTHORISED", date=date(2026, 3, 2), due_date=date(2026, 3, 16),
    )  # fmt: skip
    company.client.accounting().create_invoices(DEMO, Invoices(invoices=[invoice]))


def test_a_duplicate_number_held_by_another_contact_says_whose_it_is(company: Company) -> None:
    entered_in_xero(company, "DUP,1", seed.DEMO_ACTIVE_CONTACTS[1], "33.00")
    invoice_id = approve("Greenway Builders", line("99.00"), number="dup,1")

    summary = company.exporter().run()

    [outcome] = summary.outcomes
    assert outcome.invoice_id == invoice_id and outcome.category is FailureCategory.DUPLICATE_NUMBER
    assert f"Xero's DUP,1 is for {seed.DEMO_ACTIVE_CONTACTS[1]}, dated 2 Mar 2026" in outcome.hint
    assert "not this invoice" in outcome.hint
    company.assert_one_copy("DUP,1")


def test_a_duplicate_number_that_is_ours_within_xeros_rounding_is_linked(company: Company) -> None:
    """Same number, same contact, and a total a cent off ours (Xero rounded one line's tax its own way)."""
    entered_in_xero(company, "ROUND,1", "Greenway Builders", "100.01")  # no tax line: 100.01 against our 100.00
    invoice_id = approve("Greenway Builders", line("100.00", tax="GST Free Income"), number="ROUND,1")

    summary = company.exporter().run()

    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    history = linked_history(invoice_id)
    assert history and "within 0.01 (Xero's rounding: up to 0.01)" in history[0]
    company.assert_one_copy("ROUND,1")


def test_the_batch_key_is_kept_on_disk_before_the_look_up_path_sends(company: Company) -> None:
    """A resolved batch leaves nothing sending."""
    approve("Greenway Builders", line("5.00"), number="K,1")
    die_after_send(company)
    company.time.advance(AFTER_THE_REPLAY_WINDOW)
    company.exporter().run()
    assert all(b.state == BatchState.RESOLVED for b in XeroBatch.select())


def test_mark_as_already_in_xero_finds_a_number_with_a_comma(company: Company) -> None:
    entered_in_xero(company, "HAND,1", "Greenway Builders", "20.00")
    invoice_id = approve("Greenway Builders", line("20.00", tax="GST Free Income"), number="LOCAL-9")
    [xero_copy] = company.xero_invoices("HAND,1")

    linked = mark_already_in_xero(invoice_id, "HAND,1", company.client)

    assert linked == str(xero_copy.invoice_id)
    assert export_row(invoice_id).state == ExportState.SKIPPED.value
