"""If-Modified-Since through the real SDK: Xero's documented form (UTC yyyy-mm-ddThh:mm:ss in whole seconds, with
an optional Z or +00:00) and the HTTP-date are honoured; anything else, fractional seconds included, is a 400
QueryParseException on every GET that takes the header, never silently ignored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sandbox_helpers import DEMO, Connected
from xero_python.exceptions import AccountingBadRequestException

from invoice_desktop.sandbox.server import RunningSandbox

LISTS_TAKING_IT = ("get_invoices", "get_contacts", "get_accounts", "get_payments")


def future(sandbox: RunningSandbox) -> datetime:
    return datetime.fromtimestamp(int(sandbox.clock.now()) + 3600, tz=UTC)


@pytest.mark.parametrize(
    "form",
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S+00:00",
        "%a, %d %b %Y %H:%M:%S GMT",
    ],
)
@pytest.mark.parametrize("method", LISTS_TAKING_IT)
def test_documented_forms_filter(sandbox: RunningSandbox, connected: Connected, form: str, method: str) -> None:
    api = connected.accounting()
    everything = getattr(api, method)(DEMO)
    key = method.removeprefix("get_")
    assert getattr(everything, key)  # the seeded organisation has some of each
    later = getattr(api, method)(DEMO, if_modified_since=future(sandbox).strftime(form))
    assert getattr(later, key) == []


def test_a_datetime_in_whole_seconds_is_what_the_sdk_sends(sandbox: RunningSandbox, connected: Connected) -> None:
    assert connected.accounting().get_invoices(DEMO, if_modified_since=future(sandbox)).invoices == []
    sent = sandbox.requests.entries("GET", "/Invoices")[-1].if_modified_since
    assert sent is not None and sent.endswith("+00:00") and "." not in sent


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-02T16:02:37.744000+00:00",  # fractional seconds (a datetime with microseconds)
        "2026-12-02T16:02:37.000Z",
        "2026-12-02T16:02:37+01:00",  # not UTC
        "2026-12-02",
        "2026-13-02T16:02:37",
        "yesterday",
        "",
        "Wed, 02 Dec 2026 16:02:37 +0000",
    ],
)
@pytest.mark.parametrize("method", LISTS_TAKING_IT)
def test_anything_else_is_refused_with_400(connected: Connected, value: str, method: str) -> None:
    with pytest.raises(AccountingBadRequestException) as raised:
        getattr(connected.accounting(), method)(DEMO, if_modified_since=value)
    body = raised.value.error_data
    assert (body["ErrorNumber"], body["Type"]) == (16, "QueryParseException")
    assert "If-Modified-Since" in body["Message"] and "yyyy-mm-ddThh:mm:ss" in body["Message"]


def test_a_datetime_with_microseconds_is_refused(connected: Connected) -> None:
    with pytest.raises(AccountingBadRequestException, match="is not a valid timestamp"):
        connected.accounting().get_invoices(DEMO, if_modified_since=datetime(2026, 12, 2, 16, 2, 37, 744000, UTC))
