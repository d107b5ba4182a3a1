"""Contract tests of credit notes, their allocations and voids: every response the sandbox gives for
PUT/POST/GET /CreditNotes, POST /CreditNotes/{id}, PUT /CreditNotes/{id}/Allocations and a void through POST
/Invoices/{id} validates against Xero's OpenAPI spec (the bytes as sent), carries no field beyond the spec and
docs/xero-facts.md (test_sandbox_contract.assert_no_fields_beyond_the_spec; a credit note's `ID` is in the spec's
examples, not its schema), and is read by xero-python's models.

Where the spec and Xero disagree the sandbox follows Xero as for invoices (MS-JSON dates, the envelope, the
summarised 400 by default). The spec's Allocation requires Amount, Invoice and Date and xero-python refuses to build
one without them, so every allocation answered, refused ones too, has all three.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from contract_helpers import Raw, Specs, Wire
from test_sandbox_contract import assert_no_fields_beyond_the_spec, demo_invoice_id, invoice
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient

from invoice_desktop.sandbox import credit_notes, seed, validation
from invoice_desktop.sandbox.server import RunningSandbox

CUSTOMER = {"Name": "Greenway Builders"}


def credit_note(number: str | None, contact: dict[str, str] = CUSTOMER, amount: float = 30.0,
                **extra: Any) -> dict[str, Any]:  # fmt: skip
    document = {
        "Type": "ACCRECCREDIT", "Contact": contact, "Date": "2026-10-06", "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive", "Reference": "Returned goods",
        "LineItems": [{"Description": "Returned tap", "Quantity": 1.0, "UnitAmount": amount, "AccountCode": "200",
                       "TaxType": "OUTPUT"}],
        **extra,
    }  # fmt: skip
    if number is not None:
        document["CreditNoteNumber"] = number
    return document


def mixed_batch() -> dict[str, Any]:
    return {"CreditNotes": [
        credit_note("CC-1"),
        credit_note("CC-2", {"Name": seed.DEMO_ARCHIVED_CONTACT}),
        credit_note("CC-1"),
        credit_note(None, Status="VOIDED"),
        credit_note("CC-3", Status="DRAFT"),
    ]}  # fmt: skip


def sdk_read(reply: Raw, model: str) -> Any:
    response = SimpleNamespace(text=reply.body.decode("utf-8"), data=reply.body)
    return ApiClient().deserialize(response, model, AccountingApi().get_model_finder())


def created(wire: Wire, *notes: dict[str, Any]) -> list[dict[str, Any]]:
    reply = wire.api("PUT", "CreditNotes", {"summarizeErrors": "false"}, {"CreditNotes": list(notes)})
    assert reply.status == 200, reply.body
    return list(reply.json()["CreditNotes"])


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_credit_notes_200_with_per_element_errors(specs: Specs, wire: Wire, method: str) -> None:
    reply = wire.api(method, "CreditNotes", {"summarizeErrors": "False", "unitdp": "4"}, mixed_batch())
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    elements = reply.json()["CreditNotes"]
    # POST updates CC-1 with the third element (Xero finds a credit note by its number too); PUT refuses it.
    assert [e["HasErrors"] for e in elements] == [False, True, method == "PUT", True, False]
    assert [e["StatusAttributeString"] for e in elements][:2] == ["OK", "ERROR"]
    first = elements[0]
    assert (first["CreditNoteNumber"], first["Total"], first["RemainingCredit"], first["ID"]) == (
        "CC-1", 33.0, 33.0, first["CreditNoteID"])  # fmt: skip
    assert elements[3]["ValidationErrors"] == [{"Message": validation.CREDIT_NOTE_NOT_VALID_FOR_CREATION}]
    parsed = sdk_read(reply, "CreditNotes").credit_notes
    assert [bool(c.has_errors) for c in parsed] == [e["HasErrors"] for e in elements]


def test_credit_notes_400_and_unreadable(specs: Specs, wire: Wire) -> None:
    summarised = wire.api("PUT", "CreditNotes", None, mixed_batch())
    assert summarised.status == 400
    summarised.validate(specs.accounting)
    body = summarised.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert body["Elements"][0]["ValidationErrors"] == [{"Message": validation.ARCHIVED_CONTACT}]
    broken = wire.api("PUT", "CreditNotes", None, raw_body=b'{"CreditNotes": [{"Type": ')
    assert broken.status == 400 and broken.json()["Type"] == "PostDataInvalidException"
    broken.validate(specs.accounting)


@pytest.mark.parametrize(
    "query",
    [{}, {"page": "1", "pageSize": "1"}, {"where": 'Status=="AUTHORISED" AND Type=="ACCRECCREDIT"'},
     {"order": "CreditNoteNumber DESC", "unitdp": "4"}, {"where": 'CreditNoteNumber=="CC-L2"'}],
    ids=["all", "paged", "where", "order", "number"],
)  # fmt: skip
def test_get_credit_notes(specs: Specs, wire: Wire, query: dict[str, str]) -> None:
    created(wire, credit_note("CC-L1"), credit_note("CC-L2", amount=12.5))
    reply = wire.api("GET", "CreditNotes", query)
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    found = reply.json()["CreditNotes"]
    assert found and all(c["Type"] == "ACCRECCREDIT" for c in found)
    assert ("pagination" in reply.json()) is ("page" in query)
    assert all(("LineItems" in c) is ("page" in query) for c in found)  # lines on a page only


def test_get_credit_notes_by_ids_and_one(specs: Specs, wire: Wire) -> None:
    first, second, _third = created(wire, credit_note("CC-I1"), credit_note("CC-I2"), credit_note("CC-I3"))
    ids = f"{first['CreditNoteID']},{second['CreditNoteID'].upper()}"
    listed = wire.api("GET", "CreditNotes", {"IDs": ids})
    assert [c["CreditNoteNumber"] for c in listed.json()["CreditNotes"]] == ["CC-I1", "CC-I2"]
    one = wire.api("GET", f"CreditNotes/{second['CreditNoteID']}")
    assert one.status == 200
    one.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, one)
    assert one.json()["CreditNotes"][0]["LineItems"][0]["Description"] == "Returned tap"
    for path in ("CreditNotes/6f9619ff-8b86-d011-b42d-00cf4fc964ff", f"CreditNotes/{first['CreditNoteID']}/History",
                 "CreditNotes/6f9619ff-8b86-d011-b42d-00cf4fc964ff/Allocations"):  # fmt: skip
        method = "PUT" if path.endswith("Allocations") else "GET"
        document = {"Allocations": []} if method == "PUT" else None
        assert wire.api(method, path, document=document).status == 404, path


def allocation_body(invoice_id: str, amount: float, on: str = "2026-10-07") -> dict[str, Any]:
    return {"Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": amount, "Date": on}]}


def test_allocations_200_400_and_the_invoice(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    (note,) = created(wire, credit_note("CC-A", {"Name": seed.DEMO_ACTIVE_CONTACTS[0]}, amount=100.0))  # 110.00
    target = demo_invoice_id()  # INV-0042, 363.00 due, for the same customer
    path = f"CreditNotes/{note['CreditNoteID']}/Allocations"
    batch = {"Allocations": [*allocation_body(target, 60.5)["Allocations"],
                             *allocation_body(target, 49.51)["Allocations"],
                             {"Invoice": {"InvoiceNumber": seed.DEMO_PAID_INVOICE_NUMBER}, "Amount": 1}]}  # fmt: skip
    reply = wire.api("PUT", path, {"summarizeErrors": "false"}, batch)
    assert reply.status == 200, reply.body
    reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, reply)
    first, over, paid = reply.json()["Allocations"]
    assert (first["Amount"], first["Invoice"]["InvoiceID"], first["ValidationErrors"]) == (60.5, target, [])
    assert first["AllocationID"] and first["CreditNote"]["CreditNoteID"] == note["CreditNoteID"]
    assert over["ValidationErrors"] == [{"Message": credit_notes.AMOUNT_OUTSTANDING}]  # 49.51 > the 49.50 left
    assert paid["ValidationErrors"][0] == {"Message": credit_notes.PAID_OFF}
    assert over["StatusAttributeString"] == "ERROR" and "Amount" in paid and "Date" in paid
    parsed = sdk_read(reply, "Allocations").allocations
    assert [len(a.validation_errors or []) for a in parsed] == [0, 1, len(paid["ValidationErrors"])]

    summarised = wire.api("PUT", path, None, allocation_body(target, 49.51))
    assert summarised.status == 400
    summarised.validate(specs.accounting)
    assert summarised.json()["Elements"][0]["ValidationErrors"] == [{"Message": credit_notes.AMOUNT_OUTSTANDING}]

    invoice_reply = wire.api("GET", f"Invoices/{target}")
    invoice_reply.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, invoice_reply)
    seen = invoice_reply.json()["Invoices"][0]
    assert (seen["AmountDue"], seen["AmountCredited"]) == (302.5, 60.5)
    listed = [(c["CreditNoteID"], c["CreditNoteNumber"], c["AppliedAmount"], c["Total"]) for c in seen["CreditNotes"]]
    assert listed == [(note["CreditNoteID"], "CC-A", 60.5, 110.0)]
    note_reply = wire.api("GET", f"CreditNotes/{note['CreditNoteID']}")
    assert_no_fields_beyond_the_spec(specs, note_reply)
    (allocated,) = note_reply.json()["CreditNotes"][0]["Allocations"]
    assert (allocated["AllocationID"], allocated["Amount"]) == (first["AllocationID"], 60.5)
    assert note_reply.json()["CreditNotes"][0]["RemainingCredit"] == 49.5


def test_void_answers(specs: Specs, sandbox: RunningSandbox, wire: Wire) -> None:
    (note,) = created(wire, credit_note("CC-V"))
    voided = wire.api("POST", f"CreditNotes/{note['CreditNoteID']}", None,
                      {"CreditNotes": [{"Status": "VOIDED"}]})  # fmt: skip
    assert voided.status == 200, voided.body
    voided.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, voided)
    assert (voided.json()["CreditNotes"][0]["Status"], voided.json()["CreditNotes"][0]["RemainingCredit"]) == (
        "VOIDED", 0.0)  # fmt: skip

    made = wire.api("PUT", "Invoices", {"summarizeErrors": "false"},
                    {"Invoices": [invoice("CC-VI", CUSTOMER)]}).json()["Invoices"][0]  # fmt: skip
    invoice_void = wire.api("POST", f"Invoices/{made['InvoiceID']}", None,
                            {"InvoiceNumber": "CC-VI", "Status": "VOIDED"})  # fmt: skip
    assert invoice_void.status == 200, invoice_void.body
    invoice_void.validate(specs.accounting)
    assert_no_fields_beyond_the_spec(specs, invoice_void)
    assert (invoice_void.json()["Invoices"][0]["Status"], invoice_void.json()["Invoices"][0]["AmountDue"]) == (
        "VOIDED", 0.0)  # fmt: skip

    paid = seed.seeded_id(seed.DEMO_TENANT_ID, "invoice", seed.DEMO_PAID_INVOICE_NUMBER)
    refused = wire.api("POST", f"Invoices/{paid}", None, {"Invoices": [{"Status": "VOIDED"}]})
    assert refused.status == 400
    refused.validate(specs.accounting)
    (element,) = refused.json()["Elements"]
    assert element["ValidationErrors"] == [{"Message": validation.HAS_PAYMENTS}] and element["HasErrors"] is True
    unknown = wire.api("POST", "CreditNotes", {"summarizeErrors": "false"},
                       {"CreditNotes": [{"CreditNoteID": "6f9619ff-8b86-d011-b42d-00cf4fc964ff",
                                         "Status": "VOIDED"}]})  # fmt: skip
    unknown.validate(specs.accounting)
    assert unknown.json()["CreditNotes"][0]["ValidationErrors"] == [{"Message": validation.CREDIT_NOTE_NOT_FOUND}]


def test_idempotent_credit_notes_replay_the_same_bytes(wire: Wire) -> None:
    headers = {"Authorization": f"Bearer {wire.access_token}", "xero-tenant-id": seed.DEMO_TENANT_ID,
               "Content-Type": "application/json", "Idempotency-Key": "cn-contract-1"}  # fmt: skip
    body = json.dumps({"CreditNotes": [credit_note("CC-K")]}).encode()
    first = wire.send("PUT", "/api.xro/2.0/CreditNotes", {"summarizeErrors": "false"}, body, headers)
    again = wire.send("PUT", "/api.xro/2.0/CreditNotes", {"summarizeErrors": "false"}, body, headers)
    assert first.status == again.status == 200 and first.body == again.body
    listed = wire.api("GET", "CreditNotes", {"where": 'CreditNoteNumber=="CC-K"'})
    assert len(listed.json()["CreditNotes"]) == 1
