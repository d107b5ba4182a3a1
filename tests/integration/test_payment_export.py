"""Payments recorded here are sent to Xero exactly once (docs/product.md §4): the real SDK against the sandbox, a
real SQLite company file. Sent and partial, more than Xero has due refused, a lost reply looked up (one payment
in Xero, no second PUT), a payment imported from Xero never sent back, and the switch off keeps the refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from export_fixtures import Company, approve, line

from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import record_payment
from invoice_desktop.sandbox import seed
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import ExportState, Invoice, Payment, XeroPaymentExport
from invoice_desktop.xero.export_actions import (
    dont_send,
    failed_payment_ids,
    list_failed,
    list_synced,
    mark_already_in_xero,
    resync,
)
from invoice_desktop.xero.export_pacing import RetryPolicy
from invoice_desktop.xero.export_queue import PAYMENTS, pending_ids
from invoice_desktop.xero.payment_import import import_changes
from invoice_desktop.xero.settings import load_settings, save_settings

PAID_ON = date(2026, 3, 10)


def send_payments_on(account: str = seed.DEMO_BANK_ACCOUNT) -> None:
    settings = load_settings()
    settings.payments_account, settings.send_payments = account, True
    save_settings(settings, check=False)


def synced_invoice(company: Company, amount: str = "100.00") -> int:
    invoice_id = approve("Greenway Builders", line(amount))
    summary = company.exporter().run()
    assert [o.state for o in summary.outcomes] == [ExportState.SYNCED]
    return invoice_id


def xero_payments(company: Company, number: str) -> list[object]:
    [invoice] = company.xero_invoices(number)
    org = company.sandbox.control.organisation()
    with company.sandbox.state.lock:
        return [org.payments[p] for p in invoice.payment_ids if org.payments[p].status != "DELETED"]  # type: ignore[attr-defined]


def number_of(invoice_id: int) -> str:
    return Invoice.get_by_id(invoice_id).number


def test_a_payment_recorded_here_is_sent_and_its_payment_id_kept(company: Company) -> None:
    invoice_id = synced_invoice(company)
    send_payments_on()
    result = record_payment(invoice_id, PAID_ON, Decimal("110.00"), "EFT 4471")
    assert result.queued_for_xero

    summary = company.exporter().run()

    [outcome] = summary.outcomes
    assert outcome.kind == "payment" and outcome.state is ExportState.SYNCED
    [held] = xero_payments(company, number_of(invoice_id))
    assert held.amount == Decimal("110.00") and "EFT 4471" in held.reference  # type: ignore[attr-defined]
    payment = Payment.get_by_id(result.payment_id)
    assert payment.xero_payment_id == held.payment_id.lower()  # type: ignore[attr-defined]
    assert company.requests("PUT", "/Payments") == 1
    assert [r.to_json()["type"] for r in list_synced(payments=True)] == ["invoice", "payment"]


def test_a_partial_payment_leaves_the_rest_due_in_xero(company: Company) -> None:
    invoice_id = synced_invoice(company)
    send_payments_on()
    record_payment(invoice_id, PAID_ON, Decimal("40.00"))
    company.exporter().run()
    [invoice] = company.xero_invoices(number_of(invoice_id))
    assert invoice.amount_due == Decimal("70.00") and invoice.status == "AUTHORISED"  # type: ignore[attr-defined]


def test_more_than_xero_has_due_is_refused_with_a_clear_reason(company: Company) -> None:
    invoice_id = synced_invoice(company)
    send_payments_on()
    company.sandbox.control.record_payment(number_of(invoice_id), Decimal("100.00"), PAID_ON)
    record_payment(invoice_id, PAID_ON, Decimal("50.00"))

    summary = company.exporter().run()

    [outcome] = summary.outcomes
    assert outcome.state is ExportState.FAILED and outcome.category is FailureCategory.PAYMENT_OVER_DUE
    assert outcome.title == "Payment amount is more than the amount due"
    [row] = [r for r in list_failed(payments=True) if r.to_json()["type"] == "payment"]
    assert row.number == number_of(invoice_id) and "recorded there already" in row.hint
    assert len(xero_payments(company, number_of(invoice_id))) == 1


def test_an_archived_bank_account_fails_before_sending(company: Company) -> None:
    invoice_id = synced_invoice(company)
    send_payments_on(seed.DEMO_ARCHIVED_BANK_ACCOUNT)
    record_payment(invoice_id, PAID_ON, Decimal("10.00"))
    summary = company.exporter().run()
    [outcome] = summary.outcomes
    assert outcome.category is FailureCategory.PAYMENT_ACCOUNT and "archived" in outcome.hint
    assert company.requests("PUT", "/Payments") == 0


def test_a_lost_reply_is_looked_up_not_sent_twice(company: Company) -> None:
    invoice_id = synced_invoice(company)
    send_payments_on()
    result = record_payment(invoice_id, PAID_ON, Decimal("25.00"), "cheque 9")
    company.sandbox.faults.drop_after_commit(1, path="/Payments", method="PUT")

    first = company.exporter(policy=RetryPolicy(retries=0)).run()

    [outcome] = first.outcomes
    assert outcome.state is ExportState.FAILED
    assert XeroPaymentExport.get_by_id(result.payment_id).unconfirmed
    company.sandbox.faults.clear()
    company.time.advance(7 * 60)
    row = XeroPaymentExport.get_by_id(result.payment_id)
    XeroPaymentExport.update(next_retry_at=company.time.now()).where(
        XeroPaymentExport.payment == row.payment_id
    ).execute()  # its automatic retry is due
    sent_before = company.requests("PUT", "/Payments")

    second = company.exporter().run()

    assert [(o.kind, o.state) for o in second.outcomes] == [("payment", ExportState.SYNCED)]
    assert company.requests("PUT", "/Payments") == sent_before  # linked by the look-up: no second PUT
    assert len(xero_payments(company, number_of(invoice_id))) == 1


def test_a_payment_imported_from_xero_is_never_sent_back_and_a_sent_one_never_imported(company: Company) -> None:
    invoice_id = synced_invoice(company)
    send_payments_on()
    record_payment(invoice_id, PAID_ON, Decimal("30.00"))
    company.exporter().run()
    company.sandbox.control.record_payment(number_of(invoice_id), Decimal("20.00"), PAID_ON)
    company.time.advance(60)

    import_changes(company.client, force=True)

    payments = list(Payment.select().where(Payment.invoice == invoice_id))
    assert sorted((p.source, p.amount) for p in payments) == [("local", Decimal("30.00")), ("xero", Decimal("20.00"))]
    assert XeroPaymentExport.select().count() == 1  # the imported one is not queued
    summary = company.exporter().run()
    assert summary.outcomes == []
    assert len(xero_payments(company, number_of(invoice_id))) == 2


def test_switch_off_keeps_the_refusal(company: Company) -> None:
    invoice_id = synced_invoice(company)
    with pytest.raises(LedgerError, match="record its payments in Xero, not here"):
        record_payment(invoice_id, PAID_ON, Decimal("10.00"))
    assert XeroPaymentExport.select().count() == 0


def test_a_failed_payment_is_resynced_once_the_cause_is_fixed(company: Company) -> None:
    invoice_id = synced_invoice(company)
    send_payments_on(seed.DEMO_ARCHIVED_BANK_ACCOUNT)
    record_payment(invoice_id, PAID_ON, Decimal("15.00"))
    company.exporter().run()
    assert failed_payment_ids()
    send_payments_on(seed.DEMO_BANK_ACCOUNT)

    summary = resync(company.client, [], payment_ids=failed_payment_ids(), exporter=company.exporter)

    assert [(o.kind, o.state) for o in summary.outcomes] == [("payment", ExportState.SYNCED)]
    assert failed_payment_ids() == [] and len(xero_payments(company, number_of(invoice_id))) == 1


def test_a_payment_recorded_before_its_invoice_is_in_xero_waits_and_follows_it(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line("100.00"))  # queued, not sent yet
    send_payments_on()
    result = record_payment(invoice_id, PAID_ON, Decimal("30.00"), "EFT 12")
    assert result.queued_for_xero and result.waits_for_invoice
    row = XeroPaymentExport.get_by_id(result.payment_id)
    assert row.state == ExportState.QUEUED.value and "Waits for" in row.note
    assert pending_ids(company.time.now(), table=PAYMENTS) == []  # not sendable while the invoice is not there

    summary = company.exporter().run()  # the invoice goes first, then its payment in the same run

    assert [(o.kind, o.state) for o in summary.outcomes] == [
        ("invoice", ExportState.SYNCED),
        ("payment", ExportState.SYNCED),
    ]
    [held] = xero_payments(company, number_of(invoice_id))
    assert held.amount == Decimal("30.00")  # type: ignore[attr-defined]
    assert company.requests("PUT", "/Payments") == 1


def test_a_payment_waiting_for_a_failed_invoice_goes_once_the_invoice_is_resynced(company: Company) -> None:
    invoice_id = approve(seed.DEMO_ARCHIVED_CONTACT, line("100.00"))
    company.exporter().run()  # the invoice fails: its contact is archived in Xero
    send_payments_on()
    result = record_payment(invoice_id, PAID_ON, Decimal("10.00"))
    assert result.waits_for_invoice
    company.exporter().run()  # nothing of the payment goes while the invoice fails
    assert company.requests("PUT", "/Payments") == 0
    company.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)

    summary = resync(company.client, [invoice_id], exporter=company.exporter)

    assert [(o.kind, o.state) for o in summary.outcomes] == [
        ("invoice", ExportState.SYNCED),
        ("payment", ExportState.SYNCED),
    ]
    assert len(xero_payments(company, number_of(invoice_id))) == 1


@pytest.mark.parametrize("never_sent", ["dont_send", "marked_in_xero_unlinked"])
def test_a_payment_on_an_invoice_that_never_goes_to_xero_stays_here(company: Company, never_sent: str) -> None:
    invoice_id = approve("Greenway Builders", line("100.00"))
    send_payments_on()
    result = record_payment(invoice_id, PAID_ON, Decimal("10.00"))
    if never_sent == "dont_send":
        dont_send(invoice_id)
    else:
        mark_already_in_xero(invoice_id)  # no Xero invoice named: nothing to send the payment against

    row = XeroPaymentExport.get_by_id(result.payment_id)
    assert row.state == ExportState.SKIPPED.value and row.note.startswith("Not sent:")
    assert company.exporter().run().outcomes == []
    assert company.requests("PUT", "/Payments") == 0
