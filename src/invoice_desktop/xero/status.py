"""The Xero interface at a glance: organisation, state, where the sign-in is kept, last sync, the export queue.

What `xero status` prints and what the window's status bar shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peewee import fn

from invoice_desktop.config import AppPaths
from invoice_desktop.ledger.activity import EventDetail, last_connection_change
from invoice_desktop.store.models import EventAction, ExportState, XeroCreditNoteExport, XeroExport, XeroPaymentExport
from invoice_desktop.store.query_rows import tuple_rows
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.settings import InterfaceState
from invoice_desktop.xero.tokens import TokenStorageError, TokenStorageKind, TokenStore
from invoice_desktop.xero.xero_cache import load_cache


@dataclass(frozen=True)
class XeroStatus:
    state: InterfaceState
    organisation: str  # the organisation's name ("" when not set up)
    tenant_id: str
    token_storage: TokenStorageKind
    token_warning: str | None  # set when the sign-in is kept in the file fallback
    signed_in: bool  # a saved sign-in (refresh token) exists
    dropped_reason: str = ""
    connected_at: str = ""
    last_sync_at: str = ""
    settings_fetched_at: str = ""  # when Xero's settings were last cached
    settings_problems: tuple[str, ...] = ()  # items of Xero's settings that could be read only in part
    queue: dict[str, int] = field(default_factory=dict)  # export state -> number of invoices
    last_change: EventDetail | None = None  # the newest connect / organisation change / disconnect, and by whom

    @property
    def last_change_text(self) -> str:
        """ "Connected by robin on 2026-12-03 11:02 UTC (Harbour Lane Plumbing Pty Ltd)", or ""."""
        change = self.last_change
        if change is None:
            return ""
        what = CHANGE_WORDS[change.action]
        detail = f" ({change.detail})" if change.detail else ""
        return f"{what} by {change.user_name} on {change.at:%Y-%m-%d %H:%M} UTC{detail}"

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "state_label": self.state.label,
            "organisation": self.organisation,
            "tenant_id": self.tenant_id,
            "token_storage": self.token_storage.value,
            "token_warning": self.token_warning,
            "signed_in": self.signed_in,
            "dropped_reason": self.dropped_reason,
            "connected_at": self.connected_at or None,
            "last_sync_at": self.last_sync_at or None,
            "settings_fetched_at": self.settings_fetched_at or None,
            "settings_problems": list(self.settings_problems),
            "queue": dict(self.queue),
            "last_change": None
            if self.last_change is None
            else {
                "action": self.last_change.action.value,
                "by": self.last_change.user_name,
                "at": self.last_change.at.isoformat(),
                "detail": self.last_change.detail,
            },
        }


CHANGE_WORDS = {
    EventAction.XERO_CONNECTED: "Connected",
    EventAction.XERO_ORGANISATION_CHANGED: "Organisation changed",
    EventAction.XERO_DISCONNECTED: "Disconnected",
}


def export_counts(*, payments: bool = False) -> dict[str, int]:
    """Invoices (with `payments`, and payments recorded here and credit notes) per export state, every state listed
    (0 when none)."""
    counts = {state.value: 0 for state in ExportState}
    query = XeroExport.select(XeroExport.state, fn.COUNT(XeroExport.invoice).alias("n")).group_by(XeroExport.state)
    for row in tuple_rows(query):
        counts[str(row[0])] = int(row[1])
    if payments:
        for model, key in (
            (XeroPaymentExport, XeroPaymentExport.payment),
            (XeroCreditNoteExport, XeroCreditNoteExport.credit_note),
        ):
            sent = model.select(model.state, fn.COUNT(key).alias("n")).group_by(model.state)
            for row in tuple_rows(sent):
                counts[str(row[0])] += int(row[1])
    return counts


def load_status(paths: AppPaths, store: TokenStore | None = None) -> XeroStatus:
    record = xero_settings.load_connection()
    store = store or TokenStore(paths)
    try:
        signed_in = store.load() is not None
    except TokenStorageError:
        signed_in = False
    cache = load_cache()
    return XeroStatus(
        state=xero_settings.interface_state(record),
        organisation=record.tenant_name,
        tenant_id=record.tenant_id,
        token_storage=store.kind,
        token_warning=store.warning,
        signed_in=signed_in,
        dropped_reason=record.dropped_reason,
        connected_at=record.connected_at,
        last_sync_at=record.last_sync_at,
        settings_fetched_at=cache.fetched_at if cache else "",
        settings_problems=cache.problems if cache else (),
        queue=export_counts(),
        last_change=last_connection_change(),
    )
