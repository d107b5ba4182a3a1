"""Why an export failed, in the categories of docs/product.md §4, with Xero's own words kept verbatim.

Two entry points:
- `classify_element(messages, mapped)`: a failed element of a `summarizeErrors=false` response (its invoice-level,
  line-level and contact-level ValidationErrors), with a hint naming the local account, tax rate or contact.
- `classify_exception(exc)`: a whole call that failed, mapped as docs/xero-facts.md §1.6 saw the SDK raise: a 400 whose
  body is `{"error":"invalid_grant"}` is a dead connection, not a validation error; 401/403 and the app's
  ConnectionDropped too; a 429 is the minute limit (transient) or the day limit (parks the queue); 5xx, 503
  "The Organisation is Offline", raw urllib3 timeouts/resets and unreadable replies are `xero_unavailable`.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError
from xero_python.exceptions import (
    ApiException,
    ApiValueError,
    BadRequestException,
    NotFoundException,
    OAuth2Error,
    RateLimitException,
)

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.xero.client import (
    DEAD_GRANT_ERRORS,
    ConnectionDropped,
    TokenEndpointError,
    XeroInterfaceError,
    problem_detail,
    tenant_gone,
)
from invoice_desktop.xero.export_pacing import header_of
from invoice_desktop.xero.export_park import LONGEST_INLINE_WAIT, day
from invoice_desktop.xero.invoice_mapping import LineMapping, MappedInvoice

DUPLICATE_NUMBER = "Invoice # must be unique."
RATE_LIMIT_DAY = "day"


@dataclass(frozen=True)
class Failure:
    category: FailureCategory
    messages: tuple[str, ...]
    hint: str = ""
    transient: bool = False  # worth retrying in this run (5xx, timeouts, the minute limit)
    retry_after: float | None = None  # seconds, from Xero's Retry-After
    rate_problem: str | None = None  # X-Rate-Limit-Problem of a 429
    correlation_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    too_large: bool = False  # Xero refused the request's size (413): a smaller batch may go through
    # The request may have reached Xero and been processed, its answer lost (a timeout or reset after sending, a
    # 5xx other than 503, an unreadable reply): what it sent must be looked up before it is sent again.
    unconfirmed: bool = False

    @property
    def title(self) -> str:
        return self.category.title

    @property
    def stops_queue(self) -> bool:
        """A dead connection or the day limit: nothing else can be sent in this run."""
        return self.category in (FailureCategory.CONNECTION, FailureCategory.RATE_LIMITED)

    @property
    def message(self) -> str:
        return " ".join(self.messages)

    @property
    def parks_queue(self) -> bool:
        """The day limit, or a Retry-After too long to wait out in the run: the queue waits until then."""
        waits_long = self.retry_after is not None and self.retry_after > LONGEST_INLINE_WAIT
        return self.category is FailureCategory.RATE_LIMITED or (self.transient and waits_long)


# -- element-level ------------------------------------------------------------------------------------------------

_ACCOUNT = re.compile(r"^Account code '(?P<code>[^']*)' (is not a valid code|has been archived)", re.I)
_TAX_UNKNOWN = re.compile(r"^The TaxType code '?(?P<tax>.+?)'? does not exist", re.I)
_TAX_ON_ACCOUNT = re.compile(r"^The TaxType code '(?P<tax>[^']*)' cannot be used with account code '(?P<code>[^']*)'")
_RULES: tuple[tuple[FailureCategory, re.Pattern[str]], ...] = (
    (FailureCategory.DUPLICATE_NUMBER, re.compile(r"^Invoice # must be unique", re.I)),
    (FailureCategory.PAYMENT_OVER_DUE, re.compile(r"^Payment amount exceeds the amount outstanding", re.I)),
    (
        FailureCategory.PAYMENT_ACCOUNT,
        re.compile(r"^Account type is invalid for making a payment|^You must specify an Account code", re.I),
    ),
    (FailureCategory.ARCHIVED_CONTACT, re.compile(r"contact .*has been archived", re.I)),
    (FailureCategory.PLAN_LIMIT, re.compile(r"limit of invoices you can approve", re.I)),
    (FailureCategory.LOCK_DATE, re.compile(r"cannot be before the (period|end of year) lock date", re.I)),
    (FailureCategory.TAX_MAPPING, re.compile(r"^The TaxType code|^Tax rate must be valid", re.I)),
    (FailureCategory.ACCOUNT_MAPPING, re.compile(r"^Account code '|^Account must be valid", re.I)),
    (FailureCategory.CURRENCY, re.compile(r"currenc", re.I)),
)


def category_of(message: str) -> FailureCategory:
    return next((category for category, rule in _RULES if rule.search(message)), FailureCategory.VALIDATION)


def element_messages(element: Any) -> list[str]:
    """Every ValidationErrors message of a returned invoice (SDK model): invoice, contact and lines, in order."""
    found: list[str] = []

    def add(errors: Iterable[Any] | None) -> None:
        for error in errors or ():
            text = getattr(error, "message", None) if not isinstance(error, dict) else error.get("Message")
            if text and text not in found:
                found.append(str(text))

    add(getattr(element, "validation_errors", None))
    contact = getattr(element, "contact", None)
    if contact is not None:
        add(getattr(contact, "validation_errors", None))
    for line in getattr(element, "line_items", None) or ():
        add(getattr(line, "validation_errors", None))
    return found


ZERO_GUID = "00000000-0000-0000-0000-000000000000"


def element_created(element: Any, id_attribute: str = "invoice_id") -> bool:
    """Whether Xero created the document of a `summarizeErrors=false` element (an invoice; a payment with
    `id_attribute="payment_id"`): it carries a real id and its StatusAttributeString is not ERROR. WARNING means
    created, with warnings (docs/xero-facts.md §2.2); with OK (or none) any ValidationErrors mean it was not."""
    document_id = str(getattr(element, id_attribute, "") or "")
    if not document_id or document_id == ZERO_GUID:
        return False
    status = str(getattr(element, "status_attribute_string", "") or "").upper()
    if status == "ERROR":
        return False
    if status in ("WARNING", "WARN"):
        return True
    has_errors = getattr(element, "has_errors", False) or getattr(element, "has_validation_errors", False)
    return not has_errors and not element_messages(element)


def element_warnings(element: Any) -> list[str]:
    """What Xero warned about on a created element: its Warnings (invoice and lines) and, on a WARNING element,
    any ValidationErrors too (kept, never dropped)."""
    found: list[str] = []
    for holder in (element, *(getattr(element, "line_items", None) or ())):
        for warning in getattr(holder, "warnings", None) or ():
            text = getattr(warning, "message", None) if not isinstance(warning, dict) else warning.get("Message")
            if text and str(text) not in found:
                found.append(str(text))
    found.extend(m for m in element_messages(element) if m not in found)
    return found


def classify_element(messages: list[str] | tuple[str, ...], mapped: MappedInvoice | None) -> Failure:
    """The category of the most specific message (in _RULES order), Xero's messages verbatim, a specific hint."""
    categories = [category_of(m) for m in messages]
    category = next((c for c, _ in _RULES if c in categories), FailureCategory.VALIDATION)
    return Failure(category, tuple(messages), hint_for(category, messages, mapped))


