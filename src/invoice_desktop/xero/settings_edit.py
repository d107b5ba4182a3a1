"""A change to the Xero settings (what `xero settings --...` asks for), checked and saved all or nothing.

Checks beyond `settings.validate_settings`: the local side of a mapping must exist in the company file (a typo
must not create a mapping that never applies), and a mapping or income account can only be chosen while Xero's
chart is known (cached). A tax mapping may name Xero's tax rate by its TaxType or by the name Xero shows.
A problem that was already there before the change (Xero archived a mapped account, say) does not block an
unrelated change such as switching the interface off; it is returned as a warning instead. Enabling the
interface needs everything to be right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from invoice_desktop.ledger import catalog
from invoice_desktop.xero.settings import (
    Destination,
    SettingsError,
    XeroSettings,
    load_settings,
    save_settings,
    validate_settings,
)
from invoice_desktop.xero.xero_cache import XeroCache


@dataclass(frozen=True)
class SettingsChange:
    """None (or an empty map) leaves a setting as it is; a map value "" removes that mapping."""

    enabled: bool | None = None
    destination: Destination | None = None
    export_on_approval: bool | None = None
    import_payments: bool | None = None
    income_account: str | None = None
    account_map: dict[str, str] = field(default_factory=dict)  # local account code -> Xero account code
    tax_map: dict[str, str] = field(default_factory=dict)  # local tax rate name -> Xero TaxType (or its name)
    tracking: tuple[str, ...] | None = None  # replaces the tracking categories
    broad_scopes: bool | None = None  # ask for the pre-2026 broad scopes at the next connect
    payments_account: str | None = None  # the Xero bank account payments recorded here go to
    send_payments: bool | None = None  # send payments recorded here to Xero

    @property
    def is_empty(self) -> bool:
        return self == SettingsChange()

    @property
    def needs_chart(self) -> bool:
        """True when the change chooses something from Xero's settings, which must then be known."""
        return bool(
            self.income_account
            or self.payments_account
            or any(self.account_map.values())
            or any(self.tax_map.values())
            or (self.tracking and any(self.tracking))
        )


@dataclass(frozen=True)
class SettingsSaved:
    settings: XeroSettings
    warnings: tuple[str, ...] = ()  # problems that were there before this change and still are


def apply_change(current: XeroSettings, change: SettingsChange, cache: XeroCache | None) -> XeroSettings:
    """The settings after `change`, with local names made canonical; raises SettingsError for the local checks."""
    problems: list[str] = []
    if change.needs_chart and cache is None:
        problems.append(
            "Xero's chart of accounts and tax rates are not known yet: connect to Xero, or fetch them with "
            "--refresh, before choosing accounts, tax rates or tracking categories."
        )
    account_map = dict(current.account_map)
    for local, code in change.account_map.items():
        found = catalog.find_account(local)
        if found is None:
            problems.append(f"There is no local account {local!r}{_known(a.code for a in catalog.list_accounts())}.")
            continue
        _set_or_remove(account_map, found.code, _xero_account_code(code, cache))
    tax_map = dict(current.tax_map)
    for local, target in change.tax_map.items():
        found_rate = catalog.find_tax_rate(local)
        if found_rate is None:
            known = _known(t.name for t in catalog.list_tax_rates())
            problems.append(f"There is no local tax rate {local!r}{known}.")
            continue
        _set_or_remove(tax_map, found_rate.name, _xero_tax_type(target, cache))
    if problems:
        raise SettingsError(problems)
    updated = replace(current, account_map=account_map, tax_map=tax_map)
    for name in ("enabled", "destination", "export_on_approval", "import_payments", "broad_scopes", "send_payments"):
        value = getattr(change, name)
        if value is not None:
            updated = replace(updated, **{name: value})
    if change.income_account is not None:
        updated = replace(updated, income_account=_xero_account_code(change.income_account, cache))
    if change.payments_account is not None:
        updated = replace(updated, payments_account=_xero_account_code(change.payments_account, cache))
    if change.tracking is not None:
        updated = replace(updated, tracking=_tracking_names([t for t in change.tracking if t.strip()], cache))
    return updated


def change_settings(change: SettingsChange, cache: XeroCache | None) -> SettingsSaved:
    """Apply, validate against `cache`, save all or nothing. Raises SettingsError listing every problem."""
    current = load_settings()
    updated = apply_change(current, change, cache)
    before = set(validate_settings(current, cache))
    problems = validate_settings(updated, cache)
    blocking = problems if change.enabled else [p for p in problems if p not in before]
    if blocking:
        raise SettingsError(blocking)
    save_settings(updated, cache, check=False)
    return SettingsSaved(updated, tuple(p for p in problems if p in before))


def _set_or_remove(mapping: dict[str, str], key: str, value: str) -> None:
    if value:
        mapping[key] = value
    else:
        mapping.pop(key, None)


def _xero_account_code(code: str, cache: XeroCache | None) -> str:
    """The code as Xero spells it (codes are matched ignoring case)."""
    code = code.strip()
    account = cache.account(code) if cache and code else None
    return account.code if account else code


def _xero_tax_type(value: str, cache: XeroCache | None) -> str:
    """A TaxType, or the name Xero shows for the tax rate, as its TaxType."""
    value = value.strip()
    rate = cache.tax_rate(value) if cache and value else None
    return rate.tax_type if rate else value


def _tracking_names(names: list[str], cache: XeroCache | None) -> list[str]:
    if cache is None:
        return names
    by_folded = {c.name.casefold(): c.name for c in cache.tracking_categories}
    return [by_folded.get(n.strip().casefold(), n.strip()) for n in names]


def _known(values: Iterable[str], limit: int = 12) -> str:
    listed = list(values)
    if not listed:
        return " (the company file has none yet)"
    shown = ", ".join(listed[:limit]) + (", …" if len(listed) > limit else "")
    return f" (known: {shown})"
