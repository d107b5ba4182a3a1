"""Applying one changed invoice from Xero (payment_import_apply), with the SDK's own models as Xero's reply: payments,
credit notes / prepayments / overpayments allocated in Xero, payments deleted in
Xero, voids, invoices void here; and the importer's paging decision."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from xero_python.accounting import CreditNote, Invoice, Overpayment, Payment, Prepayment

from invoice_desktop.ledger.catalog import create_tax_rate, get_or_create_account
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    void_invoice,
)
from invoice_desktop.store.models import ExportState, XeroExport, XeroInvoiceState
from invoice_desktop.store.models import Invoice as LocalInvoice
from invoice_desktop.store.models import Payment as LocalPayment
from invoice_desktop.xero.payment_import import _more, first_mark, known_invoices
from invoice_desktop.xero.payment_import_apply import apply_view, view_of

XERO_ID = "0f6e1b1c-7d4a-4f0e-9a51-1b2c3d4e5f60"
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
UPDATED = datetime(2026, 3, 19, 8, 0, tzinfo=UTC)


@pytest.fixture
def synced(db: object) -> int:
    """An approved invoice of 110.00 (100 + 10% tax), synced to Xero as XERO_ID."""
    get_or_create_account("200")
    create_tax_rate("GST on Income", Decimal("10"))
    draft = InvoiceDraft(
        "Greenway Builders", date(2026, 3, 2), date(2026, 3, 16),
        lines=(LineDraft("Work", Decimal("1"), Decimal("100"), "200", "GST on Income"),),
    )  # fmt: skip
    invoice_id = create_invoice(draft)
    approve_invoices([invoice_id])
    XeroExport.update(state=ExportState.SYNCED.value, xero_invoice_id=XERO_ID, synced_at=NOW).execute()
    return invoice_id


def xero(status: str = "AUTHORISED", paid: str = "0.00", credited: str = "0.00", **lists: Any) -> Invoice:
    total = Decimal("110.00")
    due = Decimal(0) if status in ("VOIDED", "DELETED") else total - Decimal(paid) - Decimal(credited)
    return Invoice(
        invoice_id=XERO_ID, invoice_number="INV-0001", type="ACCREC", status=status,
        amount_paid=Decimal(paid), amount_credited=Decimal(credited), amount_due=due, total=total,
        updated_date_utc=UPDATED, fully_paid_on_date=date(2026, 3, 18) if status == "PAID" else None,
        payments=lists.get("payments", []), credit_notes=lists.get("credit_notes", []),
        prepayments=lists.get("prepayments", []), overpayments=lists.get("overpayments", []),
    )  # fmt: skip


def payment(payment_id: str, amount: str, reference: str = "DD 123") -> Payment:
    return Payment(payment_id=payment_id, date=date(2026, 3, 18), amount=Decimal(amount), reference=reference)


def apply(invoice_id: int, model: Invoice):  # type: ignore[no-untyped-def]
    return apply_view(invoice_id, view_of(model), NOW)


def rows(invoice_id: int) -> list[tuple[str, Decimal, str, str]]:
    query = LocalPayment.select().where(LocalPayment.invoice == invoice_id).order_by(LocalPayment.id)
    return [(p.xero_payment_id or "", p.amount, p.reference, p.source) for p in query]


def local(invoice_id: int) -> tuple[str, Decimal]:
    row = LocalInvoice.get_by_id(invoice_id)
    return row.status, row.amount_paid


def test_a_partial_then_a_full_payment(synced: int) -> None:
    first = apply(synced, xero(paid="40.00", payments=[payment("P1", "40.00")]))
    assert (first.changed, first.payments_added) == (True, 1)
    assert local(synced) == ("awaiting_payment", Decimal("40.00"))
    assert rows(synced) == [("p1", Decimal("40.00"), "DD 123", "xero")]

    second = apply(synced, xero("PAID", paid="110.00", payments=[payment("P1", "40.00"), payment("P2", "70.00")]))
    assert (second.changed, second.payments_added) == (True, 1)
    assert local(synced) == ("paid", Decimal("110.00"))
    state = XeroInvoiceState.get_by_id(synced)
    assert (state.xero_status, state.amount_due, state.fully_paid_on) == ("PAID", Decimal("0.00"), date(2026, 3, 18))
    assert state.xero_updated_at == UPDATED


def test_applying_the_same_invoice_twice_changes_nothing(synced: int) -> None:
    model = xero(paid="40.00", payments=[payment("P1", "40.00")])
    apply(synced, model)
    again = apply(synced, model)
    assert (again.changed, again.payments_added, again.payments_removed) == (False, 0, 0)
    assert len(rows(synced)) == 1


def test_credit_notes_prepayments_and_overpayments_allocated_in_xero_are_shown(synced: int) -> None:
    model = xero(
        "PAID", paid="50.00", credited="60.00",
        payments=[payment("P1", "50.00")],
        credit_notes=[CreditNote(credit_note_id="CN1", credit_note_number="CN-0003", applied_amount=Decimal("30.00"),
                                 date=date(2026, 3, 12))],
        prepayments=[Prepayment(prepayment_id="PRE1", reference="Deposit", applied_amount=Decimal("20.00"),
                                date=date(2026, 3, 1))],
        overpayments=[Overpayment(overpayment_id="OVER1", applied_amount=Decimal("10.00"), date=date(2026, 3, 5))],
    )  # fmt: skip
    change = apply(synced, model)
    assert change.payments_added == 4
    assert local(synced) == ("paid", Decimal("110.00"))
    assert rows(synced) == [
        ("p1", Decimal("50.00"), "DD 123", "xero"),
        (f"credit_note:cn1:{XERO_ID}", Decimal("30.00"), "Credit note CN-0003 (allocated in Xero)", "xero"),
        (f"prepayment:pre1:{XERO_ID}", Decimal("20.00"), "Prepayment Deposit (allocated in Xero)", "xero"),
        (f"overpayment:over1:{XERO_ID}", Decimal("10.00"), "Overpayment (allocated in Xero)", "xero"),
    ]
    assert XeroInvoiceState.get_by_id(synced).amount_credited == Decimal("60.00")


def test_a_payment_deleted_in_xero_is_removed_and_the_invoice_is_due_again(synced: int) -> None:
    apply(synced, xero("PAID", paid="110.00", payments=[payment("P1", "110.00")]))
    change = apply(synced, xero(paid="0.00", payments=[]))
    assert (change.changed, change.payments_removed) == (True, 1)
    assert local(synced) == ("awaiting_payment", Decimal("0.00")) and rows(synced) == []


def recorded_here_earlier(invoice_id: int, amount: str, reference: str = "") -> None:
    """A payment entered in the app on an invoice in Xero before record_payment refused that (company files have
    them): the rows it wrote."""
    LocalPayment.create(invoice=invoice_id, date=date(2026, 3, 3), amount=Decimal(amount), reference=reference)
    LocalInvoice.update(amount_paid=LocalInvoice.amount_paid + Decimal(amount)).where(
        LocalInvoice.id == invoice_id
    ).execute()


def test_a_payment_recorded_here_stays_and_counts(synced: int) -> None:
    recorded_here_earlier(synced, "10.00", "cash")
    apply(synced, xero(paid="40.00", payments=[payment("P1", "40.00")]))
    assert local(synced) == ("awaiting_payment", Decimal("50.00"))
    assert [r[3] for r in rows(synced)] == ["local", "xero"]


def test_voided_in_xero_is_flagged_once_and_nothing_else_changes(synced: int) -> None:
    recorded_here_earlier(synced, "10.00")
    change = apply(synced, xero("VOIDED"))
    assert (change.changed, change.flag) == (True, "voided in Xero")
    assert local(synced) == ("awaiting_payment", Decimal("10.00"))
    assert XeroExport.get_by_id(synced).note.startswith("Voided in Xero")
    assert apply(synced, xero("VOIDED")).changed is False


def test_an_invoice_void_here_is_not_changed(synced: int) -> None:
    void_invoice(synced, voided_in_xero="Voided in Xero.")  # as xero.void_export does once Xero confirms
    change = apply(synced, xero("PAID", paid="110.00", payments=[payment("P1", "110.00")]))
    assert change.changed is False and local(synced) == ("void", Decimal("0.00")) and rows(synced) == []
    assert XeroInvoiceState.get_by_id(synced).xero_status == "PAID"  # what Xero says is kept all the same


def test_a_reply_without_the_payments_list_leaves_the_rows(synced: int) -> None:
    apply(synced, xero(paid="40.00", payments=[payment("P1", "40.00")]))
    summary_only = xero(paid="40.00")
    summary_only.payments = None
    assert apply(synced, summary_only).changed is False and len(rows(synced)) == 1


def test_known_invoices_and_the_first_mark(synced: int) -> None:
    assert known_invoices([XERO_ID, "something-else"]) == {XERO_ID: synced}
    assert first_mark() == NOW - timedelta(minutes=10)


@pytest.mark.parametrize(
    ("count", "item_count", "page", "more"),
    [(100, 100, 1, False), (100, 250, 1, True), (100, 250, 2, True), (100, 250, 3, False), (50, None, None, False),
     (100, None, None, True)],
)  # fmt: skip
def test_another_page_only_when_xero_says_there_is_one(count: int, item_count: int | None, page: int | None,
                                                       more: bool) -> None:  # fmt: skip
    reply = SimpleNamespace(pagination=SimpleNamespace(item_count=item_count, page=page))
    assert _more(reply, [object()] * count, 100) is more


class _Pages:
    """A stand-in for client.accounting(): answers GET /Invoices pages from a script, records the calls."""

    def __init__(self, pages: list[list[Invoice]], item_count: int) -> None:
        self.pages, self.item_count, self.calls = pages, item_count, []  # type: ignore[var-annotated]

    def get_invoices(self, tenant_id: str, **kwargs: Any) -> tuple[Any, int, dict[str, str]]:
        self.calls.append(kwargs)
        invoices = self.pages[kwargs["page"] - 1]
        reply = SimpleNamespace(invoices=invoices, pagination=SimpleNamespace(item_count=self.item_count,
                                                                              page=kwargs["page"]))  # fmt: skip
        return reply, 200, {"X-MinLimit-Remaining": "50"}


def _stamped(xero_id: str, minutes: int) -> Invoice:
    model = xero()
    model.invoice_id = xero_id
    model.updated_date_utc = NOW + timedelta(minutes=minutes)
    return model


def test_an_invoice_answered_twice_in_one_walk_holds_the_mark_back(synced: int) -> None:
    """An invoice changed while we page moves to the end and may push another onto a page already read: the mark
    then stays before the page that first had it, so the next import reads that stretch again."""
    from invoice_desktop.xero.payment_import import PaymentImporter, load_mark, modified_since_header

    page1 = [_stamped(f"a{i}", i) for i in range(2)]
    page2 = [_stamped("b0", 5), _stamped("a1", 9)]  # a1 again, changed during the walk
    api = _Pages([page1, page2, [_stamped("c0", 10)]], item_count=5)
    client = SimpleNamespace(accounting=lambda: api, tenant_id="t")
    summary = PaymentImporter(client, page_size=2, clock=lambda: NOW, sleep=lambda s: None).run()  # type: ignore[arg-type]

    assert summary.ok and [c["page"] for c in api.calls] == [1, 2, 3]
    mark = modified_since_header(NOW - timedelta(minutes=10))
    assert {c["if_modified_since"] for c in api.calls} == {mark}  # one mark for the walk
    assert load_mark() == NOW - timedelta(minutes=10)  # held at the start: a1 was first answered on page 1
