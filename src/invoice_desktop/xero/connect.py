"""Connecting a company file to a Xero organisation, and disconnecting it: one flow for the command line and the
window's worker thread (which passes `choose` for its organisation picker and a `ConnectCancel` for Cancel).

connect: PKCE authorization request with a checked state -> loopback listener -> system browser (`webbrowser`,
so BROWSER is honoured) or the URL for the user -> wait (timeout, cancellable; `sign_in_checklist` says what to
check meanwhile, and the time-out says it again) -> code exchange -> refresh token
to the TokenStore (never the database, never a log) -> GET /connections -> the organisation (exactly one: that
one; several: the caller's choice, else `ChooseOrganisation` with the list; never silently the first) ->
`settings.save_connection` (the bookkeeper's settings are kept) -> Xero's settings cached.

disconnect: DELETE the connection, revoke the refresh token, then delete the token and every xero.* setting,
whatever Xero answered (the user asked for it; what could not be done in Xero is reported).
"""

from __future__ import annotations

import logging
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from urllib3.exceptions import HTTPError as Urllib3Error
from xero_python.exceptions import ApiException, OAuth2Error

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.store.models import database_proxy
from invoice_desktop.store.rotation_lock import rotation_lock
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.auth import BROAD_SCOPES, authorization_request, exchange_code, new_state, scopes_for
from invoice_desktop.xero.callback_server import DEFAULT_PORT, DEFAULT_TIMEOUT, CallbackServer, CallbackTimeout
from invoice_desktop.xero.client import (
    ConnectionDropped,
    PkceTokenApi,
    TokenEndpointError,
    TokenSession,
    XeroClient,
    XeroInterfaceError,
    plain_api_client,
)
from invoice_desktop.xero.settings import Organisation
from invoice_desktop.xero.tokens import StoredGrant, TokenStorageKind, TokenStore, new_grant
from invoice_desktop.xero.xero_cache import XeroCache, clear_cache, load_cache, refresh_cache

log = logging.getLogger(__name__)

# What can go wrong talking to Xero once the sign-in is done: reported, never a crash.
XERO_CALL_ERRORS = (XeroInterfaceError, ApiException, OAuth2Error, Urllib3Error, OSError)


class MissingClientId(XeroInterfaceError):
    """No client id from --client-id, INVOICE_DESKTOP_XERO_CLIENT_ID or the settings."""


class NoOrganisation(XeroInterfaceError):
    """The sign-in worked but connected no organisation (the user chose none on Xero's consent page)."""


class ChooseOrganisation(XeroInterfaceError):
    """The login connected several organisations and none was chosen (or the one asked for is not among them).

    Nothing was changed in the company file; `organisations` lists the choices (for the picker, or the CLI's
    list before it exits with 2). Connect again with the chosen one.
    """

    def __init__(self, message: str, organisations: tuple[Organisation, ...]) -> None:
        super().__init__(message)
        self.organisations = organisations


@dataclass(frozen=True)
class ConnectOptions:
    client_id: str | None = None  # None: INVOICE_DESKTOP_XERO_CLIENT_ID, the stored one, or (sandbox) its own
    tenant: str | None = None  # an organisation's name or tenant id, for logins with several
    open_browser: bool = True  # False: only hand the URL to `on_url` (--no-browser)
    port: int = DEFAULT_PORT  # the loopback callback port (0: any free one; Xero needs a registered one)
    timeout: float = DEFAULT_TIMEOUT  # seconds to wait for the browser to come back


@dataclass(frozen=True)
class ConnectResult:
    organisation: Organisation
    organisations: tuple[Organisation, ...]
    reconnected: bool  # there was a connection before: the bookkeeper's settings were kept
    storage: TokenStorageKind
    storage_warning: str | None  # set when the sign-in went to the file fallback
    cache: XeroCache | None  # Xero's settings, or None when they could not be fetched (see cache_error)
    cache_error: str | None = None


@dataclass(frozen=True)
class DisconnectResult:
    organisation: str
    connection_deleted: bool  # DELETE /connections/{id} done (or the connection was already gone)
    token_revoked: bool
    problems: tuple[str, ...] = ()  # what could not be done in Xero (the local deletion always happens)


