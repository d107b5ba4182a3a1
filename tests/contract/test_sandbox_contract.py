"""Contract tests: every kind of response the sandbox gives validates against Xero's OpenAPI specs
(tests/contract/xero-openapi/, v16.1.0) with openapi-core — the bytes as sent, not the SDK's reading of them.

Where the spec and Xero's real behaviour (docs/xero-facts.md) disagree, the sandbox follows the
facts and the test says so:

- Dates are MS-JSON strings ("/Date(1552262400000+0000)/"): the spec types them `type: string` with
  `x-is-msdate`, so they validate as strings; that is what Xero sends (docs/xero-facts.md §0.7, §5.2).
- Envelope fields Id, Status, ProviderName, DateTimeUTC are in every real response (docs/xero-facts.md §5.2) but not in
  the schemas; so are an invoice's DateString/DueDateString and a line item's ValidationErrors (docs/xero-facts.md
  §5.2, the real capture and the spec's own examples). They pass because the schemas allow additional
  properties; test_no_fields_beyond_the_spec_and_the_facts forbids every other extra field.
- A 400 ValidationException echoes the whole failing invoice in Elements (docs/xero-facts.md §2.1); the spec's `Element`
  schema lists only ValidationErrors and a few ids: valid, because extra properties are allowed.
- summarizeErrors: the spec says `default: false`; Xero and the sandbox summarise by default (docs/xero-facts.md §7.3).
- 401, 403, 404, 429, 500 and 503 are not described by the Accounting spec at all (it lists only 200/204/400);
  their bodies are checked against the captures quoted in docs/xero-facts.md §2.4 instead.
- /Connections dates have no zone ("2019-12-07T18:46:19.5165400", the spec's own example and real captures,
  docs/xero-facts.md §4.4) though the spec says `format: date-time` (RFC 3339, which needs a zone); the identity spec is
  checked with a date-time format that also accepts that form (conftest.xero_date_time).
- The token endpoint has no path in xero-identity.yaml; its 200 body is validated against the spec's
  `AccessToken` schema directly; its errors are the compact `{"error":"invalid_grant"}` of docs/xero-facts.md §2.5.
- The idempotency-key reuse 400 has no documented body; the sandbox answers with the gateway's problem-details
  shape (as for 401/403), which is not the spec's `Error` schema.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from contract_helpers import Raw, Specs, Wire
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from xero_python.accounting import Account, AccountingApi, Payment, PaymentDelete, Payments
from xero_python.accounting import Invoice as SdkInvoice
from xero_python.api_client import ApiClient
from xero_python.api_client.serializer import serialize

from invoice_desktop.sandbox import payments, seed
from invoice_desktop.sandbox.server import RunningSandbox

DEMO, SECOND = seed.DEMO_TENANT_ID, seed.SECOND_TENANT_ID
MS_DATE = re.compile(r"^/Date\(\d+(\+0000)?\)/$")


def invoice(number: str, contact: dict[str, str], account: str = "200", **extra: Any) -> dict[str, Any]:
    return {
        "Type": "ACCREC", "Contact": contact, "InvoiceNumber": number, "Date": "/Date(1791158400000)/",
        "DueDate": "2026-10-19", "LineAmountTypes": "Exclusive", "Status": "AUTHORISED",
        "LineItems": [{"Description": "Blocked drain cleared", "Quantity": 1.0, "UnitAmount": 330.0,
                       "AccountCode": account, "TaxType": "OUTPUT",
                       "Tracking": [{"Name": "Region", "Option": "North"}]}],
        **extra,
    }  # fmt: skip


def mixed_batch() -> dict[str, Any]:
    """One good invoice and one of each kind of failure the sandbox reports per element."""
    return {
        "Invoices": [
            invoice("C-1", {"Name": "Greenway Builders"}),
            invoice(seed.DEMO_TAKEN_INVOICE_NUMBER, {"Name": "Greenway Builders"}),
            invoice("C-2", {"Name": seed.DEMO_ARCHIVED_CONTACT}),
            invoice("C-3", {"Name": "Greenway Builders"}, account=seed.DEMO_ARCHIVED_ACCOUNT),
            invoice("C-4", {"Name": "A brand new customer"}),
        ]
    }


def demo_invoice_id() -> str:
    return seed.seeded_id(DEMO, "invoice", seed.DEMO_TAKEN_INVOICE_NUMBER)


# -- invoices ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_invoices_200_with_per_element_errors(specs: Specs, wire: Wire, method: str) -> None:
    reply = wire.api(method, "Invoices", {"summarizeErrors": "False", "unitdp": "4"}, mixed_batch())
    assert reply.status == 200
    reply.validate(specs.accounting)
    elements = reply.json()["Invoices"]
    # POST updates INV-0042 (Xero identifies an invoice by its number too); PUT refuses the taken number.
    taken_fails = method == "PUT"
    assert [e["HasErrors"] for e in elements] == [False, taken_fails, True, True, False]
    assert elements[2]["StatusAttributeString"] == "ERROR" and elements[0]["StatusAttributeString"] == "OK"
    assert MS_DATE.match(elements[0]["Date"]) and MS_DATE.match(elements[0]["UpdatedDateUTC"])


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_invoices_400_validation_exception(specs: Specs, wire: Wire, method: str) -> None:
    reply = wire.api(method, "Invoices", None, mixed_batch())
    assert reply.status == 400
    reply.validate(specs.accounting)
    body = reply.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    if method == "PUT":
        assert body["Elements"][0]["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]


def test_invoices_400_missing_pieces(specs: Specs, wire: Wire) -> None:
    reply = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, {"Invoices": [{"LineItems": []}]})
    assert reply.status == 200
    reply.validate(specs.accounting)


def test_invoices_400_post_data_invalid(specs: Specs, wire: Wire) -> None:
    reply = wire.api("PUT", "Invoices", None, raw_body=b'{"Invoices": [{"Type": "ACCREC",')
    assert reply.status == 400
    reply.validate(specs.accounting)
    assert reply.json()["Type"] == "PostDataInvalidException" and reply.json()["ErrorNumber"] == 14


def test_update_one_invoice(specs: Specs, wire: Wire) -> None:
    created = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, {"Invoices": [
        invoice("U-1", {"Name": "Greenway Builders"}, Status="DRAFT")]}).json()["Invoices"][0]  # fmt: skip
    reply = wire.api("POST", f"Invoices/{created['InvoiceID']}", None, {"Invoices": [{"Reference": "Changed"}]})
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)
    assert reply.json()["Invoices"][0]["Reference"] == "Changed"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"page": "1", "pageSize": "2"},
        {"page": "1", "unitdp": "4"},
        {"summaryOnly": "True"},
        {"Statuses": "AUTHORISED,PAID", "where": 'Type=="ACCREC"', "order": "InvoiceNumber DESC"},
        {"InvoiceNumbers": f"{seed.DEMO_TAKEN_INVOICE_NUMBER},{seed.DEMO_PAID_INVOICE_NUMBER}"},
        {"IDs": demo_invoice_id(), "includeArchived": "True", "createdByMyApp": "False"},
        {"searchTerm": "INV"},
    ],
    ids=["all", "paged", "paged-unitdp4", "summary", "where-order", "numbers", "ids", "search"],
)
def test_get_invoices(specs: Specs, wire: Wire, query: dict[str, str]) -> None:
    reply = wire.api("GET", "Invoices", query)
    assert reply.status == 200
    reply.validate(specs.accounting)
    assert reply.json()["Invoices"]
    if "page" in query:
        assert set(reply.json()["pagination"]) == {"page", "pageSize", "pageCount", "itemCount"}


def test_get_invoice_by_id(specs: Specs, wire: Wire) -> None:
    reply = wire.api("GET", f"Invoices/{demo_invoice_id()}")
    assert reply.status == 200
    reply.validate(specs.accounting)
    paid = wire.api("GET", f"Invoices/{seed.seeded_id(DEMO, 'invoice', seed.DEMO_PAID_INVOICE_NUMBER)}")
    paid.validate(specs.accounting)
    assert paid.json()["Invoices"][0]["Payments"]


def sdk_invoices(reply: Raw) -> Any:
    """The reply as xero-python's get_invoice(s) reads it: an `Invoices` model."""
    response = SimpleNamespace(text=reply.body.decode("utf-8"), data=reply.body)
    return ApiClient().deserialize(response, "Invoices", AccountingApi().get_model_finder())


