"""SDK wiring against a tiny scripted HTTP stub on loopback: retries off, timeouts, PKCE refresh, 401/403."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from xero_python.exceptions import HTTPStatusException, RateLimitException

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.xero.client import (
    REQUEST_TIMEOUT,
    ConnectionDropped,
    TokenEndpointError,
    TokenSession,
    TokenSet,
    XeroClient,
)
from invoice_desktop.xero.tokens import TokenStorageKind, TokenStore, new_grant

Reply = tuple[int, dict[str, str], bytes]


class Stub:
    """Records every request; `routes[(method, path)]` returns the reply (a callable gets the request)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.routes: dict[tuple[str, str], Callable[[dict], Reply]] = {}
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path = self.path.split("?")[0]
                req = {"method": self.command, "path": path, "headers": dict(self.headers), "body": body}
                with stub.lock:
                    stub.requests.append(req)
                route = stub.routes.get((self.command, path))
                status, headers, payload = route(req) if route else (404, {}, b"not found")
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = _handle

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r["method"] == method and r["path"] == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def json_reply(status: int, data: object, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(data).encode()


ORGS = {"Organisations": [{"Name": "Demo", "BaseCurrency": "NZD"}]}


class TokenIssuer:
    """A token endpoint that rotates refresh tokens: RT1 -> RT2 -> ..., AT1 -> AT2 -> ..."""

    def __init__(self, expires_in: int = 1800) -> None:
        self.n = 1
        self.expires_in = expires_in
        self.valid_refresh = "RT1"
        self.forms: list[dict[str, str]] = []

    def __call__(self, req: dict) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req["body"]).items()}
        self.forms.append(form)
        if form.get("refresh_token") != self.valid_refresh:
            return 400, {"Content-Type": "application/json"}, b'{"error":"invalid_grant"}'
        self.n += 1
        self.valid_refresh = f"RT{self.n}"
        return json_reply(
            200,
            {
                "access_token": f"AT{self.n}",
                "refresh_token": f"RT{self.n}",
                "expires_in": self.expires_in,
                "token_type": "Bearer",
                "scope": "offline_access accounting.invoices",
            },
        )


@pytest.fixture
def stub():
    s = Stub()
    yield s
    s.close()


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    s = TokenStore(AppPaths(tmp_path), TokenStorageKind.FILE)
    s.save(new_grant("RT1", "client-1", ["offline_access"]))
    return s


def make_client(stub: Stub, store: TokenStore, tokens: TokenSet | None = None, dropped: list | None = None):
    endpoints = XeroEndpoints.under(stub.base_url)
    session = TokenSession(
        "client-1", endpoints, store, tokens=tokens, on_dropped=(dropped.append if dropped is not None else None)
    )
    return XeroClient(session, "tenant-1", "Demo")


def live(access: str = "AT1", refresh: str = "RT1", seconds: int = 1800) -> TokenSet:
    return TokenSet(access, refresh, time.time() + seconds, ("offline_access",), seconds)


def test_rate_limit_with_retry_after_is_raised_at_once_not_retried(stub: Stub, store: TokenStore, monkeypatch) -> None:
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: (
        429,
        {"Retry-After": "30", "X-Rate-Limit-Problem": "minute"},
        b"",
    )
    client = make_client(stub, store, live())
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # urllib3's Retry sleeps through Retry-After with time.sleep
    with pytest.raises(RateLimitException) as info:
        client.accounting().get_organisations(client.tenant_id)
    assert slept == []  # not waited out
    assert info.value.headers.get("retry-after") == "30"
    assert stub.count("GET", "/api.xro/2.0/Organisation") == 1


def test_503_with_retry_after_is_raised_at_once(stub: Stub, store: TokenStore) -> None:
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: (
        503,
        {"Retry-After": "20", "Content-Type": "text/plain"},
        b"The Organisation is Offline",
    )
    client = make_client(stub, store, live())
    with pytest.raises(HTTPStatusException) as info:
        client.accounting().get_organisations(client.tenant_id)
    assert info.value.status == 503
    assert stub.count("GET", "/api.xro/2.0/Organisation") == 1


def test_timed_out_put_is_not_resent(stub: Stub, store: TokenStore) -> None:
    given_up = threading.Event()

    def slow(req: dict) -> Reply:
        given_up.wait(30)  # the reply comes only once the client has given up on it
        return json_reply(200, {"Invoices": []})

    stub.routes[("PUT", "/api.xro/2.0/Invoices")] = slow
    client = make_client(stub, store, live())
    from xero_python.accounting import Invoices

    with pytest.raises(Exception) as info:
        client.accounting().create_invoices(client.tenant_id, Invoices(invoices=[]), _request_timeout=(1, 1))
    assert "timed out" in str(info.value).lower() or "timeout" in type(info.value).__name__.lower()
    given_up.set()
    # A resend would have come before the error reached us (urllib3 retries inside the call), and the stub had the
    # whole read timeout to log it.
    assert stub.count("PUT", "/api.xro/2.0/Invoices") == 1


