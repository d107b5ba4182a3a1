"""The Accounting API of the sandbox through the real SDK: reference data, a 50-invoice batch with mixed outcomes
and Xero's exact messages, summarised errors, queries, contacts, idempotent replay, rounding, payments."""

from __future__ import annotations

import json
import urllib.request
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sandbox_helpers import DEMO, SECOND, Connected
from xero_python.accounting import Contact, Contacts, Invoice, Invoices, LineAmountTypes, LineItem, LineItemTracking
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from invoice_desktop.sandbox import seed, validation
from invoice_desktop.sandbox.server import RunningSandbox

CUSTOMER = seed.DEMO_ACTIVE_CONTACTS[1]
NOT_VALID = "Account code '{}' is not a valid code for this document."


def sales_invoice(
    number: str | None,
    *,
    contact: str = CUSTOMER,
    account: str = "200",
    tax: str | None = "OUTPUT",
    on: date = date(2026, 10, 5),
    amount: str = "100.00",
    status: str = "AUTHORISED",
    lines: list[LineItem] | None = None,
) -> Invoice:
    return Invoice(
        type="ACCREC",
        contact=Contact(name=contact),
        line_items=lines
        if lines is not None
        else [LineItem(description="Hot water service", quantity=Decimal(1), unit_amount=Decimal(amount),
                       account_code=account, tax_type=tax)],
        date=on,
        due_date=on + timedelta(days=14),
        invoice_number=number,
        status=status,
        line_amount_types=LineAmountTypes.EXCLUSIVE,
    )  # fmt: skip


def value(enum_or_text: object) -> str:
    """The SDK hands some enums back as enum members and some as plain strings."""
    return str(getattr(enum_or_text, "value", enum_or_text))


def messages(invoice: Invoice) -> list[str]:
    return [e.message for e in invoice.validation_errors or []]


def test_reference_data_parses_in_the_sdk(connected: Connected) -> None:
    api = connected.accounting()
    accounts = {a.code: a for a in api.get_accounts(DEMO).accounts}
    assert accounts["200"].name == "Sales" and value(accounts["210"].status) == "ARCHIVED"
    assert {t.tax_type for t in api.get_tax_rates(DEMO).tax_rates} >= {"OUTPUT", "EXEMPTOUTPUT", "INPUT"}
    region = api.get_tracking_categories(DEMO).tracking_categories[0]
    assert region.name == "Region" and [o.name for o in region.options] == list(seed.DEMO_TRACKING_OPTIONS)
    organisation = api.get_organisations(DEMO).organisations[0]
    assert organisation.name == seed.DEMO_ORG_NAME and value(organisation.base_currency) == "AUD"
    second = connected.accounting(SECOND).get_organisations(SECOND).organisations[0]
    assert second.name == seed.SECOND_ORG_NAME
    revenue = api.get_accounts(DEMO, where='Class=="REVENUE" AND Status=="ACTIVE"').accounts
    assert {a.code for a in revenue} == {"200", "260", "270"}


