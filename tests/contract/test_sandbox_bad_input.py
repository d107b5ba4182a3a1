"""Request bodies and queries no client should send get Xero's 400s (PostDataInvalidException, QueryParseException)
with a reason, never a 500, and nothing is stored: NaN and Infinity (not JSON), numbers of absurd size, impossible
dates, nesting too deep to read, a where clause too long or too deeply nested."""

from __future__ import annotations

import json

import pytest
from contract_helpers import Specs, Wire
from test_sandbox_contract import api_error

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox

LINE = '{"Description":"x","Quantity":%s,"UnitAmount":%s,"AccountCode":"200","TaxType":"OUTPUT"}'


def batch(line: str, date: str = '"2026-12-02"') -> bytes:
    invoice = (
        '{"Type":"ACCREC","Contact":{"Name":"Greenway Builders"},"InvoiceNumber":"BAD-1","Date":%s,"LineItems":[%s]}'
    )
    return ('{"Invoices":[' + invoice % (date, line) + "]}").encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (batch(LINE % ("NaN", "10")), "NaN is not a JSON value"),
        (batch(LINE % ("1", "Infinity")), "Infinity is not a JSON value"),
        (batch(LINE % ("1", "1e300")), "too large"),
        (batch(LINE % ("1" + "0" * 40, "1")), "too large"),
        (batch(LINE % ("1", "1e999999")), "too large"),
        (batch(LINE % ("1", "10"), '"2026-13-45"'), "not a date"),
        (batch(LINE % ("1", "10"), '"/Date(99999999999999999999)/"'), "not a date"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["nan", "infinity", "1e300", "huge-int", "huge-exponent", "bad-date", "bad-ms-date", "deep"],
)
def test_unreadable_invoice_bodies(specs: Specs, sandbox: RunningSandbox, wire: Wire, body: bytes, reason: str) -> None:
    reply = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, raw_body=body)
    assert reply.status == 400
    reply.validate(specs.accounting)
    assert reason in api_error(specs, reply, "PostDataInvalidException")["Message"]
    assert sandbox.state.organisations[seed.DEMO_TENANT_ID].invoice("BAD-1") is None


def test_unreadable_payment_amounts(specs: Specs, wire: Wire) -> None:
    for amount in ("NaN", "1e999999", "-Infinity"):
        body = '{"Payments":[{"Invoice":{"InvoiceNumber":"INV-0042"},"Account":{"Code":"090"},"Amount":AMOUNT}]}'
        body = body.replace("AMOUNT", amount)
        reply = wire.api("PUT", "Payments", None, raw_body=body.encode())
        assert reply.status == 400, amount
        api_error(specs, reply, "PostDataInvalidException")


@pytest.mark.parametrize("where", ["(" * 600 + 'Type=="ACCREC"' + ")" * 600, 'Type=="' + "A" * 5000 + '"'])
def test_where_too_deep_or_too_long(specs: Specs, wire: Wire, where: str) -> None:
    reply = wire.api("GET", "Invoices", {"where": where})
    assert reply.status == 400
    api_error(specs, reply, "QueryParseException")


def test_the_largest_numbers_still_add_up(wire: Wire) -> None:
    line = {"Description": "x", "Quantity": 9999999999, "UnitAmount": 9999999999.99, "AccountCode": "200"}
    document = {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Greenway Builders"}, "LineItems": [line] * 500}]}
    reply = wire.api("PUT", "Invoices", {"summarizeErrors": "false"}, document)
    assert reply.status == 200 and not json.loads(reply.body)["Invoices"][0]["HasErrors"]