class ConnectCancel:
    """Cancel a `connect` waiting for the browser, from another thread (the window's Cancel button)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._server: CallbackServer | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            server = self._server
        if server is not None:
            server.cancel()

    def _attach(self, server: CallbackServer) -> None:
        with self._lock:
            self._server = server
            cancelled = self._cancelled
        if cancelled:
            server.cancel()


Chooser = Callable[[tuple[Organisation, ...]], Organisation | None]
UrlHandler = Callable[[str, bool], None]  # (authorize URL, whether a browser was opened)


def connect(
    paths: AppPaths,
    endpoints: XeroEndpoints,
    options: ConnectOptions | None = None,
    *,
    choose: Chooser | None = None,
    on_url: UrlHandler | None = None,
    cancel: ConnectCancel | None = None,
    store: TokenStore | None = None,
) -> ConnectResult:
    """Sign in to Xero and connect the open company file to one organisation (see the module docstring).

    Raises MissingClientId, AuthError (CallbackPortInUse, CallbackTimeout, CallbackCancelled, a refused
    sign-in), ChooseOrganisation, NoOrganisation, or an SDK/network error from GET /connections.
    """
    options = options or ConnectOptions()
    client_id = xero_settings.effective_client_id(endpoints, options.client_id)
    if not client_id:
        raise MissingClientId(
            "No Xero client id: pass --client-id or set INVOICE_DESKTOP_XERO_CLIENT_ID (the client id of your "
            "Xero app of type 'Auth Code with PKCE')."
        )
    previous = xero_settings.load_connection()
    scopes = scopes_for(xero_settings.load_settings().broad_scopes)
    state = new_state()
    server = CallbackServer(state, options.port).start()
    try:
        request = authorization_request(endpoints, client_id, server.redirect_uri, scopes, state=state)
        if cancel is not None:
            cancel._attach(server)
        opened = _open_browser(request.url) if options.open_browser else False
        if on_url is not None:
            on_url(request.url, opened)
        try:
            code = server.wait(options.timeout).code
        except CallbackTimeout as exc:
            raise CallbackTimeout(f"{exc}\n{sign_in_checklist(request.url)}") from None
    finally:
        server.close()

    tokens = exchange_code(plain_api_client(), endpoints, client_id, request, code)
    store = store or TokenStore(paths)
    earlier = store.load()
    # Saved at once: the session below refreshes through the store, and a crash now leaves a usable sign-in.
    store.save(new_grant(tokens.refresh_token, client_id, tokens.scope))
    session = TokenSession(
        client_id, endpoints, store, tokens=tokens, on_dropped=xero_settings.mark_dropped, rotation_lock=rotation_lock
    )
    try:
        organisations = list_organisations(XeroClient(session, ""))
        chosen = choose_organisation(organisations, options.tenant, choose)
    except XERO_CALL_ERRORS:  # ChooseOrganisation, NoOrganisation, or GET /connections failed
        _put_back(store, earlier)  # no organisation chosen: the company file stays as it was
        raise

    xero_settings.save_connection(chosen, client_id, list(organisations))
    log.info("connected to the Xero organisation %r (%s)", chosen.name, chosen.tenant_id)
    cache, cache_error = _refresh_cache_after_connect(XeroClient(session, chosen.tenant_id, chosen.name))
    return ConnectResult(
        organisation=chosen,
        organisations=organisations,
        reconnected=bool(previous.tenant_id),
        storage=store.kind,
        storage_warning=store.warning,
        cache=cache,
        cache_error=cache_error,
    )


def sign_in_checklist(authorize_url: str) -> str:
    """What to check in the Xero app while the sign-in is awaited (the window and `xero connect` show it; a time-out
    says it again). When the app's registration does not match the request (another redirect port, a redirect URI
    not registered, a wrong client id, an app of another type, scopes it may not have), Xero shows an error on its
    own page and never comes back to the loopback listener, so the app cannot tell: it can only say what to check.
    Read from the authorize URL itself: exactly what Xero was asked."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    if set(BROAD_SCOPES) <= set(query.get("scope", "").split()):
        scopes = (
            "this sign-in asks for the broad scopes, which Xero refuses to apps created after March 2026 (ask for "
            "the granular ones: invoice-desktop xero settings --broad-scopes off)"
        )
    else:
        scopes = (
            "this sign-in asks for the granular scopes apps created after March 2026 must use (an app created "
            "before may need the broad ones: invoice-desktop xero settings --broad-scopes on)"
        )
    return "\n".join(
        (
            "If Xero's page shows an error instead of coming back here, check your app at developer.xero.com:",
            f"• the redirect URI registered must be exactly {query.get('redirect_uri', '')}",
            f"• the client id must be that app's: {query.get('client_id', '')}",
            "• the app type must be Auth Code with PKCE",
            f"• the scopes: {scopes}",
        )
    )


def _put_back(store: TokenStore, earlier: StoredGrant | None) -> None:
    if earlier is None:
        store.delete()
    else:
        store.save(earlier)


def _open_browser(url: str) -> bool:
    try:
        return bool(webbrowser.open(url))
    except webbrowser.Error as exc:
        log.warning("could not open a browser: %s", exc)
        return False


def list_organisations(client: XeroClient) -> tuple[Organisation, ...]:
    """The organisations (tenants of type ORGANISATION) the login connected, from GET /connections."""
    seen: dict[str, Organisation] = {}
    for connection in client.identity().get_connections() or ():
        tenant_type = str(connection.tenant_type or "ORGANISATION")
        if tenant_type.upper() != "ORGANISATION" or not connection.tenant_id:
            continue  # e.g. a PRACTICE (Xero HQ) tenant: no Accounting API there
        tenant_id = str(connection.tenant_id)
        seen.setdefault(tenant_id.lower(), Organisation(tenant_id, str(connection.tenant_name or ""), tenant_type))
    if not seen:
        raise NoOrganisation(
            "The Xero sign-in worked, but no organisation was connected. Connect again and choose an organisation "
            "on Xero's page."
        )
    return tuple(sorted(seen.values(), key=lambda o: o.label.casefold()))