def test_batch_of_50_with_mixed_outcomes_and_exact_messages(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.set_lock_dates(period="2026-01-31", end_of_year="2025-06-30")
    failing = {
        "INV-0042": (sales_invoice("INV-0042"), [validation.DUPLICATE_NUMBER]),
        "HL-1001": (sales_invoice("HL-1001"), [validation.DUPLICATE_NUMBER]),  # voided numbers stay taken
        "HL-1002": (sales_invoice("HL-1002"), [validation.DUPLICATE_NUMBER]),  # so do deleted ones
        "B-EXP": (sales_invoice("B-EXP", account="400", tax=None), [NOT_VALID.format("400")]),
        "B-999": (sales_invoice("B-999", account="999"), [NOT_VALID.format("999")]),
        "B-ARC": (sales_invoice("B-ARC", account="210"), [validation.archived_account("210")]),
        "B-TAX": (sales_invoice("B-TAX", tax="GST on Income"),
                  ["The TaxType code GST on Income does not exist or cannot be used for this type of transaction."]),
        "B-NOT": (sales_invoice("B-NOT", tax="INPUT"),
                  ["The TaxType code 'INPUT' cannot be used with account code '200'."]),
        "B-CON": (sales_invoice("B-CON", contact=seed.DEMO_ARCHIVED_CONTACT), [validation.ARCHIVED_CONTACT]),
        "B-PER": (sales_invoice("B-PER", on=date(2026, 1, 15)),
                  ["The document date cannot be before the period lock date, currently set at 31-Jan-2026"]),
        "B-EOY": (sales_invoice("B-EOY", on=date(2025, 6, 1)),
                  ["The document date cannot be before the period lock date, currently set at 31-Jan-2026",
                   "The document date cannot be before the end of year lock date, currently set at 30-Jun-2025"]),
        "B-LIN": (sales_invoice("B-LIN", lines=[]), [validation.LINES_REQUIRED]),
    }  # fmt: skip
    batch = [sales_invoice(f"B-{n:03d}") for n in range(38)]
    for index, (invoice, _expected) in enumerate(failing.values()):
        batch.insert(index * 3 + 1, invoice)
    assert len(batch) == 50

    result = connected.accounting().create_invoices(
        DEMO, Invoices(invoices=batch), summarize_errors=False, idempotency_key="batch-50"
    )

    returned = result.invoices
    assert [i.invoice_number for i in returned] == [i.invoice_number for i in batch]
    for sent, got in zip(batch, returned, strict=True):
        if sent.invoice_number in failing:
            assert got.has_errors is True and got.status_attribute_string == "ERROR"
            assert messages(got) == failing[sent.invoice_number][1], sent.invoice_number
            assert got.invoice_id is None or str(got.invoice_id) == "00000000-0000-0000-0000-000000000000"
        else:
            assert not got.has_errors and got.status_attribute_string == "OK" and got.invoice_id
            assert got.total == Decimal("110.00") and value(got.status) == "AUTHORISED"
    stored = {i.invoice_number for i in sandbox.state.organisation(DEMO).invoices.values()}
    assert {f"B-{n:03d}" for n in range(38)} <= stored
    assert not ({k for k in failing if k.startswith("B-")} & stored)


def test_missing_type_and_contact_messages(sandbox: RunningSandbox, connected: Connected) -> None:
    body = {"Invoices": [{"Contact": {"Name": CUSTOMER}, "LineItems": [{"Description": "x", "AccountCode": "200"}]},
                         {"Type": "ACCREC", "LineItems": [{"Description": "x", "AccountCode": "200"}]}]}  # fmt: skip
    token = connected.session.tokens.access_token  # type: ignore[union-attr]
    request = urllib.request.Request(
        f"{sandbox.endpoints.accounting}/Invoices?summarizeErrors=false",
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "xero-tenant-id": DEMO, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        elements = json.loads(reply.read())["Invoices"]
    assert [e["ValidationErrors"] for e in elements] == [
        [{"Message": validation.TYPE_REQUIRED}],
        [{"Message": validation.CONTACT_REQUIRED}],
    ]


def test_summarised_errors_are_the_default(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    batch = Invoices(invoices=[sales_invoice("S-1"), sales_invoice("INV-0042"), sales_invoice("S-2", account="999")])
    with pytest.raises(AccountingBadRequestException) as error:
        api.create_invoices(DEMO, batch)
    assert error.value.status == 400 and error.value.reason == validation.DUPLICATE_NUMBER
    data = error.value.error_data
    assert (data["ErrorNumber"], data["Type"], data["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    assert [e["InvoiceNumber"] for e in data["Elements"]] == ["INV-0042", "S-2"]
    assert all(e["HasErrors"] for e in data["Elements"])
    assert sandbox.state.organisation(DEMO).invoice_by_number("S-1") is None  # nothing was created

    sandbox.control.set_summarized_commits_valid(True)  # Xero's quirk: the valid ones are created anyway
    with pytest.raises(AccountingBadRequestException):
        api.create_invoices(DEMO, batch)
    assert sandbox.state.organisation(DEMO).invoice_by_number("S-1") is not None


def test_plan_limit(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.set_plan_limit(0)
    result = connected.accounting().create_invoices(
        DEMO, Invoices(invoices=[sales_invoice("P-1"), sales_invoice("P-2", status="DRAFT")]), summarize_errors=False
    )
    assert [messages(i) for i in result.invoices] == [[validation.PLAN_LIMIT], []]


def test_contact_by_name_is_found_or_created(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    first = api.create_invoices(DEMO, Invoices(invoices=[sales_invoice("N-1", contact="Brand New Pty Ltd")]))
    second = api.create_invoices(DEMO, Invoices(invoices=[sales_invoice("N-2", contact="brand new pty ltd")]))
    assert first.invoices[0].contact.contact_id == second.invoices[0].contact.contact_id
    assert len(sandbox.state.organisation(DEMO).contacts_named("Brand New Pty Ltd")) == 1


def test_rounding_per_line_half_up(connected: Connected) -> None:
    lines = [
        LineItem(description=d, quantity=Decimal(q), unit_amount=Decimal(u), account_code="200", tax_type="OUTPUT")
        for d, q, u in (("a", 1, "21.65"), ("b", 3, "10.15"))
    ]
    invoice = connected.accounting().create_invoices(DEMO, Invoices(invoices=[sales_invoice("R-1", lines=lines)]))
    got = invoice.invoices[0]
    assert [line.tax_amount for line in got.line_items] == [Decimal("2.17"), Decimal("3.05")]
    assert (got.sub_total, got.total_tax, got.total) == (Decimal("52.10"), Decimal("5.22"), Decimal("57.32"))


def test_get_invoices_queries(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    created = api.create_invoices(
        DEMO, Invoices(invoices=[sales_invoice(f"Q-{n}", status="DRAFT" if n % 2 else "AUTHORISED") for n in range(5)])
    ).invoices
    by_number = api.get_invoices(DEMO, invoice_numbers=["Q-1", "INV-0042"]).invoices
    assert {i.invoice_number for i in by_number} == {"Q-1", "INV-0042"}
    mine = api.get_invoices(DEMO, created_by_my_app=True).invoices
    assert {i.invoice_number for i in mine} == {f"Q-{n}" for n in range(5)}
    drafts = api.get_invoices(DEMO, statuses=["DRAFT"], created_by_my_app=True).invoices
    assert {i.invoice_number for i in drafts} == {"Q-1", "Q-3"}
    by_id = api.get_invoices(DEMO, i_ds=[created[0].invoice_id]).invoices
    assert [i.invoice_number for i in by_id] == ["Q-0"]
    where = api.get_invoices(DEMO, where='Type=="ACCREC" AND Status=="VOIDED"').invoices
    assert [i.invoice_number for i in where] == [seed.DEMO_VOIDED_INVOICE_NUMBER]
    page = api.get_invoices(DEMO, page=2, page_size=3, created_by_my_app=True)
    assert page.pagination.page_count == 2 and page.pagination.item_count == 5 and len(page.invoices) == 2
    assert page.invoices[0].line_items  # paged responses carry line items
    sandbox.control.advance_clock(3600)
    since = sandbox.clock.now_datetime().replace(microsecond=0)  # Xero takes whole seconds
    api.create_invoices(DEMO, Invoices(invoices=[sales_invoice("Q-late")]))
    later = api.get_invoices(DEMO, if_modified_since=since).invoices
    assert [i.invoice_number for i in later] == ["Q-late"]
    one = api.get_invoice(DEMO, created[0].invoice_id).invoices[0]
    assert one.invoice_number == "Q-0" and one.line_items[0].account_code == "200"
    assert isinstance(one.updated_date_utc, datetime)
    with pytest.raises(NotFoundException):
        api.get_invoice(DEMO, "6f1c2b1e-0000-4000-8000-000000000000")


def test_contacts(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    assert api.get_contacts(DEMO, where=f'Name=="{seed.DEMO_ARCHIVED_CONTACT}"').contacts == []
    archived = api.get_contacts(DEMO, where=f'Name=="{seed.DEMO_ARCHIVED_CONTACT}"', include_archived=True).contacts
    assert [value(c.contact_status) for c in archived] == ["ARCHIVED"]
    assert [c.name for c in api.get_contacts(DEMO, search_term="dental").contacts] == ["Marlow Street Dental"]
    created = api.create_contacts(DEMO, Contacts(contacts=[Contact(name="Pelican Motors")])).contacts[0]
    assert created.contact_id and created.name == "Pelican Motors"
    with pytest.raises(AccountingBadRequestException) as duplicate:
        api.create_contacts(DEMO, Contacts(contacts=[Contact(name="Pelican Motors")]))
    assert duplicate.value.reason == validation.DUPLICATE_CONTACT_NAME.format(name="Pelican Motors")
    updated = api.update_or_create_contacts(
        DEMO, Contacts(contacts=[Contact(contact_id=created.contact_id, email_address="a@pelican.example")])
    ).contacts[0]
    assert updated.email_address == "a@pelican.example" and updated.contact_id == created.contact_id


def test_idempotent_replay(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    batch = Invoices(invoices=[sales_invoice("I-1"), sales_invoice("I-2")])
    first = api.create_invoices(DEMO, batch, summarize_errors=False, idempotency_key="key-1")
    again = api.create_invoices(DEMO, batch, summarize_errors=False, idempotency_key="key-1")
    assert [i.invoice_id for i in again.invoices] == [i.invoice_id for i in first.invoices]
    assert not any(i.has_errors for i in again.invoices)  # a replay, not "Invoice # must be unique."
    numbers = [i.invoice_number for i in sandbox.state.organisation(DEMO).invoices.values()]
    assert numbers.count("I-1") == 1
    with pytest.raises(AccountingBadRequestException) as reused:
        api.create_invoices(DEMO, Invoices(invoices=[sales_invoice("I-3")]), idempotency_key="key-1")
    assert b"is used with a different request" in reused.value.body
    sandbox.control.advance_clock(6 * 60)  # the key is forgotten after 6 minutes
    late = api.create_invoices(DEMO, batch, summarize_errors=False, idempotency_key="key-1")
    assert messages(late.invoices[0]) == [validation.DUPLICATE_NUMBER]


def test_rate_limit_headers_and_correlation_id(connected: Connected) -> None:
    api = connected.accounting()
    _data, status, headers = api.get_organisations(DEMO, _return_http_data_only=False)
    _data, _status, after = api.get_organisations(DEMO, _return_http_data_only=False)
    assert status == 200 and int(after["X-MinLimit-Remaining"]) == int(headers["X-MinLimit-Remaining"]) - 1
    assert int(headers["X-DayLimit-Remaining"]) <= 5000 and int(headers["X-AppMinLimit-Remaining"]) <= 10000
    assert len(headers["Xero-Correlation-Id"]) == 36 and headers["Content-Type"] == "application/json; charset=utf-8"


def test_payments_and_void(sandbox: RunningSandbox, connected: Connected) -> None:
    api = connected.accounting()
    api.create_invoices(DEMO, Invoices(invoices=[sales_invoice("PAY-1"), sales_invoice("VOID-1")]))
    payment = sandbox.control.record_payment("PAY-1", on="2026-10-20")
    paid = api.get_invoices(DEMO, invoice_numbers=["PAY-1"]).invoices[0]
    assert value(paid.status) == "PAID" and paid.amount_due == Decimal("0.00") and paid.amount_paid == Decimal("110.00")
    payments = api.get_payments(DEMO, where='Invoice.InvoiceNumber=="PAY-1"').payments
    assert [str(p.payment_id) for p in payments] == [payment.payment_id] and payments[0].amount == Decimal("110.00")
    sandbox.control.void_invoice("VOID-1")
    assert value(api.get_invoices(DEMO, invoice_numbers=["VOID-1"]).invoices[0].status) == "VOIDED"


def test_tracking_by_name(connected: Connected) -> None:
    line = LineItem(description="x", quantity=Decimal(1), unit_amount=Decimal(10), account_code="200",
                    tracking=[LineItemTracking(name="Region", option="North")])  # fmt: skip
    got = connected.accounting().create_invoices(DEMO, Invoices(invoices=[sales_invoice("T-1", lines=[line])]))
    tracking = got.invoices[0].line_items[0].tracking[0]
    assert (tracking.name, tracking.option) == ("Region", "North") and tracking.tracking_option_id
