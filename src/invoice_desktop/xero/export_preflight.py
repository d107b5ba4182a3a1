"""Checks made before sending, against Xero's cached settings (xero_cache): they cost no API call.

An invoice that Xero would certainly refuse fails at once with the category Xero's refusal would get, and in
the words Xero uses for it (docs/xero-facts.md §2.3): an account that is unknown, archived or not for sales; a tax type
unknown or not usable on revenue; an archived contact; a date on or before a lock date. Contacts are also
resolved here: the client's linked ContactID, else the one active Xero contact with exactly that name (linked
from now on); several active contacts of that name is a clear failure, not a guess; none: sent by name and
Xero creates it with the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from invoice_desktop.ledger.catalog import ClientInfo
from invoice_desktop.ledger.text import fold
from invoice_desktop.store.failures import PREFLIGHT_NOTE_START, FailureCategory
from invoice_desktop.xero.export_park import day
from invoice_desktop.xero.failure_classifier import Failure, describe_account, describe_tax
from invoice_desktop.xero.invoice_mapping import MappedInvoice, currency
from invoice_desktop.xero.xero_cache import ACTIVE, ARCHIVED, XeroCache

ARCHIVED_CONTACT = (
    "The contact with the specified contact details has been archived. "
    "The contact must be un-archived before creating new invoices or credit notes."
)
NOTE = PREFLIGHT_NOTE_START + ", from Xero's settings as read at {fetched} (no call to Xero was made)."


def invalid_account(code: str) -> str:
    return f"Account code '{code}' is not a valid code for this document."


def archived_account(code: str) -> str:
    return (
        f"Account code '{code}' has been archived, or has been deleted. Each line item must reference a valid account."
    )


def unknown_tax_type(tax_type: str) -> str:
    return f"The TaxType code {tax_type} does not exist or cannot be used for this type of transaction."


def tax_not_allowed(tax_type: str, account_code: str) -> str:
    return f"The TaxType code '{tax_type}' cannot be used with account code '{account_code}'."


def lock_message(kind: str, lock_date_text: str) -> str:
    return f"The document date cannot be before the {kind} lock date, currently set at {lock_date_text}"


@dataclass(frozen=True)
class ContactChoice:
    contact_id: str | None  # None: send by name (Xero finds or creates it)
    failure: Failure | None = None
    newly_linked: bool = False


def choose_contact(client: ClientInfo, cache: XeroCache | None) -> ContactChoice:
    """Only a contact Xero's settings show as ARCHIVED counts as archived: a status that could not be read is
    unknown, and the invoice is sent (Xero decides)."""
    contacts = cache.contacts if cache is not None else None
    if client.xero_contact_id:
        linked = next((c for c in contacts or () if c.contact_id.lower() == client.xero_contact_id.lower()), None)
        if linked is not None and linked.status == ARCHIVED:
            return ContactChoice(client.xero_contact_id, _archived(client.name))
        return ContactChoice(client.xero_contact_id)
    if contacts is None:
        return ContactChoice(None)
    wanted = fold(client.name.strip())
    matches = [c for c in contacts if fold(c.name.strip()) == wanted]
    active = [c for c in matches if c.status == ACTIVE]
    if len(active) > 1:
        category = FailureCategory.VALIDATION
        message = f"Xero has {len(active)} active contacts named {client.name!r}; the invoice was not sent."
        hint = "Merge or rename the contacts in Xero so exactly one has this name, then Resync."
        return ContactChoice(None, Failure(category, (message,), hint))
    if active:
        return ContactChoice(active[0].contact_id, newly_linked=True)
    if matches and all(c.status == ARCHIVED for c in matches):
        return ContactChoice(None, _archived(client.name))
    return ContactChoice(None)  # none, or of a status not known to be archived: sent by name


def _archived(name: str) -> Failure:
    category = FailureCategory.ARCHIVED_CONTACT
    hint = f"The client {name!r} is an archived contact in Xero. {category.default_hint}"
    return Failure(category, (ARCHIVED_CONTACT,), hint)


def check(mapped: MappedInvoice, cache: XeroCache | None) -> Failure | None:
    """The first problem Xero would certainly refuse `mapped` for, or None. Without a cache only what needs no
    settings is checked (a currency code Xero does not know)."""
    problem = _currency(mapped, cache)
    if problem is not None or cache is None:
        return problem
    return _accounts(mapped, cache) or _taxes(mapped, cache) or _lock_date(mapped, cache)


def _currency(mapped: MappedInvoice, cache: XeroCache | None) -> Failure | None:
    """A currency code Xero does not know is never sent as "no currency" (Xero would book it in the base
    currency); one the organisation has not enabled fails with the way to enable it."""
    code = mapped.currency
    category = FailureCategory.CURRENCY
    if not code:
        return None
    if currency(code) is None:
        message = f"{code!r} is not a currency code Xero knows (a three-letter ISO 4217 code, such as AUD)."
        return Failure(category, (message,), "Correct the invoice's currency, then Resync.")
    if cache is None or cache.currency_enabled(code) is not False:
        return None
    org = cache.organisation.name if cache.organisation is not None else "the organisation"
    message = f"The currency {code} is not enabled in Xero for {org}."
    return Failure(category, (message,), f"Enable {code} in Xero (Settings > Currencies), then Resync.")


NO_ACCOUNT_FIX = "Choose the default income account in Business > Settings > Xero"


def _accounts(mapped: MappedInvoice, cache: XeroCache) -> Failure | None:
    messages: list[str] = []
    hints: list[str] = []
    no_account = False
    for line in mapped.lines:
        code = line.xero_account
        if not code:
            messages.append(f"Line {line.position}: no Xero account (no mapping and no default income account).")
            no_account = True
            continue
        account = cache.account(code)
        if account is not None and account.valid_for_sales:
            continue
        text = archived_account(code) if account is not None and account.status != ACTIVE else invalid_account(code)
        if text not in messages:
            messages.append(text)
            hints.append(describe_account(line.local_account, code, line.account_rule))
    if not messages:
        return None
    category = FailureCategory.ACCOUNT_MAPPING
    # one fix per cause: lines without an account need the default income account, not a mapping as well
    if not hints:
        return Failure(category, tuple(messages), f"{NO_ACCOUNT_FIX}, then Resync.")
    first = f"{NO_ACCOUNT_FIX}. " if no_account else ""
    return Failure(category, tuple(messages), first + " ".join(dict.fromkeys(hints)) + " " + category.default_hint)


def _taxes(mapped: MappedInvoice, cache: XeroCache) -> Failure | None:
    messages: list[str] = []
    hints: list[str] = []
    for line in mapped.lines:
        if not line.xero_tax_type:
            continue
        rate = cache.tax_rate(line.xero_tax_type)
        if rate is not None and rate.status == ACTIVE and rate.can_apply_to_revenue:
            continue
        if rate is None or rate.status != ACTIVE:
            text = unknown_tax_type(line.xero_tax_type)
        else:
            text = tax_not_allowed(rate.tax_type, line.xero_account)
        if text not in messages:
            messages.append(text)
            hints.append(describe_tax(line.local_tax, line.xero_tax_type, line.tax_mapped))
    if not messages:
        return None
    category = FailureCategory.TAX_MAPPING
    return Failure(category, tuple(messages), (" ".join(dict.fromkeys(hints)) + " " + category.default_hint).strip())


def lock_messages(cache: XeroCache, on: date) -> tuple[str, ...]:
    """Xero's refusals of a document dated `on` by the organisation's lock dates (none: it is not locked)."""
    org = cache.organisation
    if org is None:
        return ()
    return tuple(
        lock_message(kind, locked.strftime("%d-%b-%Y"))
        for kind, locked in (("period", org.period_lock_date), ("end of year", org.end_of_year_lock_date))
        if locked is not None and on <= locked
    )


def _lock_date(mapped: MappedInvoice, cache: XeroCache) -> Failure | None:
    messages = lock_messages(cache, mapped.date)
    if not messages:
        return None
    category = FailureCategory.LOCK_DATE
    hint = f"{mapped.number} is dated {day(mapped.date)}. {category.default_hint}"
    return Failure(category, messages, hint)
