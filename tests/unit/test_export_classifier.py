"""The failure classifier on Xero's own bodies (docs/xero-facts.md §1.6, §2): categories, messages verbatim, hints."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError, ReadTimeoutError
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException, RateLimitException

from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.xero.client import ConnectionDropped
from invoice_desktop.xero.failure_classifier import classify_element, classify_exception, element_messages
from invoice_desktop.xero.invoice_mapping import LineMapping, MappedInvoice


def _response(status: int, reason: str, body: bytes, headers: dict[str, str] | None = None) -> SimpleNamespace:
    return SimpleNamespace(
        status=status, reason=reason, data=body, text=body.decode(), getheaders=lambda: headers or {}
    )


def _http(status: int, reason: str, body: str, headers: dict[str, str] | None = None) -> HTTPStatusException:
    return HTTPStatusException(http_resp=_response(status, reason, body.encode(), headers))


def _mapped() -> MappedInvoice:
    lines = (
        LineMapping(1, "4000", "210", "mapping", "GST on Income", "OUTPUT", True),
        LineMapping(2, "4100", "200", "default income account", "Export Sales", "GST on Income", False),
    )
    return MappedInvoice(7, "INV-0007", "Bayside Cafe", None, date(2026, 3, 2), Decimal("110.00"), lines, None)


VERBATIM = [
    ("Invoice # must be unique.", FailureCategory.DUPLICATE_NUMBER),
    ("Account code '200' is not a valid code for this document.", FailureCategory.ACCOUNT_MAPPING),
    (
        "Account code '210' has been archived, or has been deleted. Each line item must reference a valid account.",
        FailureCategory.ACCOUNT_MAPPING,
    ),
    ("Account must be valid.", FailureCategory.ACCOUNT_MAPPING),
    ("Tax rate must be valid.", FailureCategory.TAX_MAPPING),
    (
        "The TaxType code GST on Income does not exist or cannot be used for this type of transaction.",
        FailureCategory.TAX_MAPPING,
    ),
    ("The TaxType code 'GST on Income' cannot be used with account code '60410'.", FailureCategory.TAX_MAPPING),
    (
        "The contact with the specified contact details has been archived. The contact must be un-archived before "
        "creating new invoices or credit notes",
        FailureCategory.ARCHIVED_CONTACT,
    ),
    (
        "The document date cannot be before the period lock date, currently set at 30-Nov-2018",
        FailureCategory.LOCK_DATE,
    ),
    (
        "The document date cannot be before the end of year lock date, currently set at 31-Jul-2013",
        FailureCategory.LOCK_DATE,
    ),
    ("You have reached the limit of invoices you can approve", FailureCategory.PLAN_LIMIT),
    ("One or more line items must be specified", FailureCategory.VALIDATION),
    ("Email address must be valid.", FailureCategory.VALIDATION),
]


@pytest.mark.parametrize(("message", "category"), VERBATIM)
def test_each_xero_message_gets_its_category_and_is_kept_verbatim(message: str, category: FailureCategory) -> None:
    failure = classify_element([message], _mapped())
    assert failure.category is category and failure.messages == (message,)
    assert failure.hint.endswith(category.default_hint)


def test_hints_name_the_local_account_tax_rate_and_contact() -> None:
    mapped = _mapped()
    account = classify_element([VERBATIM[2][0]], mapped).hint
    assert "local account 4000 goes to Xero account 210 (mapping)" in account
    tax = classify_element([VERBATIM[5][0]], mapped).hint
    assert "'Export Sales' is sent as Xero tax type GST on Income (unmapped)" in tax
    assert "'Bayside Cafe'" in classify_element([VERBATIM[7][0]], mapped).hint


def test_several_messages_kept_in_order_most_specific_category_wins() -> None:
    messages = ["Email address must be valid.", VERBATIM[1][0], VERBATIM[5][0]]
    failure = classify_element(messages, None)
    assert failure.category is FailureCategory.TAX_MAPPING and list(failure.messages) == messages


def test_element_messages_reads_invoice_contact_and_line_errors() -> None:
    def errors(*texts: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(message=t) for t in texts]

    element = SimpleNamespace(
        validation_errors=errors("Invoice # must be unique."),
        contact=SimpleNamespace(validation_errors=errors("Contact archived")),
        line_items=[SimpleNamespace(validation_errors=errors("Account must be valid.")), SimpleNamespace()],
    )
    assert element_messages(element) == ["Invoice # must be unique.", "Contact archived", "Account must be valid."]


def test_invalid_grant_inside_an_accounting_call_is_a_dead_connection() -> None:
    exc = AccountingBadRequestException(http_resp=_response(400, "Bad Request", b'{"error":"invalid_grant"}'))
    failure = classify_exception(exc)
    assert failure.category is FailureCategory.CONNECTION and failure.stops_queue and not failure.transient
    assert "invalid_grant" in failure.message


def test_summarised_validation_400_keeps_every_message() -> None:
    body = {
        "ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
        "Elements": [{"InvoiceNumber": "INV-1", "HasErrors": True, "ValidationErrors": [{"Message": VERBATIM[0][0]}],
                      "LineItems": [{"ValidationErrors": [{"Message": VERBATIM[1][0]}]}]}],
    }  # fmt: skip
    exc = AccountingBadRequestException(http_resp=_response(400, "Bad Request", json.dumps(body).encode()))
    failure = classify_exception(exc)
    assert failure.category is FailureCategory.DUPLICATE_NUMBER
    assert failure.messages == (VERBATIM[0][0], VERBATIM[1][0])


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, '{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired at '
         '09/24/2021 08:23:47","Instance":"04115443-c574-4949-9cfa-102bdb03ca91","Extensions":{}}'),
        (403, '{"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful",'
         '"Instance":"10fa664c-61e3-453e-b7f4-c087cfc82401","Extensions":{}}'),
    ],
)  # fmt: skip
def test_401_and_403_are_connection(status: int, body: str) -> None:
    failure = classify_exception(_http(status, "Unauthorized" if status == 401 else "Forbidden", body))
    assert failure.category is FailureCategory.CONNECTION


def test_connection_dropped_is_connection() -> None:
    assert classify_exception(ConnectionDropped("gone")).category is FailureCategory.CONNECTION


def test_500_and_503_are_transient_and_keep_xero_words() -> None:
    body = (
        '{"Title":"An error occurred","Detail":"An error occurred in Xero. Check the API Status page '
        'http://status.developer.xero.com for current service status.","Status":500,"Instance":"c4bf"}'
    )
    failure = classify_exception(_http(500, "Internal Server Error", body, {"Xero-Correlation-Id": "abc"}))
    assert failure.category is FailureCategory.XERO_UNAVAILABLE and failure.transient
    assert "An error occurred in Xero. Check the API Status page" in failure.message
    assert failure.correlation_id == "abc"
    offline = classify_exception(_http(503, "Service Unavailable", "The Organisation is Offline"))
    assert offline.messages == ("503 Service Unavailable: The Organisation is Offline",) and offline.transient


def test_429_minute_is_transient_with_retry_after_and_day_parks() -> None:
    headers = {"Retry-After": "37", "X-Rate-Limit-Problem": "minute", "X-MinLimit-Remaining": "0"}
    minute = classify_exception(RateLimitException(http_resp=_response(429, "Too Many Requests", b"", headers)))
    assert minute.transient and minute.retry_after == 37 and minute.category is FailureCategory.XERO_UNAVAILABLE
    headers = {"Retry-After": "66975", "X-Rate-Limit-Problem": "day", "X-DayLimit-Remaining": "0"}
    day = classify_exception(RateLimitException(http_resp=_response(429, "Too Many Requests", b"", headers)))
    assert day.category is FailureCategory.RATE_LIMITED and not day.transient and day.retry_after == 66975
    assert day.stops_queue


@pytest.mark.parametrize(
    "exc",
    [
        ReadTimeoutError(None, "/Invoices", "Read timed out. (read timeout=60)"),
        MaxRetryError(None, "/Invoices", ReadTimeoutError(None, "/Invoices", "Read timed out.")),
        NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused"),
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")),
    ],
)
def test_raw_urllib3_timeouts_and_resets_are_xero_unavailable(exc: Exception) -> None:
    failure = classify_exception(exc)
    assert failure.category is FailureCategory.XERO_UNAVAILABLE and failure.transient


def test_unknown_exceptions_are_not_swallowed() -> None:
    with pytest.raises(KeyError):
        classify_exception(KeyError("bug"))


def test_token_endpoint_trouble_is_xero_unavailable_but_a_dead_grant_is_a_connection_failure():
    """A token endpoint error that is not a dead grant (429 / 5xx at the sign-in service) is transient."""
    from invoice_desktop.xero.client import TokenEndpointError

    for error, status in (("temporarily_unavailable", 503), ("rate_limited", 429), ("server_error", 500)):
        failure = classify_exception(TokenEndpointError("sign-in service trouble", error, status))
        assert failure.category is FailureCategory.XERO_UNAVAILABLE, error
        assert failure.transient
    dead = classify_exception(TokenEndpointError("expired", "invalid_grant", 400))
    assert dead.category is FailureCategory.CONNECTION


def test_only_a_reply_that_is_not_json_is_transient_not_any_value_error():
    """Any other ValueError (the SDK's ApiValueError: our bug) goes up."""
    from xero_python.exceptions import ApiValueError

    unreadable = classify_exception(json.JSONDecodeError("Expecting value", "<html>", 0))
    assert unreadable.category is FailureCategory.XERO_UNAVAILABLE
    with pytest.raises(ApiValueError):
        classify_exception(ApiValueError("Missing the required parameter `xero_tenant_id`"))
