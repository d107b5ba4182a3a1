"""xero-python wiring: one client object the exporter, the commands and the window share.

The traps of docs/xero-facts.md §0/§1 are handled here, once:

- `Configuration()` is built empty and its attributes assigned (its constructor arguments are ignored after the
  first call in a process, and copies share state).
- PKCE apps have no client secret, which the SDK's own refresh requires: `PkceOAuth2Token` / `PkceTokenApi`
  refresh with `grant_type=refresh_token&client_id&refresh_token`, posted to `endpoints.token`.
- urllib3's hidden `Retry(3)` is switched off (a 429/503 with Retry-After comes back at once, and a PUT that
  timed out is never silently re-sent); every call gets an integer `(connect, read)` timeout.
- One `ApiClient` per thread (ApiClient and OAuth2Token are mutable and not thread-safe); the tokens they use
  come from one `TokenSession` whose refresh is single-flight (a lock in the process, a file lock across
  processes), saves the rotated refresh token before using it, runs shortly before expiry (the SDK asks for it)
  and once after a 401.
- A dead connection (`invalid_grant` on refresh, a 401 after a refresh, a 403 for the tenant) raises
  `ConnectionDropped` and records the interface state "connection dropped" through `on_dropped`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import HTTPStatusException
from xero_python.identity import IdentityApi

from invoice_desktop.config import XeroEndpoints
from invoice_desktop.xero.tokens import TokenStore, new_grant

log = logging.getLogger(__name__)

# (connect, read) seconds. Integers on purpose: the SDK silently ignores a float timeout (docs/xero-facts.md §1.5).
REQUEST_TIMEOUT: tuple[int, int] = (10, 60)
# Refresh this many seconds before the access token expires (the SDK checks before every call).
EXPIRY_MARGIN = 60


class XeroInterfaceError(Exception):
    """Base of the errors this package raises; the message is meant for the user."""


class NotConnected(XeroInterfaceError):
    """The company file has no Xero connection (never connected, or disconnected)."""


class ConnectionDropped(XeroInterfaceError):
    """The connection died (sign-in expired or revoked, organisation disconnected): the user must reconnect."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class TokenEndpointError(XeroInterfaceError):
    """Xero's token endpoint answered with an OAuth error (`error` holds Xero's code, e.g. invalid_grant)."""

    def __init__(self, message: str, error: str, status: int) -> None:
        super().__init__(message)
        self.error = error
        self.status = status


