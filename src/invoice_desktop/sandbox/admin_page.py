"""The HTML of the "Sandbox Xero" admin page: plain server-rendered HTML with small forms that post back to
admin.py, styled by static/admin.css (inlined, so the page needs nothing else). Every value is HTML-escaped.

`render(view)` is a pure function of an AdminView, which admin.py builds under the state lock.
"""

from __future__ import annotations

import functools
import html
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any, cast
from urllib.parse import urlencode

from invoice_desktop.sandbox.admin_actions import FAULT_LABELS
from invoice_desktop.sandbox.currencies import CURRENCY_NAMES
from invoice_desktop.sandbox.faults import FaultKind
from invoice_desktop.sandbox.limits import LimitDecision
from invoice_desktop.sandbox.state import Account, Connection, Contact, CreditNote, Invoice, Organisation

ADMIN_PATH = "/sandbox/admin"
ACTION_PATH = ADMIN_PATH + "/action"
MAX_INVOICES_SHOWN = 200

FAULT_HELP: dict[FaultKind, str] = {
    FaultKind.SERVER_ERROR: "Xero answers HTTP 500 “An error occurred in Xero”. Nothing is saved.",
    FaultKind.OFFLINE: "Xero answers HTTP 503 “The Organisation is Offline”, as during maintenance.",
    FaultKind.HANG: "Xero never answers; the app gives up after its timeout. Nothing is saved.",
    FaultKind.RESET: "The network connection is cut before any answer. Nothing is saved.",
    FaultKind.MALFORMED_JSON: "Xero answers with broken JSON the app cannot read. Nothing is saved.",
    FaultKind.DROP_AFTER_COMMIT: "Xero saves the invoices, then the answer is lost on the way back. "
    "A careful app finds them instead of sending them twice.",
    FaultKind.CONFLICT: "Xero answers HTTP 409 Conflict, as when another request is still being processed. "
    "Nothing is saved.",
    FaultKind.NO_PERMISSION: "Xero answers HTTP 403 “AuthorizationUnsuccessful”: the user or the app may not do "
    "this (a role or permission was taken away). The organisation stays connected. Nothing is saved.",
}


ACCOUNT_TYPE_NAMES = {
    "BANK": "Bank", "CURRENT": "Current asset", "CURRLIAB": "Current liability", "DEPRECIATN": "Depreciation",
    "DIRECTCOSTS": "Direct costs", "EQUITY": "Equity", "EXPENSE": "Expense", "FIXED": "Fixed asset",
    "INVENTORY": "Inventory", "LIABILITY": "Liability", "NONCURRENT": "Non-current asset",
    "OTHERINCOME": "Other income", "OVERHEADS": "Overhead", "PREPAYMENT": "Prepayment", "REVENUE": "Revenue",
    "SALES": "Sales", "TERMLIAB": "Non-current liability", "PAYG": "PAYG liability",
}  # fmt: skip


@dataclass
class AppConnection:
    """One connected app of the organisation, as the page lists it."""

    connection: Connection
    app_name: str


@dataclass
class AdminView:
    org: Organisation
    organisations: list[Organisation]
    connections: list[AppConnection]
    faults: dict[str, object]
    limits: LimitDecision
    auto_approve: bool
    today: date
    flash: tuple[str, str] | None = None  # (kind "ok"/"error", message)
    contacts_by_id: dict[str, Contact] = field(default_factory=dict)


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


@functools.cache
def stylesheet() -> str:
    return resources.files("invoice_desktop.sandbox").joinpath("static/admin.css").read_text(encoding="utf-8")


