"""Why an export failed: the stable category ids of docs/product.md §4, their titles and what the user should do.

Stored in XeroExport.category / XeroAttempt.category; shown as the title of the Sync Failed tooltip.
"""

from __future__ import annotations

import json
from enum import StrEnum


class FailureCategory(StrEnum):
    CONNECTION = "connection"
    ACCOUNT_MAPPING = "account_mapping"
    TAX_MAPPING = "tax_mapping"
    DUPLICATE_NUMBER = "duplicate_number"
    ARCHIVED_CONTACT = "archived_contact"
    LOCK_DATE = "lock_date"
    PLAN_LIMIT = "plan_limit"
    VALIDATION = "validation"
    RATE_LIMITED = "rate_limited"
    XERO_UNAVAILABLE = "xero_unavailable"
    PERMISSION = "permission"
    CURRENCY = "currency"
    PAYMENT_OVER_DUE = "payment_over_due"  # a payment sent from here: more than Xero has due on the invoice
    PAYMENT_ACCOUNT = "payment_account"  # the bank account payments go to: archived, unknown, or not for payments

    @property
    def title(self) -> str:  # type: ignore[override]  # the category's heading; str.title() is never wanted here
        return _TITLES[self]

    @property
    def default_hint(self) -> str:
        """The generic advice; the exporter adds specifics (which account, tax rate or contact)."""
        return _HINTS[self]


_TITLES = {
    FailureCategory.CONNECTION: "Xero connection has been dropped",
    FailureCategory.ACCOUNT_MAPPING: "Account mapping is incorrect",
    FailureCategory.TAX_MAPPING: "Tax rate mapping is incorrect",
    FailureCategory.DUPLICATE_NUMBER: "Invoice number already exists in Xero",
    FailureCategory.ARCHIVED_CONTACT: "Contact is archived in Xero",
    FailureCategory.LOCK_DATE: "Date is before Xero's lock date",
    FailureCategory.PLAN_LIMIT: "Xero plan limit reached",
    FailureCategory.VALIDATION: "Xero rejected the invoice",
    FailureCategory.RATE_LIMITED: "Xero's daily API limit is used up",
    FailureCategory.XERO_UNAVAILABLE: "Xero could not be reached",
    FailureCategory.PERMISSION: "Xero did not give permission",
    FailureCategory.CURRENCY: "Currency is not enabled in Xero",
    FailureCategory.PAYMENT_OVER_DUE: "Payment amount is more than the amount due",
    FailureCategory.PAYMENT_ACCOUNT: "Bank account for payments cannot be used in Xero",
}

_HINTS = {
    FailureCategory.CONNECTION: "Reconnect in Business > Settings > Xero, then Resync.",
    FailureCategory.ACCOUNT_MAPPING: "Fix the account mapping in Business > Settings > Xero, then Resync.",
    FailureCategory.TAX_MAPPING: "Fix the tax rate mapping in Business > Settings > Xero, then Resync.",
    FailureCategory.DUPLICATE_NUMBER: (
        "Renumber it (Invoice Information > Options > Renumber…), then Resync; "
        "or, if Xero's invoice is this one, mark it as already in Xero."
    ),
    FailureCategory.ARCHIVED_CONTACT: "Restore (and merge) the contact in Xero, then Resync.",
    FailureCategory.LOCK_DATE: "Change the invoice date, or move the lock date in Xero, then Resync.",
    FailureCategory.PLAN_LIMIT: "Upgrade the Xero plan, or export new invoices as Draft, then Resync.",
    FailureCategory.VALIDATION: "Correct the invoice as Xero's message says, then Resync.",
    FailureCategory.RATE_LIMITED: "Export resumes automatically when Xero's daily limit resets.",
    FailureCategory.XERO_UNAVAILABLE: "Retried automatically; or Resync once Xero is reachable.",
    FailureCategory.PERMISSION: (
        "Ask the organisation's Xero adviser to give the user who connected a role that may approve sales "
        "invoices (Standard or Adviser), or reconnect in Business > Settings > Xero and allow all the access the "
        "app asks for; then Resync."
    ),
    FailureCategory.CURRENCY: "Enable the currency in Xero (Settings > Currencies), then Resync.",
    FailureCategory.PAYMENT_OVER_DUE: (
        "Xero has less due on the invoice than this payment: look in Xero whether the payment (or part of it) is "
        "recorded there already. If it is, it comes back here with the payment import; otherwise correct the "
        "payment, then Resync."
    ),
    FailureCategory.PAYMENT_ACCOUNT: (
        "Choose an active bank account (or an account with payments enabled) for payments in "
        "Business > Settings > Xero, then Resync."
    ),
}


# Failures whose messages are the app's own sentences (about the connection, an outage, a limit), with at most a few
# of Xero's words inside: never labelled "Xero said".
APP_WORDED = frozenset(
    {
        FailureCategory.CONNECTION,
        FailureCategory.XERO_UNAVAILABLE,
        FailureCategory.RATE_LIMITED,
        FailureCategory.PERMISSION,
    }
)
PREFLIGHT_NOTE_START = "Found before sending"  # the note of a failure the exporter's pre-flight check found


def said_by_xero(category: FailureCategory | None, answered: bool) -> bool:
    """The failure's messages are Xero's own words: Xero answered the request (`answered`: no pre-flight find, a
    reply with its correlation id) and the category is one whose messages are Xero's, kept verbatim."""
    return answered and category not in APP_WORDED


def stored_messages(raw: str | None) -> tuple[str, ...]:
    """Xero's own words as the export state and its history keep them (a JSON list); anything unreadable is none."""
    try:
        messages = json.loads(raw or "[]")
    except (ValueError, TypeError):
        return ()
    return tuple(str(m) for m in messages) if isinstance(messages, list) else ()
