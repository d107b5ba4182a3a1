"""WARNING elements through the real SDK: with `warn_next` switched on, the next invoices created come back created
(a real InvoiceID, stored) but with StatusAttributeString "WARNING" and a `Warnings` list the SDK reads as
`invoice.warnings`; SentToContact on an invoice that is not approved is the real case in which Xero warns."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sandbox_helpers import DEMO, Connected
from xero_python.accounting import Contact, Invoice, Invoices, LineAmountTypes, LineItem

from invoice_desktop.sandbox import seed, validation
from invoice_desktop.sandbox.control import ControlError
from invoice_desktop.sandbox.server import RunningSandbox


def invoice(number: str, status: str = "AUTHORISED", **extra: object) -> Invoice:
    line = LineItem(description="Service", quantity=Decimal(1), unit_amount=Decimal("50.00"), account_code="200",
                    tax_type="OUTPUT")  # fmt: skip
    day = date(2026, 12, 2)
    return Invoice(type="ACCREC", contact=Contact(name=seed.DEMO_ACTIVE_CONTACTS[2]), line_items=[line], date=day,
                   due_date=day + timedelta(days=7), invoice_number=number, status=status,
                   line_amount_types=LineAmountTypes.EXCLUSIVE, **extra)  # fmt: skip


def create(connected: Connected, *invoices: Invoice) -> list[Invoice]:
    batch = Invoices(invoices=list(invoices))
    return list(connected.accounting().create_invoices(DEMO, batch, summarize_errors=False).invoices)


def test_warn_next_creates_the_invoices_with_a_warning(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.warn_next(2, "Check the exchange rate.")
    made = create(connected, invoice("W-1"), invoice("W-2"), invoice("W-3"))
    assert [i.status_attribute_string for i in made] == ["WARNING", "WARNING", "OK"]
    assert [[w.message for w in i.warnings or []] for i in made] == [["Check the exchange rate."]] * 2 + [[]]
    assert not any(i.has_errors for i in made)
    stored = sandbox.state.organisations[DEMO]
    for created in made:
        found = stored.invoice(created.invoice_number)
        assert found is not None and found.invoice_id == created.invoice_id
    assert create(connected, invoice("W-4"))[0].status_attribute_string == "OK"  # used up


def test_a_failing_element_does_not_use_up_a_warning(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.warn_next(1)
    taken, good = create(connected, invoice(seed.DEMO_TAKEN_INVOICE_NUMBER), invoice("W-5"))
    assert taken.has_errors and taken.status_attribute_string == "ERROR" and not taken.warnings
    assert good.status_attribute_string == "WARNING" and good.warnings[0].message


def test_sent_to_contact_on_a_draft_is_a_warning(sandbox: RunningSandbox, connected: Connected) -> None:
    (draft,) = create(connected, invoice("W-6", status="DRAFT", sent_to_contact=True))
    assert draft.status_attribute_string == "WARNING" and not draft.has_errors
    assert [w.message for w in draft.warnings] == [validation.SENT_TO_CONTACT_NOT_AUTHORISED]
    assert draft.sent_to_contact is False
    (approved,) = create(connected, invoice("W-7", sent_to_contact=True))
    assert approved.status_attribute_string == "OK" and approved.sent_to_contact is True


def test_the_switch_from_the_control_path_and_the_admin_page(sandbox: RunningSandbox, connected: Connected) -> None:
    body = json.dumps({"action": "warn_next", "count": 1, "message": "From the control path"}).encode()
    request = urllib.request.Request(f"{sandbox.base_url}/sandbox/control", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert json.loads(reply.read())["ok"] is True
    assert create(connected, invoice("W-8"))[0].warnings[0].message == "From the control path"
    form = urllib.parse.urlencode({"action": "warn_next", "org": DEMO, "count": "3", "back": "faults"}).encode()
    with urllib.request.urlopen(f"{sandbox.admin_url}/action", data=form, timeout=10) as reply:
        assert "with a warning" in reply.read().decode()
    assert sandbox.faults.warnings_left == 3
    sandbox.control.clear_faults()
    assert create(connected, invoice("W-9"))[0].status_attribute_string == "OK"


@pytest.mark.parametrize(("count", "message"), [(-1, "x"), (True, "x"), (1.5, "x"), (1, ""), (1, 7), (10**9, "x")])
def test_bad_warn_next_arguments_are_refused(sandbox: RunningSandbox, count: object, message: object) -> None:
    with pytest.raises(ControlError):
        sandbox.control.warn_next(count, message)  # type: ignore[arg-type]
    assert sandbox.faults.warnings_left == 0
