"""What a tester (or the admin page, or POST /sandbox/control) can do to the sandbox's Xero: the actions a
user takes in Xero itself (archive a contact, set a lock date, record a payment, allocate a credit note,
prepayment or overpayment, disconnect the app) and the fault switches. Plain Python methods on `SandboxControl`;
the JSON control path calls the same methods.

Organisations are named by tenant id or by name; omitted, the demo organisation is meant.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from invoice_desktop.sandbox import arguments, oauth, payments, seed
from invoice_desktop.sandbox.arguments import ControlError
from invoice_desktop.sandbox.clock import MAX_OFFSET_SECONDS
from invoice_desktop.sandbox.contacts import CONTACT_STATUSES
from invoice_desktop.sandbox.context import XERO_MAX_BODY_BYTES, SandboxContext
from invoice_desktop.sandbox.currencies import CURRENCY_NAMES
from invoice_desktop.sandbox.faults import DEFAULT_WARNING, FaultKind
from invoice_desktop.sandbox.http_messages import Request, Response, is_cross_site
from invoice_desktop.sandbox.state import (
    ALLOCATION_KINDS,
    Account,
    Contact,
    CreditAllocation,
    CreditNote,
    Invoice,
    Organisation,
    Payment,
    Revocation,
)

MAX_COUNT = 100_000  # calls a fault (or invoices a warning) applies to
MAX_BODY_LIMIT = 10 * XERO_MAX_BODY_BYTES
MAX_LATENCY_SECONDS = 120.0
MAX_RATE = 1_000_000
HTTP_METHODS = ("", "GET", "PUT", "POST", "DELETE", "PATCH")
ACCOUNT_STATUSES = ("ACTIVE", "ARCHIVED", "DELETED")
LIMIT_PROBLEMS = ("minute", "day", "appminute")


class SandboxControl:
    def __init__(self, ctx: SandboxContext) -> None:
        self._ctx = ctx

    # -- lookups --------------------------------------------------------------------------------------------------

    def organisation(self, tenant: str | None = None) -> Organisation:
        """The organisation named by tenant id or name (None: the demo organisation)."""
        state = self._ctx.state
        wanted = seed.DEMO_TENANT_ID if tenant is None else arguments.text(tenant, "tenant")
        with state.lock:
            found = state.organisation(wanted) or next(
                (o for o in state.organisations.values() if o.name.casefold() == wanted.casefold()), None
            )
        if found is None:
            raise ControlError(f"no organisation {tenant!r}")
        return found

    def _contact(self, org: Organisation, contact: str) -> Contact:
        name = arguments.text(contact, "contact")
        found = org.contact_by_id(name) or next(iter(org.contacts_named(name)), None)
        if found is None:
            raise ControlError(f"no contact {contact!r} in {org.name}")
        return found

    def _account(self, org: Organisation, code: str) -> Account:
        wanted = arguments.text(code, "account code")
        found = org.account_by_code(wanted) or org.account_by_id(wanted)
        if found is None:
            raise ControlError(f"no account {code!r} in {org.name}")
        return found

    def _invoice(self, org: Organisation, invoice: str) -> Invoice:
        found = org.invoice(arguments.text(invoice, "invoice"))
        if found is None:
            raise ControlError(f"no invoice {invoice!r} in {org.name}")
        return found

    def _changed(self) -> None:
        self._ctx.persist()

    # -- what a user does in Xero ----------------------------------------------------------------------------------

    def set_contact_status(self, contact: str, status: str, tenant: str | None = None) -> Contact:
        status = arguments.choice(status, "status", CONTACT_STATUSES)
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            found = self._contact(org, contact)
            found.status = status
            found.updated = self._ctx.clock.now()
        self._changed()
        return found

    def archive_contact(self, contact: str, tenant: str | None = None) -> Contact:
        return self.set_contact_status(contact, "ARCHIVED", tenant)

    def restore_contact(self, contact: str, tenant: str | None = None) -> Contact:
        return self.set_contact_status(contact, "ACTIVE", tenant)

    def set_account_status(self, code: str, status: str, tenant: str | None = None) -> Account:
        status = arguments.choice(status, "status", ACCOUNT_STATUSES)
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            found = self._account(org, code)
            found.status = status
            found.updated = self._ctx.clock.now()
        self._changed()
        return found

    def archive_account(self, code: str, tenant: str | None = None) -> Account:
        return self.set_account_status(code, "ARCHIVED", tenant)

    def restore_account(self, code: str, tenant: str | None = None) -> Account:
        return self.set_account_status(code, "ACTIVE", tenant)

    def set_lock_dates(
        self, period: date | str | None = None, end_of_year: date | str | None = None, tenant: str | None = None
    ) -> Organisation:
        """Set (or, with None, clear) the period and end-of-year lock dates."""
        period_day, end_of_year_day = arguments.day(period, "period"), arguments.day(end_of_year, "end_of_year")
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            org.period_lock_date, org.end_of_year_lock_date = period_day, end_of_year_day
        self._changed()
        return org

    def set_plan_limit(self, limit: int | None, tenant: str | None = None) -> Organisation:
        """Approvals allowed per calendar month (None: unlimited)."""
        limit = arguments.optional_whole(limit, "limit", 0, MAX_RATE)
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            org.plan_invoice_limit = limit
        self._changed()
        return org

    def enable_currency(self, code: str, tenant: str | None = None) -> Organisation:
        """Settings > Currencies > Add: invoices in `code` are accepted from now on."""
        wanted = arguments.choice(code.strip().upper() if isinstance(code, str) else code, "code", CURRENCY_NAMES)
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            if wanted not in org.enabled_currencies:
                org.currencies.append(wanted)
        self._changed()
        return org

    def disable_currency(self, code: str, tenant: str | None = None) -> Organisation:
        """Remove an enabled currency: invoices in it are refused ("Organisation is not subscribed to currency").
        The base currency, and a currency invoices already use, cannot be removed (as in Xero)."""
        wanted = arguments.choice(code.strip().upper() if isinstance(code, str) else code, "code", CURRENCY_NAMES)
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            if wanted == org.base_currency:
                raise ControlError(f"{wanted} is the base currency of {org.name}; it cannot be removed")
            if any(i.currency_code == wanted for i in org.invoices.values()):
                raise ControlError(f"{wanted} is used by invoices of {org.name}; Xero keeps a currency in use")
            org.currencies[:] = [c for c in org.currencies if c != wanted]
        self._changed()
        return org

    def record_payment(
        self,
        invoice: str,
        amount: Decimal | str | float | None = None,
        on: date | str | None = None,
        account_code: str = seed.DEMO_BANK_ACCOUNT,
        reference: str = "",
        tenant: str | None = None,
    ) -> Payment:
        """A payment against an AUTHORISED invoice (the whole amount due unless `amount` is given), by the rules
        of PUT /Payments (payments.py)."""
        given = None if amount is None else arguments.amount(amount, "amount")
        day = arguments.day(on, "on") or self._ctx.clock.today()
        reference = arguments.optional_text(reference, "reference")
        org = self.organisation(tenant)
        now = self._ctx.clock.now()
        with self._ctx.state.lock:
            found = self._invoice(org, invoice)
            account = self._account(org, account_code)
            paid = given if given is not None else found.amount_due
            errors = payments.payment_errors(org, found, account, paid, day)
            if errors:
                raise ControlError(f"{found.invoice_number}: {' '.join(errors)}")
            rate = payments.payment_rate(org, found, None)
            payment = payments.apply_payment(org, found, account, paid, day, reference, now, rate)
        self._changed()
        return payment

    def allocate_credit(
        self,
        invoice: str,
        amount: Decimal | str | float,
        kind: str = "overpayment",
        on: date | str | None = None,
        reference: str = "",
        tenant: str | None = None,
    ) -> CreditAllocation:
        """Allocate a customer's credit to an AUTHORISED invoice, as a bookkeeper does in Xero: `kind` is
        "overpayment" (the customer paid too much elsewhere), "credit_note" (numbered CN-0001, ...) or
        "prepayment". The invoice lists it in Overpayments / CreditNotes / Prepayments, AmountCredited rises and
        AmountDue falls; nothing left due, it is PAID. More than the amount due is refused."""
        credit = arguments.amount(amount, "amount")
        if not isinstance(kind, str) or kind not in ALLOCATION_KINDS:
            raise ControlError(payments.ALLOCATION_KIND)
        day = arguments.day(on, "on") or self._ctx.clock.today()
        reference = arguments.optional_text(reference, "reference")
        org = self.organisation(tenant)
        now = self._ctx.clock.now()
        with self._ctx.state.lock:
            found = self._invoice(org, invoice)
            errors = payments.allocation_errors(org, found, kind, credit, day)
            if errors:
                raise ControlError(f"{found.invoice_number}: {' '.join(errors)}")
            allocation = payments.apply_allocation(org, found, kind, credit, day, reference, now)
        self._changed()
        return allocation

    def void_invoice(self, invoice: str, tenant: str | None = None) -> Invoice:
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            found = self._invoice(org, invoice)
            _void(found)
            org.touch_invoice(found, self._ctx.clock.now())
        self._changed()
        return found

    def void_credit_note(self, credit_note: str, tenant: str | None = None) -> CreditNote:
        """AUTHORISED -> VOIDED, DRAFT/SUBMITTED -> DELETED, as POST /CreditNotes/{id} does; refused once allocated."""
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            found = org.credit_note(arguments.text(credit_note, "credit_note"))
            if found is None:
                raise ControlError(f"no credit note {credit_note!r} in {org.name}")
            _void(found)
            org.touch_credit_note(found, self._ctx.clock.now())
        self._changed()
        return found

    # -- connection -----------------------------------------------------------------------------------------------

    def revoke_app(self) -> None:
        """The user disconnects the app in Xero: every token is dead (invalid_grant, 401), every connection gone."""
        oauth.revoke_all(self._ctx, "app", "revoked from the sandbox control")
        self._changed()

    def disconnect_tenant(self, tenant: str | None = None) -> None:
        """The organisation's connection is removed: its calls answer 403; refresh keeps working."""
        org = self.organisation(tenant)
        with self._ctx.state.lock:
            self._ctx.state.connections[:] = [c for c in self._ctx.state.connections if c.tenant_id != org.tenant_id]
            self._ctx.state.revocations.append(Revocation(self._ctx.clock.now(), "connection", org.tenant_id))
        self._changed()

    def reconnect_tenant(self, tenant: str | None = None) -> None:
        oauth.connect_tenant(self._ctx, self.organisation(tenant).tenant_id)
        self._changed()

    def set_auto_approve(self, on: bool) -> None:
        self._ctx.options.auto_approve = arguments.flag(on, "on")

    def set_summarized_commits_valid(self, on: bool) -> None:
        self._ctx.options.summarized_commits_valid = arguments.flag(on, "on")

    def set_refresh_grace(self, seconds: float) -> None:
        """How long a used refresh token still works (Xero: 1,800 s; 0: it dies at once)."""
        self._ctx.options.refresh_grace_seconds = arguments.seconds(seconds, "seconds", 86_400)

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward (token expiry, grace periods, rate windows); returns the new offset.
        The clock runs at most 50 years ahead."""
        step = arguments.seconds(seconds, "seconds", MAX_OFFSET_SECONDS)
        if self._ctx.clock.offset + step > MAX_OFFSET_SECONDS:
            raise ControlError(f"the sandbox clock may run at most {MAX_OFFSET_SECONDS:,.0f} seconds (50 years) ahead")
        self._ctx.advance_clock(step)
        return self._ctx.clock.offset

    # -- faults and limits ----------------------------------------------------------------------------------------

    def arm_fault(self, kind: str, count: int | None = 1, path: str = "/api.xro/2.0/", method: str = "") -> None:
        fault = FaultKind(arguments.choice(kind, "kind", [k.value for k in FaultKind]))
        calls = arguments.optional_whole(count, "count", 1, MAX_COUNT)
        where = arguments.text(path, "path", max_length=200)
        verb = arguments.choice(method.upper() if isinstance(method, str) else method, "method", HTTP_METHODS)
        self._ctx.faults.arm(fault, calls, path=where, method=verb)

    def warn_next(self, count: int = 1, message: str = DEFAULT_WARNING) -> None:
        """The next `count` invoices created come back created but with StatusAttributeString WARNING and
        `Warnings: [{"Message": message}]` (0 switches it off)."""
        self._ctx.faults.warn_next(arguments.whole(count, "count", 0, MAX_COUNT), arguments.text(message, "message"))

    def set_latency(self, seconds: float, path: str = "/api.xro/2.0/") -> None:
        wait = arguments.seconds(seconds, "seconds", MAX_LATENCY_SECONDS)
        self._ctx.faults.set_latency(wait, arguments.text(path, "path", max_length=200))

    def clear_faults(self) -> None:
        self._ctx.faults.clear()

    def exhaust_limit(self, problem: str = "minute", tenant: str | None = None) -> None:
        """Use up the tenant's minute or day allowance (or the app's minute: 'appminute')."""
        which = arguments.choice(problem, "problem", LIMIT_PROBLEMS)
        self._ctx.limiter.exhaust(self.organisation(tenant).tenant_id, which)

    def reset_limits(self) -> None:
        self._ctx.limiter.reset()

    def set_rate_limits(
        self, per_minute: int | None = None, per_day: int | None = None, concurrent: int | None = None,
        send_retry_after: bool | None = None,
    ) -> None:  # fmt: skip
        changes: dict[str, int | bool] = {
            name: arguments.whole(value, name, 1, MAX_RATE)
            for name, value in (("per_minute", per_minute), ("per_day", per_day), ("concurrent", concurrent))
            if value is not None
        }
        if send_retry_after is not None:
            changes["send_retry_after"] = arguments.flag(send_retry_after, "send_retry_after")
        for name, value in changes.items():  # all checked first: a bad argument changes nothing
            setattr(self._ctx.limiter.limits, name, value)

    def set_body_limit(self, max_bytes: int = XERO_MAX_BODY_BYTES) -> None:
        """Accounting API bodies larger than this get 413 (default: Xero's 10 MB); other paths take 64 KiB at most."""
        self._ctx.options.max_body_bytes = arguments.whole(max_bytes, "max_bytes", 1, MAX_BODY_LIMIT)

    def status(self) -> dict[str, Any]:
        with self._ctx.state.lock:
            return {
                "clock_offset": self._ctx.clock.offset,
                "auto_approve": self._ctx.options.auto_approve,
                "faults": self._ctx.faults.describe(),
                "connections": [
                    {"tenantId": c.tenant_id, "tenantName": c.tenant_name} for c in self._ctx.state.connections
                ],
                "organisations": [
                    {"tenantId": o.tenant_id, "name": o.name} for o in self._ctx.state.organisations.values()
                ],
            }


def _void(document: Invoice | CreditNote) -> None:
    """A bookkeeper's Void (Delete for a draft): the rules of POST /Invoices/{id} and /CreditNotes/{id}."""
    if document.status not in ("AUTHORISED", "SUBMITTED", "DRAFT") or document.settled:
        raise ControlError(f"{document.number} cannot be voided ({document.status})")
    document.status = "VOIDED" if document.status == "AUTHORISED" else "DELETED"


# -- the JSON control path ------------------------------------------------------------------------------------------

ACTIONS = (
    "archive_contact", "restore_contact", "set_contact_status", "archive_account", "restore_account",
    "set_account_status", "set_lock_dates", "set_plan_limit", "enable_currency", "disable_currency", "record_payment",
    "allocate_credit", "void_invoice", "void_credit_note", "revoke_app", "disconnect_tenant", "reconnect_tenant",
    "set_auto_approve", "set_summarized_commits_valid", "set_refresh_grace", "advance_clock", "arm_fault", "warn_next",
    "set_latency", "clear_faults", "exhaust_limit", "reset_limits", "set_rate_limits", "set_body_limit", "status",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, Contact):
        return {"ContactID": value.contact_id, "Name": value.name, "ContactStatus": value.status}
    if isinstance(value, Account):
        return {"AccountID": value.account_id, "Code": value.code, "Status": value.status}
    if isinstance(value, Invoice):
        return {"InvoiceID": value.invoice_id, "InvoiceNumber": value.invoice_number, "Status": value.status}
    if isinstance(value, CreditNote):
        return {"CreditNoteID": value.credit_note_id, "CreditNoteNumber": value.credit_note_number,
                "Status": value.status}  # fmt: skip
    if isinstance(value, Payment):
        return {"PaymentID": value.payment_id, "Amount": str(value.amount)}
    if isinstance(value, CreditAllocation):
        return {"Kind": value.kind, "ID": value.credit_id, "Number": value.number, "Amount": str(value.amount)}
    if isinstance(value, Organisation):
        return {"OrganisationID": value.tenant_id, "Name": value.name, "Currencies": value.enabled_currencies}
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def handle_control(control: SandboxControl, request: Request) -> Response:
    """GET: the status and the list of actions. POST {"action": NAME, ...arguments}: run one action."""
    if request.method == "GET":
        return Response.json(200, {"actions": list(ACTIONS), "status": control.status()})
    if request.method != "POST":
        return Response.json(405, {"error": "use GET or POST"})
    if is_cross_site(request):
        return Response.json(403, {"ok": False, "error": "the control path takes no requests from other sites"})
    try:
        document = json.loads(request.body or b"{}", parse_constant=_no_constant)
        if not isinstance(document, dict):
            raise ValueError("the body must be a JSON object")
        arguments = dict(document)
        action = str(arguments.pop("action", ""))
        if action not in ACTIONS:
            raise ControlError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
        method: Callable[..., Any] = getattr(control, action)
        inspect.signature(method).bind(**arguments)
        result = method(**arguments)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        return Response.json(400, {"ok": False, "error": str(exc) or type(exc).__name__})
    return Response.json(200, {"ok": True, "result": _plain(result)})
