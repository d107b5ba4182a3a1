"""The Xero client of the company file that is open: its organisation, its stored sign-in and its client id.

Kept apart from xero.client (the SDK wiring), which needs nothing of the company file's settings."""

from __future__ import annotations

from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.store.rotation_lock import rotation_lock
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.client import ConnectionDropped, NotConnected, TokenSession, XeroClient
from invoice_desktop.xero.tokens import TokenStore


def open_client(
    paths: AppPaths,
    endpoints: XeroEndpoints,
    client_id: str | None = None,
    *,
    store: TokenStore | None = None,
) -> XeroClient:
    """The client of the company file whose database is open: its organisation, stored sign-in and client id.

    Raises NotConnected when there is no connection, ConnectionDropped when it is known to be dropped.
    """
    record = xero_settings.load_connection()
    if not record.tenant_id:
        raise NotConnected("Xero is not connected. Connect in Business > Settings > Xero or run `xero connect`.")
    if record.state == xero_settings.ConnectionState.DROPPED:
        raise ConnectionDropped(
            record.dropped_reason or "The Xero connection has been dropped. Reconnect in Business > Settings > Xero."
        )
    store = store or TokenStore(paths)
    grant = store.load()
    if grant is None:
        raise NotConnected("The saved Xero sign-in is missing. Reconnect in Business > Settings > Xero.")
    # The refresh token belongs to the client id it was issued to; that one wins over today's arguments.
    chosen_id = grant.client_id or record.client_id or xero_settings.effective_client_id(endpoints, client_id)
    if not chosen_id:
        raise NotConnected("No Xero client id: pass --client-id or set INVOICE_DESKTOP_XERO_CLIENT_ID.")
    session = TokenSession(
        chosen_id, endpoints, store, on_dropped=xero_settings.mark_dropped, rotation_lock=rotation_lock
    )
    return XeroClient(session, record.tenant_id, record.tenant_name)