def page_url(tenant_id: str, **extra: str) -> str:
    return f"{ADMIN_PATH}?{urlencode({'org': tenant_id, **extra})}"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _day(value: date | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def _pill(text: str, css: str | None = None) -> str:
    return f'<span class="pill {e(css or text)}">{e(text.title() if text.isupper() else text)}</span>'


def _form(view: AdminView, action: str, back: str, fields: str, button: str) -> str:
    """A small form posting one action for the organisation on view; `back` is the section to return to."""
    return (
        f'<form class="inline" method="post" action="{ACTION_PATH}">'
        f'<input type="hidden" name="action" value="{e(action)}">'
        f'<input type="hidden" name="org" value="{e(view.org.tenant_id)}">'
        f'<input type="hidden" name="back" value="{e(back)}">{fields}{button}</form>'
    )


def _button(label: str, css: str = "", confirm: str = "") -> str:
    # The only script on the page: a confirmation. The text is a JSON string literal, then attribute-escaped.
    extra = f' onclick="return confirm({e(json.dumps(confirm))})"' if confirm else ""
    return f'<button type="submit" class="{e(css)}"{extra}>{e(label)}</button>'


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{e(name)}" value="{e(value)}">'


# -- sections ---------------------------------------------------------------------------------------------------


def _header(view: AdminView) -> str:
    tabs = "".join(
        f'<a href="{e(page_url(o.tenant_id))}" class="{"current" if o.tenant_id == view.org.tenant_id else ""}">'
        f"{e(o.name)}</a>"
        for o in view.organisations
    )
    sections = "".join(
        f'<a href="#{anchor}">{label}</a>'
        for anchor, label in (("connection", "Connection"), ("invoices", "Invoices"), ("credit-notes", "Credit notes"),
                              ("contacts", "Contacts"),
                              ("accounts", "Accounts"), ("settings", "Lock dates"), ("currencies", "Currencies"),
                              ("faults", "Simulate problems"))
    )  # fmt: skip
    return (
        '<header class="top"><div class="bar"><div class="brand">Sandbox <span>Xero</span></div>'
        f'<nav class="orgs" aria-label="Organisations">{tabs}</nav>'
        f'<nav class="sections" aria-label="Sections">{sections}</nav></div></header>'
    )


def _intro(view: AdminView) -> str:
    org = view.org
    flash = ""
    if view.flash is not None:
        kind, message = view.flash
        flash = f'<div class="flash {e(kind)}" role="status">{e(message)}</div>'
    return (
        f"<h1>{e(org.name)}</h1>"
        f'<p class="muted">{e(org.country_code)} organisation · base currency {e(org.base_currency)} · '
        f"sandbox date {e(_day(view.today))}. This is a local stand-in for Xero: a change made here acts on the "
        "app exactly as the same change in Xero would. Nothing leaves this computer.</p>" + flash
    )


def _connection(view: AdminView) -> str:
    org = view.org
    if view.connections:
        rows = "".join(
            f"<tr><td>{e(c.app_name)}</td><td>{_pill('connected')}</td>"
            f"<td>{e(_day(date.fromtimestamp(c.connection.created)))}</td></tr>"
            for c in view.connections
        )
        listing = f"<table><tr><th>App</th><th>Status</th><th>Connected on</th></tr>{rows}</table>"
        disconnect = _button(f"Disconnect {org.name}", "danger", f"Disconnect {org.name} from the app?")
        buttons = _form(view, "disconnect_tenant", "connection", "", disconnect)
    else:
        listing = f"<p>{_pill('not connected', 'disconnected')} No app is connected to {e(org.name)}.</p>"
        buttons = _form(view, "reconnect_tenant", "connection", "", _button("Connect it again"))
    revoke = _form(view, "revoke_app", "connection", "",
                   _button("Revoke the app", "danger", "Revoke the app for every organisation?"))  # fmt: skip
    approve_label = "Ask on sign-in" if view.auto_approve else "Approve sign-ins automatically"
    approve = _form(view, "set_auto_approve", "connection", _hidden("on", "0" if view.auto_approve else "1"),
                    _button(approve_label))  # fmt: skip
    sign_in = "approved automatically" if view.auto_approve else "shown the consent page"
    return (
        '<section class="card" id="connection"><h2>Connected apps</h2>'
        "<p class=\"muted small\"><b>Disconnect</b> removes this organisation's connection: the app's calls for it "
        "get HTTP 403 and it stays signed in. <b>Revoke the app</b> is the user removing the app in Xero: every "
        f"token stops working, for every organisation, and the app must connect again. Sign-ins are {sign_in}.</p>"
        f'{listing}<p class="row">{buttons} {revoke} {approve}</p></section>'
    )


def _invoice_actions(view: AdminView, invoice: Invoice) -> str:
    parts = []
    if invoice.status == "AUTHORISED":
        fields = (
            _hidden("invoice", invoice.invoice_id)
            + f'<input class="amount" name="amount" value="{e(invoice.amount_due)}" aria-label="Amount">'
        )
        parts.append(_form(view, "record_payment", "invoices", fields, _button("Record payment", "primary")))
        kinds = (
            '<select name="kind" aria-label="Credit"><option value="overpayment">overpayment</option>'
            '<option value="credit_note">credit note</option><option value="prepayment">prepayment</option></select>'
        )
        parts.append(_form(view, "allocate_credit", "invoices", fields + kinds, _button("Allocate credit")))
    if invoice.status in ("AUTHORISED", "DRAFT", "SUBMITTED") and not (invoice.amount_paid or invoice.amount_credited):
        label = "Void" if invoice.status == "AUTHORISED" else "Delete"
        confirm = f"{label} {invoice.invoice_number}?"
        parts.append(_form(view, "void_invoice", "invoices", _hidden("invoice", invoice.invoice_id),
                           _button(label, "danger", confirm)))  # fmt: skip
    return " ".join(parts)


def _invoices(view: AdminView) -> str:
    invoices = sorted(view.org.invoices.values(), key=lambda i: (i.date, i.created), reverse=True)
    shown = invoices[:MAX_INVOICES_SHOWN]
    rows = "".join(
        f'<tr class="{"inactive" if i.status in ("VOIDED", "DELETED") else ""}">'
        f'<td class="nowrap">{e(i.invoice_number)}</td>'
        f"<td>{e(_contact_name(view, i.contact_id))}</td>"
        f'<td class="nowrap">{e(_day(i.date))}</td><td class="nowrap">{e(_day(i.due_date))}</td>'
        f"<td>{_pill(i.status)}</td>"
        f'<td class="num">{e(i.currency_code)} {_money(i.total)}</td><td class="num">{_money(i.amount_paid)}</td>'
        f'<td class="num">{_money(i.amount_due)}</td><td class="actions">{_invoice_actions(view, i)}</td></tr>'
        for i in shown
    )
    more = (
        f'<p class="muted small">Showing the {len(shown)} newest of {len(invoices)} invoices.</p>'
        if len(invoices) > len(shown)
        else ""
    )
    table = (
        '<div class="scroll"><table><tr><th>Number</th><th>Contact</th><th>Date</th><th>Due</th><th>Status</th>'
        '<th class="num">Total</th><th class="num">Paid</th><th class="num">Due</th><th></th></tr>'
        f"{rows}</table></div>"
        if invoices
        else "<p>No invoices yet.</p>"
    )
    return (
        '<section class="card" id="invoices"><h2>Sales invoices</h2>'
        '<p class="muted small">Newest first. <b>Record payment</b> pays an approved invoice (the whole amount due, '
        "or the amount you type) into the bank account 090; fully paid, it becomes Paid. <b>Allocate credit</b> "
        "applies that amount of an overpayment, credit note or prepayment of the customer. <b>Void</b> cancels an "
        "approved invoice; a draft is deleted instead. A voided or deleted invoice keeps its number.</p>"
        f"{table}{more}</section>"
    )


def _credit_note_actions(view: AdminView, note: CreditNote) -> str:
    if note.status not in ("AUTHORISED", "DRAFT", "SUBMITTED") or note.settled:
        return ""
    label = "Void" if note.status == "AUTHORISED" else "Delete"
    return _form(view, "void_credit_note", "credit-notes", _hidden("credit_note", note.credit_note_id),
                 _button(label, "danger", f"{label} credit note {note.credit_note_number}?"))  # fmt: skip


def _credit_notes(view: AdminView) -> str:
    notes = sorted(view.org.credit_notes.values(), key=lambda c: (c.date, c.created), reverse=True)
    shown = notes[:MAX_INVOICES_SHOWN]
    rows = "".join(
        f'<tr class="{"inactive" if c.status in ("VOIDED", "DELETED") else ""}">'
        f'<td class="nowrap">{e(c.credit_note_number)}</td><td>{e(_contact_name(view, c.contact_id))}</td>'
        f'<td class="nowrap">{e(_day(c.date))}</td><td>{_pill(c.status)}</td>'
        f'<td class="num">{e(c.currency_code)} {_money(c.total)}</td><td class="num">{_money(c.amount_allocated)}</td>'
        f'<td class="num">{_money(c.remaining_credit)}</td>'
        f'<td class="actions">{_credit_note_actions(view, c)}</td></tr>'
        for c in shown
    )
    more = f'<p class="muted small">Showing the {len(shown)} newest of {len(notes)} credit notes.</p>'
    table = (
        '<div class="scroll"><table><tr><th>Number</th><th>Contact</th><th>Date</th><th>Status</th>'
        '<th class="num">Total</th><th class="num">Allocated</th><th class="num">Remaining</th><th></th></tr>'
        f"{rows}</table></div>{more if len(notes) > len(shown) else ''}"
        if notes
        else "<p>No credit notes yet.</p>"
    )
    return (
        '<section class="card" id="credit-notes"><h2>Credit notes</h2>'
        '<p class="muted small">Newest first: the credit notes the app sent (PUT /CreditNotes) and what of each is '
        "allocated to invoices. <b>Void</b> cancels an approved credit note with nothing allocated; a draft is "
        "deleted instead. Allocated credit shows on the invoice above (its Due falls).</p>"
        f"{table}</section>"
    )


def _contact_name(view: AdminView, contact_id: str) -> str:
    contact = view.contacts_by_id.get(contact_id.lower())
    return contact.name if contact else ""


def _contacts(view: AdminView) -> str:
    def row(contact: Contact) -> str:
        archived = contact.status == "ARCHIVED"
        action = "restore_contact" if archived else "archive_contact"
        button = _button("Restore" if archived else "Archive", "" if archived else "danger")
        return (
            f'<tr class="{"inactive" if archived else ""}"><td>{e(contact.name)}'
            f'<span class="sub">{e(contact.email_address)}</span></td><td>{_pill(contact.status)}</td>'
            '<td class="actions">'
            f"{_form(view, action, 'contacts', _hidden('contact', contact.contact_id), button)}</td></tr>"
        )

    rows = "".join(row(c) for c in sorted(view.org.contacts, key=lambda c: c.name.casefold()))
    return (
        '<section class="card" id="contacts"><h2>Contacts</h2>'
        '<p class="muted small">Xero refuses new invoices for an archived contact (“The contact with the specified '
        "contact details has been archived…”). Restore it to invoice it again.</p>"
        f"<table><tr><th>Name</th><th>Status</th><th></th></tr>{rows}</table></section>"
    )


def _accounts(view: AdminView) -> str:
    def row(account: Account) -> str:
        active = account.status == "ACTIVE"
        if account.system_account:
            action = '<span class="muted small">system account</span>'
        else:
            button = _button("Archive" if active else "Restore", "danger" if active else "")
            name = "archive_account" if active else "restore_account"
            action = _form(view, name, "accounts", _hidden("account", account.code), button)
        return (
            f'<tr class="{"" if active else "inactive"}"><td>{e(account.code)}</td><td>{e(account.name)}</td>'
            f"<td>{e(ACCOUNT_TYPE_NAMES.get(account.type, account.type.title()))}</td>"
            f"<td>{e(account.tax_type)}</td><td>{_pill(account.status)}</td>"
            f'<td class="actions">{action}</td></tr>'
        )

    rows = "".join(row(a) for a in view.org.accounts)
    return (
        '<section class="card" id="accounts"><h2>Chart of accounts</h2>'
        '<p class="muted small">An invoice line coded to an archived account is refused (“Account code … has been '
        "archived, or has been deleted”). Only revenue accounts are valid on sales invoices.</p>"
        "<table><tr><th>Code</th><th>Name</th><th>Type</th><th>Tax</th><th>Status</th><th></th></tr>"
        f"{rows}</table></section>"
    )


def _settings(view: AdminView) -> str:
    org = view.org
    period = org.period_lock_date.isoformat() if org.period_lock_date else ""
    end_of_year = org.end_of_year_lock_date.isoformat() if org.end_of_year_lock_date else ""
    lock_fields = (
        f'<label>Period lock date<input type="date" name="period" value="{e(period)}"></label>'
        f'<label>End of year lock date<input type="date" name="end_of_year" value="{e(end_of_year)}"></label>'
    )
    locks = _form(view, "set_lock_dates", "settings", lock_fields, _button("Save lock dates", "primary"))
    clear = _form(view, "clear_lock_dates", "settings", "", _button("Clear lock dates"))
    limit = "" if org.plan_invoice_limit is None else str(org.plan_invoice_limit)
    plan = _form(
        view, "set_plan_limit", "settings",
        f'<label>Approved invoices a month<input class="short" type="number" min="0" name="limit" value="{e(limit)}" '
        'placeholder="any"></label>',
        _button("Save plan limit", "primary"),
    )  # fmt: skip
    current = "no limit" if org.plan_invoice_limit is None else f"{org.plan_invoice_limit} a month"
    return (
        '<section class="card" id="settings"><h2>Lock dates</h2>'
        '<p class="muted small">Xero refuses invoices dated on or before a lock date (“The document date cannot be '
        "before the period lock date…”). Leave a date empty to remove it.</p>"
        f'<div class="row">{locks} {clear}</div></section>'
        '<section class="card" id="plan"><h2>Plan limit</h2>'
        '<p class="muted small">Small Xero plans allow only a few approved invoices a month; past it Xero answers '
        "“You have reached the limit of invoices you can approve”. Leave empty for no limit. "
        f"Now: <b>{e(current)}</b>.</p>"
        f'<div class="row">{plan}</div></section>'
    )


def _currencies(view: AdminView) -> str:
    org = view.org

    def row(code: str) -> str:
        if code == org.base_currency:
            action = '<span class="muted small">base currency</span>'
        else:
            action = _form(view, "disable_currency", "currencies", _hidden("code", code), _button("Remove", "danger"))
        return (
            f'<tr><td>{e(code)}</td><td>{e(CURRENCY_NAMES.get(code, code))}</td><td class="actions">{action}</td></tr>'
        )

    rows = "".join(row(code) for code in org.enabled_currencies)
    options = "".join(
        f'<option value="{e(code)}">{e(code)} {e(name)}</option>'
        for code, name in CURRENCY_NAMES.items()
        if code not in org.enabled_currencies
    )
    add = _form(view, "enable_currency", "currencies", f'<select name="code" aria-label="Currency">{options}</select>',
                _button("Add currency", "primary"))  # fmt: skip
    return (
        '<section class="card" id="currencies"><h2>Currencies</h2>'
        '<p class="muted small">Xero refuses an invoice in a currency the organisation has not added (“Organisation '
        "is not subscribed to currency …”). The base currency is always there; a currency invoices use stays.</p>"
        f"<table><tr><th>Code</th><th>Currency</th><th></th></tr>{rows}</table>"
        f'<p class="row">{add}</p></section>'
    )


def _fault_card(view: AdminView, kind: FaultKind) -> str:
    count = (
        '<select name="count" aria-label="How many calls"><option value="1">next call</option>'
        '<option value="3">next 3 calls</option><option value="all">every call until cleared</option></select>'
    )
    form = _form(view, "arm_fault", "faults", _hidden("kind", kind.value) + count, _button("Switch on"))
    return f'<div class="fault"><h3>{e(FAULT_LABELS[kind])}</h3><p>{e(FAULT_HELP[kind])}</p>{form}</div>'


def _left(remaining: object) -> str:
    if remaining is None:
        return "until cleared"
    return "1 call left" if remaining == 1 else f"{remaining} calls left"


def _card(title: str, help_text: str, form: str) -> str:
    return f'<div class="fault"><h3>{e(title)}</h3><p>{e(help_text)}</p>{form}</div>'


def _faults(view: AdminView) -> str:
    armed = cast("list[dict[str, Any]]", view.faults.get("armed") or [])
    latency = float(cast("float", view.faults.get("latency_seconds") or 0))
    on = [f"{FAULT_LABELS[FaultKind(f['kind'])]} ({_left(f['remaining'])})" for f in armed]
    if latency:
        on.append(f"latency {latency:g} s")
    warnings_left = int(view.faults.get("warnings_left") or 0)  # type: ignore[call-overload]
    if warnings_left:
        on.append(f"warnings on the next {warnings_left:,} invoice(s)")
    switched_on = ", ".join(on) if on else "nothing — Xero answers normally"
    limits = view.limits
    cards = [_fault_card(view, kind) for kind in FAULT_LABELS]
    count = (
        '<select name="count" aria-label="How many invoices"><option value="1">next invoice</option>'
        '<option value="3">next 3 invoices</option><option value="all">every invoice until cleared</option></select>'
    )
    warn = _form(view, "warn_next", "faults", count, _button("Switch on"))
    cards.append(_card("Created with a warning", "New invoices are saved but come back with StatusAttributeString "
                       "WARNING and a Warnings message.", warn))  # fmt: skip
    latency_field = (
        f'<input class="short" type="number" min="0" step="0.5" name="seconds" value="{e(f"{latency:g}")}" '
        'aria-label="Seconds"> s'
    )
    cards.append(_card("Slow responses", "Every call waits this many seconds before Xero answers (0: off).",
                       _form(view, "set_latency", "faults", latency_field, _button("Set"))))  # fmt: skip
    for problem, title, help_text in (
        ("minute", "Use up the minute limit", "This organisation's calls get HTTP 429 (60 a minute used up)."),
        ("day", "Use up the daily limit", "This organisation's calls get HTTP 429 until tomorrow (or a reset)."),
    ):
        form = _form(view, "exhaust_limit", "faults", _hidden("problem", problem), _button("Use it up"))
        cards.append(_card(title, help_text, form))
    cards.append(_card("Reset limits", "Every organisation gets its full minute and daily allowance back.",
                       _form(view, "reset_limits", "faults", "", _button("Reset limits"))))  # fmt: skip
    cards.append(_card("Clear faults", "Switch every fault and the latency off.",
                       _form(view, "clear_faults", "faults", "", _button("Clear faults", "primary"))))  # fmt: skip
    return (
        '<section class="card" id="faults"><h2>Simulate problems</h2>'
        '<p class="muted small">What can go wrong between the app and Xero. A fault applies to the app\'s calls to '
        "the Accounting API for every organisation, for the number of calls you choose.</p>"
        f'<div class="status-line">Switched on: <b>{e(switched_on)}</b>. Calls left for {e(view.org.name)}: '
        f"{e(limits.minute_remaining)} this minute, {e(limits.day_remaining)} today.</div>"
        f'<div class="faults">{"".join(cards)}</div></section>'
    )


def render(view: AdminView) -> str:
    body = (
        _header(view)
        + "<main>"
        + _intro(view)
        + _connection(view)
        + _invoices(view)
        + _credit_notes(view)
        + f'<div class="grid2 wide-right">{_contacts(view)}{_accounts(view)}</div>'
        + f'<div class="grid2">{_settings(view)}{_currencies(view)}</div>'
        + _faults(view)
        + "</main><footer>Sandbox Xero — the local Xero of Invoice Desktop. Not connected to the real Xero.</footer>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Sandbox Xero — {e(view.org.name)}</title><style>{stylesheet()}</style></head>"
        f"<body>{body}</body></html>"
    )


def not_found_page(message: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sandbox Xero</title>'
        f"<style>{stylesheet()}</style></head><body>"
        '<header class="top"><div class="bar"><div class="brand">Sandbox <span>Xero</span></div></div></header>'
        f'<main><div class="flash error">{e(message)}</div><p><a href="{ADMIN_PATH}">Back to Sandbox Xero</a></p>'
        "</main></body></html>"
    )
