"""Enabled currencies through the real SDK: GET /Currencies lists the base currency and the ones enabled; an invoice
in a currency the organisation has not enabled fails with Xero's message; the control action (Python, the JSON
control path and the admin page) enables and removes currencies."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sandbox_helpers import DEMO, SECOND, Connected
from xero_python.accounting import Contact, CurrencyCode, Invoice, Invoices, LineAmountTypes, LineItem

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.control import ControlError
from invoice_desktop.sandbox.server import RunningSandbox


def invoice_in(currency: CurrencyCode, number: str) -> Invoice:
    line = LineItem(description="Consulting", quantity=Decimal(1), unit_amount=Decimal("100.00"), account_code="200",
                    tax_type="OUTPUT")  # fmt: skip
    day = date(2026, 12, 2)
    return Invoice(type="ACCREC", contact=Contact(name=seed.DEMO_ACTIVE_CONTACTS[0]), line_items=[line], date=day,
                   due_date=day + timedelta(days=14), invoice_number=number, status="AUTHORISED",
                   line_amount_types=LineAmountTypes.EXCLUSIVE, currency_code=currency)  # fmt: skip


def codes(connected: Connected, tenant: str = DEMO) -> list[str]:
    return [c.code.value for c in connected.accounting(tenant).get_currencies(tenant).currencies]


def send(connected: Connected, currency: CurrencyCode, number: str) -> Invoice:
    batch = Invoices(invoices=[invoice_in(currency, number)])
    return connected.accounting().create_invoices(DEMO, batch, summarize_errors=False).invoices[0]


def test_get_currencies_lists_the_base_currency_and_the_enabled_ones(connected: Connected) -> None:
    assert codes(connected) == ["AUD", *seed.DEMO_EXTRA_CURRENCIES]
    assert codes(connected, SECOND) == ["NZD"]
    listed = connected.accounting().get_currencies(DEMO, where='Code=="USD"').currencies
    assert [(c.code.value, c.description) for c in listed] == [("USD", "United States Dollar")]


def test_an_invoice_in_a_currency_not_enabled_fails_with_xeros_message(
    sandbox: RunningSandbox, connected: Connected
) -> None:
    usd = send(connected, CurrencyCode.USD, "FX-1")
    assert not usd.has_errors and usd.currency_code.value == "USD"
    eur = send(connected, CurrencyCode.EUR, "FX-2")
    assert eur.has_errors and eur.status_attribute_string == "ERROR"
    assert [e.message for e in eur.validation_errors] == ["Organisation is not subscribed to currency EUR"]
    assert sandbox.state.organisations[DEMO].invoice("FX-2") is None
    sandbox.control.enable_currency("eur")
    assert not send(connected, CurrencyCode.EUR, "FX-2").has_errors
    assert codes(connected) == ["AUD", "USD", "EUR"]


def test_removing_a_currency(sandbox: RunningSandbox, connected: Connected) -> None:
    control = sandbox.control
    control.enable_currency("GBP")
    control.disable_currency("GBP")
    assert "GBP" not in codes(connected)
    assert send(connected, CurrencyCode.GBP, "FX-3").has_errors
    with pytest.raises(ControlError, match="base currency"):
        control.disable_currency("AUD")
    send(connected, CurrencyCode.USD, "FX-4")
    with pytest.raises(ControlError, match="used by invoices"):
        control.disable_currency("USD")
    for bad in ("XYZ", "", 7, None):
        with pytest.raises(ControlError, match="code must be one of"):
            control.enable_currency(bad)  # type: ignore[arg-type]
    assert codes(connected) == ["AUD", "USD"]


def control_post(sandbox: RunningSandbox, document: dict[str, object]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(f"{sandbox.base_url}/sandbox/control", data=json.dumps(document).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_control_path_and_the_admin_page_enable_and_remove(sandbox: RunningSandbox, connected: Connected) -> None:
    status, answer = control_post(sandbox, {"action": "enable_currency", "code": "SGD", "tenant": SECOND})
    assert status == 200 and answer["result"]["Currencies"] == ["NZD", "SGD"]  # type: ignore[index]
    status, answer = control_post(sandbox, {"action": "enable_currency", "code": "nope"})
    assert status == 400 and "code must be one of" in str(answer["error"])
    form = urllib.parse.urlencode({"action": "disable_currency", "org": SECOND, "code": "SGD", "back": "currencies"})
    with urllib.request.urlopen(f"{sandbox.admin_url}/action", data=form.encode(), timeout=10) as reply:
        page = reply.read().decode()
    assert "Removed SGD from Kauri Design Studio Ltd" in page
    assert codes(connected, SECOND) == ["NZD"]
    assert 'name="code"' in page and ">SGD Singapore Dollar</option>" in page