def classify_payment(messages: list[str] | tuple[str, ...], account_code: str, number: str, on: str) -> Failure:
    """A payment Xero refused: the categories of `classify_element`, where Xero's generic "Account must be valid."
    can only mean the bank account the payment goes to."""
    failure = classify_element(messages, None)
    category = failure.category
    if category is FailureCategory.ACCOUNT_MAPPING:
        category = FailureCategory.PAYMENT_ACCOUNT
    specific = {
        FailureCategory.PAYMENT_ACCOUNT: f"Payments go to Xero account {account_code}.",
        FailureCategory.LOCK_DATE: f"The payment on {number} is dated {on}.",
        FailureCategory.PAYMENT_OVER_DUE: f"The payment is on {number}.",
    }.get(category, "")
    hint = category.default_hint
    if category is FailureCategory.LOCK_DATE:
        hint = "Change the payment's date, or move the lock date in Xero, then Resync."
    elif category is FailureCategory.VALIDATION:
        hint = "Correct the payment as Xero's message says, then Resync."
    return Failure(category, failure.messages, f"{specific} {hint}".strip())


# -- hints --------------------------------------------------------------------------------------------------------


def hint_for(category: FailureCategory, messages: Iterable[str], mapped: MappedInvoice | None) -> str:
    """The default advice of the category, made specific: which local account, tax rate or contact to fix."""
    base = category.default_hint
    if mapped is None:
        return base
    specific = ""
    if category is FailureCategory.ACCOUNT_MAPPING:
        specific = _account_hint(messages, mapped)
    elif category is FailureCategory.TAX_MAPPING:
        specific = _tax_hint(messages, mapped)
    elif category is FailureCategory.ARCHIVED_CONTACT:
        specific = f"The client {mapped.client_name!r} is an archived contact in Xero."
    elif category is FailureCategory.LOCK_DATE:
        specific = f"{mapped.number} is dated {day(mapped.date)}."
    elif category is FailureCategory.DUPLICATE_NUMBER:
        specific = f"Xero already has an invoice numbered {mapped.number} that is not this one."
    return f"{specific} {base}".strip()