def test_invoice_with_credit_allocated(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    """Credit notes, prepayments and overpayments allocated in Xero: the invoice lists them in its CreditNotes /
    Prepayments / Overpayments with only the spec's fields, AmountCredited and AmountDue follow, and the SDK reads
    it all; allocating what is left makes the invoice PAID with FullyPaidOnDate."""
    number = seed.DEMO_TAKEN_INVOICE_NUMBER  # AUTHORISED, 363.00 due
    control = sandbox.control
    control.allocate_credit(number, "100.00", "overpayment", on="2026-10-20")
    note = control.allocate_credit(number, "50.00", "credit_note", on="2026-10-21")
    control.allocate_credit(number, "13.00", "prepayment", on="2026-10-22", reference="Deposit")

    reply = wire.api("GET", f"Invoices/{demo_invoice_id()}")
    assert reply.status == 200
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    document = reply.json()["Invoices"][0]
    assert (document["AmountCredited"], document["AmountDue"], document["Status"]) == (163.0, 200.0, "AUTHORISED")
    assert document["CreditNotes"] == [{"CreditNoteID": note.credit_id, "CreditNoteNumber": "CN-0001",
                                        "AppliedAmount": 50.0, "Date": "/Date(1792540800000+0000)/",
                                        "LineItems": [], "Total": 50.0}]  # fmt: skip
    assert [o["AppliedAmount"] for o in document["Overpayments"]] == [100.0]
    assert [(p["AppliedAmount"], p["Reference"]) for p in document["Prepayments"]] == [(13.0, "Deposit")]

    parsed = sdk_invoices(reply).invoices[0]
    assert (parsed.amount_credited, parsed.amount_due) == (Decimal("163.00"), Decimal("200.00"))
    (credit_note,) = parsed.credit_notes
    assert (credit_note.credit_note_id, credit_note.credit_note_number) == (note.credit_id, "CN-0001")
    assert (credit_note.applied_amount, credit_note.date) == (50.0, date(2026, 10, 21))
    assert parsed.overpayments[0].overpayment_id and parsed.overpayments[0].applied_amount == 100.0
    assert (parsed.prepayments[0].reference, parsed.prepayments[0].date) == ("Deposit", date(2026, 10, 22))

    control.allocate_credit(number, "200.00", "credit_note", on="2026-10-23")
    paid = wire.api("GET", f"Invoices/{demo_invoice_id()}")
    paid.validate(specs.accounting)
    done = sdk_invoices(paid).invoices[0]
    assert (done.status, done.amount_due, done.amount_credited) == ("PAID", Decimal("0.00"), Decimal("363.00"))
    assert done.fully_paid_on_date == date(2026, 10, 23)
    assert [c.credit_note_number for c in done.credit_notes] == ["CN-0001", "CN-0002"]


def test_allocating_more_than_is_due_is_refused(sandbox: RunningSandbox) -> None:
    number = seed.DEMO_TAKEN_INVOICE_NUMBER
    with pytest.raises(ValueError, match=r"more than the amount due on the invoice \(363\.00\)"):
        sandbox.control.allocate_credit(number, "363.01", "credit_note")
    with pytest.raises(ValueError, match="credit_note, a prepayment or an overpayment"):
        sandbox.control.allocate_credit(number, "1.00", "refund")
    with pytest.raises(ValueError, match="Authorised documents"):
        sandbox.control.allocate_credit(seed.DEMO_PAID_INVOICE_NUMBER, "1.00")
    invoice = sandbox.state.organisations[DEMO].invoice(number)
    assert invoice is not None and (invoice.amount_credited, invoice.allocations) == (Decimal("0.00"), [])


# -- reference data ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", [DEMO, SECOND])
@pytest.mark.parametrize(
    ("resource", "query"),
    [
        ("Accounts", {}),
        ("Accounts", {"where": 'Status=="ACTIVE"', "order": "Code"}),
        ("TaxRates", {}),
        ("TrackingCategories", {}),
        ("TrackingCategories", {"includeArchived": "true"}),
        ("Organisation", {}),
        ("Contacts", {}),
        ("Contacts", {"includeArchived": "True", "page": "1"}),
        ("Contacts", {"where": 'Name=="Greenway Builders"'}),
        ("Contacts", {"searchTerm": "cafe", "summaryOnly": "true"}),
        ("Payments", {}),
        ("Payments", {"page": "1"}),
        ("Currencies", {}),
        ("Currencies", {"where": 'Code=="USD"', "order": "Code DESC"}),
    ],
)
def test_get_lists(specs: Specs, wire: Wire, tenant: str, resource: str, query: dict[str, str]) -> None:
    reply = wire.api("GET", resource, query, tenant=tenant)
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)


