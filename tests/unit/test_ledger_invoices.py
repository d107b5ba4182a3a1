"""Invoice services: validation, numbering, totals stored, approval with its export row, payments, void."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    delete_draft,
    get_invoice_detail,
    next_number,
    record_payment,
    update_draft,
    void_invoice,
)
from invoice_desktop.store.models import (
    AmountsType,
    ExportState,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    XeroExport,
)
from invoice_desktop.store.settings import set_setting


@pytest.fixture
def books(books):
    catalog.create_tax_rate("GST Free Income", D(0))
    catalog.create_tax_rate("15% GST on Income", D(15))
    return books


def line(description="Consulting", quantity="1", unit="100.00", tax="GST on Income", **kw) -> LineDraft:
    return LineDraft(description, D(quantity), D(unit), kw.pop("account", "200"), tax, **kw)


def draft(*lines: LineDraft, **kw) -> InvoiceDraft:
    kw.setdefault("client_name", "Acme Pty Ltd")
    kw.setdefault("date", date(2024, 3, 1))
    kw.setdefault("due_date", date(2024, 3, 31))
    return InvoiceDraft(lines=lines or (line(),), **kw)


def table_counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in (Invoice, InvoiceLine, Payment, XeroExport)}


# --- create and totals -----------------------------------------------------------------------------------


def test_create_stores_totals_on_invoice_and_lines(books):
    invoice_id = create_invoice(
        draft(line(quantity="2", unit="19.99"), line("Travel", "1", "55.55", tax="GST Free Income"), reference="PO 7")
    )
    detail = get_invoice_detail(invoice_id)
    assert detail.number == "INV-0001"
    assert detail.status is InvoiceStatus.DRAFT
    assert detail.client.name == "Acme Pty Ltd"
    assert detail.reference == "PO 7"
    assert [ln.line_amount for ln in detail.lines] == [D("39.98"), D("55.55")]
    assert [ln.tax_amount for ln in detail.lines] == [D("4.00"), D("0.00")]
    assert (detail.subtotal, detail.total_tax, detail.total) == (D("95.53"), D("4.00"), D("99.53"))
    assert detail.amount_due == D("99.53")
    assert detail.export is None
    assert detail.lines[0].account_code == "200" and detail.lines[0].account_name == "Sales"


def test_tax_is_rounded_per_line_then_summed(books):
    # Three lines at 15%: per-line rounding gives 11.44 where rounding the invoice's tax once gives 11.45.
    lines = [line(f"L{i}", "1", unit, tax="15% GST on Income") for i, unit in enumerate(("25.43", "25.43", "25.44"))]
    detail = get_invoice_detail(create_invoice(draft(*lines)))
    assert detail.subtotal == D("76.30")
    assert detail.total_tax == D("11.44")
    assert detail.total == D("87.74")


def test_inclusive_amounts(books):
    detail = get_invoice_detail(create_invoice(draft(line(unit="20.00"), amounts_type=AmountsType.INCLUSIVE)))
    assert (detail.subtotal, detail.total_tax, detail.total) == (D("18.18"), D("1.82"), D("20.00"))
    assert detail.amounts_type is AmountsType.INCLUSIVE


def test_discount_and_tax_override(books):
    detail = get_invoice_detail(
        create_invoice(draft(line(quantity="3", unit="10.00", discount_rate=D("10"), tax_amount_override=D("2.69"))))
    )
    assert detail.lines[0].line_amount == D("27.00")
    assert detail.lines[0].tax_amount == D("2.69")
    assert detail.total == D("29.69")


def test_client_is_created_once_and_matched_ignoring_case(books):
    create_invoice(draft(client_name="Acme Pty Ltd"))
    create_invoice(draft(client_name="  ACME PTY LTD "))
    assert [c.name for c in catalog.list_clients()] == ["Acme Pty Ltd"]


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (draft(client_name="  "), "client_name", "client is required"),
        (draft(due_date=date(2024, 2, 1)), "due_date", "before the invoice date"),
        (InvoiceDraft("Acme", date(2024, 1, 1), date(2024, 1, 2)), "lines", "at least one line"),
        (draft(line(quantity="-1")), "quantity", "Options > Credit note…"),
        (draft(line(unit="-5")), "unit_amount", "Options > Credit note…"),
        (draft(line(unit="1.00001")), "unit_amount", "more than 4 decimal places"),
        (draft(line(description="")), "description", "description is required"),
        (draft(line(account="999")), "account_code", "no account with code '999'"),
        (draft(line(tax="VAT 99")), "tax_rate_name", "no tax rate named 'VAT 99'"),
        (draft(line(discount_rate=D("120"))), "discount_rate", "between 0 and 100"),
    ],
)
def test_invalid_drafts_are_refused_and_nothing_is_written(books, bad, field, words):
    before = table_counts()
    with pytest.raises(LedgerError) as err:
        create_invoice(bad)
    assert [p.field for p in err.value.problems] == [field]
    assert words in str(err.value)
    assert isinstance(err.value, ValueError)
    assert table_counts() == before
    assert catalog.list_clients() == []


def test_every_problem_is_reported_at_once(books):
    with pytest.raises(LedgerError) as err:
        create_invoice(draft(line(quantity="-1", account="999"), line(unit="-2"), due_date=date(2024, 1, 1)))
    found = {(p.field, p.line) for p in err.value.problems}
    assert found == {("due_date", None), ("quantity", 0), ("account_code", 0), ("unit_amount", 1)}
    assert "Line 1, Quantity: -1 is negative" in str(err.value)


# --- numbering -------------------------------------------------------------------------------------------


def test_numbers_follow_the_sequence_and_skip_used_ones(books):
    assert next_number() == "INV-0001"
    create_invoice(draft(number="INV-0002"))
    assert next_number() == "INV-0003"
    assert get_invoice_detail(create_invoice(draft())).number == "INV-0003"
    create_invoice(draft(number="CUSTOM-1"))
    assert next_number() == "INV-0004"


def test_number_format_comes_from_settings(books):
    set_setting("numbering.prefix", "AC")
    set_setting("numbering.digits", 6)
    assert get_invoice_detail(create_invoice(draft())).number == "AC000001"


def test_duplicate_number_is_refused(books):
    create_invoice(draft(number="INV-0100"))
    with pytest.raises(LedgerError, match="INV-0100 is already used"):
        create_invoice(draft(number="INV-0100"))


def test_number_is_editable_while_draft_and_frozen_after_approval(books):
    invoice_id = create_invoice(draft())
    update_draft(invoice_id, draft(line(quantity="3"), number="INV-0042"))
    detail = get_invoice_detail(invoice_id)
    assert detail.number == "INV-0042" and detail.total == D("330.00") and len(detail.lines) == 1
    approve_invoices([invoice_id])
    with pytest.raises(LedgerError, match="already approved and cannot be edited"):
        update_draft(invoice_id, draft(number="INV-0043"))
    assert get_invoice_detail(invoice_id).number == "INV-0042"


def test_update_keeping_own_number_is_not_a_duplicate(books):
    invoice_id = create_invoice(draft(number="INV-0005"))
    update_draft(invoice_id, detail_draft := get_invoice_detail(invoice_id).to_draft())
    assert get_invoice_detail(invoice_id).to_draft() == detail_draft


def test_delete_draft_only(books):
    keep, gone = create_invoice(draft()), create_invoice(draft())
    delete_draft(gone)
    assert [i.id for i in Invoice.select()] == [keep]
    approve_invoices([keep])
    with pytest.raises(LedgerError, match="cannot be deleted"):
        delete_draft(keep)


# --- approval --------------------------------------------------------------------------------------------


def test_approval_without_xero_creates_a_not_sent_export_row(books):
    ids = [create_invoice(draft()), create_invoice(draft())]
    result = approve_invoices(ids)
    assert result.approved == ("INV-0001", "INV-0002")
    assert result.rejected == ()
    assert result.export_state is ExportState.NOT_SENT
    for invoice_id in ids:
        detail = get_invoice_detail(invoice_id)
        assert detail.status is InvoiceStatus.AWAITING_PAYMENT
        assert detail.approved_at is not None
        assert detail.export is not None and detail.export.state is ExportState.NOT_SENT


@pytest.mark.parametrize(
    ("enabled", "on_approval", "state"),
    [(True, True, ExportState.QUEUED), (True, False, ExportState.NOT_SENT), (False, True, ExportState.NOT_SENT)],
)
def test_approval_queues_only_when_xero_is_enabled_with_export_on_approval(books, enabled, on_approval, state):
    set_setting("xero.enabled", enabled)
    set_setting("xero.export_on_approval", on_approval)
    invoice_id = create_invoice(draft())
    assert approve_invoices([invoice_id]).export_state is state
    assert XeroExport.get_by_id(invoice_id).state == state.value


def test_approval_rejects_what_is_not_a_draft(books):
    first, second = create_invoice(draft()), create_invoice(draft())
    approve_invoices([first])
    result = approve_invoices([first, second, 9999])
    assert result.approved == ("INV-0002",)
    assert result.rejected == (("INV-0001", "already approved"), ("#9999", "no such invoice"))
    assert XeroExport.select().count() == 2


# --- payments and void -----------------------------------------------------------------------------------


def test_payments_until_paid_and_overpayment_refused(books):
    invoice_id = create_invoice(draft())  # 110.00
    approve_invoices([invoice_id])
    part = record_payment(invoice_id, date(2024, 3, 10), D("60.00"), "EFT 1")
    assert (part.amount_paid, part.amount_due, part.status) == (D("60.00"), D("50.00"), InvoiceStatus.AWAITING_PAYMENT)
    refused = re.escape("50.01 is more than the 50.00 due on INV-0001: overpayments are refused")
    with pytest.raises(LedgerError, match=refused):
        record_payment(invoice_id, date(2024, 3, 11), D("50.01"))
    rest = record_payment(invoice_id, date(2024, 3, 12), D("50.00"))
    assert rest.status is InvoiceStatus.PAID and rest.amount_due == D("0.00")
    detail = get_invoice_detail(invoice_id)
    assert [(p.amount, p.reference) for p in detail.payments] == [(D("60.00"), "EFT 1"), (D("50.00"), "")]
    with pytest.raises(LedgerError, match="already paid"):
        record_payment(invoice_id, date(2024, 3, 13), D("1.00"))


def test_payment_on_a_draft_or_of_nothing_is_refused(books):
    invoice_id = create_invoice(draft())
    with pytest.raises(LedgerError, match="is a draft"):
        record_payment(invoice_id, date(2024, 3, 10), D("10.00"))
    approve_invoices([invoice_id])
    for bad in (D("0"), D("-1"), D("1.001")):
        with pytest.raises(LedgerError, match="not an amount of money"):
            record_payment(invoice_id, date(2024, 3, 10), bad)
    assert Payment.select().count() == 0


def test_void_keeps_unsent_invoices_out_of_xero(books):
    set_setting("xero.enabled", True)
    set_setting("xero.export_on_approval", True)
    invoice_id = create_invoice(draft())
    approve_invoices([invoice_id])
    void_invoice(invoice_id)
    detail = get_invoice_detail(invoice_id)
    assert detail.status is InvoiceStatus.VOID
    assert detail.export.state is ExportState.SKIPPED


def test_void_refused_for_drafts_and_paid_invoices(books):
    invoice_id = create_invoice(draft())
    with pytest.raises(LedgerError, match="delete it instead"):
        void_invoice(invoice_id)
    approve_invoices([invoice_id])
    record_payment(invoice_id, date(2024, 3, 10), D("10.00"))
    with pytest.raises(LedgerError, match=re.escape("has payments of 10.00")):
        void_invoice(invoice_id)


def test_create_invoice_with_the_numbers_taken_refuses_one_added_earlier_in_the_same_import(books):
    from invoice_desktop.ledger.invoices import numbers_in_use

    draft = InvoiceDraft("Acme", date(2024, 3, 1), date(2024, 3, 31), lines=[line(unit="5")], number="T-1")
    taken = numbers_in_use()
    create_invoice(draft, taken)
    assert taken == {"t-1": "T-1"}
    with pytest.raises(LedgerError, match="already used"):
        create_invoice(draft, taken)
