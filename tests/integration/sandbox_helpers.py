"""Helpers for the integration tests: the real xero-python SDK against the sandbox over loopback HTTP.

`connect(sandbox, dir)`
signs in with PKCE the way the app does (authorize URL from invoice_desktop.xero.auth, the browser leg done with
urllib following the redirect to the app's loopback callback listener, the code exchanged by the app) and returns
a `Connected` with the app's XeroClient (GuardedApiClient: refresh on 401, ConnectionDropped on a dead
connection) and a bare SDK client (`raw_accounting`) set up as docs/xero-facts.md §1 says, without the app's guard, to
see the SDK's own exceptions (§1.6).
"""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient
from xero_python.identity import IdentityApi

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox
from invoice_desktop.xero import auth
from invoice_desktop.xero.callback_server import CallbackServer
from invoice_desktop.xero.client import (
    TokenSession,
    TokenSet,
    XeroClient,
    disable_hidden_retries,
    new_configuration,
    plain_api_client,
)
from invoice_desktop.xero.tokens import TokenStorageKind, TokenStore, new_grant

CLIENT_ID = "TESTPKCECLIENT000000000000000001"
DEMO = seed.DEMO_TENANT_ID
SECOND = seed.SECOND_TENANT_ID


def browse(url: str) -> str:
    """What a browser does with the authorize URL when the sandbox auto-approves: follow the redirects."""
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read().decode("utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sign_in(
    endpoints: XeroEndpoints,
    scopes: tuple[str, ...] = auth.GRANULAR_SCOPES,
    browser: Callable[[str], object] | None = None,
) -> TokenSet:
    """The app's PKCE sign-in: the authorize URL goes to `browser` (default: urllib following redirects), the
    app's loopback listener takes the code, the app exchanges it."""
    port = free_port()
    request = auth.authorization_request(endpoints, CLIENT_ID, f"http://localhost:{port}/callback", scopes)
    with CallbackServer(expected_state=request.state, port=port) as listener:
        (browser or browse)(request.url)
        code = listener.wait(timeout=10).code
    return auth.exchange_code(plain_api_client(), endpoints, CLIENT_ID, request, code)


@dataclass
class Connected:
    sandbox: RunningSandbox
    session: TokenSession
    store: TokenStore
    tenant_id: str

    def client(self, tenant_id: str | None = None) -> XeroClient:
        return XeroClient(self.session, tenant_id or self.tenant_id, "Harbour Lane Plumbing Pty Ltd")

    def accounting(self, tenant_id: str | None = None) -> AccountingApi:
        return self.client(tenant_id).accounting()

    def identity(self) -> IdentityApi:
        return self.client().identity()

    def raw_client(self) -> ApiClient:
        """The SDK as docs/xero-facts.md §1.1 sets it up (Configuration() then attributes, PKCE token, retries off)."""
        client = ApiClient(
            new_configuration(self.session),
            pool_threads=1,
            oauth2_token_getter=self.session.sdk_token,
            oauth2_token_saver=self.session.sdk_token_saver,
        )
        disable_hidden_retries(client)
        return client

    def raw_accounting(self) -> AccountingApi:
        return AccountingApi(self.raw_client(), base_url=self.sandbox.endpoints.accounting)

    @property
    def refresh_token(self) -> str:
        grant = self.store.load()
        assert grant is not None
        return grant.refresh_token


def connect(
    sandbox: RunningSandbox,
    data_dir: Path,
    scopes: tuple[str, ...] = auth.GRANULAR_SCOPES,
    browser: Callable[[str], object] | None = None,
) -> Connected:
    tokens = sign_in(sandbox.endpoints, scopes, browser)
    store = TokenStore(AppPaths(data_dir), TokenStorageKind.FILE)
    store.save(new_grant(tokens.refresh_token, CLIENT_ID, tokens.scope))
    session = TokenSession(CLIENT_ID, sandbox.endpoints, store, tokens=tokens)
    return Connected(sandbox, session, store, DEMO)
