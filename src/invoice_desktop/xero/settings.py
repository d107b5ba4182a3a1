"""The Xero interface settings of a company file (`xero.*` keys in the settings table), typed.

Two groups: what the bookkeeper chooses (`XeroSettings`: enable switch, destination status, export on approval,
import payments, default income account, account/tax mapping, tracking categories, the bank account payments
recorded here go to and whether they are sent) and what connecting records
(`ConnectionRecord`: organisation, client id, connection state). `xero.enabled` and `xero.export_on_approval`
are JSON booleans that the ledger reads directly to queue approved invoices: keep those names.
No token is ever stored here (see invoice_desktop.xero.tokens).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from invoice_desktop.config import LOCAL_XERO_CLIENT_ID, XeroEndpoints, resolve_client_id
from invoice_desktop.ledger.activity import record_event
from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.models import EventAction
from invoice_desktop.store.settings import delete_settings, get_setting, set_setting

if TYPE_CHECKING:
    from invoice_desktop.xero.xero_cache import XeroCache

log = logging.getLogger(__name__)

PREFIX = "xero."
KEY_ENABLED = "xero.enabled"
KEY_EXPORT_ON_APPROVAL = "xero.export_on_approval"
KEY_DESTINATION = "xero.destination"
KEY_IMPORT_PAYMENTS = "xero.import_payments"
KEY_INCOME_ACCOUNT = "xero.income_account"
KEY_ACCOUNT_MAP = "xero.account_map"
KEY_TAX_MAP = "xero.tax_map"
KEY_TRACKING = "xero.tracking"
KEY_BROAD_SCOPES = "xero.broad_scopes"
KEY_PAYMENTS_ACCOUNT = "xero.payments_account"
KEY_SEND_PAYMENTS = "xero.send_payments"  # read by the ledger too (a payment recorded here is queued): keep the name
KEY_TENANT_ID = "xero.tenant_id"
KEY_TENANT_NAME = "xero.tenant_name"
KEY_ORGANISATIONS = "xero.organisations"
KEY_CONNECTION_STATE = "xero.connection_state"
KEY_DROPPED_REASON = "xero.dropped_reason"
KEY_DROPPED_AT = "xero.dropped_at"
KEY_CONNECTED_AT = "xero.connected_at"
KEY_CLIENT_ID = "xero.client_id"
KEY_LAST_SYNC_AT = "xero.last_sync_at"

MAX_TRACKING_CATEGORIES = 2


class Destination(StrEnum):
    """The status an exported invoice gets in Xero."""

    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting-approval"
    AWAITING_PAYMENT = "awaiting-payment"

    @property
    def xero_status(self) -> str:
        return {"draft": "DRAFT", "awaiting-approval": "SUBMITTED", "awaiting-payment": "AUTHORISED"}[self.value]

    @property
    def label(self) -> str:
        return {"draft": "Draft", "awaiting-approval": "Awaiting Approval", "awaiting-payment": "Awaiting Payment"}[
            self.value
        ]


class ConnectionState(StrEnum):
    CONNECTED = "connected"
    DROPPED = "dropped"


class InterfaceState(StrEnum):
    """What the status bar and `xero status` show."""

    NOT_SET_UP = "not_set_up"
    DISABLED = "disabled"
    CONNECTED = "connected"
    DROPPED = "connection_dropped"

    @property
    def label(self) -> str:
        return {
            "not_set_up": "Not set up",
            "disabled": "Disabled",
            "connected": "Connected",
            "connection_dropped": "Connection dropped",
        }[self.value]


class SettingsError(ValueError):
    """Settings that cannot be saved; `problems` lists each reason in words for the user."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class XeroSettings:
    enabled: bool = False
    destination: Destination = Destination.AWAITING_PAYMENT
    export_on_approval: bool = True
    import_payments: bool = True
    income_account: str = ""  # a Xero account code
    account_map: dict[str, str] = field(default_factory=dict)  # local account code -> Xero account code
    tax_map: dict[str, str] = field(default_factory=dict)  # local tax rate name -> Xero TaxType
    tracking: list[str] = field(default_factory=list)  # up to two Xero tracking category names
    broad_scopes: bool = False  # apps created before March 2026 may still use the broad scopes
    payments_account: str = ""  # the Xero account (code) payments recorded here go to: a bank account
    send_payments: bool = False  # "Send payments recorded here to Xero"

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "destination": self.destination.value,
            "export_on_approval": self.export_on_approval,
            "import_payments": self.import_payments,
            "income_account": self.income_account,
            "account_map": dict(self.account_map),
            "tax_map": dict(self.tax_map),
            "tracking": list(self.tracking),
            "broad_scopes": self.broad_scopes,
            "payments_account": self.payments_account,
            "send_payments": self.send_payments,
        }