def choose_organisation(
    organisations: tuple[Organisation, ...], tenant: str | None, choose: Chooser | None = None
) -> Organisation:
    """`tenant` (a name or tenant id, ignoring case) if given; else the only one; else `choose`'s pick.

    Never silently the first: otherwise ChooseOrganisation carrying the list.
    """
    if tenant:
        wanted = tenant.strip().casefold()
        by_id = [o for o in organisations if o.tenant_id.casefold() == wanted]
        by_name = [o for o in organisations if o.name.casefold() == wanted]
        matches = by_id or by_name
        if len(matches) == 1:
            return matches[0]
        reason = (
            f"Several organisations are named {tenant!r}; choose one by its tenant id."
            if matches
            else f"This Xero login has no organisation {tenant!r}."
        )
        raise ChooseOrganisation(reason, organisations)
    if len(organisations) == 1:
        return organisations[0]
    if choose is not None:
        picked = choose(organisations)
        if picked is not None and picked in organisations:
            return picked
    raise ChooseOrganisation(
        f"This Xero login connected {len(organisations)} organisations; choose one (--tenant NAME_OR_ID).",
        organisations,
    )


def _refresh_cache_after_connect(client: XeroClient) -> tuple[XeroCache | None, str | None]:
    try:
        return refresh_cache(client), None
    except XERO_CALL_ERRORS as exc:
        log.warning("Xero's settings could not be fetched after connecting: %s", type(exc).__name__)
        stale = load_cache()
        if stale is not None and stale.tenant_id != client.tenant_id:
            clear_cache()  # another organisation's chart must not validate this one's mapping
        return None, f"Xero's settings could not be fetched ({describe_error(exc)}); use Refresh to try again."


def describe_error(exc: BaseException) -> str:
    """A short description of a failed Xero call for the user (no bodies, no headers)."""
    if isinstance(exc, XeroInterfaceError):
        return str(exc)
    if isinstance(exc, ApiException):
        return f"HTTP {exc.status} {exc.reason or ''}".strip()
    return type(exc).__name__


def disconnect(paths: AppPaths, endpoints: XeroEndpoints, *, store: TokenStore | None = None) -> DisconnectResult:
    """Disconnect and delete settings: remove the connection in Xero, revoke the sign-in, forget everything."""
    record = xero_settings.load_connection()
    store = store or TokenStore(paths)
    grant = store.load()
    problems: list[str] = []
    deleted = revoked = False
    if grant is None:
        if record.tenant_id:
            problems.append("No saved Xero sign-in was found, so nothing could be revoked in Xero.")
    else:
        client_id = grant.client_id or record.client_id or xero_settings.effective_client_id(endpoints) or ""
        session = TokenSession(client_id, endpoints, store, rotation_lock=rotation_lock)
        client = XeroClient(session, record.tenant_id, record.tenant_name)
        try:
            deleted = _delete_connection(client, record.tenant_id)
        except ConnectionDropped:
            problems.append("Xero no longer accepted the saved sign-in; the app may already be disconnected.")
        except XERO_CALL_ERRORS as exc:
            problems.append(f"The connection could not be removed in Xero ({describe_error(exc)}).")
        current = store.load() or grant  # the removal may have rotated the refresh token
        try:
            PkceTokenApi(client.api_client(), client_id, endpoints).revoke_token(current.refresh_token)
            revoked = True
        except TokenEndpointError as exc:
            revoked = exc.error == "invalid_grant"  # already dead
            if not revoked:
                problems.append(f"Xero did not revoke the sign-in ({exc.error}).")
        except XERO_CALL_ERRORS as exc:
            problems.append(f"The sign-in could not be revoked in Xero ({describe_error(exc)}).")
    if problems:
        problems.append("If the app is still listed in Xero (Settings > Connected apps), disconnect it there.")
    store.delete()
    with database_proxy.atomic():
        removed = xero_settings.delete_all()
        if record.tenant_id:
            xero_settings.record_disconnected(record.tenant_name or record.tenant_id)
    log.info("Xero disconnected; %d settings deleted; revoked=%s, connection removed=%s", removed, revoked, deleted)
    return DisconnectResult(record.tenant_name or record.tenant_id, deleted, revoked, tuple(problems))


def _delete_connection(client: XeroClient, tenant_id: str) -> bool:
    if not tenant_id:
        return False
    identity = client.identity()
    for connection in identity.get_connections() or ():
        if str(connection.tenant_id or "").lower() == tenant_id.lower():
            identity.delete_connection(connection.id)
            return True
    return True  # not among the connections any more: already removed in Xero
