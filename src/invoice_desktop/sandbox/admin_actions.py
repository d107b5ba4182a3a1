"""What each form of the "Sandbox Xero" admin page does: one SandboxControl call per action, and the sentence the
page shows afterwards. No logic of its own beyond reading the form; SandboxControl decides and refuses.

An action gets the control, the organisation the page shows and the submitted form, and returns the flash message.
SandboxControl's ControlError (and ValueError for unreadable input) become an error flash in admin.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from invoice_desktop.sandbox.control import MAX_COUNT, ControlError, SandboxControl
from invoice_desktop.sandbox.faults import FaultKind
from invoice_desktop.sandbox.state import Organisation

Form = Mapping[str, str]
Action = Callable[[SandboxControl, Organisation, Form], str]

FAULT_LABELS: dict[FaultKind, str] = {
    FaultKind.SERVER_ERROR: "Xero error (HTTP 500)",
    FaultKind.OFFLINE: "Organisation offline (HTTP 503)",
    FaultKind.HANG: "No response (the call times out)",
    FaultKind.RESET: "Connection reset",
    FaultKind.MALFORMED_JSON: "Malformed JSON reply",
    FaultKind.DROP_AFTER_COMMIT: "Saved, then the reply is lost",
    FaultKind.CONFLICT: "Conflict (HTTP 409)",
    FaultKind.NO_PERMISSION: "No permission (HTTP 403)",
}


def _required(form: Form, name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise ControlError(f"please fill in {name.replace('_', ' ')}")
    return value


def _optional(form: Form, name: str) -> str | None:
    return (form.get(name) or "").strip() or None


def _count(form: Form) -> int | None:
    """How many calls a fault applies to: a number, or 'until cleared'."""
    value = (form.get("count") or "1").strip()
    if value == "all":
        return None
    try:
        return max(1, int(value))
    except ValueError as exc:
        raise ControlError(f"not a number of calls: {value!r}") from exc


def _calls(count: int | None) -> str:
    if count is None:
        return "every Accounting API call until you clear the faults"
    return "the next Accounting API call" if count == 1 else f"the next {count} Accounting API calls"


# -- contacts, accounts, invoices ------------------------------------------------------------------------------


def archive_contact(control: SandboxControl, org: Organisation, form: Form) -> str:
    contact = control.archive_contact(_required(form, "contact"), org.tenant_id)
    return f"Archived the contact “{contact.name}”. New invoices for it are now refused by Xero."


def restore_contact(control: SandboxControl, org: Organisation, form: Form) -> str:
    contact = control.restore_contact(_required(form, "contact"), org.tenant_id)
    return f"Restored the contact “{contact.name}”. It can be invoiced again."


def archive_account(control: SandboxControl, org: Organisation, form: Form) -> str:
    account = control.archive_account(_required(form, "account"), org.tenant_id)
    return f"Archived account {account.code} {account.name}. Invoice lines coded to it are now refused."


def restore_account(control: SandboxControl, org: Organisation, form: Form) -> str:
    account = control.restore_account(_required(form, "account"), org.tenant_id)
    return f"Restored account {account.code} {account.name}."


def record_payment(control: SandboxControl, org: Organisation, form: Form) -> str:
    amount_text = _optional(form, "amount")
    try:
        amount = Decimal(amount_text.replace(",", "")) if amount_text else None
    except InvalidOperation as exc:
        raise ControlError(f"not an amount: {amount_text!r}") from exc
    invoice = _required(form, "invoice")
    payment = control.record_payment(invoice, amount, on=_optional(form, "date"), tenant=org.tenant_id)
    found = org.invoice(payment.invoice_id)
    number, status = (found.invoice_number, found.status) if found else (invoice, "updated")
    return f"Recorded a payment of {payment.amount:,.2f} against {number}; it is now {status}."


def allocate_credit(control: SandboxControl, org: Organisation, form: Form) -> str:
    amount = _required(form, "amount")
    kind = _optional(form, "kind") or "overpayment"
    try:
        value = Decimal(amount.replace(",", ""))
    except InvalidOperation as exc:
        raise ControlError(f"not an amount: {amount!r}") from exc
    allocation = control.allocate_credit(_required(form, "invoice"), value, kind, on=_optional(form, "date"),
                                         tenant=org.tenant_id)  # fmt: skip
    found = org.invoice(_required(form, "invoice"))
    number, status = (found.invoice_number, found.status) if found else (form.get("invoice"), "updated")
    credit = {"credit_note": f"credit note {allocation.number}", "prepayment": "a prepayment"}.get(
        allocation.kind, "an overpayment"
    )
    return f"Allocated {allocation.amount:,.2f} of {credit} to {number}; it is now {status}."


def void_invoice(control: SandboxControl, org: Organisation, form: Form) -> str:
    invoice = control.void_invoice(_required(form, "invoice"), org.tenant_id)
    return f"{invoice.invoice_number} is now {invoice.status}. Its number stays taken."


def void_credit_note(control: SandboxControl, org: Organisation, form: Form) -> str:
    note = control.void_credit_note(_required(form, "credit_note"), org.tenant_id)
    return f"Credit note {note.credit_note_number} is now {note.status}. Its number stays taken."


# -- settings ---------------------------------------------------------------------------------------------------


def set_lock_dates(control: SandboxControl, org: Organisation, form: Form) -> str:
    period, end_of_year = _optional(form, "period"), _optional(form, "end_of_year")
    control.set_lock_dates(period, end_of_year, org.tenant_id)
    if period is None and end_of_year is None:
        return "Cleared the lock dates: invoices of any date can be sent."
    parts = [f"period lock date {period}" if period else ""]
    parts.append(f"end of year lock date {end_of_year}" if end_of_year else "")
    return "Set the " + " and ".join(p for p in parts if p) + ". Invoices dated on or before it are refused."


def clear_lock_dates(control: SandboxControl, org: Organisation, form: Form) -> str:
    return set_lock_dates(control, org, {})


def set_plan_limit(control: SandboxControl, org: Organisation, form: Form) -> str:
    text = _optional(form, "limit")
    try:
        limit = int(text) if text is not None else None
    except ValueError as exc:
        raise ControlError(f"not a whole number: {text!r}") from exc
    control.set_plan_limit(limit, org.tenant_id)
    if limit is None:
        return "The plan now allows any number of approved invoices."
    return f"The plan now allows {limit} approved invoice(s) a month; more are refused."


def enable_currency(control: SandboxControl, org: Organisation, form: Form) -> str:
    code = _required(form, "code")
    control.enable_currency(code, org.tenant_id)
    return f"Enabled {code.upper()} in {org.name}: invoices in it are accepted now."


def disable_currency(control: SandboxControl, org: Organisation, form: Form) -> str:
    code = _required(form, "code")
    control.disable_currency(code, org.tenant_id)
    return f"Removed {code.upper()} from {org.name}: invoices in it are refused now."


# -- connection -------------------------------------------------------------------------------------------------


def disconnect_tenant(control: SandboxControl, org: Organisation, form: Form) -> str:
    control.disconnect_tenant(org.tenant_id)
    return f"Disconnected {org.name}. The app's calls for it now get HTTP 403; the app stays signed in."


def reconnect_tenant(control: SandboxControl, org: Organisation, form: Form) -> str:
    control.reconnect_tenant(org.tenant_id)
    return f"Connected {org.name} again."


def revoke_app(control: SandboxControl, org: Organisation, form: Form) -> str:
    control.revoke_app()
    return "Revoked the app: every token is dead and every organisation disconnected. The app must connect again."


def set_auto_approve(control: SandboxControl, org: Organisation, form: Form) -> str:
    on = form.get("on") == "1"
    control.set_auto_approve(on)
    return "Sign-ins are now approved automatically." if on else "Sign-ins now show the consent page."


# -- faults and limits ------------------------------------------------------------------------------------------


def arm_fault(control: SandboxControl, org: Organisation, form: Form) -> str:
    kind = FaultKind(_required(form, "kind"))
    count = _count(form)
    control.arm_fault(kind.value, count)
    return f"Switched on “{FAULT_LABELS[kind]}” for {_calls(count)}."


def warn_next(control: SandboxControl, org: Organisation, form: Form) -> str:
    count = _count(form)
    control.warn_next(MAX_COUNT if count is None else count)
    which = "every invoice created" if count is None else ("the next invoice" if count == 1 else f"the next {count}")
    return f"Xero now creates {which} with a warning (StatusAttributeString WARNING)."


def set_latency(control: SandboxControl, org: Organisation, form: Form) -> str:
    text = _optional(form, "seconds") or "0"
    try:
        seconds = float(text)
    except ValueError as exc:
        raise ControlError(f"not a number of seconds: {text!r}") from exc
    control.set_latency(seconds)
    return f"Every Accounting API call now waits {seconds:g} s before answering." if seconds else "Latency off."


def exhaust_limit(control: SandboxControl, org: Organisation, form: Form) -> str:
    problem = _required(form, "problem")
    control.exhaust_limit(problem, org.tenant_id)
    return f"Used up {org.name}'s {problem} limit: its calls now get HTTP 429 until the window passes or you reset."


def reset_limits(control: SandboxControl, org: Organisation, form: Form) -> str:
    control.reset_limits()
    return "Reset the rate limits: every organisation has its full minute and day allowance again."


def clear_faults(control: SandboxControl, org: Organisation, form: Form) -> str:
    control.clear_faults()
    return "Cleared every fault switch and the latency. Xero answers normally again."


ACTIONS: dict[str, Action] = {
    action.__name__: action
    for action in (
        archive_contact, restore_contact, archive_account, restore_account, record_payment, allocate_credit,
        void_invoice, void_credit_note, set_lock_dates, clear_lock_dates, set_plan_limit, enable_currency,
        disable_currency, disconnect_tenant, reconnect_tenant,
        revoke_app, set_auto_approve, arm_fault, warn_next, set_latency, exhaust_limit, reset_limits, clear_faults,
    )
}  # fmt: skip
