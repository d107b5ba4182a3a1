"""Payments and changes back from Xero, against the sandbox through the real SDK: payments recorded in Xero (the
sandbox control acts as the bookkeeper), voids and deletes, If-Modified-Since and paging as the sandbox sees them.

The sandbox has no request log, so `RequestLog` wraps the running sandbox app's `handle` and keeps every request
with its response. An overpayment is what it is in Xero: record_payment refuses more than the amount due (as PUT
/Payments does), so the customer's excess becomes an Overpayment, which the bookkeeper allocates to another invoice
(the sandbox control's allocate_credit); credit notes and prepayments are allocated the same way and the invoice
lists them in its Overpayments / CreditNotes / Prepayments. Time only moves through FakeTime (both clocks), never
by waiting.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import Company, approve, export_row, line

from invoice_desktop.__main__ import main
from invoice_desktop.ledger.queries import Tab, list_invoices
from invoice_desktop.sandbox import seed, wire
from invoice_desktop.sandbox.http_messages import Request, Response
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.store.models import Invoice, Payment, XeroInvoiceState
from invoice_desktop.xero.export_pacing import RetryPolicy
from invoice_desktop.xero.payment_import import KEY_IMPORT_MARK, ImportSummary, PaymentImporter, load_mark
from invoice_desktop.xero.settings import ConnectionState, Destination, load_connection, load_settings, save_settings

PAID_ON = date(2026, 3, 10)


@dataclass
class Seen:
    request: Request
    response: Response

    def invoices(self) -> list[dict[str, Any]]:
        return list(json.loads(self.response.body or b"{}").get("Invoices") or [])


class RequestLog:
    def __init__(self, sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
        app = sandbox._app  # the sandbox offers no request log of its own
        original = app.handle
        self.seen: list[Seen] = []

        def handle(request: Request) -> Response:
            response = original(request)
            self.seen.append(Seen(request, response))
            return response

        monkeypatch.setattr(app, "handle", handle)

    def invoice_lists(self) -> list[Seen]:
        return [s for s in self.seen if s.request.method == "GET" and s.request.path.lower().endswith("/invoices")]

    def clear(self) -> None:
        self.seen.clear()


@pytest.fixture
def log(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RequestLog:
    return RequestLog(sandbox, monkeypatch)


def run_import(company: Company, **options: Any) -> ImportSummary:
    company.time.advance(2)  # whatever happened before is in the past of the import's clock
    settings: dict[str, Any] = {"sleep": company.time.sleep, "clock": company.time.now, "jitter": lambda: 0.5}
    settings.update(options)
    return PaymentImporter(company.client, **settings).run()


def exported(company: Company, *invoice_ids: int) -> list[str]:
    """Export what is queued; returns the numbers of `invoice_ids`."""
    summary = company.exporter().run()
    assert not summary.failed, summary.message()
    company.time.advance(5)
    return [export_row(i).invoice.number for i in invoice_ids]


def pay(company: Company, number: str, amount: str | None = None) -> None:
    company.time.advance(3)  # each change in Xero gets its own UpdatedDateUTC
    company.sandbox.control.record_payment(number, amount, on=PAID_ON, reference=f"Bank {number}")


def allocate(company: Company, number: str, amount: str, kind: str, reference: str = "") -> str:
    """The bookkeeper allocates credit of the customer's to the invoice in Xero; returns the credit's id."""
    company.time.advance(3)
    allocation = company.sandbox.control.allocate_credit(number, amount, kind, on=PAID_ON, reference=reference)
    return allocation.credit_id


def invoice(invoice_id: int) -> Invoice:
    return Invoice.get_by_id(invoice_id)


def xero_id(invoice_id: int) -> str:
    return str(export_row(invoice_id).xero_invoice_id).lower()


def test_full_and_partial_payments_and_importing_twice_changes_nothing(company: Company) -> None:
    full, partial, untouched = approve(), approve(), approve()
    numbers = exported(company, full, partial, untouched)
    total = invoice(full).total  # 110.00
    pay(company, numbers[0])
    pay(company, numbers[1], "40.00")

    summary = run_import(company)

    assert (summary.payments_imported, summary.invoices_changed, summary.ok) == (2, 2, True), summary.message()
    assert (invoice(full).status, invoice(full).amount_paid) == ("paid", total)
    assert (invoice(partial).status, invoice(partial).amount_paid) == ("awaiting_payment", Decimal("40.00"))
    assert (invoice(untouched).status, invoice(untouched).amount_paid) == ("awaiting_payment", Decimal("0.00"))
    (row,) = [r for r in list_invoices(Tab.AWAITING_PAYMENT) if r.id == partial]
    assert row.amount_due == total - Decimal("40.00")
    assert [r.id for r in list_invoices(Tab.PAID)] == [full]
    org = company.sandbox.control.organisation()
    payments = list(Payment.select().order_by(Payment.id))
    assert [(p.invoice_id, p.amount, p.source, p.reference, p.date) for p in payments] == [
        (full, total, "xero", f"Bank {numbers[0]}", PAID_ON),
        (partial, Decimal("40.00"), "xero", f"Bank {numbers[1]}", PAID_ON),
    ]
    with company.sandbox.state.lock:
        in_xero = {p for n in numbers[:2] for p in org.invoice(n).payment_ids}  # type: ignore[union-attr]
    assert {p.xero_payment_id for p in payments} == in_xero
    state = XeroInvoiceState.get_by_id(full)
    assert (state.xero_status, state.amount_due, state.fully_paid_on) == ("PAID", Decimal("0.00"), PAID_ON)

    again = run_import(company)
    assert (again.payments_imported, again.invoices_changed, again.payments_removed) == (0, 0, 0)
    assert Payment.select().count() == 2 and invoice(partial).amount_paid == Decimal("40.00")

    pay(company, numbers[1])  # the rest of the partly paid one
    assert run_import(company).payments_imported == 1
    assert invoice(partial).status == "paid" and Payment.select().count() == 3


def test_voided_and_deleted_in_xero_are_flagged_and_left_unchanged(company: Company) -> None:
    voided = approve()
    (voided_number,) = exported(company, voided)
    settings = load_settings()
    settings.destination = Destination.DRAFT  # a draft in Xero is deleted, not voided
    save_settings(settings, check=False)
    deleted = approve()
    (deleted_number,) = exported(company, deleted)
    company.time.advance(3)
    company.sandbox.control.void_invoice(voided_number)
    company.sandbox.control.void_invoice(deleted_number)

    summary = run_import(company)

    assert sorted(summary.flagged) == sorted([voided_number, deleted_number])
    assert summary.invoices_changed == 2 and summary.payments_imported == 0
    for invoice_id, words in ((voided, "voided in Xero"), (deleted, "deleted in Xero")):
        assert invoice(invoice_id).status == "awaiting_payment"  # never silently changed here
        (row,) = [r for r in list_invoices(Tab.ALL) if r.id == invoice_id]
        assert (row.xero_state, row.xero_flag, row.xero_error) == ("synced", words, words)
        assert export_row(invoice_id).note.startswith(words[0].upper() + words[1:])
    assert XeroInvoiceState.get_by_id(voided).xero_status == "VOIDED"
    assert XeroInvoiceState.get_by_id(deleted).xero_status == "DELETED"

    again = run_import(company)
    assert (again.invoices_changed, again.flagged) == (0, [])


def test_the_second_sync_sends_if_modified_since_and_gets_only_the_changes(company: Company, log: RequestLog) -> None:
    first, second = approve(), approve()
    exported(company, first, second)
    last = approve()  # exported alone, later: the newest UpdatedDateUTC before anything is paid
    (last_number,) = exported(company, last)
    run_import(company)
    mark = load_mark()
    assert mark is not None
    numbers = [export_row(i).invoice.number for i in (first, second)]
    pay(company, numbers[1])
    log.clear()

    summary = run_import(company)

    (seen,) = log.invoice_lists()
    sent = seen.request.header("If-Modified-Since")
    assert sent is not None and wire.parse_if_modified_since(sent) == int(mark.timestamp())  # whole seconds
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", sent)  # Xero's documented form: UTC, no fraction
    assert seen.request.query("page") == "1" and seen.request.query("pageSize") == "1000"
    answered = {i["InvoiceID"] for i in seen.invoices()}
    # the change, plus the invoice at the mark itself (the filter is inclusive; applying it again changes nothing)
    assert answered == {xero_id(second), xero_id(last)}, last_number
    assert (summary.api_calls, summary.invoices_changed, summary.payments_imported) == (1, 1, 1)
    assert load_mark() is not None and load_mark() > mark  # type: ignore[operator]


def test_one_paged_request_per_page_of_changed_invoices(company: Company, log: RequestLog) -> None:
    ids = [approve(seed.DEMO_ACTIVE_CONTACTS[i % 5], line(f"{i + 10}.00")) for i in range(150)]
    numbers = exported(company, *ids)
    run_import(company)  # the mark is set: nothing paid yet
    for number in numbers:
        company.time.advance(1)
        company.sandbox.control.record_payment(number, "5.00", on=PAID_ON)
    log.clear()

    summary = run_import(company, page_size=100)  # pages of 100 here; the app reads 1,000 to a page

    lists = log.invoice_lists()
    assert len(lists) == 2, [(s.request.query("page"), len(s.invoices())) for s in lists]
    assert [(s.request.query("page"), len(s.invoices())) for s in lists] == [("1", 100), ("2", 50)]
    assert all(s.request.header("If-Modified-Since") for s in lists)
    assert (summary.payments_imported, summary.invoices_changed) == (150, 150)


def test_the_setting_off_means_no_call(company: Company, log: RequestLog) -> None:
    (number,) = exported(company, approve())
    pay(company, number)
    settings = load_settings()
    settings.import_payments = False
    save_settings(settings, check=False)
    log.clear()

    summary = run_import(company)

    assert summary.skipped and summary.api_calls == 0 and log.invoice_lists() == []
    assert Payment.select().count() == 0


def test_transient_errors_are_retried_with_backoff(company: Company) -> None:
    invoice_id = approve()
    (number,) = exported(company, invoice_id)
    pay(company, number)
    company.sandbox.control.arm_fault("server_error", 1, path="/api.xro/2.0/Invoices", method="GET")
    company.sandbox.control.arm_fault("offline", 1, path="/api.xro/2.0/Invoices", method="GET")

    summary = run_import(company, policy=RetryPolicy(retries=3))

    assert summary.ok and summary.api_calls == 3 and summary.payments_imported == 1
    assert len(company.time.slept) == 2  # backed off twice, on the fake clock
    assert invoice(invoice_id).status == "paid"


def test_a_dead_connection_is_recorded_and_the_mark_kept(company: Company) -> None:
    (number,) = exported(company, approve())
    run_import(company)
    mark = load_mark()
    pay(company, number)
    company.sandbox.control.revoke_app()
    company.time.advance(1800)  # the access token expires: the refresh meets invalid_grant

    summary = run_import(company)

    assert not summary.ok and summary.failure is not None and summary.failure.category.value == "connection"
    assert load_connection().state is ConnectionState.DROPPED
    assert load_mark() == mark and Payment.select().count() == 0
    assert run_import(company).skipped  # nothing asked while the connection is dropped


def test_xero_sync_exports_then_imports_and_reports_counts(
    company: Company, sandbox: RunningSandbox, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoice_id = approve()
    argv = ["--data-dir", str(data_dir), "--xero-endpoint", sandbox.base_url, "xero", "sync", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exported"] == 1 and (report["payments_imported"], report["invoices_changed"]) == (0, 0)

    sandbox.control.advance_clock(5)
    sandbox.control.record_payment(export_row(invoice_id).invoice.number, "25.00", on=PAID_ON)
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["exported"], report["payments_imported"], report["invoices_changed"]) == (0, 1, 1)
    assert invoice(invoice_id).amount_paid == Decimal("25.00")
    assert Payment.get().source == "xero"
    assert KEY_IMPORT_MARK.startswith("xero.")


def rows(invoice_id: int) -> list[tuple[Decimal, str, str, date, str]]:
    found = Payment.select().where(Payment.invoice == invoice_id).order_by(Payment.id)
    return [(p.amount, p.source, p.reference, p.date, p.xero_payment_id) for p in found]


def due(invoice_id: int) -> Decimal:
    (row,) = [r for r in list_invoices(Tab.ALL) if r.id == invoice_id]
    return row.amount_due


def test_an_overpayment_allocated_in_xero_shows_on_the_invoice(company: Company) -> None:
    overpaid, other = approve(), approve()
    numbers = exported(company, overpaid, other)
    total = invoice(other).total  # 110.00
    pay(company, numbers[0])  # the customer paid 150.00 for 110.00: Xero keeps the 40.00 as an Overpayment ...
    overpayment = allocate(company, numbers[1], "40.00", "overpayment")  # ... allocated to the next invoice

    summary = run_import(company)

    assert (summary.payments_imported, summary.invoices_changed, summary.ok) == (2, 2, True), summary.message()
    assert (invoice(overpaid).status, invoice(overpaid).amount_paid) == ("paid", total)
    assert (invoice(other).status, invoice(other).amount_paid) == ("awaiting_payment", Decimal("40.00"))
    assert due(other) == total - Decimal("40.00")
    assert rows(other) == [(Decimal("40.00"), "xero", "Overpayment (allocated in Xero)", PAID_ON,
                            f"overpayment:{overpayment}:{xero_id(other)}")]  # fmt: skip
    state = XeroInvoiceState.get_by_id(other)
    assert (state.xero_status, state.amount_paid, state.amount_credited, state.amount_due) == (
        "AUTHORISED", Decimal("0.00"), Decimal("40.00"), total - Decimal("40.00"))  # fmt: skip

    again = run_import(company)
    assert (again.payments_imported, again.invoices_changed, again.payments_removed) == (0, 0, 0)

    second = allocate(company, numbers[1], "70.00", "overpayment", reference="Cheque 12")  # another overpayment
    assert run_import(company).payments_imported == 1
    assert (invoice(other).status, invoice(other).amount_paid, due(other)) == ("paid", total, Decimal("0.00"))
    assert [r[2] for r in rows(other)] == [
        "Overpayment (allocated in Xero)",
        "Overpayment Cheque 12 (allocated in Xero)",
    ]
    assert rows(other)[1][4] == f"overpayment:{second}:{xero_id(other)}"
    state = XeroInvoiceState.get_by_id(other)
    assert (state.xero_status, state.amount_due, state.fully_paid_on) == ("PAID", Decimal("0.00"), PAID_ON)
    assert {r.id for r in list_invoices(Tab.PAID)} == {overpaid, other}


def test_a_credit_note_allocated_in_xero_shows_on_the_invoice(company: Company) -> None:
    credited, part_credited = approve(), approve()
    numbers = exported(company, credited, part_credited)
    total = invoice(credited).total
    full_note = allocate(company, numbers[0], str(total), "credit_note")
    part_note = allocate(company, numbers[1], "30.00", "credit_note")
    deposit = allocate(company, numbers[1], "20.00", "prepayment", reference="Deposit")

    summary = run_import(company)

    assert (summary.payments_imported, summary.invoices_changed) == (3, 2), summary.message()
    assert (invoice(credited).status, invoice(credited).amount_paid, due(credited)) == ("paid", total, Decimal(0))
    assert rows(credited) == [(total, "xero", "Credit note CN-0001 (allocated in Xero)", PAID_ON,
                               f"credit_note:{full_note}:{xero_id(credited)}")]  # fmt: skip
    state = XeroInvoiceState.get_by_id(credited)
    assert (state.xero_status, state.amount_credited, state.fully_paid_on) == ("PAID", total, PAID_ON)
    assert (invoice(part_credited).status, invoice(part_credited).amount_paid) == ("awaiting_payment", Decimal(50))
    assert due(part_credited) == total - Decimal("50.00")
    assert rows(part_credited) == [
        (Decimal("30.00"), "xero", "Credit note CN-0002 (allocated in Xero)", PAID_ON,
         f"credit_note:{part_note}:{xero_id(part_credited)}"),
        (Decimal("20.00"), "xero", "Prepayment Deposit (allocated in Xero)", PAID_ON,
         f"prepayment:{deposit}:{xero_id(part_credited)}"),
    ]  # fmt: skip

    pay(company, numbers[1])  # the rest in cash: paid by credit note, prepayment and a payment
    assert run_import(company).payments_imported == 1
    assert (invoice(part_credited).status, invoice(part_credited).amount_paid) == ("paid", total)
    assert [r[0] for r in rows(part_credited)] == [Decimal("30.00"), Decimal("20.00"), total - Decimal("50.00")]
    assert run_import(company).invoices_changed == 0


def test_allocating_more_than_is_due_is_refused_by_the_control_and_its_json_path(company: Company) -> None:
    (number,) = exported(company, approve())
    with pytest.raises(ValueError, match=r"more than the amount due on the invoice \(110\.00\)"):
        company.sandbox.control.allocate_credit(number, "110.01", "overpayment")
    request = urllib.request.Request(f"{company.sandbox.base_url}/sandbox/control", method="POST", data=json.dumps(
        {"action": "allocate_credit", "invoice": number, "amount": "200", "kind": "credit_note"}).encode())  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400 and "more than the amount due" in json.loads(refused.value.read())["error"]
    request = urllib.request.Request(f"{company.sandbox.base_url}/sandbox/control", method="POST", data=json.dumps(
        {"action": "allocate_credit", "invoice": number, "amount": "10", "kind": "credit_note"}).encode())  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as reply:
        result = json.loads(reply.read())["result"]
    assert (result["Kind"], result["Number"], result["Amount"]) == ("credit_note", "CN-0001", "10.00")
    assert run_import(company).payments_imported == 1
