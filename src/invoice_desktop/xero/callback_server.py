"""The loopback listener Xero's sign-in redirects to: http://localhost:PORT/callback.

It takes exactly one callback, answers the browser with a small readable page, and closes; it gives up after a
timeout, and can be cancelled from another thread (the window's Cancel button).

The port may be taken again at once: after a sign-in the port is left in TIME-WAIT for about a minute (the
listener closed the browser's connection first), which must not make the next `xero connect` on that port fail as
"in use". So on POSIX the listener sets SO_REUSEADDR, which lets it bind over TIME-WAIT but never next to another
listener; on Windows, where SO_REUSEADDR would let two listeners share the port (and a TIME-WAIT does not block a
bind), it takes the port with SO_EXCLUSIVEADDRUSE. A port another program listens on is still reported as in use.
"""

from __future__ import annotations

import errno
import html
import logging
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from invoice_desktop.xero.auth import AuthError

log = logging.getLogger(__name__)

DEFAULT_PORT = 8888  # as in Xero's own desktop PKCE sample
CALLBACK_PATH = "/callback"
DEFAULT_TIMEOUT = 300
# bind() errors of a port another listener has (Windows: WSAEACCES when it holds the port exclusively)
PORT_TAKEN = {errno.EADDRINUSE, errno.EACCES} | {
    getattr(errno, n) for n in ("WSAEADDRINUSE", "WSAEACCES") if hasattr(errno, n)
}


class CallbackPortInUse(AuthError):
    pass


class CallbackTimeout(AuthError):
    pass


class CallbackCancelled(AuthError):
    pass


@dataclass(frozen=True)
class CallbackResult:
    code: str

    def __repr__(self) -> str:
        return "CallbackResult(code=[redacted])"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice Desktop — {title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}}
h1{{font-size:1.4em;color:{colour}}}</style></head>
<body><h1>{title}</h1><p>{message}</p><p>You can close this tab and return to Invoice Desktop.</p></body></html>
"""


def _page(title: str, message: str, ok: bool) -> bytes:
    return _PAGE.format(
        title=html.escape(title), message=html.escape(message), colour="#1a7f37" if ok else "#b42318"
    ).encode("utf-8")


class _Server(HTTPServer):
    allow_reuse_address = False  # set by server_bind below: a port in TIME-WAIT is free, one in use is reported

    def server_bind(self) -> None:
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)  # Windows only
        option = exclusive if exclusive is not None else socket.SO_REUSEADDR
        self.socket.setsockopt(socket.SOL_SOCKET, option, 1)
        super().server_bind()

    def __init__(self, address: tuple[str, int], expected_state: str) -> None:
        super().__init__(address, _Handler)
        self.expected_state = expected_state
        self.result: CallbackResult | None = None
        self.error: AuthError | None = None
        self.done = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5  # a browser's idle pre-connection must not hold the one-request loop

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH or self.server.done.is_set():
            self._answer(404, _page("Not found", "This address only receives Xero's sign-in.", ok=False))
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        error = self._check(query)
        if error is None:
            self.server.result = CallbackResult(code=query["code"])
            self._answer(200, _page("Connected to Xero", "Invoice Desktop received your Xero sign-in.", ok=True))
        else:
            self.server.error = AuthError(error)
            self._answer(400, _page("Xero sign-in failed", error, ok=False))
        self.server.done.set()

    def _check(self, query: dict[str, str]) -> str | None:
        if query.get("state") != self.server.expected_state:
            return "The sign-in answer did not match the request (state mismatch). Start the connection again."
        if "error" in query:
            reason = query.get("error_description") or query["error"]
            if query["error"] == "access_denied":
                return "Access to Xero was not allowed. Connect again and choose Allow access."
            return f"Xero reported an error: {reason}"
        if not query.get("code"):
            return "Xero's answer had no authorisation code."
        return None

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # the query string holds the code: never log it
        return


class CallbackServer:
    """Listen on 127.0.0.1:PORT (port 0 picks a free one) for the one redirect of a sign-in."""

    def __init__(self, expected_state: str, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
        self._expected_state = expected_state
        self._requested_port = port
        self._host = host
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cancelled = threading.Event()

    def start(self) -> CallbackServer:
        try:
            self._server = _Server((self._host, self._requested_port), self._expected_state)
        except OSError as exc:
            if exc.errno in PORT_TAKEN:
                raise CallbackPortInUse(
                    f"Port {self._requested_port} is already in use, so Xero's sign-in cannot come back to "
                    f"http://localhost:{self._requested_port}/callback. Close the program using it, or use another "
                    "port (--port, registered as a redirect URI of your Xero app)."
                ) from exc
            raise
        self._thread = threading.Thread(target=self._serve, name="xero-callback", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        server = self._server
        assert server is not None
        while not server.done.is_set() and not self._cancelled.is_set():
            server.timeout = 0.2
            server.handle_request()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        # Xero accepts http only for localhost (not 127.0.0.1); the URI must match the app's registration exactly.
        return f"http://localhost:{self.port}{CALLBACK_PATH}"

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> CallbackResult:
        """The code from the one callback; raises CallbackTimeout, CallbackCancelled or AuthError."""
        server = self._server
        assert server is not None, "start() first"
        try:
            if not server.done.wait(timeout):
                if self._cancelled.is_set():
                    raise CallbackCancelled("The Xero sign-in was cancelled.")
                raise CallbackTimeout(
                    f"No answer from Xero's sign-in after {int(timeout)} seconds; connect again when ready."
                )
            if server.error is not None:
                raise server.error
            assert server.result is not None
            return server.result
        finally:
            self.close()

    def cancel(self) -> None:
        self._cancelled.set()
        if self._server is not None:
            if self._server.result is None and self._server.error is None:
                self._server.error = CallbackCancelled("The Xero sign-in was cancelled.")
            self._server.done.set()

    def close(self) -> None:
        self._cancelled.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        if self._server is not None:
            self._server.server_close()

    def __enter__(self) -> CallbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
