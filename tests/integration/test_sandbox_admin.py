"""The "Sandbox Xero" admin page over HTTP: what it shows, and that each form runs its SandboxControl action,
redirects back with a flash message, and changes what the app then meets through the real SDK."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from datetime import date

import pytest
from sandbox_helpers import DEMO, SECOND, Connected
from xero_python.accounting import Contact, Invoice, Invoices, LineItem
from xero_python.exceptions import HTTPStatusException

from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.faults import FaultKind
from invoice_desktop.sandbox.server import RunningSandbox


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def get_page(sandbox: RunningSandbox, query: str = "") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"{sandbox.admin_url}{query}", timeout=10) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def post_action(sandbox: RunningSandbox, headers: dict[str, str] | None = None, **form: str) -> tuple[int, str]:
    """POST a form as the page does; returns the status and the Location (the redirect is not followed)."""
    data = urllib.parse.urlencode({"org": DEMO, **form}).encode()
    request = urllib.request.Request(f"{sandbox.admin_url}/action", data=data, headers=headers or {}, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def act(sandbox: RunningSandbox, **form: str) -> str:
    """Run one action and return the page it redirects to (with its flash message)."""
    status, location = post_action(sandbox, **form)
    assert status == 303, (status, location)
    status, page = get_page(sandbox, location[len("/sandbox/admin") :])
    assert status == 200
    return page


def flash_of(page: str) -> str:
    start = page.index('<div class="flash')
    return page[start : page.index("</div>", start)]


def test_page_shows_the_organisation(sandbox: RunningSandbox) -> None:
    status, page = get_page(sandbox)
    assert status == 200
    assert "<title>Sandbox Xero — Harbour Lane Plumbing Pty Ltd</title>" in page
    for text in (seed.DEMO_ARCHIVED_CONTACT, *seed.DEMO_ACTIVE_CONTACTS, "Plumbing Supplies Sales",
                 seed.DEMO_TAKEN_INVOICE_NUMBER, seed.DEMO_PAID_INVOICE_NUMBER, "Simulate problems", "Lock dates",
                 "Plan limit", seed.SECOND_ORG_NAME):  # fmt: skip
        assert text in page, text
    assert '<div class="flash' not in page
    assert "<script" not in page and "http://" not in page.replace(sandbox.base_url, "")  # no external assets


def test_switching_organisation(sandbox: RunningSandbox) -> None:
    status, page = get_page(sandbox, f"?org={SECOND}")
    assert status == 200
    assert "<h1>Kauri Design Studio Ltd</h1>" in page
    assert all(name in page for name in seed.SECOND_CONTACTS)
    status, page = get_page(sandbox, "?org=no-such-org")
    assert status == 404 and "no organisation" in page


def test_archive_and_restore_a_contact(sandbox: RunningSandbox, connected: Connected) -> None:
    contact = sandbox.state.organisations[DEMO].contacts_named("Greenway Builders")[0]
    page = act(sandbox, action="archive_contact", contact=contact.contact_id, back="contacts")
    assert "Archived the contact “Greenway Builders”" in flash_of(page)
    assert contact.status == "ARCHIVED"
    line = LineItem(description="Work", quantity=1, unit_amount=10, account_code="200")
    invoice = Invoice(type="ACCREC", contact=Contact(contact_id=contact.contact_id), date=date(2026, 10, 1),
                      line_items=[line])  # fmt: skip
    result = connected.accounting().create_invoices(DEMO, Invoices(invoices=[invoice]), summarize_errors=False)
    assert result.invoices[0].has_errors
    act(sandbox, action="restore_contact", contact=contact.contact_id)
    assert contact.status == "ACTIVE"


def test_archive_and_restore_an_account(sandbox: RunningSandbox) -> None:
    page = act(sandbox, action="archive_account", account="260")
    assert "Archived account 260 Other Revenue" in flash_of(page)
    assert sandbox.state.organisations[DEMO].account_by_code("260").status == "ARCHIVED"
    act(sandbox, action="restore_account", account="260")
    assert sandbox.state.organisations[DEMO].account_by_code("260").status == "ACTIVE"


def test_record_a_payment_and_void(sandbox: RunningSandbox) -> None:
    org = sandbox.state.organisations[DEMO]
    taken = org.invoice(seed.DEMO_TAKEN_INVOICE_NUMBER)
    page = act(sandbox, action="record_payment", invoice=taken.invoice_id, amount="100.00", back="invoices")
    assert "Recorded a payment of 100.00 against INV-0042; it is now AUTHORISED." in flash_of(page)
    assert str(taken.amount_due) == "263.00"
    page = act(sandbox, action="void_invoice", invoice=taken.invoice_id)
    assert 'class="flash error"' in page and "cannot be voided" in flash_of(page)
    act(sandbox, action="record_payment", invoice=taken.invoice_id, amount="")
    assert taken.status == "PAID"


def test_lock_dates_and_plan_limit(sandbox: RunningSandbox) -> None:
    org = sandbox.state.organisations[DEMO]
    page = act(sandbox, action="set_lock_dates", period="2026-06-30", end_of_year="")
    assert org.period_lock_date == date(2026, 6, 30) and org.end_of_year_lock_date is None
    assert 'value="2026-06-30"' in page
    act(sandbox, action="clear_lock_dates")
    assert org.period_lock_date is None
    act(sandbox, action="set_plan_limit", limit="3")
    assert org.plan_invoice_limit == 3
    page = act(sandbox, action="set_plan_limit", limit="lots")
    assert "not a whole number" in flash_of(page)
    act(sandbox, action="set_plan_limit", limit="")
    assert org.plan_invoice_limit is None


def test_disconnect_reconnect_and_revoke(sandbox: RunningSandbox, connected: Connected) -> None:
    _, page = get_page(sandbox)
    assert "connected</span>" in page and connected.session.client_id in page
    act(sandbox, action="disconnect_tenant")
    with pytest.raises(HTTPStatusException) as raised:
        connected.raw_accounting().get_organisations(DEMO)
    assert raised.value.status == 403
    act(sandbox, action="reconnect_tenant")
    assert connected.raw_accounting().get_organisations(DEMO).organisations[0].name == seed.DEMO_ORG_NAME
    page = act(sandbox, action="revoke_app")
    assert "Revoked the app" in flash_of(page) and not sandbox.state.connections


@pytest.mark.parametrize("kind", list(FaultKind))
def test_fault_switches_arm_the_faults(sandbox: RunningSandbox, kind: FaultKind) -> None:
    page = act(sandbox, action="arm_fault", kind=kind.value, count="all")
    assert "until you clear the faults" in flash_of(page)
    assert sandbox.faults.describe()["armed"] == [
        {"kind": kind.value, "remaining": None, "path": "/api.xro/2.0/", "method": ""}
    ]
    act(sandbox, action="clear_faults")
    assert sandbox.faults.describe()["armed"] == []


def test_offline_switch_reaches_the_sdk(sandbox: RunningSandbox, connected: Connected) -> None:
    act(sandbox, action="arm_fault", kind="offline", count="1")
    with pytest.raises(HTTPStatusException) as raised:
        connected.raw_accounting().get_organisations(DEMO)
    assert raised.value.status == 503 and raised.value.body == b"The Organisation is Offline"


def test_latency_and_limits(sandbox: RunningSandbox) -> None:
    act(sandbox, action="set_latency", seconds="2.5")
    assert sandbox.faults.describe()["latency_seconds"] == 2.5
    act(sandbox, action="set_latency", seconds="0")
    page = act(sandbox, action="exhaust_limit", problem="minute")
    assert "HTTP 429" in flash_of(page)
    assert sandbox.limiter.snapshot(DEMO).minute_remaining == 0
    page = act(sandbox, action="reset_limits")
    assert sandbox.limiter.snapshot(DEMO).minute_remaining == 60
    assert "60 this minute" in page


def test_flash_is_shown_once_and_escaped(sandbox: RunningSandbox) -> None:
    _, location = post_action(sandbox, action="archive_contact", contact="<b>nobody</b>")
    page = get_page(sandbox, location[len("/sandbox/admin") :])[1]
    assert "&lt;b&gt;nobody&lt;/b&gt;" in flash_of(page) and "<b>nobody</b>" not in page
    assert '<div class="flash' not in get_page(sandbox, location[len("/sandbox/admin") :])[1]


def test_names_from_the_api_are_escaped(sandbox: RunningSandbox, connected: Connected) -> None:
    evil = '<script>alert("x")</script>'
    invoice = Invoice(type="ACCREC", contact=Contact(name=evil), invoice_number='INV-"><i>', date=date(2026, 10, 1),
                      line_items=[LineItem(description="Work", quantity=1, unit_amount=10, account_code="200")],
                      status="AUTHORISED")  # fmt: skip
    connected.accounting().create_invoices(DEMO, Invoices(invoices=[invoice]), summarize_errors=False)
    page = get_page(sandbox)[1]
    assert evil not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'INV-"><i>' not in page


def test_cross_site_posts_are_refused(sandbox: RunningSandbox) -> None:
    status, _ = post_action(sandbox, {"Origin": "https://evil.example"}, action="revoke_app")
    assert status == 403
    status, _ = post_action(sandbox, {"Origin": sandbox.base_url}, action="clear_faults")
    assert status == 303


def test_unknown_action_and_method(sandbox: RunningSandbox) -> None:
    page = act(sandbox, action="format_disk")
    assert "Unknown action" in flash_of(page)
    request = urllib.request.Request(f"{sandbox.admin_url}/action")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 405