def test_every_call_gets_an_integer_timeout(stub: Stub, store: TokenStore, monkeypatch) -> None:
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: json_reply(200, ORGS)
    client = make_client(stub, store, live())
    seen = []
    rest = client.api_client().rest_client
    original = rest.request

    def spy(*args, **kwargs):
        seen.append(kwargs.get("_request_timeout"))
        return original(*args, **kwargs)

    monkeypatch.setattr(rest, "request", spy)
    client.accounting().get_organisations(client.tenant_id)
    assert seen == [REQUEST_TIMEOUT]
    assert all(isinstance(x, int) for x in REQUEST_TIMEOUT)


def test_clients_do_not_share_configuration_or_token(stub: Stub, store: TokenStore) -> None:
    a = make_client(stub, store, live())
    b = make_client(stub, store, live("ATB"))
    assert a.api_client().configuration is not b.api_client().configuration
    assert a.api_client().configuration.oauth2_token is not b.api_client().configuration.oauth2_token
    assert a.accounting().base_url == f"{stub.base_url}/api.xro/2.0"
    assert b.identity().base_url == stub.base_url


def test_one_api_client_per_thread(stub: Stub, store: TokenStore) -> None:
    client = make_client(stub, store, live())
    mine = client.accounting()
    other: list = []
    t = threading.Thread(target=lambda: other.append(client.accounting()))
    t.start()
    t.join()
    assert client.accounting() is mine
    assert other[0] is not mine and other[0].api_client is not mine.api_client


def test_first_call_refreshes_with_pkce_form_and_saves_rotated_token_first(stub: Stub, store: TokenStore) -> None:
    issuer = TokenIssuer()
    stub.routes[("POST", "/connect/token")] = issuer
    saved_before_call: list[str] = []

    def org(req: dict) -> Reply:
        grant = store.load()
        saved_before_call.append(grant.refresh_token if grant else "")
        assert req["headers"]["Authorization"] == "Bearer AT2"
        return json_reply(200, ORGS)

    stub.routes[("GET", "/api.xro/2.0/Organisation")] = org
    client = make_client(stub, store)  # nothing in memory: a fresh process
    client.accounting().get_organisations(client.tenant_id)
    assert issuer.forms == [{"grant_type": "refresh_token", "client_id": "client-1", "refresh_token": "RT1"}]
    assert saved_before_call == ["RT2"]
    assert store.load().refresh_token == "RT2"


def test_refresh_runs_before_expiry(stub: Stub, store: TokenStore) -> None:
    issuer = TokenIssuer()
    stub.routes[("POST", "/connect/token")] = issuer
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: json_reply(200, ORGS)
    client = make_client(stub, store, live(seconds=30))  # within the 60 s margin
    client.accounting().get_organisations(client.tenant_id)
    assert len(issuer.forms) == 1
    assert client.session.tokens.access_token == "AT2"
    assert stub.requests[-1]["headers"]["Authorization"] == "Bearer AT2"


