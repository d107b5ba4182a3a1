"""Payments through the real SDK (create_payments, get_payments, get_payment, delete_payment): Xero's rules with
their exact texts, the invoice following every payment and deletion, foreign-currency rates, idempotent replay,
where/order/paging/If-Modified-Since, and the control path's record_payment on the same rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sandbox_helpers import DEMO, Connected
from test_sandbox_accounting import sales_invoice, value
from xero_python.accounting import Account, CurrencyCode, Invoice, Invoices, Payment, PaymentDelete, Payments
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from invoice_desktop.sandbox import payments, seed
from invoice_desktop.sandbox.arguments import ControlError
from invoice_desktop.sandbox.server import RunningSandbox

PAID_ON = date(2026, 10, 20)


def pay(number: str | None, amount: str, account: str | None = seed.DEMO_BANK_ACCOUNT, *, invoice_id: str = "",
        on: date = PAID_ON, rate: str | None = None) -> Payment:  # fmt: skip
    invoice = Invoice(invoice_id=invoice_id) if invoice_id else Invoice(invoice_number=number)
    return Payment(invoice=invoice, account=Account(code=account) if account else None, date=on,
                   amount=Decimal(amount), reference="EFT", currency_rate=Decimal(rate) if rate else None)  # fmt: skip


def errors(payment: Payment) -> list[str]:
    return [e.message for e in payment.validation_errors or []]


def invoices(connected: Connected, *documents: Invoice) -> dict[str, Invoice]:
    created = connected.accounting().create_invoices(DEMO, Invoices(invoices=list(documents)))
    return {i.invoice_number: i for i in created.invoices}


def stored(sandbox: RunningSandbox, number: str) -> object:
    found = sandbox.state.organisation(DEMO).invoice_by_number(number)
    assert found is not None
    return found


def test_a_batch_answers_each_payment_with_xeros_reason(sandbox: RunningSandbox, connected: Connected) -> None:
    made = invoices(connected, sales_invoice("P-A"), sales_invoice("P-B"), sales_invoice("P-D", status="DRAFT"),
                    sales_invoice("P-S", status="SUBMITTED"))  # fmt: skip
    before = stored(sandbox, "P-A").updated  # type: ignore[attr-defined]
    sandbox.control.advance_clock(5)
    batch = [
        (pay("P-A", "50.00"), []),
        (pay(None, "60.00", seed.DEMO_SECOND_BANK_ACCOUNT, invoice_id=str(made["P-A"].invoice_id)), []),
        (pay("P-B", "10.00", seed.DEMO_PAYMENTS_ENABLED_ACCOUNT), []),  # not a bank account, payments enabled
        (pay("P-D", "1.00"), [payments.NOT_AUTHORISED]),
        (pay("P-S", "1.00"), [payments.NOT_AUTHORISED]),
        (pay(seed.DEMO_VOIDED_INVOICE_NUMBER, "1.00"), [payments.NOT_AUTHORISED]),
        (pay(seed.DEMO_PAID_INVOICE_NUMBER, "1.00"), [payments.NOT_AUTHORISED]),
        (pay("P-B", "0.00"), [payments.AMOUNT_NOT_POSITIVE]),
        (pay("P-B", "100.01"), [payments.AMOUNT_EXCEEDS]),  # 110.00 less the 10.00 before it in this batch
        (pay("P-B", "1.00", "200"), [payments.ACCOUNT_TYPE_INVALID]),
        (pay("P-B", "1.00", seed.DEMO_ARCHIVED_BANK_ACCOUNT), [payments.ACCOUNT_INVALID]),
        (pay("P-B", "1.00", "999"), [payments.ACCOUNT_INVALID]),
        (pay("P-B", "1.00", None), [payments.ACCOUNT_REQUIRED]),
        (pay("NO-SUCH-INVOICE", "1.00"), [payments.NO_DOCUMENT]),
    ]
    answer = connected.accounting().create_payments(
        DEMO, Payments(payments=[p for p, _ in batch]), summarize_errors=False, idempotency_key="pay-batch-1"
    )
    for (_sent, expected), got in zip(batch, answer.payments, strict=True):
        assert errors(got) == expected
        assert got.status_attribute_string == ("ERROR" if expected else None)
        assert bool(got.payment_id) is not bool(expected)
    paid, partly = stored(sandbox, "P-A"), stored(sandbox, "P-B")
    assert (paid.status, paid.amount_paid, paid.amount_due, paid.fully_paid_on_date) == (  # type: ignore[attr-defined]
        "PAID",
        Decimal("110.00"),
        Decimal("0.00"),
        PAID_ON,
    )
    assert paid.updated > before  # type: ignore[attr-defined]
    assert (partly.status, partly.amount_due) == ("AUTHORISED", Decimal("100.00"))  # type: ignore[attr-defined]
    seen = connected.accounting().get_invoice(DEMO, made["P-A"].invoice_id).invoices[0]
    assert value(seen.status) == "PAID" and [p.amount for p in seen.payments] == [Decimal("50.00"), Decimal("60.00")]
    again = connected.accounting().create_payments(
        DEMO, Payments(payments=[p for p, _ in batch]), summarize_errors=False, idempotency_key="pay-batch-1"
    )
    assert [p.payment_id for p in again.payments] == [p.payment_id for p in answer.payments]  # replayed, not redone
    assert len([p for p in sandbox.state.organisation(DEMO).payments.values() if p.reference == "EFT"]) == 3 + 1


def test_summarised_errors_and_the_lock_dates(sandbox: RunningSandbox, connected: Connected) -> None:
    invoices(connected, sales_invoice("P-L", on=date(2026, 9, 1)))
    api = connected.accounting()
    with pytest.raises(AccountingBadRequestException) as refused:
        api.create_payments(DEMO, Payments(payments=[pay("P-L", "1.00"), pay("P-L", "500.00")]))
    assert refused.value.reason == payments.AMOUNT_EXCEEDS and len(stored(sandbox, "P-L").payment_ids) == 0  # type: ignore[attr-defined]
    sandbox.control.set_lock_dates(period="2026-09-30", end_of_year="2026-06-30")
    locked = api.create_payments(DEMO, Payments(payments=[pay("P-L", "1.00", on=date(2026, 9, 30)),
                                                          pay("P-L", "1.00", on=date(2026, 10, 1))]),
                                 summarize_errors=False)  # fmt: skip
    assert [errors(p) for p in locked.payments] == [
        ["The document date cannot be before the period lock date, currently set at 30-Sep-2026"],
        [],
    ]


def test_foreign_currency_payments_take_a_rate(sandbox: RunningSandbox, connected: Connected) -> None:
    usd = sales_invoice("P-USD")
    usd.currency_code, usd.currency_rate = CurrencyCode.USD, Decimal("0.650000")
    invoices(connected, usd, sales_invoice("P-AUD"))
    answer = connected.accounting().create_payments(DEMO, Payments(payments=[
        pay("P-USD", "65.00", rate="0.5"), pay("P-USD", "13.00"), pay("P-USD", "1.00", rate="0"),
        pay("P-AUD", "10.00", rate="2"),
    ]), summarize_errors=False)  # fmt: skip
    first, second, zero, aud = answer.payments
    assert (first.currency_rate, first.amount, first.bank_amount) == (Decimal("0.5"), Decimal(65), Decimal(130))
    assert (second.currency_rate, second.bank_amount) == (Decimal("0.65"), Decimal(20))  # 13.00 / the invoice's 0.65
    assert errors(zero) == [payments.RATE_NOT_POSITIVE]
    assert (aud.currency_rate, aud.bank_amount) == (Decimal(1), Decimal(10))  # a base-currency invoice's rate is 1
    assert stored(sandbox, "P-USD").amount_due == Decimal("32.00")  # type: ignore[attr-defined]


def test_list_one_and_query_payments(sandbox: RunningSandbox, connected: Connected) -> None:
    made = invoices(connected, sales_invoice("P-Q1"), sales_invoice("P-Q2"))
    api = connected.accounting()
    mark = datetime.fromtimestamp(int(sandbox.clock.now()) + 1, tz=UTC)
    sandbox.control.advance_clock(2)
    created = api.create_payments(DEMO, Payments(payments=[pay("P-Q1", "5.00"), pay("P-Q1", "7.00"),
                                                           pay("P-Q2", "9.00")])).payments  # fmt: skip
    q1 = str(made["P-Q1"].invoice_id)
    found = api.get_payments(DEMO, where=f'Status=="AUTHORISED" AND Invoice.InvoiceID==Guid("{q1}")',
                             order="Amount DESC").payments  # fmt: skip
    assert [p.amount for p in found] == [7.0, 5.0]
    recent = api.get_payments(DEMO, if_modified_since=mark, order="UpdatedDateUTC ASC", page=1, page_size=2)
    assert [p.payment_id for p in recent.payments] == [p.payment_id for p in created[:2]]
    assert (recent.pagination.item_count, recent.pagination.page_count) == (3, 2)
    one = api.get_payment(DEMO, created[2].payment_id).payments[0]
    assert (one.amount, one.invoice.invoice_number, value(one.payment_type)) == (9.0, "P-Q2", "ACCRECPAYMENT")
    with pytest.raises(NotFoundException):
        api.get_payment(DEMO, "6f9619ff-8b86-d011-b42d-00cf4fc964ff")


def test_delete_a_payment(sandbox: RunningSandbox, connected: Connected) -> None:
    invoices(connected, sales_invoice("P-X"))
    api = connected.accounting()
    first, rest = api.create_payments(DEMO, Payments(payments=[pay("P-X", "10.00"), pay("P-X", "100.00")])).payments
    assert stored(sandbox, "P-X").status == "PAID"  # type: ignore[attr-defined]
    mark = datetime.fromtimestamp(int(sandbox.clock.now()) + 1, tz=UTC)
    sandbox.control.advance_clock(2)
    deleted = api.delete_payment(DEMO, rest.payment_id, PaymentDelete(status="DELETED")).payments[0]
    assert value(deleted.status) == "DELETED"
    invoice = stored(sandbox, "P-X")
    assert (invoice.status, invoice.amount_due, invoice.fully_paid_on_date) == (  # type: ignore[attr-defined]
        "AUTHORISED",
        Decimal("100.00"),
        None,
    )
    seen = api.get_invoices(DEMO, invoice_numbers=["P-X"]).invoices[0]
    assert [p.payment_id for p in seen.payments] == [first.payment_id]  # a deleted payment leaves the invoice
    changed = api.get_payments(DEMO, if_modified_since=mark).payments  # but stays listed, DELETED
    assert [(p.payment_id, value(p.status)) for p in changed] == [(rest.payment_id, "DELETED")]
    for body, reason in ((PaymentDelete(status="DELETED"), payments.ALREADY_DELETED),
                         (PaymentDelete(status="AUTHORISED"), payments.ONLY_DELETION)):  # fmt: skip
        target = rest if reason == payments.ALREADY_DELETED else first
        with pytest.raises(AccountingBadRequestException) as refused:
            api.delete_payment(DEMO, target.payment_id, body)
        assert refused.value.reason == reason
    sandbox.control.set_lock_dates(period="2026-10-31")
    with pytest.raises(AccountingBadRequestException) as locked:
        api.delete_payment(DEMO, first.payment_id, PaymentDelete(status="DELETED"))
    assert locked.value.reason.startswith("The document date cannot be before the period lock date")
    with pytest.raises(NotFoundException):
        api.delete_payment(DEMO, "6f9619ff-8b86-d011-b42d-00cf4fc964ff", PaymentDelete(status="DELETED"))


def test_the_control_path_follows_the_same_rules(sandbox: RunningSandbox, connected: Connected) -> None:
    invoices(connected, sales_invoice("P-C"))
    with pytest.raises(ControlError, match=payments.ACCOUNT_INVALID):
        sandbox.control.record_payment("P-C", "1.00", account_code=seed.DEMO_ARCHIVED_BANK_ACCOUNT)
    with pytest.raises(ControlError, match=payments.ACCOUNT_TYPE_INVALID):
        sandbox.control.record_payment("P-C", "1.00", account_code="200")
    payment = sandbox.control.record_payment("P-C", "1.00", account_code=seed.DEMO_SECOND_BANK_ACCOUNT)
    listed = connected.accounting().get_payment(DEMO, payment.payment_id).payments[0]
    assert listed.account.code == seed.DEMO_SECOND_BANK_ACCOUNT
