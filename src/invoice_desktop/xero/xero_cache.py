"""Xero's settings, cached in the company file: chart of accounts, tax rates, tracking categories, the
organisation (lock dates, currency) and contact names with their status.

Fetched through the SDK when connecting and on demand (`refresh_cache`), stored as one JSON setting
(`xero.cache`, deleted with the other xero.* settings on disconnect; no token in it), read back as typed
dataclasses. Settings validation uses it (mapping only to active accounts a sales invoice may use, tax types
usable on revenue) and so do the exporter's pre-flight checks (archived contacts, lock dates).

An item the SDK cannot parse (Xero adds enum values, docs/xero-facts.md §5.4) does not break the fetch: it is read
without the unknown field, or left out, and `problems` says which (see invoice_desktop.xero.sdk_items).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from invoice_desktop.store.fields import utcnow
from invoice_desktop.store.settings import delete_settings, get_setting, set_setting
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.sdk_items import parse_items, raw_items

log = logging.getLogger(__name__)

KEY_CACHE = "xero.cache"
CACHE_VERSION = 1
CONTACTS_PAGE_SIZE = 1000  # Xero's maximum page size
# The parts of the cache, each fetched by its own call (contacts: one call per 1,000).
PARTS = ("organisation", "accounts", "tax_rates", "tracking_categories", "contacts", "currencies")

ACTIVE = "ACTIVE"
ARCHIVED = "ARCHIVED"
# Account types whose class is REVENUE (used when Xero's Class could not be read).
_REVENUE_TYPES = frozenset({"REVENUE", "SALES", "OTHERINCOME"})


def _text(value: Any) -> str:
    """An SDK value as plain text: enums by value, None as ""."""
    if value is None:
        return ""
    return str(value.value) if isinstance(value, Enum) else str(value)


def _decimal(value: Any) -> Decimal:
    """A rate as a plain Decimal without trailing zeros ("12.5000" -> 12.5, "10.0" -> 10)."""
    try:
        number = Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
    if not number.is_finite():
        return Decimal(0)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


# -- the cached records ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class XeroAccount:
    code: str
    name: str
    type: str  # AccountType, e.g. REVENUE; "" when Xero sent one the SDK does not know
    status: str  # ACTIVE | ARCHIVED | DELETED ("" when unreadable)
    tax_type: str = ""  # the account's default TaxType
    account_class: str = ""  # ASSET | EQUITY | EXPENSE | LIABILITY | REVENUE
    account_id: str = ""
    enable_payments: bool = False  # EnablePaymentsToAccount

    @property
    def valid_for_payments(self) -> bool:
        """An active bank account, or an active account with payments enabled (what Xero takes a payment into)."""
        return self.status == ACTIVE and (self.type == "BANK" or self.enable_payments)

    @property
    def valid_for_sales(self) -> bool:
        """An active revenue account: what a sales invoice line may post to (the sandbox enforces the same)."""
        revenue = self.account_class == "REVENUE" or (not self.account_class and self.type in _REVENUE_TYPES)
        return self.status == ACTIVE and revenue and self.type != "BANK"

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}".strip()


@dataclass(frozen=True)
class XeroTaxRate:
    tax_type: str
    name: str
    rate: Decimal
    can_apply_to_revenue: bool
    status: str

    @property
    def valid_for_sales(self) -> bool:
        return self.status == ACTIVE and self.can_apply_to_revenue


@dataclass(frozen=True)
class XeroTrackingOption:
    name: str
    status: str
    option_id: str = ""


@dataclass(frozen=True)
class XeroTrackingCategory:
    name: str
    status: str
    options: tuple[XeroTrackingOption, ...] = ()
    category_id: str = ""

    def active_options(self) -> list[XeroTrackingOption]:
        return [o for o in self.options if o.status == ACTIVE]


@dataclass(frozen=True)
class XeroOrganisation:
    name: str
    base_currency: str = ""
    country_code: str = ""
    short_code: str = ""
    period_lock_date: date | None = None
    end_of_year_lock_date: date | None = None

    def lock_date(self) -> date | None:
        """The later of the two lock dates: a document dated on or before it is refused."""
        dates = [d for d in (self.period_lock_date, self.end_of_year_lock_date) if d is not None]
        return max(dates) if dates else None


@dataclass(frozen=True)
class XeroContact:
    contact_id: str
    name: str
    status: str  # ACTIVE | ARCHIVED | GDPRREQUEST ("" when unreadable)


@dataclass(frozen=True)
class XeroCache:
    """A snapshot of one organisation's settings. `problems` lists items read only in part, or left out."""

    tenant_id: str
    fetched_at: str  # ISO UTC
    organisation: XeroOrganisation | None = None
    accounts: tuple[XeroAccount, ...] = ()
    tax_rates: tuple[XeroTaxRate, ...] = ()
    tracking_categories: tuple[XeroTrackingCategory, ...] = ()
    contacts: tuple[XeroContact, ...] | None = None  # None: not fetched
    problems: tuple[str, ...] = ()
    currencies: tuple[str, ...] | None = None  # codes the organisation has enabled; None: not fetched
    part_times: dict[str, str] = field(default_factory=dict)  # part -> when it was fetched (ISO UTC)

    def age(self, part: str, now: datetime) -> timedelta | None:
        """How old the cached `part` is (None when it was never fetched)."""
        stamp = self.part_times.get(part) or (self.fetched_at if part != "currencies" else "")
        try:
            return now - datetime.fromisoformat(stamp) if stamp else None
        except ValueError:
            return None

    def currency_enabled(self, code: str) -> bool | None:
        """Whether the organisation takes invoices in `code` (its base currency always); None when not known."""
        wanted = code.strip().upper()
        if self.organisation is not None and self.organisation.base_currency.upper() == wanted:
            return True
        return None if self.currencies is None else wanted in self.currencies

    # -- look-ups ----------------------------------------------------------------------------------------------

    def account(self, code: str) -> XeroAccount | None:
        wanted = code.strip().casefold()
        return next((a for a in self.accounts if a.code.casefold() == wanted), None)

    def sales_accounts(self) -> list[XeroAccount]:
        """The accounts a mapping may choose: active, valid on sales invoices, by code."""
        return sorted((a for a in self.accounts if a.valid_for_sales), key=lambda a: a.code)

    def is_sales_account(self, code: str) -> bool:
        return self.account_problem(code) is None

    def account_problem(self, code: str) -> str | None:
        """Why `code` cannot be used on a sales invoice line, or None when it can."""
        account = self.account(code)
        if account is None:
            return f"Xero's chart of accounts has no account with code {code}"
        if account.status != ACTIVE:
            state = account.status.lower() if account.status else "not active"
            return f"Xero account {account.label} is {state}"
        if not account.valid_for_sales:
            kind = account.type or account.account_class or "unknown type"
            return f"Xero account {account.label} ({kind}) cannot be used on a sales invoice; choose a revenue account"
        return None

    def payment_accounts(self) -> list[XeroAccount]:
        """The accounts payments may go to: active bank accounts, and active accounts with payments enabled."""
        return sorted((a for a in self.accounts if a.valid_for_payments), key=lambda a: a.code)

    def payment_account_problem(self, code: str) -> str | None:
        """Why a payment cannot go into the account `code`, or None when it can."""
        account = self.account(code)
        if account is None:
            return f"Xero's chart of accounts has no account with code {code}"
        if account.status != ACTIVE:
            state = account.status.lower() if account.status else "not active"
            return f"Xero account {account.label} is {state}"
        if not account.valid_for_payments:
            kind = account.type or account.account_class or "unknown type"
            return f"Xero account {account.label} ({kind}) is not a bank account and does not take payments"
        return None

    def tax_rate(self, tax_type_or_name: str) -> XeroTaxRate | None:
        """By TaxType (e.g. OUTPUT), else by the name Xero shows (e.g. "GST on Income"), ignoring case."""
        wanted = tax_type_or_name.strip().casefold()
        by_type = next((t for t in self.tax_rates if t.tax_type.casefold() == wanted), None)
        return by_type or next((t for t in self.tax_rates if t.name.casefold() == wanted), None)

    def sales_tax_rates(self) -> list[XeroTaxRate]:
        return sorted((t for t in self.tax_rates if t.valid_for_sales), key=lambda t: t.name.casefold())

    def is_sales_tax_type(self, tax_type: str) -> bool:
        return self.tax_type_problem(tax_type) is None

    def tax_type_problem(self, tax_type: str) -> str | None:
        """Why `tax_type` cannot be used on a sales invoice line, or None when it can."""
        rate = self.tax_rate(tax_type)
        if rate is None:
            return f"Xero has no tax rate with tax type {tax_type}"
        if rate.status != ACTIVE:
            state = rate.status.lower() if rate.status else "not active"
            return f"Xero's tax rate {rate.tax_type} ({rate.name}) is {state}"
        if not rate.can_apply_to_revenue:
            return (
                f"Xero's tax rate {rate.tax_type} ({rate.name}) cannot be used on revenue accounts, "
                "so not on a sales invoice"
            )
        return None

    def active_tracking_categories(self) -> list[XeroTrackingCategory]:
        return [c for c in self.tracking_categories if c.status == ACTIVE]

    def contact_status(self, name: str) -> str | None:
        """The status of the contact named `name` (ignoring case), None when unknown or contacts not fetched."""
        if self.contacts is None:
            return None
        wanted = name.strip().casefold()
        matches = [c for c in self.contacts if c.name.casefold() == wanted]
        active = [c for c in matches if c.status == ACTIVE]
        chosen = active or matches
        return chosen[0].status if chosen else None

    # -- JSON --------------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["version"] = CACHE_VERSION
        for rate in document["tax_rates"]:
            rate["rate"] = str(rate["rate"])
        org = document["organisation"]
        if org is not None:
            for key in ("period_lock_date", "end_of_year_lock_date"):
                org[key] = org[key].isoformat() if org[key] else None
        return document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> XeroCache:
        org = data.get("organisation")
        contacts = data.get("contacts")
        currencies = data.get("currencies")
        return cls(
            tenant_id=str(data.get("tenant_id") or ""),
            fetched_at=str(data.get("fetched_at") or ""),
            organisation=XeroOrganisation(
                name=org.get("name", ""),
                base_currency=org.get("base_currency", ""),
                country_code=org.get("country_code", ""),
                short_code=org.get("short_code", ""),
                period_lock_date=_iso_date(org.get("period_lock_date")),
                end_of_year_lock_date=_iso_date(org.get("end_of_year_lock_date")),
            )
            if isinstance(org, dict)
            else None,
            accounts=tuple(XeroAccount(**a) for a in data.get("accounts") or ()),
            tax_rates=tuple(XeroTaxRate(**{**t, "rate": _decimal(t.get("rate"))}) for t in data.get("tax_rates") or ()),
            tracking_categories=tuple(
                XeroTrackingCategory(
                    name=c["name"],
                    status=c["status"],
                    options=tuple(XeroTrackingOption(**o) for o in c.get("options") or ()),
                    category_id=c.get("category_id", ""),
                )
                for c in data.get("tracking_categories") or ()
            ),
            contacts=tuple(XeroContact(**c) for c in contacts) if isinstance(contacts, list) else None,
            problems=tuple(str(p) for p in data.get("problems") or ()),
            currencies=tuple(str(c) for c in currencies) if isinstance(currencies, list) else None,
            part_times={str(k): str(v) for k, v in (data.get("part_times") or {}).items()},
        )