@dataclass(frozen=True)
class Organisation:
    """One organisation (tenant) the Xero login connected."""

    tenant_id: str
    name: str
    tenant_type: str = "ORGANISATION"

    @property
    def label(self) -> str:
        return self.name or self.tenant_id


@dataclass(frozen=True)
class ConnectionRecord:
    tenant_id: str = ""
    tenant_name: str = ""
    state: ConnectionState | None = None
    client_id: str = ""
    dropped_reason: str = ""
    connected_at: str = ""
    last_sync_at: str = ""
    organisations: tuple[Organisation, ...] = ()


def _bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if str(k) and str(v)}


def load_settings() -> XeroSettings:
    try:
        destination = Destination(get_setting(KEY_DESTINATION, Destination.AWAITING_PAYMENT.value))
    except ValueError:
        destination = Destination.AWAITING_PAYMENT
    tracking = get_setting(KEY_TRACKING, [])
    return XeroSettings(
        enabled=_bool(get_setting(KEY_ENABLED), False),
        destination=destination,
        export_on_approval=_bool(get_setting(KEY_EXPORT_ON_APPROVAL), True),
        import_payments=_bool(get_setting(KEY_IMPORT_PAYMENTS), True),
        income_account=str(get_setting(KEY_INCOME_ACCOUNT, "") or ""),
        account_map=_str_map(get_setting(KEY_ACCOUNT_MAP, {})),
        tax_map=_str_map(get_setting(KEY_TAX_MAP, {})),
        tracking=[str(t) for t in tracking if t] if isinstance(tracking, list) else [],
        broad_scopes=_bool(get_setting(KEY_BROAD_SCOPES), False),
        payments_account=str(get_setting(KEY_PAYMENTS_ACCOUNT, "") or ""),
        send_payments=_bool(get_setting(KEY_SEND_PAYMENTS), False),
    )


def validate_settings(settings: XeroSettings, cache: XeroCache | None = None) -> list[str]:
    """Every reason `settings` cannot be saved. Chart checks run when Xero's settings are cached."""
    problems: list[str] = []
    if settings.enabled and not settings.income_account:
        problems.append("Choose a default income account before enabling the Xero interface.")
    if settings.enabled and not load_connection().tenant_id:
        problems.append("Connect to Xero before enabling the Xero interface.")
    if settings.send_payments and not settings.payments_account:
        problems.append("Choose the bank account payments go to before sending payments to Xero.")
    if len(settings.tracking) > MAX_TRACKING_CATEGORIES:
        problems.append(f"Xero allows at most {MAX_TRACKING_CATEGORIES} tracking categories.")
    if cache is None:
        return problems
    if settings.income_account:
        problem = cache.account_problem(settings.income_account)
        if problem:
            problems.append(f"The default income account {settings.income_account} cannot be used: {problem}.")
    if settings.payments_account:
        problem = cache.payment_account_problem(settings.payments_account)
        if problem:
            problems.append(f"Payments cannot go to {settings.payments_account}: {problem}.")
    for local, code in sorted(settings.account_map.items()):
        problem = cache.account_problem(code)
        if problem:
            problems.append(f"Local account {local} cannot be mapped to {code}: {problem}.")
    for local, tax_type in sorted(settings.tax_map.items()):
        problem = cache.tax_type_problem(tax_type)
        if problem:
            problems.append(f"Tax rate {local!r} cannot be mapped to {tax_type}: {problem}.")
    known = {c.name.casefold() for c in cache.active_tracking_categories()}
    for name in settings.tracking:
        if name.casefold() not in known:
            problems.append(f"Xero has no active tracking category named {name!r}.")
    return problems


def save_settings(settings: XeroSettings, cache: XeroCache | None = None, *, check: bool = True) -> None:
    """Validate (unless the caller did, `check=False`), then write every setting (all or nothing).

    Raises SettingsError listing the problems.
    """
    from invoice_desktop.store.models import database_proxy

    problems = validate_settings(settings, cache) if check else []
    if problems:
        raise SettingsError(problems)
    with database_proxy.atomic():
        set_setting(KEY_ENABLED, settings.enabled)
        set_setting(KEY_DESTINATION, settings.destination.value)
        set_setting(KEY_EXPORT_ON_APPROVAL, settings.export_on_approval)
        set_setting(KEY_IMPORT_PAYMENTS, settings.import_payments)
        set_setting(KEY_INCOME_ACCOUNT, settings.income_account)
        set_setting(KEY_ACCOUNT_MAP, dict(sorted(settings.account_map.items())))
        set_setting(KEY_TAX_MAP, dict(sorted(settings.tax_map.items())))
        set_setting(KEY_TRACKING, list(settings.tracking))
        set_setting(KEY_BROAD_SCOPES, settings.broad_scopes)
        set_setting(KEY_PAYMENTS_ACCOUNT, settings.payments_account)
        set_setting(KEY_SEND_PAYMENTS, settings.send_payments)


