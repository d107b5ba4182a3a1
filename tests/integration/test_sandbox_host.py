"""DNS rebinding: the sandbox answers only requests whose Host names this computer (localhost, 127.0.0.0/8, [::1],
with or without a port), on every path: the API, the sign-in, the admin page and the control path. A page on
evil.example that rebinds its name to 127.0.0.1 sends Host and Origin both evil.example, which passes the
Origin check; the Host check refuses it."""

from __future__ import annotations

import json
import socket

import pytest
from sandbox_helpers import Connected

from invoice_desktop.sandbox.http_messages import is_loopback_host
from invoice_desktop.sandbox.server import RunningSandbox

REBOUND = "evil.example:5999"


def send(sandbox: RunningSandbox, method: str, path: str, host: str | None, body: bytes = b"",
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:  # fmt: skip
    lines = [f"{method} {path} HTTP/1.1"] + ([f"Host: {host}"] if host is not None else [])
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()] + [f"Content-Length: {len(body)}", "", ""]
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as connection:
        connection.sendall("\r\n".join(lines).encode("latin-1") + body)
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, rest = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


def test_a_rebound_post_cannot_revoke_the_app(sandbox: RunningSandbox, connected: Connected) -> None:
    body = json.dumps({"action": "revoke_app"}).encode()
    status, reply = send(sandbox, "POST", "/sandbox/control", REBOUND, body,
                         {"Origin": f"http://{REBOUND}", "Content-Type": "application/json"})  # fmt: skip
    assert status == 403 and b"only answers requests addressed to this computer" in reply
    assert sandbox.state.connections and all(t.revoked_at is None for t in sandbox.state.access_tokens.values())
    assert connected.accounting().get_organisations(connected.tenant_id).organisations


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/sandbox/admin"), ("POST", "/sandbox/admin/action"), ("GET", "/sandbox/control"),
     ("POST", "/sandbox/control"), ("GET", "/api.xro/2.0/Invoices"), ("POST", "/connect/token"),
     ("GET", "/identity/connect/authorize"), ("GET", "/connections"), ("GET", "/")],
)  # fmt: skip
@pytest.mark.parametrize("host", [REBOUND, "127.0.0.1.nip.io", None])
def test_every_path_refuses_a_foreign_host(sandbox: RunningSandbox, method: str, path: str, host: str | None) -> None:
    assert send(sandbox, method, path, host)[0] == 403


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:5999", "127.0.0.1", "127.0.0.1:80", "127.9.8.7:1", "[::1]",
                                  "[::1]:5999"])  # fmt: skip
def test_loopback_names_are_answered(sandbox: RunningSandbox, host: str) -> None:
    assert is_loopback_host(host)
    status, body = send(sandbox, "GET", "/sandbox/control", host)
    assert status == 200 and b'"actions"' in body


@pytest.mark.parametrize(
    "host",
    ["", " ", "evil.example", "localhost.evil.example", "127.0.0.1.evil.example", "0x7f.0.0.1", "2130706433",
     "[::2]", "[127.0.0.1]", "::1", "127.0.0.1:99999", "127.0.0.1:", "localhost:x", "10.0.0.1", "[::ffff:127.0.0.1]x"],
)  # fmt: skip
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback_host(host)