def _iso_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


# -- persistence -------------------------------------------------------------------------------------------------


def load_cache() -> XeroCache | None:
    """The cached settings of the company file's organisation, or None (never fetched, or unreadable)."""
    data = get_setting(KEY_CACHE)
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    try:
        return XeroCache.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("the cached Xero settings could not be read (%s); they will be fetched again", exc)
        return None


def save_cache(cache: XeroCache) -> None:
    set_setting(KEY_CACHE, cache.to_json())


def clear_cache() -> None:
    delete_settings(KEY_CACHE)


# -- fetching ----------------------------------------------------------------------------------------------------


@dataclass
class RawSettings:
    """The items of Xero's settings responses as raw JSON (before the SDK reads them)."""

    organisations: list[Any] = field(default_factory=list)
    accounts: list[Any] = field(default_factory=list)
    tax_rates: list[Any] = field(default_factory=list)
    tracking_categories: list[Any] = field(default_factory=list)
    contacts: list[Any] | None = None
    currencies: list[Any] | None = None
    parts: tuple[str, ...] = PARTS  # the parts fetched


# How a call to Xero is made: the plain call, or the export engine's (paced, transient trouble retried).
Caller = Callable[[Callable[[], Any]], Any]


def _plain_call(call: Callable[[], Any]) -> Any:
    return call()