# -- tokens ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSet:
    """A token response: the access token (memory only) and the refresh token (persisted by TokenStore)."""

    access_token: str | None
    refresh_token: str
    expires_at: float
    scope: tuple[str, ...] = ()
    expires_in: int = 0
    id_token: str | None = None

    @classmethod
    def from_response(cls, data: dict[str, Any], now: float, previous_refresh_token: str = "") -> TokenSet:
        expires_in = int(data.get("expires_in") or 0)
        scope = data.get("scope") or ()
        if isinstance(scope, str):
            scope = scope.split()
        return cls(
            access_token=data.get("access_token"),
            # Xero always rotates; should a response ever lack one, the old token is still the valid one.
            refresh_token=data.get("refresh_token") or previous_refresh_token,
            expires_at=now + expires_in,
            scope=tuple(scope),
            expires_in=expires_in,
            id_token=data.get("id_token"),
        )

    def is_valid(self, now: float) -> bool:
        return bool(self.access_token) and self.expires_at > now

    def sdk_dict(self) -> dict[str, Any]:
        """Exactly the keys OAuth2Token.update_token accepts (docs/xero-facts.md §1.1); scope as a list."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "scope": list(self.scope),
            "expires_in": self.expires_in,
            "expires_at": self.expires_at,
            "token_type": "Bearer",
            "id_token": self.id_token,
        }

    def __repr__(self) -> str:
        return f"TokenSet(expires_at={self.expires_at!r}, scope={self.scope!r})"


_NO_TOKEN: dict[str, object] = {
    "access_token": None,
    "refresh_token": None,
    "scope": [],
    "expires_in": 0,
    "expires_at": 0.0,  # "expired": the SDK asks for a refresh before the first call
    "token_type": "Bearer",
    "id_token": None,
}


class PkceTokenApi(TokenApi):
    """The token endpoint for a PKCE app: no client secret; URLs from XeroEndpoints; integer timeouts."""

    def __init__(self, api_client: ApiClient, client_id: str, endpoints: XeroEndpoints) -> None:
        super().__init__(api_client, client_id, None)
        self.refresh_token_url = endpoints.token
        self.revoke_token_url = endpoints.revocation

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        try:
            response, _status, _headers = self.api_client.call_api(
                url,
                "POST",
                header_params={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
                post_params=form,
                auth_settings=None,  # no bearer on token calls (and no recursion into refresh)
                _preload_content=False,
                _request_timeout=REQUEST_TIMEOUT,
            )
        except HTTPStatusException as exc:
            raise _token_error(exc) from exc
        data = response.data
        return json.loads(data.decode("utf-8")) if data else {}

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        return self._post(
            self.refresh_token_url,
            {
                "grant_type": "authorization_code",
                "client_id": self.client_id,
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
        )

    def refresh_token(self, refresh_token: str, scope: Any = None) -> dict[str, Any]:
        return self._post(
            self.refresh_token_url,
            {"grant_type": "refresh_token", "client_id": self.client_id, "refresh_token": refresh_token},
        )

    def revoke_token(self, refresh_token: str) -> int:
        self._post(self.revoke_token_url, {"token": refresh_token, "client_id": self.client_id})
        return 200


def _token_error(exc: HTTPStatusException) -> XeroInterfaceError | HTTPStatusException:
    """A 4xx from the token endpoint is an OAuth error ({"error": ...}); anything else stays a transport error."""
    if exc.status is None or not 400 <= int(exc.status) < 500:
        return exc
    try:
        body = json.loads(exc.body or b"{}")
        error = str(body.get("error") or "") if isinstance(body, dict) else ""
    except (ValueError, TypeError):
        error = ""
    error = error or f"http_{exc.status}"
    return TokenEndpointError(f"Xero's sign-in service refused the request ({error}).", error, int(exc.status))


# Token-endpoint errors that mean the saved sign-in is dead and only a reconnect helps (RFC 6749 §5.2).
DEAD_GRANT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})


class TokenSession:
    """The live tokens of one connection, shared by every thread of the process.

    `refresh()` is single-flight: a thread that finds another already refreshed past the token it holds just
    takes the new one. The refresh token is read from the store under a cross-process lock (so a token rotated
    by another process or desk is used, not a stale copy) and the rotated one is saved before the new access
    token is handed out, still under the lock: each refresh token is used once.
    """

    def __init__(
        self,
        client_id: str,
        endpoints: XeroEndpoints,
        store: TokenStore,
        *,
        tokens: TokenSet | None = None,
        on_dropped: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        rotation_lock: Callable[[], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.client_id = client_id
        self.endpoints = endpoints
        self.store = store
        self._tokens = tokens
        self._on_dropped = on_dropped
        self._clock = clock
        # Around read-refresh-save of the refresh token, across processes: the company file's lock
        # (store.rotation_lock, every desk) when given, else a file lock in the data dir (this machine).
        self._rotation_lock = rotation_lock or store.refresh_lock
        self._state_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self.refresh_count = 0

    @property
    def tokens(self) -> TokenSet | None:
        with self._state_lock:
            return self._tokens

    def sdk_token(self) -> dict[str, Any]:
        """The SDK's oauth2_token_getter."""
        current = self.tokens
        if current is None:
            return dict(_NO_TOKEN)
        token = current.sdk_dict()
        # Our expiry is on the session's clock; the SDK compares it with time.time().
        token["expires_at"] = time.time() + (current.expires_at - self._clock())
        return token

    def sdk_token_saver(self, token: dict[str, Any]) -> None:
        """The SDK's oauth2_token_saver. Our refresh path saves by itself; nothing else should get here."""
        log.debug("ignoring a token handed to the SDK saver (refresh goes through TokenSession.refresh)")

    def refresh(self, api_client: ApiClient, stale_access_token: str | None) -> TokenSet:
        with self._refresh_lock:
            current = self.tokens
            if current and current.access_token != stale_access_token and current.is_valid(self._clock()):
                return current
            with self._rotation_lock():
                grant = self.store.load()
                if grant is None:
                    dead: tuple[str, BaseException | None] = (
                        "The saved Xero sign-in is missing. Reconnect in Business > Settings > Xero.",
                        None,
                    )
                else:
                    try:
                        data = PkceTokenApi(api_client, self.client_id, self.endpoints).refresh_token(
                            grant.refresh_token
                        )
                    except TokenEndpointError as exc:
                        if exc.error not in DEAD_GRANT_ERRORS:
                            raise  # e.g. a 429 or 5xx at the sign-in service: transient, the connection stands
                        dead = (
                            f"Xero no longer accepts the saved sign-in ({exc.error}): it expired, or the app was "
                            "disconnected in Xero. Reconnect in Business > Settings > Xero.",
                            exc,
                        )
                    else:
                        fresh = TokenSet.from_response(data, self._clock(), grant.refresh_token)
                        # Saved before it is used: if we crash now, the next run has the token Xero expects.
                        self.store.save(new_grant(fresh.refresh_token, self.client_id, fresh.scope or grant.scope))
                        with self._state_lock:
                            self._tokens = fresh
                        self.refresh_count += 1
                        log.info("Xero access token refreshed")
                        return fresh
            # Recorded after the lock is let go: the lock's transaction (store.rotation_lock) must not hold it.
            raise self.dropped(*dead) from dead[1]

    def dropped(self, reason: str, cause: BaseException | None = None) -> ConnectionDropped:
        """Record the state 'connection dropped' and return the exception for the caller to raise."""
        log.warning("Xero connection dropped: %s", reason)
        if self._on_dropped is not None:
            try:
                self._on_dropped(reason)
            except Exception:
                log.exception("could not record the dropped Xero connection")
        return ConnectionDropped(reason, cause)