# -- the connection ----------------------------------------------------------------------------------------------


def load_connection() -> ConnectionRecord:
    state = get_setting(KEY_CONNECTION_STATE)
    orgs = get_setting(KEY_ORGANISATIONS, [])
    return ConnectionRecord(
        tenant_id=str(get_setting(KEY_TENANT_ID, "") or ""),
        tenant_name=str(get_setting(KEY_TENANT_NAME, "") or ""),
        state=ConnectionState(state) if state in {s.value for s in ConnectionState} else None,
        client_id=str(get_setting(KEY_CLIENT_ID, "") or ""),
        dropped_reason=str(get_setting(KEY_DROPPED_REASON, "") or ""),
        connected_at=str(get_setting(KEY_CONNECTED_AT, "") or ""),
        last_sync_at=str(get_setting(KEY_LAST_SYNC_AT, "") or ""),
        organisations=tuple(
            Organisation(str(o.get("tenant_id", "")), str(o.get("name", "")), str(o.get("tenant_type", "")))
            for o in (orgs if isinstance(orgs, list) else [])
            if isinstance(o, dict) and o.get("tenant_id")
        ),
    )


def save_connection(chosen: Organisation, client_id: str, organisations: list[Organisation] | tuple = ()) -> None:
    """Record a (re)connection. The bookkeeper's settings (mapping, switches) are left as they are."""
    from invoice_desktop.store.models import database_proxy

    with database_proxy.atomic():
        _record_organisation(chosen, connecting=True)
        set_setting(KEY_TENANT_ID, chosen.tenant_id)
        set_setting(KEY_TENANT_NAME, chosen.name)
        set_setting(KEY_CLIENT_ID, client_id)
        listed = organisations or [chosen]
        set_setting(
            KEY_ORGANISATIONS,
            [{"tenant_id": o.tenant_id, "name": o.name, "tenant_type": o.tenant_type} for o in listed],
        )
        set_setting(KEY_CONNECTION_STATE, ConnectionState.CONNECTED.value)
        set_setting(KEY_CONNECTED_AT, utcnow().isoformat())
        set_setting(KEY_DROPPED_REASON, "")


def select_organisation(chosen: Organisation) -> None:
    """Switch to another organisation the same login connected (the picker in Settings > Xero)."""
    from invoice_desktop.store.models import database_proxy

    with database_proxy.atomic():
        _record_organisation(chosen, connecting=False)
        set_setting(KEY_TENANT_ID, chosen.tenant_id)
        set_setting(KEY_TENANT_NAME, chosen.name)


def _record_organisation(chosen: Organisation, connecting: bool) -> None:
    """Who connected, or changed the organisation (ledger.activity): a change of organisation says from which."""
    previous_id = str(get_setting(KEY_TENANT_ID) or "")
    previous_name = str(get_setting(KEY_TENANT_NAME) or previous_id)
    if previous_id and previous_id.lower() != chosen.tenant_id.lower():
        record_event(EventAction.XERO_ORGANISATION_CHANGED, detail=f"{previous_name} → {chosen.name}")
    elif connecting:
        record_event(EventAction.XERO_CONNECTED, detail=chosen.name)


def record_disconnected(organisation: str) -> None:
    record_event(EventAction.XERO_DISCONNECTED, detail=organisation)


def mark_dropped(reason: str) -> None:
    """The interface state 'connection dropped' (the exporter stops; the user is told to reconnect)."""
    if not get_setting(KEY_TENANT_ID):
        return
    set_setting(KEY_CONNECTION_STATE, ConnectionState.DROPPED.value)
    set_setting(KEY_DROPPED_REASON, reason)
    set_setting(KEY_DROPPED_AT, utcnow().isoformat())


def delete_all() -> int:
    """Every xero.* setting, for "Disconnect and delete settings"."""
    return delete_settings(PREFIX)


def interface_state(record: ConnectionRecord | None = None, settings: XeroSettings | None = None) -> InterfaceState:
    record = record or load_connection()
    if not record.tenant_id or record.state is None:
        return InterfaceState.NOT_SET_UP
    if record.state is ConnectionState.DROPPED:
        return InterfaceState.DROPPED
    enabled = settings.enabled if settings is not None else _bool(get_setting(KEY_ENABLED), False)
    return InterfaceState.CONNECTED if enabled else InterfaceState.DISABLED


def effective_client_id(endpoints: XeroEndpoints, given: str | None = None) -> str | None:
    """--client-id, else INVOICE_DESKTOP_XERO_CLIENT_ID, else the stored one, else (not the real Xero) the local one."""
    chosen = resolve_client_id(given, get_setting(KEY_CLIENT_ID) or None)
    if chosen or endpoints.is_real_xero:
        return chosen
    return LOCAL_XERO_CLIENT_ID