def fetch_raw(
    client: XeroClient, *, include_contacts: bool = True, parts: Iterable[str] = PARTS, call: Caller = _plain_call
) -> RawSettings:
    """GET Organisation, Accounts, TaxRates, TrackingCategories, Currencies and Contacts (paged) through the SDK,
    or only the `parts` named.

    The SDK makes the calls (tokens, refresh, timeouts, ConnectionDropped) but does not parse the bodies here:
    `build_cache` does, item by item. HTTP errors propagate (after `call`'s retries).
    """
    api = client.accounting()
    tenant = client.tenant_id
    wanted = tuple(p for p in PARTS if p in set(parts) and (p != "contacts" or include_contacts))

    def get(method: Callable[..., Any], collection: str, **query: Any) -> list[Any]:
        response = call(lambda: method(tenant, _preload_content=False, **query))
        return raw_items(response.data, collection)

    raw = RawSettings(parts=wanted)
    if "organisation" in wanted:
        raw.organisations = get(api.get_organisations, "Organisations")
    if "accounts" in wanted:
        raw.accounts = get(api.get_accounts, "Accounts")
    if "tax_rates" in wanted:
        raw.tax_rates = get(api.get_tax_rates, "TaxRates")
    if "tracking_categories" in wanted:
        raw.tracking_categories = get(api.get_tracking_categories, "TrackingCategories", include_archived=True)
    if "currencies" in wanted:
        raw.currencies = get(api.get_currencies, "Currencies")
    if "contacts" in wanted:
        raw.contacts = []
        page = 1
        while True:
            batch = get(
                api.get_contacts, "Contacts",
                page=page, page_size=CONTACTS_PAGE_SIZE, include_archived=True, summary_only=True,
            )  # fmt: skip
            raw.contacts.extend(batch)
            if len(batch) < CONTACTS_PAGE_SIZE:
                break
            page += 1
    return raw