class PkceOAuth2Token(OAuth2Token):
    """The SDK's token object, made to refresh through the TokenSession (PKCE, single-flight)."""

    def __init__(self, session: TokenSession) -> None:
        super().__init__(client_id=session.client_id, client_secret=None, expiration_buffer=EXPIRY_MARGIN)
        self._session = session

    def can_refresh_access_token(self) -> bool:
        return bool(self.client_id)

    def refresh_access_token(self, api_client: ApiClient) -> bool:
        fresh = self._session.refresh(api_client, stale_access_token=self.access_token)
        self.update_token(**fresh.sdk_dict())
        return True


class GuardedApiClient(ApiClient):
    """An ApiClient that refreshes once after a 401 and turns a dead connection into ConnectionDropped."""

    def __init__(self, configuration: Configuration, session: TokenSession, tenant_label: str) -> None:
        super().__init__(
            configuration,
            pool_threads=1,
            oauth2_token_getter=session.sdk_token,
            oauth2_token_saver=session.sdk_token_saver,
        )
        self._session = session
        self._tenant_label = tenant_label
        disable_hidden_retries(self)

    def call_api(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("_request_timeout") is None:
            kwargs["_request_timeout"] = REQUEST_TIMEOUT
        if not kwargs.get("auth_settings"):
            return super().call_api(*args, **kwargs)
        try:
            return super().call_api(*args, **kwargs)
        except HTTPStatusException as exc:
            if exc.status == 401 and _problem_detail(exc) == "AuthorizationUnsuccessful":
                raise self._session.dropped(
                    "Xero refused the request because the app was not given permission for it (a missing scope). "
                    "Reconnect in Business > Settings > Xero and allow access.",
                    exc,
                ) from exc
            if exc.status == 401:
                # The SDK never refreshes on a 401 (docs/xero-facts.md §0.2): refresh once (unless another thread did).
                self._session.refresh(self, stale_access_token=self.configuration.oauth2_token.access_token)
                try:
                    return super().call_api(*args, **kwargs)
                except HTTPStatusException as again:
                    self._raise_if_dead(again, after_refresh=True)
                    raise
            self._raise_if_dead(exc, after_refresh=False)
            raise

    def _raise_if_dead(self, exc: HTTPStatusException, after_refresh: bool) -> None:
        if exc.status == 401 and after_refresh:
            raise self._session.dropped(
                "Xero refused the connection even with a freshly refreshed sign-in (401). "
                "Reconnect in Business > Settings > Xero.",
                exc,
            ) from exc
        if exc.status == 403 and tenant_gone(_problem_body(exc)):
            raise self._session.dropped(
                f"Xero refused access to {self._tenant_label} (403): the organisation was disconnected from "
                "Invoice Desktop, or your access to it changed. Reconnect in Business > Settings > Xero.",
                exc,
            ) from exc


def _problem_body(exc: HTTPStatusException) -> Any:
    try:
        return json.loads(exc.body or b"{}")
    except (ValueError, TypeError):
        return None


def problem_detail(body: Any) -> str:
    """The Detail of Xero's problem body ({"Title":"Unauthorized","Detail":"AuthorizationUnsuccessful",...});
    older answers spell it `detail`."""
    if not isinstance(body, dict):
        return ""
    return str(body.get("Detail") or body.get("detail") or "")


def _problem_detail(exc: HTTPStatusException) -> str:
    return problem_detail(_problem_body(exc))


def tenant_gone(body: Any) -> bool:
    """A 403 saying the organisation cannot be reached with this sign-in (disconnected, access revoked): the
    connection is dead. Any other 403 is a permission the user or the app lacks (docs/xero-facts.md §2.4)."""
    return "authenticationunsuccessful" in problem_detail(body).casefold()


def disable_hidden_retries(api_client: ApiClient) -> None:
    """urllib3's default Retry(3) sleeps through Retry-After and re-sends a timed-out PUT (docs/xero-facts.md §0.4)."""
    api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False


def new_configuration(session: TokenSession | None) -> Configuration:
    cfg = Configuration()  # never pass arguments: they are ignored after the first call in a process
    cfg.debug = False  # the SDK's debug mode prints headers, Authorization included
    cfg.oauth2_token = PkceOAuth2Token(session) if session else OAuth2Token()
    return cfg


def plain_api_client() -> ApiClient:
    """An ApiClient without a session, for the token endpoint before there is a connection (code exchange)."""
    client = ApiClient(new_configuration(None), pool_threads=1)
    disable_hidden_retries(client)
    return client


# -- the client object -------------------------------------------------------------------------------------------


class XeroClient:
    """A connection to one Xero organisation, usable from any thread.

    `accounting()` / `identity()` return SDK API objects bound to an ApiClient of the calling thread. Pass
    `client.tenant_id` as `xero_tenant_id`. Calls get REQUEST_TIMEOUT unless they pass `_request_timeout`.
    """

    def __init__(self, session: TokenSession, tenant_id: str, tenant_name: str = "") -> None:
        self.session = session
        self.endpoints = session.endpoints
        self.tenant_id = tenant_id
        self.tenant_name = tenant_name
        self._local = threading.local()

    def api_client(self) -> GuardedApiClient:
        client = getattr(self._local, "api_client", None)
        if client is None:
            label = f"the organisation {self.tenant_name!r}" if self.tenant_name else "the organisation"
            client = GuardedApiClient(new_configuration(self.session), self.session, label)
            self._local.api_client = client
        return client

    def accounting(self) -> AccountingApi:
        api = getattr(self._local, "accounting", None)
        if api is None:
            api = AccountingApi(self.api_client(), base_url=self.endpoints.accounting)
            self._local.accounting = api
        return api

    def identity(self) -> IdentityApi:
        api = getattr(self._local, "identity", None)
        if api is None:
            api = IdentityApi(self.api_client(), base_url=self.endpoints.api_root)
            self._local.identity = api
        return api

    def report_dropped(self, reason: str, cause: BaseException | None = None) -> ConnectionDropped:
        """For callers that find the connection dead by other means: records it; returns the error to raise."""
        return self.session.dropped(reason, cause)

    def __repr__(self) -> str:
        return f"XeroClient(tenant_id={self.tenant_id!r}, tenant_name={self.tenant_name!r})"
