"""Which handler answers which path. Every Xero path lives under one base URL (config.XeroEndpoints.under):
login.xero.com's /identity/connect/authorize, identity.xero.com's /connect/token and /connect/revocation,
api.xero.com's /connections and /api.xro/2.0/. Plus /sandbox/control and the /sandbox/admin page ("Sandbox Xero"),
which no real Xero has.

`SandboxApp.requests` keeps the requests it answered (method, path, query, status and If-Modified-Since only: never
a token), so a test can count what reached "Xero" without wrapping `handle`."""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass

from invoice_desktop.sandbox import api, http_messages, oauth
from invoice_desktop.sandbox.admin import AdminPages
from invoice_desktop.sandbox.context import SandboxContext, new_correlation_id
from invoice_desktop.sandbox.control import SandboxControl, handle_control
from invoice_desktop.sandbox.http_messages import Request, Response

log = logging.getLogger(__name__)

CONTROL_PATH = "/sandbox/control"
_INDEX = (
    "Invoice Desktop's Xero sandbox. Paths: /identity/connect/authorize, /connect/token, /connect/revocation, "
    "/connections, /api.xro/2.0/..., " + CONTROL_PATH + " (GET lists the actions) and the admin page "
    "/sandbox/admin (Sandbox Xero)."
)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    if_modified_since: str | None


class RequestLog:
    """The last `limit` requests the sandbox answered, oldest first (thread-safe: the server is threaded)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=limit)

    def add(self, request: Request, response: Response) -> None:
        entry = LoggedRequest(
            request.method, request.path, request.query_string, response.status, request.header("If-Modified-Since")
        )
        with self._lock:
            self._entries.append(entry)

    def entries(self, method: str | None = None, path_suffix: str | None = None) -> list[LoggedRequest]:
        """The requests logged, optionally only one method's and those whose path ends so (ignoring case)."""
        with self._lock:
            entries = list(self._entries)
        suffix = path_suffix.lower().rstrip("/") if path_suffix else None
        return [
            e
            for e in entries
            if (method is None or e.method == method.upper())
            and (suffix is None or e.path.lower().rstrip("/").endswith(suffix))
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


FORM_BODY_LIMIT = 64 * 1024  # the sign-in, token, revocation, control and admin bodies are small forms or JSON


class SandboxApp:
    def __init__(self, ctx: SandboxContext) -> None:
        self.ctx = ctx
        self.control = SandboxControl(ctx)
        self.admin = AdminPages(ctx, self.control)
        self.requests = RequestLog()

    def body_limit(self, path: str) -> int:
        """The largest body a request to `path` may have: Xero's limit for the Accounting API, a small one else."""
        limit = self.ctx.options.max_body_bytes
        return limit if path.lower().startswith(api.API_ROOT) else min(limit, FORM_BODY_LIMIT)

    def screen(self, request: Request, repeated: tuple[str, ...] = ()) -> Response | None:
        """The answer to a request refused before its body is read, or None: repeated framing headers, a Host that
        is not this computer (DNS rebinding), a chunked, unreadable or too large body. Every path is screened: the
        API, the sign-in, the admin page and the control path. `repeated` names headers given more than once."""
        response = self._refusal(request, repeated)
        if response is not None:
            response.headers["Connection"] = "close"
            self.requests.add(request, response)
        return response

    def _refusal(self, request: Request, repeated: tuple[str, ...]) -> Response | None:
        if repeated:
            return Response.text(400, f"Bad request: the {', '.join(repeated)} header is given more than once.")
        if not http_messages.is_loopback_host(request.header("Host")):
            return http_messages.misdirected(request.header("Host"))
        if request.header("Transfer-Encoding") is not None:
            return Response.text(411, "Length required: send the body with a Content-Length, not chunked.")
        declared = (request.header("Content-Length") or "0").strip()
        if not declared.isdigit() or len(declared) > 18:
            return Response.text(400, f"Bad request: Content-Length {declared[:40]!r} is not a number of bytes.")
        limit = self.body_limit(request.path)
        if int(declared) > limit:
            return http_messages.payload_too_large(int(declared), limit, new_correlation_id())
        return None

    def handle(self, request: Request) -> Response:
        try:
            response = self._route(request)
        except Exception:  # a bug in the sandbox answers like Xero's own 500, and is logged
            log.exception("sandbox error on %s %s", request.method, request.path)
            response = http_messages.server_error(new_correlation_id())
        self.requests.add(request, response)
        return response

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        lower = path.lower()
        if lower == CONTROL_PATH:
            return handle_control(self.control, request)
        if self.admin.handles(lower):
            return self.admin.handle(request)
        if lower == "/":
            return Response.text(200, _INDEX)
        correlation_id = new_correlation_id()
        faulted = api.fault_response(self.ctx, request, correlation_id)
        if faulted is not None:
            faulted.headers.setdefault("Xero-Correlation-Id", correlation_id)
            return faulted
        if lower.startswith(api.API_ROOT.rstrip("/")):
            return api.handle_api(self.ctx, request, correlation_id)
        response = self._identity(request, lower, path)
        if request.method != "GET" or lower.startswith("/identity/"):
            self.ctx.persist()
        return response

    def _identity(self, request: Request, lower: str, path: str) -> Response:
        if lower == "/identity/connect/authorize" and request.method in ("GET", "POST"):
            return oauth.authorize(self.ctx, request)
        if lower == "/connect/token":
            return oauth.token(self.ctx, request)
        if lower == "/connect/revocation" and request.method == "POST":
            return oauth.revocation(self.ctx, request)
        if lower == "/connections":
            return oauth.connections(self.ctx, request, None)
        if lower.startswith("/connections/") and path.count("/") == 2:
            return oauth.connections(self.ctx, request, path.split("/")[2])
        return http_messages.not_found()