def test_currencies_and_the_not_subscribed_element(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    listed = wire.api("GET", "Currencies")
    assert listed.json()["Currencies"] == [{"Code": "AUD", "Description": "Australian Dollar"},
                                           {"Code": "USD", "Description": "United States Dollar"}]  # fmt: skip
    refused = wire.api("PUT", "Invoices", {"summarizeErrors": "false"},
                       {"Invoices": [invoice("FX-1", {"Name": "Greenway Builders"}, CurrencyCode="EUR")]})  # fmt: skip
    assert refused.status == 200
    refused.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, refused)
    (element,) = refused.json()["Invoices"]
    assert element["ValidationErrors"] == [{"Message": "Organisation is not subscribed to currency EUR"}]
    sandbox.control.enable_currency("EUR")
    accepted = wire.api("PUT", "Invoices", {"summarizeErrors": "false"},
                        {"Invoices": [invoice("FX-1", {"Name": "Greenway Builders"}, CurrencyCode="EUR")]})  # fmt: skip
    assert accepted.json()["Invoices"][0]["CurrencyCode"] == "EUR"


def test_warning_elements(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    sandbox.control.warn_next(1, "Account code '476' has been removed as it does not match a recognised account.")
    customer = {"Name": "Greenway Builders"}
    batch = {"Invoices": [invoice("WN-1", customer), invoice("WN-2", customer, Status="DRAFT", SentToContact=True)]}
    reply = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, batch)
    assert reply.status == 200
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    warned = reply.json()["Invoices"]
    assert [(e["StatusAttributeString"], e["HasErrors"]) for e in warned] == [("WARNING", False)] * 2
    assert [len(e["Warnings"]) for e in warned] == [1, 1] and "ValidationErrors" not in warned[0]
    assert sdk_invoices(reply).invoices[0].warnings[0].message.startswith("Account code '476'")


