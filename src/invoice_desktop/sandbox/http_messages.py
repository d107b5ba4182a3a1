"""The request and response values passed between the HTTP server and the sandbox's handlers, and the bodies
Xero sends for its non-validation errors (docs/xero-facts.md §2.4), verbatim."""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from invoice_desktop.sandbox import wire

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
ORGANISATION_OFFLINE_TEXT = "The Organisation is Offline"
SERVER_ERROR_DETAIL = (
    "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status."
)


class Transport(enum.Enum):
    """How the server hands a response to the socket."""

    NORMAL = "normal"
    RESET = "reset"  # close abruptly (RST) without a response
    HANG = "hang"  # keep the socket open and never answer
    DROP_AFTER_COMMIT = "drop"  # the work is done; close the socket before any reply


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query_string: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # keys lower-cased
    body: bytes = b""
    client_address: str = "127.0.0.1"

    def __post_init__(self) -> None:
        self.headers = {key.lower(): value for key, value in self.headers.items()}
        self._query = parse_qsl(self.query_string, keep_blank_values=True)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def query(self, name: str, default: str | None = None) -> str | None:
        """A query parameter; names are matched case-insensitively, as Xero does."""
        wanted = name.lower()
        for key, value in self._query:
            if key.lower() == wanted:
                return value
        return default

    def query_flag(self, name: str) -> bool | None:
        value = self.query(name)
        if value is None or value == "":
            return None
        return value.strip().lower() in ("true", "1", "yes")

    def query_list(self, name: str) -> list[str]:
        """A comma-separated list parameter (IDs, InvoiceNumbers, ContactIDs, Statuses) split as Xero splits it: on
        every comma (a number holding a comma cannot be asked for this way), each part trimmed and taken out of one
        pair of double quotes (the spec's example is `"INV-001", "INV-002"`), empty parts dropped."""
        value = self.query(name)
        if not value:
            return []
        parts = [part.strip() for part in value.split(",")]
        unquoted = [p[1:-1].strip() if len(p) >= 2 and p[0] == p[-1] == '"' else p for p in parts]
        return [part for part in unquoted if part]

    def query_items(self) -> list[tuple[str, str]]:
        return list(self._query)

    def form(self) -> dict[str, str]:
        """An application/x-www-form-urlencoded body (last value wins)."""
        return dict(parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True))

    def form_lists(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True):
            result.setdefault(key, []).append(value)
        return result


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    transport: Transport = Transport.NORMAL
    delay_seconds: float = 0.0

    @classmethod
    def json(cls, status: int, document: Any, headers: dict[str, str] | None = None) -> Response:
        return cls(status, wire.dumps(document).encode("utf-8"), {"Content-Type": JSON_TYPE, **(headers or {})})

    @classmethod
    def text(cls, status: int, text: str, content_type: str = TEXT_TYPE) -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": content_type})

    @classmethod
    def html(cls, status: int, page: str) -> Response:
        return cls(status, page.encode("utf-8"), {"Content-Type": HTML_TYPE})

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", {"Location": location})

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


def problem(status: int, title: str, detail: str, instance: str) -> dict[str, Any]:
    """The problem-details body Xero's gateway uses for 401 and 403."""
    return {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": instance, "Extensions": {}}


def unauthorized(detail: str, instance: str) -> Response:
    """401: detail is "AuthenticationUnsuccessful", "AuthorizationUnsuccessful" or "TokenExpired: ..."."""
    response = Response.json(401, problem(401, "Unauthorized", detail, instance))
    if detail == "AuthenticationUnsuccessful":
        response.headers["WWW-Authenticate"] = "Bearer error=invalid_token"
    return response


def forbidden(instance: str, detail: str = "AuthenticationUnsuccessful") -> Response:
    """403: "AuthenticationUnsuccessful" when the tenant is gone or disconnected (docs/xero-facts.md §2.4); the
    `no_permission` fault's "AuthorizationUnsuccessful" for a user or app not allowed the call (the sandbox's
    reading, see docs/sandbox.md)."""
    return Response.json(403, problem(403, "Forbidden", detail, instance))


def payload_too_large(length: int, limit: int, instance: str) -> Response:
    """413 for a body over the limit, in the gateway's problem-details shape (no capture of Xero's own 413)."""
    detail = f"The request body is {length:,} bytes; Xero takes at most {limit:,} bytes in one request."
    response = Response.json(413, problem(413, "Request Entity Too Large", detail, instance))
    response.headers["Connection"] = "close"
    return response


def conflict(instance: str) -> Response:
    """409 (the `conflict` fault), in the gateway's problem-details shape; nothing was processed."""
    detail = "The request conflicts with another request being processed. Nothing was changed; try it again."
    return Response.json(409, problem(409, "Conflict", detail, instance))


def not_found() -> Response:
    return Response.text(404, NOT_FOUND_TEXT, HTML_TYPE)


def server_error(instance: str) -> Response:
    body = {"Title": "An error occurred", "Detail": SERVER_ERROR_DETAIL, "Status": 500, "Instance": instance}
    return Response.json(500, body)


def organisation_offline() -> Response:
    return Response.text(503, ORGANISATION_OFFLINE_TEXT)


def post_data_invalid(reason: str) -> Response:
    return Response.json(
        400,
        {
            "ErrorNumber": 14,
            "Type": "PostDataInvalidException",
            "Message": f"JSON request body could not be read, Error {reason}",
        },
    )


def validation_exception(elements: list[dict[str, Any]], message: str = "A validation exception occurred") -> Response:
    return Response.json(
        400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": message, "Elements": elements}
    )


def token_error(error: str, status: int = 400) -> Response:
    """The token endpoint's compact error body: exactly {"error":"invalid_grant"} (the SDK matches the bytes)."""
    return Response(
        status, f'{{"error":"{error}"}}'.encode("ascii"), {"Content-Type": "application/json; charset=UTF-8"}
    )


_HOST_RE = re.compile(r"^(?P<name>\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(:(?P<port>\d{1,5}))?$")


def is_loopback_host(value: str | None) -> bool:
    """A Host header naming this computer: localhost, an address in 127.0.0.0/8 or [::1], with or without a port.
    Anything else (another name, even one that resolves to 127.0.0.1: DNS rebinding) is refused."""
    match = _HOST_RE.match((value or "").strip())
    if match is None or (match["port"] is not None and int(match["port"]) > 65535):
        return False
    name = match["name"].lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name[1:-1] if name.startswith("[") else name)
    except ValueError:
        return False
    return address.is_loopback and (address.version == 4) == (not name.startswith("["))


def misdirected(host: str | None) -> Response:
    return Response.text(
        403,
        f"Sandbox Xero only answers requests addressed to this computer (localhost, 127.0.0.1 or [::1]); "
        f"the Host {host!r} is not one of them.",
    )


def is_cross_site(request: Request) -> bool:
    """A browser request made by another site's page (a form or fetch aimed at the loopback port): the admin page
    and the control path refuse it, so a web page cannot switch faults or revoke the app."""
    if (request.header("Sec-Fetch-Site") or "").lower() == "cross-site":
        return True
    origin = request.header("Origin")
    if not origin:
        return False  # not a browser form post (curl, tests), or a same-origin GET
    if origin == "null":
        return True  # sandboxed iframes, file:// pages
    host = request.header("Host") or ""
    return origin.rstrip("/").lower() not in (f"http://{host}".lower(), f"https://{host}".lower())
