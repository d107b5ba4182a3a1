"""What a new sales line starts with and what it is warned about, from the cached Xero settings (no Qt, no calls):

- `default_tax_rate`: the local tax rate that maps to the Xero account's own TaxType (the chart of accounts in the
  cache: account 200 Sales is OUTPUT, "GST on Income"); None when the cache cannot tell (not connected, an account
  Xero does not have, no local rate mapped to that type).
- `purchase_only`: a local tax rate whose Xero tax rate cannot be used on revenue ("GST on Expenses", INPUT), which
  Xero refuses on a sales invoice line; said before the invoice is saved, not when Xero refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable

from invoice_desktop.xero.invoice_mapping import map_account, map_tax
from invoice_desktop.xero.settings import XeroSettings
from invoice_desktop.xero.xero_cache import XeroCache


def default_tax_rate(
    account_code: str, local_rates: Iterable[str], settings: XeroSettings, cache: XeroCache | None
) -> str | None:
    """The local tax rate a line on `account_code` starts with, from the account's tax type in Xero."""
    if cache is None or not account_code:
        return None
    account = cache.account(map_account(account_code, settings, cache)[0])
    if account is None or not account.tax_type:
        return None
    wanted = account.tax_type.casefold()
    return next((name for name in local_rates if map_tax(name, settings, cache)[0].casefold() == wanted), None)


def purchase_only(tax_rate_name: str, settings: XeroSettings, cache: XeroCache | None) -> bool:
    """The local tax rate is one Xero keeps for purchases (it cannot be used on a sales invoice line)."""
    if cache is None or not tax_rate_name.strip():
        return False
    rate = cache.tax_rate(map_tax(tax_rate_name.strip(), settings, cache)[0])
    return rate is not None and not rate.can_apply_to_revenue