def build_cache(tenant_id: str, raw: RawSettings) -> XeroCache:
    """Read the raw items through the SDK's models; an unreadable item degrades (see sdk_items)."""
    problems: list[str] = []

    def parse(model: str, items: list[Any], label: Callable[[Any], Any]) -> list[Any]:
        parsed = parse_items(model, items, label)
        problems.extend(parsed.problems)
        return parsed.models

    orgs = parse("Organisation", raw.organisations, lambda r: r.get("Name"))
    accounts = parse("Account", raw.accounts, lambda r: r.get("Code") or r.get("Name"))
    tax_rates = parse("TaxRate", raw.tax_rates, lambda r: r.get("TaxType") or r.get("Name"))
    tracking = parse("TrackingCategory", raw.tracking_categories, lambda r: r.get("Name"))
    contacts = parse("Contact", raw.contacts, lambda r: r.get("Name")) if raw.contacts is not None else None
    currencies = parse("Currency", raw.currencies, lambda r: r.get("Code")) if raw.currencies is not None else None
    now = utcnow().isoformat()
    cache = XeroCache(
        tenant_id=tenant_id,
        fetched_at=now,
        organisation=_organisation(orgs[0]) if orgs else None,
        accounts=tuple(_account(a) for a in accounts if a.code),
        tax_rates=tuple(_tax_rate(t) for t in tax_rates if t.tax_type),
        tracking_categories=tuple(_tracking_category(c) for c in tracking if c.name),
        contacts=tuple(_contact(c) for c in contacts if c.name) if contacts is not None else None,
        problems=tuple(problems),
        currencies=tuple(_text(c.code).upper() for c in currencies if c.code) if currencies is not None else None,
        part_times={part: now for part in raw.parts},
    )
    log.info(
        "Xero settings read: %d accounts, %d tax rates, %d tracking categories, %s contacts, %d problems",
        len(cache.accounts),
        len(cache.tax_rates),
        len(cache.tracking_categories),
        "no" if cache.contacts is None else len(cache.contacts),
        len(cache.problems),
    )
    return cache