def test_get_single_account_contact_payment(specs: Specs, wire: Wire) -> None:
    paths = [
        f"Accounts/{seed.seeded_id(DEMO, 'account', '200')}",
        f"Contacts/{seed.seeded_id(DEMO, 'contact', seed.DEMO_ARCHIVED_CONTACT)}",
        f"Payments/{seed.seeded_id(DEMO, 'payment', seed.DEMO_PAID_INVOICE_NUMBER)}",
    ]
    for path in paths:
        reply = wire.api("GET", path)
        assert reply.status == 200, (path, reply.body)
        reply.validate(specs.accounting)


def test_organisation_with_lock_dates(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    sandbox.control.set_lock_dates("2026-06-30", "2025-06-30")
    reply = wire.api("GET", "Organisation")
    reply.validate(specs.accounting)
    assert MS_DATE.match(reply.json()["Organisations"][0]["PeriodLockDate"])


# -- contacts ---------------------------------------------------------------------------------------------------


def test_contacts_put_200_and_400(specs: Specs, wire: Wire) -> None:
    created = wire.api("PUT", "Contacts", None, {"Contacts": [{"Name": "Harbourside Gym", "EmailAddress": "a@b.au"}]})
    assert created.status == 200, created.body
    created.validate(specs.accounting)
    duplicate = wire.api("PUT", "Contacts", None, {"Contacts": [{"Name": "Greenway Builders"}]})
    assert duplicate.status == 400
    duplicate.validate(specs.accounting)
    mixed = wire.api("POST", "Contacts", {"summarizeErrors": "false"},
                     {"Contacts": [{"Name": "Greenway Builders", "EmailAddress": "x@y.au"}, {"Name": ""}]})  # fmt: skip
    assert mixed.status == 200
    mixed.validate(specs.accounting)


# A credit note's `ID` (its CreditNoteID again) is in every credit note of the spec's own examples, not its schema.
FACTS_EXTRAS = {
    "InvoiceID": ("DateString", "DueDateString"),
    "CreditNoteID": ("DateString", "DueDateString", "ID"),
    "LineItemID": ("ValidationErrors",),
}
ENVELOPE = ("Id", "Status", "ProviderName", "DateTimeUTC")


def _without_facts_extras(node: Any) -> Any:
    """The document minus the fields Xero sends that the spec does not list (see the module docstring)."""
    if isinstance(node, list):
        return [_without_facts_extras(item) for item in node]
    if not isinstance(node, dict):
        return node
    drop = {name for key, names in FACTS_EXTRAS.items() if key in node for name in names}
    return {key: _without_facts_extras(value) for key, value in node.items() if key not in drop}


@pytest.mark.parametrize(
    ("method", "resource", "query"),
    [
        ("PUT", "Invoices", {"summarizeErrors": "false"}),
        ("GET", "Invoices", {"page": "1"}),
        ("GET", "Invoices", {"summaryOnly": "true"}),
        ("GET", "Contacts", {}),
        ("GET", "Accounts", {}),
        ("GET", "TaxRates", {}),
        ("GET", "TrackingCategories", {}),
        ("GET", "Organisation", {}),
        ("GET", "Payments", {}),
        ("GET", "Currencies", {}),
    ],
)
def test_no_fields_beyond_the_spec_and_the_facts(
    specs: Specs, wire: Wire, method: str, resource: str, query: dict[str, str]
) -> None:
    reply = wire.api(method, resource, query, mixed_batch() if method == "PUT" else None)
    assert_no_fields_beyond_the_spec(specs, reply)


def assert_no_fields_beyond_the_spec(specs: Specs, reply: Raw) -> None:
    document = reply.json()
    assert list(document)[:4] == list(ENVELOPE)
    trimmed = _without_facts_extras({k: v for k, v in document.items() if k not in ENVELOPE})
    reply.validate(specs.accounting_strict, body=json.dumps(trimmed).encode())


# -- payments ---------------------------------------------------------------------------------------------------


def sdk_body(model: object) -> bytes:
    """The JSON body xero-python sends for a model (docs/xero-facts.md §1.5)."""
    return json.dumps(serialize(model)).encode()


def sdk_parse(reply: Raw) -> Any:
    """The reply as xero-python's create_payment(s) reads it: a `Payments` model."""
    response = SimpleNamespace(text=reply.body.decode("utf-8"), data=reply.body)
    return ApiClient().deserialize(response, "Payments", AccountingApi().get_model_finder())


def sdk_payment(invoice_number: str, amount: str, account: str = seed.DEMO_BANK_ACCOUNT) -> Payment:
    return Payment(invoice=SdkInvoice(invoice_number=invoice_number), account=Account(code=account),
                   date=date(2026, 10, 20), amount=Decimal(amount), reference="EFT 778")  # fmt: skip


def test_create_payment_post_as_the_sdk_sends_it(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    body = sdk_body(sdk_payment(seed.DEMO_TAKEN_INVOICE_NUMBER, "100.00"))
    reply = wire.api("POST", "Payments", raw_body=body)
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)
    parsed = sdk_parse(reply).payments[0]
    assert parsed.amount == Decimal("100.00") and parsed.invoice.invoice_number == seed.DEMO_TAKEN_INVOICE_NUMBER
    invoice = sandbox.state.organisations[DEMO].invoice(seed.DEMO_TAKEN_INVOICE_NUMBER)
    assert (invoice.status, invoice.amount_due) == ("AUTHORISED", Decimal("263.00"))
    rest = wire.api("POST", "Payments", raw_body=sdk_body(sdk_payment(seed.DEMO_TAKEN_INVOICE_NUMBER, "263.00")))
    assert rest.status == 200 and invoice.status == "PAID" and invoice.fully_paid_on_date == date(2026, 10, 20)


def test_create_payments_put_with_per_element_errors(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    batch = Payments(payments=[
        sdk_payment(seed.DEMO_TAKEN_INVOICE_NUMBER, "300.00"),
        sdk_payment(seed.DEMO_TAKEN_INVOICE_NUMBER, "100.00"),  # with the first, more than is owed
        sdk_payment(seed.DEMO_PAID_INVOICE_NUMBER, "1.00"),
        sdk_payment(seed.DEMO_TAKEN_INVOICE_NUMBER, "1.00", account="200"),
    ])  # fmt: skip
    reply = wire.api("PUT", "Payments", {"summarizeErrors": "false"}, raw_body=sdk_body(batch))
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    parsed = sdk_parse(reply).payments
    assert [p.has_validation_errors for p in parsed] == [False, True, True, True]
    assert [[e.message for e in p.validation_errors or []] for p in parsed] == [
        [],
        [payments.AMOUNT_EXCEEDS],
        [payments.NOT_AUTHORISED],
        [payments.ACCOUNT_TYPE_INVALID],
    ]
    assert len(sandbox.state.organisations[DEMO].payments) == 2  # the seeded one and the first of this batch
    summarised = wire.api("PUT", "Payments", None, raw_body=sdk_body(batch))
    assert summarised.status == 400
    summarised.validate(specs.accounting)
    assert summarised.json()["Elements"][0]["ValidationErrors"] == [{"Message": payments.AMOUNT_EXCEEDS}]
    sandbox.control.set_lock_dates("2026-10-31")
    locked = wire.api("PUT", "Payments", None, raw_body=sdk_body(Payments(payments=[batch.payments[1]])))
    assert locked.status == 400 and "period lock date" in locked.body.decode()


def seeded_payment_id() -> str:
    return seed.seeded_id(DEMO, "payment", seed.DEMO_PAID_INVOICE_NUMBER)


def test_delete_payment_and_its_refusal(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    """POST /Payments/{PaymentID} with the SDK's PaymentDelete body, and with the spec example's wrapped form."""
    deleted = wire.api("POST", f"Payments/{seeded_payment_id()}", raw_body=sdk_body(PaymentDelete(status="DELETED")))
    assert deleted.status == 200, deleted.body
    deleted.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, deleted)
    assert deleted.json()["Payments"][0]["Status"] == "DELETED"
    again = wire.api("POST", f"Payments/{seeded_payment_id()}", document={"Payments": [{"Status": "DELETED"}]})
    assert again.status == 400
    again.validate(specs.accounting)
    (element,) = again.json()["Elements"]
    assert element["ValidationErrors"] == [{"Message": payments.ALREADY_DELETED}]
    unreadable = wire.api("POST", f"Payments/{seeded_payment_id()}", document={"Payments": [{}, {}]})
    assert unreadable.status == 400 and unreadable.json()["Type"] == "PostDataInvalidException"


@pytest.mark.parametrize(
    "query",
    [
        {"where": 'Status=="AUTHORISED" AND PaymentType=="ACCRECPAYMENT"', "order": "Amount ASC"},
        {"order": "UpdatedDateUTC ASC", "page": "1", "pageSize": "1"},
        {"where": f'Invoice.InvoiceID==Guid("{seed.seeded_id(DEMO, "invoice", seed.DEMO_PAID_INVOICE_NUMBER)}")'},
    ],
)
def test_get_payments_queries(specs: Specs, wire: Wire, query: dict[str, str]) -> None:
    reply = wire.send(
        "GET", "/api.xro/2.0/Payments", query, None, {**_auth(wire), "If-Modified-Since": "2000-01-01T00:00:00"}
    )
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    assert [p["PaymentID"] for p in reply.json()["Payments"]] == [seeded_payment_id()]


def test_foreign_currency_payment(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    created = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, {"Invoices": [
        invoice("FX-P", {"Name": "Greenway Builders"}, CurrencyCode="USD", CurrencyRate=0.65)]})  # fmt: skip
    assert created.json()["Invoices"][0]["HasErrors"] is False
    body = sdk_body(Payments(payments=[sdk_payment("FX-P", "65.00")]))
    reply = wire.api("PUT", "Payments", {"summarizeErrors": "false"}, raw_body=body)
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    (payment,) = reply.json()["Payments"]
    assert (payment["CurrencyRate"], payment["BankAmount"], payment["Invoice"]["CurrencyCode"]) == (0.65, 100.0, "USD")


# -- what the spec does not describe ----------------------------------------------------------------------------


PROBLEM_KEYS = ["Type", "Title", "Status", "Detail", "Instance", "Extensions"]


def _undocumented(specs: Specs, reply: Raw) -> None:
    """The Accounting spec has no response for this status: openapi-core says so (which is why it is exempt)."""
    with pytest.raises(ResponseNotFound):
        reply.validate(specs.accounting)


def test_401_bodies_follow_the_facts(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    bad = wire.api("GET", "Invoices", token="not-a-token")
    assert bad.status == 401
    _undocumented(specs, bad)
    assert list(bad.json()) == PROBLEM_KEYS and bad.json()["Detail"] == "AuthenticationUnsuccessful"
    assert bad.headers["www-authenticate"] == "Bearer error=invalid_token"
    sandbox.control.advance_clock(1801)
    expired = wire.api("GET", "Invoices")
    assert expired.status == 401
    assert re.fullmatch(r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", expired.json()["Detail"])


def test_403_404_429_500_503_follow_the_facts(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    forbidden = wire.api("GET", "Invoices", tenant="00000000-0000-0000-0000-000000000001")
    assert forbidden.status == 403
    _undocumented(specs, forbidden)
    assert forbidden.json() | {"Instance": ""} == {"Type": None, "Title": "Forbidden", "Status": 403,
                                                   "Detail": "AuthenticationUnsuccessful", "Instance": "",
                                                   "Extensions": {}}  # fmt: skip
    sandbox.faults.no_permission()
    no_permission = wire.api("GET", "Invoices")
    assert no_permission.status == 403
    _undocumented(specs, no_permission)
    assert list(no_permission.json()) == PROBLEM_KEYS
    assert (no_permission.json()["Title"], no_permission.json()["Detail"]) == ("Forbidden", "AuthorizationUnsuccessful")
    missing = wire.api("GET", "Invoices/6f9619ff-8b86-d011-b42d-00cf4fc964ff")
    assert (missing.status, missing.body) == (404, b"The resource you're looking for cannot be found")
    assert missing.content_type.startswith("text/html")
    _undocumented(specs, missing)

    sandbox.control.exhaust_limit("minute")
    limited = wire.api("GET", "Invoices")
    assert limited.status == 429 and limited.body == b""
    assert limited.headers["x-rate-limit-problem"] == "minute" and int(limited.headers["retry-after"]) > 0
    assert limited.headers["x-minlimit-remaining"] == "0"
    sandbox.control.reset_limits()

    sandbox.faults.fail_next()
    failed = wire.api("GET", "Invoices")
    assert failed.status == 500 and set(failed.json()) == {"Title", "Detail", "Status", "Instance"}
    _undocumented(specs, failed)
    sandbox.faults.offline()
    offline = wire.api("GET", "Invoices")
    assert (offline.status, offline.body) == (503, b"The Organisation is Offline")
    assert offline.content_type.startswith("text/plain")


def api_error(specs: Specs, reply: Raw, error_type: str) -> dict[str, Any]:
    """A 400 ApiException body: the spec's `Error` schema (ErrorNumber, Type, Message), of the given Type."""
    body = reply.json()
    OAS30Validator(specs.accounting_schema("Error")).validate(body)
    assert body["Type"] == error_type and set(body) == {"ErrorNumber", "Type", "Message"}
    return body


@pytest.mark.parametrize("resource", ["Invoices", "Contacts", "Accounts", "Payments"])
@pytest.mark.parametrize("value", ["2026-12-02T16:02:37.744000+00:00", "not a date"])
def test_400_for_a_malformed_if_modified_since(specs: Specs, wire: Wire, resource: str, value: str) -> None:
    reply = wire.send("GET", f"/api.xro/2.0/{resource}", None, None, {**_auth(wire), "If-Modified-Since": value})
    assert reply.status == 400
    _undocumented(specs, reply)  # the spec lists only 200 for these GETs
    assert api_error(specs, reply, "QueryParseException")["ErrorNumber"] == 16
    accepted = wire.send("GET", f"/api.xro/2.0/{resource}", None, None,
                         {**_auth(wire), "If-Modified-Since": "2026-12-02T16:02:37Z"})  # fmt: skip
    assert accepted.status == 200
    accepted.validate(specs.accounting)


def test_413_and_409_bodies(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    """Neither is in the Accounting spec; both use the gateway's problem-details shape, as 401 and 403 do."""
    sandbox.control.set_body_limit(1000)
    too_large = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, mixed_batch())
    assert too_large.status == 413 and too_large.headers["connection"] == "close"
    _undocumented(specs, too_large)
    assert list(too_large.json()) == PROBLEM_KEYS and too_large.json()["Title"] == "Request Entity Too Large"
    sandbox.control.set_body_limit()
    sandbox.faults.conflict()
    conflict = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, mixed_batch())
    assert conflict.status == 409
    _undocumented(specs, conflict)
    assert list(conflict.json()) == PROBLEM_KEYS and conflict.json()["Status"] == 409
    assert conflict.headers["xero-correlation-id"] == conflict.json()["Instance"]


def test_idempotency_key_reuse_answer(specs: Specs, wire: Wire) -> None:
    first = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, mixed_batch())
    headers_key = {"Idempotency-Key": "contract-key-1"}
    body = json.dumps(mixed_batch()).encode()
    for reply in (first,):
        assert reply.status == 200
    replay_1 = wire.send("PUT", "/api.xro/2.0/Invoices", None, body, {**_auth(wire), **headers_key})
    replay_2 = wire.send("PUT", "/api.xro/2.0/Invoices", None, body, {**_auth(wire), **headers_key})
    assert replay_1.body == replay_2.body and replay_1.status == 400  # summarised; cached with its key
    other = wire.send("PUT", "/api.xro/2.0/Invoices", None, b'{"Invoices": []}', {**_auth(wire), **headers_key})
    assert other.status == 400 and list(other.json()) == PROBLEM_KEYS


def _auth(wire: Wire) -> dict[str, str]:
    return {"Authorization": f"Bearer {wire.access_token}", "xero-tenant-id": DEMO, "Content-Type": "application/json"}


# -- identity ---------------------------------------------------------------------------------------------------


def test_connections(specs: Specs, wire: Wire) -> None:
    listed = wire.identity("GET", "/Connections")
    assert listed.status == 200
    listed.validate(specs.identity)
    connections = listed.json()
    assert {c["tenantId"] for c in connections} == {DEMO, SECOND}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", connections[0]["createdDateUtc"])
    by_event = wire.identity("GET", "/Connections", {"authEventId": connections[0]["authEventId"]})
    by_event.validate(specs.identity)
    deleted = wire.identity("DELETE", f"/Connections/{connections[1]['id']}")
    assert deleted.status == 204 and deleted.body == b""
    deleted.validate(specs.identity)
    again = wire.identity("DELETE", f"/Connections/{connections[1]['id']}")
    assert again.status == 404
    again.validate(specs.identity)


def test_token_endpoint(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    schema = specs.identity_document["components"]["schemas"]["AccessToken"]
    token = wire.token_response.json()
    OAS30Validator(schema).validate(token)
    assert set(token) == {"id_token", "access_token", "expires_in", "token_type", "refresh_token", "scope"}
    assert token["expires_in"] == 1800 and token["token_type"] == "Bearer" and isinstance(token["scope"], str)
    form = f"grant_type=refresh_token&client_id=nobody&refresh_token={token['refresh_token']}x".encode()
    refused = wire.send("POST", "/connect/token", None, form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert (refused.status, refused.body) == (400, b'{"error":"invalid_grant"}')