def test_refresh_is_single_flight_across_threads(stub: Stub, store: TokenStore, monkeypatch) -> None:
    issuer = TokenIssuer()
    client = make_client(stub, store)
    entered: list[int] = []
    all_in = threading.Event()  # all six threads are in TokenSession.refresh
    refresh = client.session.refresh

    def counted_refresh(*args: object, **kwargs: object) -> TokenSet:
        with stub.lock:
            entered.append(threading.get_ident())
            if len(entered) == 6:
                all_in.set()
        return refresh(*args, **kwargs)

    def held_issuer(req: dict) -> Reply:
        all_in.wait(30)  # the first refresh is under way until every thread has asked for one too
        return issuer(req)

    monkeypatch.setattr(client.session, "refresh", counted_refresh)
    stub.routes[("POST", "/connect/token")] = held_issuer
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: json_reply(200, ORGS)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client.accounting().get_organisations(client.tenant_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all_in.is_set(), f"{len(entered)} of 6 threads asked for a refresh while the first was under way"
    assert len(issuer.forms) == 1
    assert stub.count("GET", "/api.xro/2.0/Organisation") == 6


def test_401_refreshes_once_and_retries(stub: Stub, store: TokenStore) -> None:
    issuer = TokenIssuer()
    stub.routes[("POST", "/connect/token")] = issuer

    def org(req: dict) -> Reply:
        if req["headers"]["Authorization"] == "Bearer AT1":
            return json_reply(401, {"Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired: token expired"})
        return json_reply(200, ORGS)

    stub.routes[("GET", "/api.xro/2.0/Organisation")] = org
    client = make_client(stub, store, live())
    result = client.accounting().get_organisations(client.tenant_id)
    assert result.organisations[0].name == "Demo"
    assert len(issuer.forms) == 1
    assert stub.count("GET", "/api.xro/2.0/Organisation") == 2


def test_401_after_refresh_drops_the_connection(stub: Stub, store: TokenStore) -> None:
    stub.routes[("POST", "/connect/token")] = TokenIssuer()
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: json_reply(
        401, {"Detail": "AuthenticationUnsuccessful"}
    )
    dropped: list[str] = []
    client = make_client(stub, store, live(), dropped)
    with pytest.raises(ConnectionDropped, match="401"):
        client.accounting().get_organisations(client.tenant_id)
    assert len(dropped) == 1
    assert stub.count("GET", "/api.xro/2.0/Organisation") == 2


def test_403_for_the_tenant_drops_the_connection(stub: Stub, store: TokenStore) -> None:
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: json_reply(
        403, {"Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}
    )
    dropped: list[str] = []
    client = make_client(stub, store, live(), dropped)
    with pytest.raises(ConnectionDropped, match="Demo"):
        client.accounting().get_organisations(client.tenant_id)
    assert dropped and "403" in dropped[0]


def test_invalid_grant_on_refresh_drops_the_connection(stub: Stub, store: TokenStore) -> None:
    issuer = TokenIssuer()
    issuer.valid_refresh = "something-else"  # the app was disconnected in Xero
    stub.routes[("POST", "/connect/token")] = issuer
    dropped: list[str] = []
    client = make_client(stub, store, None, dropped)
    with pytest.raises(ConnectionDropped, match="invalid_grant"):
        client.accounting().get_organisations(client.tenant_id)
    assert dropped
    assert stub.count("GET", "/api.xro/2.0/Organisation") == 0


def test_refresh_uses_the_token_another_process_rotated(stub: Stub, store: TokenStore) -> None:
    issuer = TokenIssuer()
    stub.routes[("POST", "/connect/token")] = issuer
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: json_reply(200, ORGS)
    client = make_client(stub, store, live(seconds=1))  # about to expire; memory holds RT1
    # Another process refreshed meanwhile: Xero now expects RT5, which that process saved.
    issuer.n, issuer.valid_refresh = 5, "RT5"
    store.save(new_grant("RT5", "client-1", ["offline_access"]))
    client.accounting().get_organisations(client.tenant_id)
    assert issuer.forms[-1]["refresh_token"] == "RT5"
    assert store.load().refresh_token == "RT6"


def test_token_reprs_hide_secrets() -> None:
    tokens = live("ACCESS-SECRET", "REFRESH-SECRET")
    assert "SECRET" not in repr(tokens)
    assert "SECRET" not in repr(new_grant("REFRESH-SECRET", "c", []))


def test_a_busy_sign_in_service_does_not_drop_the_connection(stub: Stub, store: TokenStore) -> None:
    stub.routes[("POST", "/connect/token")] = lambda r: (429, {"Retry-After": "5"}, b"")
    dropped: list[str] = []
    client = make_client(stub, store, None, dropped)
    with pytest.raises(TokenEndpointError) as caught:
        client.accounting().get_organisations("tenant-1")
    assert caught.value.status == 429
    assert dropped == []
    assert store.load().refresh_token == "RT1"


def test_a_missing_scope_says_so_and_does_not_refresh(stub: Stub, store: TokenStore) -> None:
    issuer = TokenIssuer()
    stub.routes[("POST", "/connect/token")] = issuer
    body = b'{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful","Extensions":{}}'
    stub.routes[("GET", "/api.xro/2.0/Organisation")] = lambda r: (401, {"Content-Type": "application/json"}, body)
    dropped: list[str] = []
    client = make_client(stub, store, live(), dropped)
    with pytest.raises(ConnectionDropped, match="missing scope"):
        client.accounting().get_organisations("tenant-1")
    assert issuer.forms == []
    assert len(dropped) == 1


def test_the_sdk_sees_expiry_on_its_own_clock(store: TokenStore) -> None:
    fake_now = 1_000.0  # the session's clock is far in the past; the token is 1,800 s from expiring on it
    tokens = TokenSet("AT1", "RT1", fake_now + 1800, ("offline_access",), 1800)
    session = TokenSession(
        "client-1", XeroEndpoints.under("http://127.0.0.1:9"), store, tokens=tokens, clock=lambda: fake_now
    )
    assert abs(session.sdk_token()["expires_at"] - (time.time() + 1800)) < 5