def refresh_cache(
    client: XeroClient, *, include_contacts: bool = True, parts: Iterable[str] = PARTS, call: Caller = _plain_call
) -> XeroCache:
    """Fetch Xero's settings for the client's organisation (or only `parts` of them, the rest kept from the cache)
    and store them. Nothing is stored when it fails."""
    wanted = set(parts)
    old = load_cache()
    if old is None or old.tenant_id.lower() != client.tenant_id.lower():
        old, wanted = None, set(PARTS)
    fresh = build_cache(client.tenant_id, fetch_raw(client, include_contacts=include_contacts, parts=wanted, call=call))
    cache = fresh if old is None or wanted >= set(PARTS) else merge(old, fresh, wanted)
    save_cache(cache)
    return cache


def merge(old: XeroCache, fresh: XeroCache, parts: set[str]) -> XeroCache:
    """`old` with the `parts` of `fresh` (a partial refresh); the other parts keep their own fetch times."""
    changes: dict[str, Any] = {part: getattr(fresh, part) for part in parts if part in PARTS}
    times = {**{p: old.part_times.get(p, old.fetched_at) for p in PARTS if p != "currencies"}, **old.part_times}
    times.update({part: fresh.fetched_at for part in changes})
    problems = tuple(dict.fromkeys((*old.problems, *fresh.problems)))
    return replace(old, **changes, part_times=times, problems=problems)


def _account(m: Any) -> XeroAccount:
    return XeroAccount(
        code=_text(m.code),
        name=_text(m.name),
        type=_text(m.type),
        status=_text(m.status),
        tax_type=_text(m.tax_type),
        account_class=_text(m._class),
        account_id=_text(m.account_id),
        enable_payments=bool(getattr(m, "enable_payments_to_account", False)),
    )


def _tax_rate(m: Any) -> XeroTaxRate:
    rate = m.display_tax_rate if m.display_tax_rate is not None else m.effective_rate
    return XeroTaxRate(
        tax_type=_text(m.tax_type),
        name=_text(m.name),
        rate=_decimal(rate),
        can_apply_to_revenue=bool(m.can_apply_to_revenue),
        status=_text(m.status),
    )


def _tracking_category(m: Any) -> XeroTrackingCategory:
    return XeroTrackingCategory(
        name=_text(m.name),
        status=_text(m.status),
        options=tuple(
            XeroTrackingOption(_text(o.name), _text(o.status), _text(o.tracking_option_id))
            for o in (m.options or ())
            if o.name
        ),
        category_id=_text(m.tracking_category_id),
    )


def _organisation(m: Any) -> XeroOrganisation:
    return XeroOrganisation(
        name=_text(m.name),
        base_currency=_text(m.base_currency),
        country_code=_text(m.country_code),
        short_code=_text(m.short_code),
        period_lock_date=_as_date(m.period_lock_date),
        end_of_year_lock_date=_as_date(m.end_of_year_lock_date),
    )


def _as_date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def _contact(m: Any) -> XeroContact:
    return XeroContact(contact_id=_text(m.contact_id), name=_text(m.name), status=_text(m.contact_status))
