"""The sandbox as a server: a threaded HTTP server on 127.0.0.1 only, started in-process on a free port.

with start_sandbox() as sandbox:
    endpoints = sandbox.endpoints            # XeroEndpoints.under(sandbox.base_url)
    sandbox.faults.offline()                 # next Accounting call: 503 "The Organisation is Offline"
    sandbox.control.archive_contact("Greenway Builders")
    sandbox.control.advance_clock(1800)      # tokens expire without sleeping
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from invoice_desktop.config import XeroEndpoints
from invoice_desktop.sandbox.admin_page import ADMIN_PATH
from invoice_desktop.sandbox.app import RequestLog, SandboxApp
from invoice_desktop.sandbox.clock import SandboxClock
from invoice_desktop.sandbox.context import SandboxContext, SandboxOptions, build_context
from invoice_desktop.sandbox.control import SandboxControl
from invoice_desktop.sandbox.faults import Faults
from invoice_desktop.sandbox.http_messages import Request, Response, Transport
from invoice_desktop.sandbox.limits import RateLimiter, RateLimits
from invoice_desktop.sandbox.state import SandboxState

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
SINGLE_HEADERS = ("content-length", "transfer-encoding", "host")  # a request may have each at most once
DRAIN_BYTES = 16 * 1024 * 1024  # what a refused request may still send before the socket is closed
DRAIN_SECONDS = 2.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, app: SandboxApp) -> None:
        self.app = app
        super().__init__((LOOPBACK, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "Kestrel"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is closed after a minute

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        request = Request(self.command, path, query, dict(self.headers.items()), b"", self.client_address[0])
        repeated = tuple(n for n in SINGLE_HEADERS if len(self.headers.get_all(n) or ()) > 1)
        refusal = self.server.app.screen(request, repeated)
        if refusal is not None:
            self._refuse(refusal, request)
            return
        length = int(request.header("Content-Length") or 0)  # screened: digits, within the limit
        request.body = self.rfile.read(length) if length else b""
        self._send(self.server.app.handle(request))

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _handle

    def _send(self, response: Response) -> None:
        ctx = self.server.app.ctx
        if response.delay_seconds:
            ctx.stopping.wait(response.delay_seconds)
        if response.transport is Transport.HANG:
            ctx.stopping.wait(ctx.faults.hang_seconds)
            self._abort(reset=False)
        elif response.transport is Transport.RESET:
            self._abort(reset=True)
        elif response.transport is Transport.DROP_AFTER_COMMIT:
            self._abort(reset=False)
        else:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if response.body:
                self.wfile.write(response.body)

    def _refuse(self, response: Response, request: Request) -> None:
        """Answer without reading the body, then close the way a careful server does: stop writing, read and drop
        what the client still sends (at most DRAIN_BYTES, briefly) so it sees the answer rather than a reset."""
        self.close_connection = True
        self._send(response)
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(DRAIN_SECONDS)
            declared = request.header("Content-Length") or ""
            left = min(int(declared), DRAIN_BYTES) if declared.strip().isdigit() else DRAIN_BYTES
            while left > 0:
                chunk = self.rfile.read1(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except (OSError, ValueError):
            pass

    def _abort(self, reset: bool) -> None:
        """Close without a response; with `reset`, as an RST (SO_LINGER 0) rather than an orderly FIN."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
        except OSError:
            pass

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # query strings hold codes: log at debug only
        log.debug("%s %s", self.address_string(), format % args)


class RunningSandbox:
    """A sandbox serving on 127.0.0.1:port in a background thread. `stop()` (or leaving the `with`) ends it."""

    def __init__(self, app: SandboxApp, server: _Server, thread: threading.Thread) -> None:
        self._app = app
        self._server = server
        self._thread = thread
        self.port: int = int(server.server_address[1])
        self.base_url: str = f"http://{LOOPBACK}:{self.port}"

    @property
    def context(self) -> SandboxContext:
        return self._app.ctx

    @property
    def state(self) -> SandboxState:
        return self._app.ctx.state

    @property
    def faults(self) -> Faults:
        return self._app.ctx.faults

    @property
    def clock(self) -> SandboxClock:
        return self._app.ctx.clock

    @property
    def limiter(self) -> RateLimiter:
        return self._app.ctx.limiter

    @property
    def options(self) -> SandboxOptions:
        return self._app.ctx.options

    @property
    def control(self) -> SandboxControl:
        return self._app.control

    @property
    def requests(self) -> RequestLog:
        """The requests the sandbox answered (method, path, query, status, If-Modified-Since; never a token)."""
        return self._app.requests

    @property
    def admin_url(self) -> str:
        """The "Sandbox Xero" admin page (Help > Open Sandbox Xero)."""
        return self.base_url + ADMIN_PATH

    @property
    def endpoints(self) -> XeroEndpoints:
        return XeroEndpoints.under(self.base_url)

    def stop(self) -> None:
        self._app.ctx.stopping.set()  # wakes hanging and slow responses
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._app.ctx.persist()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningSandbox({self.base_url!r})"


def start_sandbox(
    state_dir: Path | None = None,
    port: int = 0,
    clock: SandboxClock | None = None,
    limits: RateLimits | None = None,
    *,
    auto_approve: bool = False,
) -> RunningSandbox:
    """Start a sandbox on 127.0.0.1 (port 0: a free one). State in `state_dir` (kept across restarts) or memory."""
    ctx = build_context(Path(state_dir) if state_dir is not None else None, clock, limits)
    ctx.options.auto_approve = auto_approve
    app = SandboxApp(ctx)
    server = _Server(port, app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="xero-sandbox", daemon=True
    )
    thread.start()
    return RunningSandbox(app, server, thread)
