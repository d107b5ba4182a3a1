"""ledger.invoice_batch: many invoices read at once are exactly what get_invoice_detail reads one by one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from invoice_desktop.ledger import catalog, invoice_batch
from invoice_desktop.ledger.invoice_batch import get_invoice_details
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    get_invoice_detail,
    record_payment,
    void_invoice,
)
from invoice_desktop.store.models import AmountsType, Client, XeroExport
from invoice_desktop.store.settings import set_setting


@pytest.fixture
def books(books):
    catalog.get_or_create_account("260", "Other Revenue")
    catalog.create_tax_rate("GST Free Income", D(0))
    set_setting("xero.enabled", True)
    set_setting("xero.export_on_approval", True)
    return books


def line(description="Consulting", quantity="1", unit="100.00", tax="GST on Income", **kw) -> LineDraft:
    return LineDraft(description, D(quantity), D(unit), kw.pop("account", "200"), tax, **kw)


def invoice(client: str, *lines: LineDraft, **kw) -> int:
    kw.setdefault("date", date(2024, 3, 1))
    kw.setdefault("due_date", date(2024, 3, 31))
    return create_invoice(InvoiceDraft(client_name=client, lines=lines or (line(),), **kw))


@pytest.fixture
def mixed(books) -> list[int]:
    """Drafts and approved, paid (partly and fully) and void invoices; several lines, discounts, tax overrides,
    tracking, item codes, inclusive and no-tax amounts, a currency and reference; clients linked and not."""
    several = invoice(
        "Acme Pty Ltd",
        line("Design", "2.5", "80.0000", discount_rate=D("10")),
        line("Hosting", "1", "19.99", tax="GST Free Income", account="260", item_code="HOST"),
        line("Support", "3", "33.3333", tax_amount_override=D("9.99"),
             tracking1_name="Region", tracking1_option="North", tracking2_name="Team", tracking2_option="Blue"),
        reference="PO 17", currency="AUD",
    )  # fmt: skip
    inclusive = invoice("Beta & Co", line("Widgets", "4", "11.00"), amounts_type=AmountsType.INCLUSIVE)
    no_tax = invoice("Acme Pty Ltd", line("Gift", tax=""), amounts_type=AmountsType.NO_TAX, branding_theme="Plain")
    part_paid = invoice("Gamma Ltd", line("Repairs", "1", "500.00"))
    paid = invoice("Beta & Co", line("Call-out", "1", "90.00"), line("Parts", "2", "5.00", discount_rate=D("50")))
    voided = invoice("Gamma Ltd", line("Cancelled job"))
    draft = invoice("Delta", line("Still a draft", "1", "1.00"))
    approve_invoices([several, inclusive, no_tax, part_paid, paid, voided])
    record_payment(part_paid, date(2024, 3, 10), D("100.00"), reference="first")
    record_payment(part_paid, date(2024, 3, 5), D("50.00"), reference="earlier")
    record_payment(paid, date(2024, 3, 12), D("99.00"), source="xero", xero_payment_id="p-1")
    record_payment(paid, date(2024, 3, 12), D("2.00"))
    void_invoice(voided)
    Client.update(xero_contact_id="c-123").where(Client.name == "Beta & Co").execute()
    XeroExport.update(state="failed", messages='["Xero said no"]', hint="Fix it", attempts=2).where(
        XeroExport.invoice == inclusive
    ).execute()
    return [several, inclusive, no_tax, part_paid, paid, voided, draft]


def test_the_same_details_as_one_by_one(mixed: list[int]) -> None:
    expected = {i: get_invoice_detail(i) for i in mixed}
    got = get_invoice_details(mixed)
    assert got == expected
    assert list(got) == mixed
    several = got[mixed[0]]
    assert len(several.lines) == 3 and several.lines[2].tracking2_option == "Blue"
    assert [p.reference for p in got[mixed[3]].payments] == ["earlier", "first"]
    assert got[mixed[1]].client.xero_contact_id == "c-123" and got[mixed[1]].export.messages == ("Xero said no",)
    assert got[mixed[6]].export is None and got[mixed[5]].status.value == "void"


def test_order_as_given_duplicates_once_missing_left_out(mixed: list[int]) -> None:
    wanted = [mixed[4], 99999, mixed[0], mixed[4], mixed[2]]
    got = get_invoice_details(wanted)
    assert list(got) == [mixed[4], mixed[0], mixed[2]]
    assert all(got[i] == get_invoice_detail(i) for i in got)
    assert get_invoice_details([]) == {}
    assert get_invoice_details([99999]) == {}


def test_read_in_chunks(mixed: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(invoice_batch, "CHUNK", 2)
    assert get_invoice_details(reversed(mixed)) == {i: get_invoice_detail(i) for i in reversed(mixed)}