def _account_hint(messages: Iterable[str], mapped: MappedInvoice) -> str:
    return _line_hints(
        messages,
        (_ACCOUNT, _TAX_ON_ACCOUNT),
        "code",
        mapped.line_for_account,
        lambda line: describe_account(line.local_account, line.xero_account, line.account_rule),
    )


def _line_hints(
    messages: Iterable[str],
    patterns: tuple[re.Pattern[str], ...],
    group: str,
    line_for: Callable[[str], LineMapping | None],
    describe: Callable[[LineMapping], str],
) -> str:
    """What each message's line says (found by the value in `group` of the first pattern that matches), once each."""
    parts: list[str] = []
    for message in messages:
        match = next((m for m in (p.search(message) for p in patterns) if m), None)
        value = match.group(group) if match else ""
        line = line_for(value) if value else None
        if line is not None:
            parts.append(describe(line))
    return " ".join(dict.fromkeys(parts))


def describe_account(local: str, xero_code: str, rule: str) -> str:
    local_text = f"local account {local}" if local else "lines without an account"
    return f"The {local_text} goes to Xero account {xero_code} ({rule}), which Xero refuses on a sales invoice."


def _tax_hint(messages: Iterable[str], mapped: MappedInvoice) -> str:
    return _line_hints(
        messages,
        (_TAX_UNKNOWN, _TAX_ON_ACCOUNT),
        "tax",
        mapped.line_for_tax,
        lambda line: describe_tax(line.local_tax, line.xero_tax_type, line.tax_mapped),
    )


def describe_tax(local: str, tax_type: str, mapped: bool) -> str:
    how = "by the tax mapping" if mapped else "unmapped"
    return f"The local tax rate {local!r} is sent as Xero tax type {tax_type} ({how}), which Xero refuses here."


# -- call-level ---------------------------------------------------------------------------------------------------

TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    Urllib3Error,
    http.client.HTTPException,
    socket.timeout,
    ConnectionError,
    TimeoutError,
)


def header(exc: BaseException, name: str) -> str | None:
    return header_of(getattr(exc, "headers", None), name)


def _body_text(exc: ApiException) -> str:
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    return (body or "").strip()


def _json_body(exc: ApiException) -> Any:
    try:
        data = getattr(exc, "error_data", None)
    except ValueError:  # the SDK's error_data parses the body as JSON
        data = None
    if data is not None:
        return data
    try:
        return json.loads(_body_text(exc) or "null")
    except ValueError:
        return None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _connection(message: str, correlation_id: str | None = None) -> Failure:
    category = FailureCategory.CONNECTION
    return Failure(category, (message,), category.default_hint, correlation_id=correlation_id)


def _unavailable(
    message: str, correlation_id: str | None = None, retry_after: float | None = None, *, unconfirmed: bool = False
) -> Failure:
    category = FailureCategory.XERO_UNAVAILABLE
    return Failure(
        category, (message,), category.default_hint, True, retry_after, correlation_id=correlation_id,
        unconfirmed=unconfirmed,
    )  # fmt: skip


def classify_exception(exc: BaseException) -> Failure:
    """A failed call to Xero, as a Failure for every invoice of the request."""
    if isinstance(exc, TokenEndpointError) and exc.error not in DEAD_GRANT_ERRORS:
        # e.g. a 429 or 5xx at the sign-in service: transient, the connection stands (TokenSession.refresh)
        return _unavailable(f"Xero's sign-in service could not renew the sign-in now ({exc.status} {exc.error}).")
    if isinstance(exc, ConnectionDropped | XeroInterfaceError):
        return _connection(str(exc))
    if isinstance(exc, OAuth2Error) and not isinstance(exc, ApiException):
        return _connection(f"Xero no longer accepts the saved sign-in ({type(exc).__name__}: {exc}).")
    if isinstance(exc, ApiException):
        return _classify_http(exc)
    if isinstance(exc, TRANSPORT_ERRORS):
        text = f"Xero could not be reached: {type(exc).__name__}: {_short(exc)}"
        return _unavailable(text, unconfirmed=not _never_sent(exc))
    # The SDK could not read the reply (truncated or malformed JSON: a JSONDecodeError, or the plain ValueError its
    # deserializer raises). Its ApiValueError is a call we made wrong (our bug), not Xero's trouble: it goes up.
    if isinstance(exc, ValueError) and not isinstance(exc, ApiValueError):
        return _unavailable(f"Xero's reply could not be read: {_short(exc)}", unconfirmed=True)
    raise exc


