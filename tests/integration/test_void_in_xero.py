"""Voiding an invoice that is in Xero voids it in Xero first, and here only once Xero confirms (docs/product.md
§2.4): the real SDK against the sandbox, a real company file. Exported or marked as already in Xero (linked);
refused with payments (here, in Xero per the last import, or in Xero unknown to the app: Xero's own refusal);
a lost reply looked up on the next try (one void, no second POST); already voided in Xero; not in Xero: here only."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from export_fixtures import Company, approve, line

from invoice_desktop.__main__ import main
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import XERO_HAS_PAYMENTS, get_invoice_detail, void_invoice
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import (
    AttemptOutcome,
    BatchState,
    ExportState,
    Invoice,
    InvoiceStatus,
    XeroAttempt,
    XeroBatch,
)
from invoice_desktop.xero.export_actions import mark_already_in_xero
from invoice_desktop.xero.export_pacing import RetryPolicy
from invoice_desktop.xero.payment_import import import_changes
from invoice_desktop.xero.void_export import INVOICES, invoice_target, void_in_xero, void_invoice_anywhere

PAID_ON = date(2026, 3, 10)


def synced(company: Company) -> tuple[int, str]:
    invoice_id = approve("Greenway Builders", line("100.00"))
    [outcome] = company.exporter().run().outcomes
    assert outcome.state is ExportState.SYNCED
    return invoice_id, outcome.number


def in_xero(company: Company, number: str) -> str:
    [invoice] = company.xero_invoices(number)
    return str(invoice.status)  # type: ignore[attr-defined]


def voids_sent(company: Company) -> int:
    """POST /Invoices/{InvoiceID} requests (a void is the only one the app makes)."""
    return sum(1 for e in company.sandbox.requests.entries("POST") if "/invoices/" in e.path.lower())


def history(invoice_id: int) -> list[AttemptOutcome]:
    rows = XeroAttempt.select().where(XeroAttempt.invoice == invoice_id).order_by(XeroAttempt.id)
    return [AttemptOutcome(row.outcome) for row in rows]


def status(invoice_id: int) -> InvoiceStatus:
    return InvoiceStatus(Invoice.get_by_id(invoice_id).status)


def test_a_synced_invoice_is_voided_in_xero_then_here(company: Company) -> None:
    invoice_id, number = synced(company)

    result = void_invoice_anywhere(invoice_id, company.exporter)

    assert result.voided and result.message == f"{number} is void, in Xero and here."
    assert in_xero(company, number) == "VOIDED" and status(invoice_id) is InvoiceStatus.VOID
    assert voids_sent(company) == 1
    assert history(invoice_id)[-1] is AttemptOutcome.VOIDED
    export = get_invoice_detail(invoice_id).export
    assert export is not None and export.state is ExportState.SYNCED and export.note == "Voided in Xero."
    assert XeroBatch.select().where(XeroBatch.state == BatchState.SENT.value).count() == 0


def test_an_invoice_marked_as_in_xero_with_its_id_is_voided_there_too(company: Company) -> None:
    invoice_id, number = synced(company)
    other = approve("Greenway Builders", line("50.00"))  # entered in Xero by hand: this one is its twin here
    xero_id = get_invoice_detail(invoice_id).export.xero_invoice_id  # type: ignore[union-attr]
    assert xero_id
    mark_already_in_xero(other, xero_id)
    void_invoice(invoice_id, voided_in_xero="(test: the first copy voided here only)")

    result = void_invoice_anywhere(other, company.exporter)

    assert result.voided and in_xero(company, number) == "VOIDED" and status(other) is InvoiceStatus.VOID


def test_a_local_void_of_an_invoice_in_xero_is_refused(company: Company) -> None:
    invoice_id, _number = synced(company)
    with pytest.raises(LedgerError, match="is in Xero: it is voided in Xero first"):
        void_invoice(invoice_id)
    assert status(invoice_id) is InvoiceStatus.AWAITING_PAYMENT


def test_paid_in_xero_per_the_last_import_is_refused_before_sending(company: Company) -> None:
    invoice_id, number = synced(company)
    company.sandbox.control.record_payment(number, Decimal("20.00"), PAID_ON)
    company.time.advance(60)
    import_changes(company.client, force=True)
    Invoice.update(amount_paid=0).where(Invoice.id == invoice_id).execute()  # as if the import had not applied it

    result = void_invoice_anywhere(invoice_id, company.exporter)

    assert not result.voided and XERO_HAS_PAYMENTS in result.message and "last payment import" in result.message
    assert voids_sent(company) == 0 and in_xero(company, number) == "AUTHORISED"


def test_a_payment_in_xero_the_app_has_not_seen_is_refused_by_xero_in_its_words(company: Company) -> None:
    invoice_id, number = synced(company)
    company.sandbox.control.record_payment(number, Decimal("20.00"), PAID_ON)  # no import since

    result = void_invoice_anywhere(invoice_id, company.exporter)

    assert not result.voided and result.failure is not None
    assert result.failure.category is FailureCategory.VALIDATION and result.failure.messages == (XERO_HAS_PAYMENTS,)
    assert XERO_HAS_PAYMENTS in result.message
    assert status(invoice_id) is InvoiceStatus.AWAITING_PAYMENT and in_xero(company, number) == "AUTHORISED"
    assert history(invoice_id)[-1] is AttemptOutcome.VOID_FAILED
    assert XeroBatch.select().where(XeroBatch.state == BatchState.SENT.value).count() == 0


def test_a_lost_reply_is_looked_up_on_the_next_try_and_voided_once(company: Company) -> None:
    invoice_id, number = synced(company)
    company.sandbox.faults.drop_after_commit(1, path="/Invoices/", method="POST")

    first = void_invoice_anywhere(invoice_id, lambda: company.exporter(policy=RetryPolicy(retries=0)))

    assert not first.voided and first.unconfirmed and "reply never came" in first.message
    assert status(invoice_id) is InvoiceStatus.AWAITING_PAYMENT  # nothing half-way
    assert in_xero(company, number) == "VOIDED"  # Xero did it; its answer was lost
    company.sandbox.faults.clear()
    company.time.advance(7 * 60)  # past the idempotency window: a resend would be a new request

    second = void_invoice_anywhere(invoice_id, company.exporter)

    assert second.voided and status(invoice_id) is InvoiceStatus.VOID
    assert voids_sent(company) == 1  # looked up (GET), not sent again
    assert history(invoice_id)[-2:] == [AttemptOutcome.VOID_FAILED, AttemptOutcome.VOIDED]


def test_already_voided_in_xero_is_voided_here(company: Company) -> None:
    invoice_id, number = synced(company)
    company.sandbox.control.void_invoice(number)

    result = void_invoice_anywhere(invoice_id, company.exporter)

    assert result.voided and status(invoice_id) is InvoiceStatus.VOID


def test_a_dropped_connection_changes_nothing_and_says_so(company: Company) -> None:
    invoice_id, _number = synced(company)
    company.sandbox.faults.reset(None, path="/Invoices/", method="POST")

    result = void_invoice_anywhere(invoice_id, lambda: company.exporter(policy=RetryPolicy(retries=1)))

    assert not result.voided and "was not voided" in result.message
    assert status(invoice_id) is InvoiceStatus.AWAITING_PAYMENT


def test_not_in_xero_it_is_voided_here_only(company: Company) -> None:
    invoice_id = approve("Greenway Builders", line("10.00"))

    result = void_invoice_anywhere(invoice_id, None)

    assert result.voided and status(invoice_id) is InvoiceStatus.VOID
    assert company.exporter().run().outcomes == []  # never sent


def test_the_void_command_voids_in_xero_and_says_why_not(
    company: Company, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoice_id, number = synced(company)
    paid_id, paid_number = synced(company)
    company.sandbox.control.record_payment(paid_number, Decimal("5.00"), PAID_ON)
    base = ["--data-dir", str(data_dir), "--xero-endpoint", company.sandbox.base_url]

    assert main([*base, "void", number, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"number": number, "type": "invoice", "voided": True, "in_xero": True,
                      "message": f"{number} is void, in Xero and here.", "category": None, "xero_messages": [],
                      "unconfirmed": False}  # fmt: skip
    assert in_xero(company, number) == "VOIDED" and status(invoice_id) is InvoiceStatus.VOID

    assert main([*base, "void", paid_number]) == 1
    assert capsys.readouterr().out.startswith(f"{paid_number} was not voided (Xero refused): {XERO_HAS_PAYMENTS}")
    assert status(paid_id) is InvoiceStatus.AWAITING_PAYMENT
    assert main([*base, "void", "NO-SUCH"]) == 2


def test_two_voids_at_once_end_in_one_void_and_no_error(company: Company) -> None:
    invoice_id, number = synced(company)
    target = invoice_target(invoice_id)
    assert target is not None
    assert void_in_xero(target, company.exporter()).voided  # the other window, a moment earlier

    past_its_checks = replace(target, refusal=lambda: "")  # this one had checked before the other was done
    again = void_in_xero(past_its_checks, company.exporter())

    assert again.voided and status(invoice_id) is InvoiceStatus.VOID and in_xero(company, number) == "VOIDED"


def test_a_void_left_by_a_process_that_died_after_sending_is_looked_up_not_sent_again(company: Company) -> None:
    invoice_id, number = synced(company)
    company.sandbox.control.void_invoice(number)  # Xero did the void; the process died before reading the reply
    XeroBatch.insert(key="invd-died", invoice_ids=f"[{invoice_id}]", request_digest=INVOICES.digest(invoice_id),
                     state=BatchState.SENT.value, sent_at=company.time.now()).execute()  # fmt: skip

    result = void_invoice_anywhere(invoice_id, company.exporter)

    assert result.voided and status(invoice_id) is InvoiceStatus.VOID
    assert voids_sent(company) == 0  # looked up, never sent again
    assert XeroBatch.get_by_id("invd-died").state == BatchState.RESOLVED.value
