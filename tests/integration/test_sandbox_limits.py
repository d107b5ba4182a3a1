"""Request size and shape limits, on every path, before anything is read into memory: a body over the limit gets 413
(the Accounting API's limit is Xero's 10 MB, lowered here with set_body_limit; every other path takes 64 KiB);
chunked bodies, unreadable or repeated Content-Length are refused; the stdlib server refuses absurd headers. The
`conflict` fault answers 409."""

from __future__ import annotations

import json
import socket
from datetime import date
from decimal import Decimal

import pytest
from sandbox_helpers import DEMO, Connected
from xero_python.accounting import Contact, Invoice, Invoices, LineItem
from xero_python.exceptions import HTTPStatusException

from invoice_desktop.sandbox.context import XERO_MAX_BODY_BYTES
from invoice_desktop.sandbox.control import ControlError
from invoice_desktop.sandbox.server import RunningSandbox


def raw(sandbox: RunningSandbox, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """Send `head` (request line and headers, without the blank line) and `body`; the status and the reply body."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as connection:
        connection.sendall(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n\r\n" + body)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def big_batch(lines: int) -> Invoices:
    items = [LineItem(description="x" * 200, quantity=Decimal(1), unit_amount=Decimal(1), account_code="200")
             for _ in range(lines)]  # fmt: skip
    return Invoices(invoices=[Invoice(type="ACCREC", contact=Contact(name="Greenway Builders"), line_items=items,
                                      date=date(2026, 12, 2), invoice_number="BIG-1")])  # fmt: skip


def test_the_default_limit_is_xeros(sandbox: RunningSandbox) -> None:
    assert sandbox.options.max_body_bytes == XERO_MAX_BODY_BYTES == 10_000_000


def test_an_oversized_invoice_batch_gets_413_through_the_sdk(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.set_body_limit(20_000)
    with pytest.raises(HTTPStatusException) as raised:
        connected.accounting().create_invoices(DEMO, big_batch(200), summarize_errors=False)
    assert raised.value.status == 413
    body = json.loads(raised.value.body)
    assert (body["Title"], body["Status"]) == ("Request Entity Too Large", 413)
    assert "at most 20,000 bytes" in body["Detail"]
    assert sandbox.state.organisations[DEMO].invoice("BIG-1") is None
    made = connected.accounting().create_invoices(DEMO, big_batch(20), summarize_errors=False).invoices[0]
    assert not made.has_errors  # under the limit, the same call goes through


@pytest.mark.parametrize(
    "path",
    ["/api.xro/2.0/Invoices", "/connect/token", "/connect/revocation", "/sandbox/control", "/sandbox/admin/action",
     "/identity/connect/authorize", "/connections", "/nowhere"],
)  # fmt: skip
def test_a_huge_declared_body_is_refused_without_reading_it(sandbox: RunningSandbox, path: str) -> None:
    # 300 MB announced and none of it sent: the answer comes at once, so the server never waited to read it.
    status, body = raw(sandbox, f"POST {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 300000000", b"{}")
    assert status == 413 and b"Request Entity Too Large" in body


@pytest.mark.parametrize("path", ["/connect/token", "/sandbox/control", "/sandbox/admin/action"])
def test_other_paths_take_64_kib(sandbox: RunningSandbox, path: str) -> None:
    body = b"a=" + b"x" * (64 * 1024)
    status, reply = raw(sandbox, f"POST {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Length: {len(body)}", body)
    assert status == 413 and b"65,536 bytes" in reply


@pytest.mark.parametrize(
    ("headers", "status", "text"),
    [
        ("Transfer-Encoding: chunked", 411, b"Content-Length"),
        ("Content-Length: 12abc", 400, b"is not a number of bytes"),
        ("Content-Length: -5", 400, b"is not a number of bytes"),
        ("Content-Length: 2\nContent-Length: 900", 400, b"more than once"),
        ("Host: 127.0.0.1", 400, b"more than once"),  # a second Host
    ],
)
def test_unreadable_framing_is_refused(sandbox: RunningSandbox, headers: str, status: int, text: bytes) -> None:
    got, body = raw(sandbox, f"POST /sandbox/control HTTP/1.1\nHost: 127.0.0.1\n{headers}", b"{}")
    assert got == status and text in body


def test_absurd_headers_are_refused_by_the_server(sandbox: RunningSandbox) -> None:
    many = "\n".join(f"X-Filler-{n}: {n}" for n in range(150))
    assert raw(sandbox, f"GET /sandbox/control HTTP/1.1\nHost: 127.0.0.1\n{many}")[0] == 431
    assert raw(sandbox, f"GET /sandbox/control HTTP/1.1\nHost: 127.0.0.1\nX-Long: {'y' * 70_000}")[0] == 431
    assert raw(sandbox, f"GET /{'z' * 70_000} HTTP/1.1\nHost: 127.0.0.1")[0] == 414


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "1000", 10**12, None])
def test_bad_body_limits_are_refused(sandbox: RunningSandbox, value: object) -> None:
    with pytest.raises(ControlError, match="max_bytes"):
        sandbox.control.set_body_limit(value)  # type: ignore[arg-type]
    assert sandbox.options.max_body_bytes == XERO_MAX_BODY_BYTES


def test_the_conflict_fault_answers_409_and_changes_nothing(sandbox: RunningSandbox, connected: Connected) -> None:
    sandbox.control.arm_fault("conflict", 1)
    with pytest.raises(HTTPStatusException) as raised:
        connected.accounting().create_invoices(DEMO, big_batch(1), summarize_errors=False)
    assert raised.value.status == 409
    assert json.loads(raised.value.body)["Title"] == "Conflict"
    assert sandbox.state.organisations[DEMO].invoice("BIG-1") is None
    assert not connected.accounting().create_invoices(DEMO, big_batch(1), summarize_errors=False).invoices[0].has_errors