def _never_sent(exc: BaseException) -> bool:
    """A transport error raised before the request left: no connection could be made at all."""
    reason = getattr(exc, "reason", None)
    causes = (exc, reason, exc.__cause__, exc.__context__)
    return any(isinstance(c, NewConnectionError | ConnectionRefusedError | socket.gaierror) for c in causes)


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _classify_http(exc: ApiException) -> Failure:
    status = int(exc.status or 0)
    correlation = header(exc, "Xero-Correlation-Id")
    body = _json_body(exc)
    if isinstance(body, dict) and body.get("error") == "invalid_grant":
        return _connection(
            "Xero no longer accepts the saved sign-in (invalid_grant): it expired, or the app was disconnected "
            "in Xero.",
            correlation,
        )
    if status == 401 or (status == 403 and tenant_gone(body)):
        detail = problem_detail(body)
        return _connection(f"Xero refused the connection ({status} {detail or exc.reason}).", correlation)
    if status == 403:
        category = FailureCategory.PERMISSION
        detail = problem_detail(body) or _body_text(exc) or str(exc.reason or "Forbidden")
        message = f"Xero refused access to this (403 {detail})."
        return Failure(category, (message,), category.default_hint, correlation_id=correlation)
    if status == 409:
        said = problem_detail(body) or _body_text(exc)
        message = f"Xero could not take the request just now (409 Conflict{': ' + said if said else ''})."
        return _unavailable(message, correlation, _seconds(header(exc, "Retry-After")))
    if status == 413:
        category = FailureCategory.VALIDATION
        message = "Xero refused the request as too large (413 Request Entity Too Large)."
        return Failure(category, (message,), category.default_hint, correlation_id=correlation, too_large=True)
    if isinstance(exc, RateLimitException) or status == 429:
        problem = (exc.headers or {}).get("X-Rate-Limit-Problem") if exc.headers else None
        problem = (problem or header(exc, "X-Rate-Limit-Problem") or "minute").lower()
        retry_after = _seconds(header(exc, "Retry-After"))
        text = f"Xero's {problem} API limit was reached (429 Too Many Requests)."
        if problem == RATE_LIMIT_DAY:
            category = FailureCategory.RATE_LIMITED
            return Failure(category, (text,), category.default_hint, False, retry_after, problem, correlation)
        category = FailureCategory.XERO_UNAVAILABLE
        return Failure(category, (text,), category.default_hint, True, retry_after, problem, correlation)
    if status == 0 or status >= 500:
        text = _body_text(exc)
        if isinstance(body, dict):
            text = str(body.get("Detail") or body.get("Title") or text)
        return _unavailable(
            f"{status} {exc.reason}: {text}".strip(": "), correlation, _seconds(header(exc, "Retry-After")),
            unconfirmed=status not in (503,),  # 503: the organisation is offline, nothing was taken
        )  # fmt: skip
    messages = _validation_messages(body) if isinstance(exc, BadRequestException) else []
    if not messages:
        xero_message = body.get("Message") if isinstance(body, dict) else _body_text(exc)
        messages = [str(xero_message or exc.reason or f"HTTP {status}")]
    if isinstance(exc, NotFoundException):
        messages = [f"404 {exc.reason}: {_body_text(exc)}".strip(": ")]
    failure = classify_element(messages, None)
    return Failure(failure.category, failure.messages, failure.hint, correlation_id=correlation, details={"body": body})


def _validation_messages(body: Any) -> list[str]:
    """Every ValidationErrors message of a 400 ValidationException body (elements, contacts, lines)."""
    if not isinstance(body, dict):
        return []
    found: list[str] = []
    for element in body.get("Elements") or ():
        found.extend(m for m in raw_element_messages(element) if m not in found)
    return found


def raw_element_messages(element: Any) -> list[str]:
    """element_messages for a raw JSON element."""
    if not isinstance(element, dict):
        return []
    found: list[str] = []
    groups = [element.get("ValidationErrors")]
    contact = element.get("Contact")
    if isinstance(contact, dict):
        groups.append(contact.get("ValidationErrors"))
    groups.extend(line.get("ValidationErrors") for line in element.get("LineItems") or () if isinstance(line, dict))
    for errors in groups:
        for error in errors or ():
            text = error.get("Message") if isinstance(error, dict) else None
            if text and text not in found:
                found.append(str(text))
    return found
