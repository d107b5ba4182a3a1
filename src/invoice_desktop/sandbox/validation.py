"""Xero's validation messages (docs/xero-facts.md §2.3), exactly as Xero words them, and the line checks that use them.

Verified or quoted from real responses: DUPLICATE_NUMBER, the account, tax, archived-contact, lock-date,
plan-limit and missing-piece messages, DUPLICATE_CONTACT_NAME, CONTACT_NAME_EMPTY, currency_not_subscribed;
NOT_VALID_FOR_MODIFICATION (Xero staff, Xero-NetStandard #79); HAS_PAYMENTS (Xero's answer to editing a credit
note with an allocation, quoted in xeroizer PR #211, and to editing a paid invoice, quoted with
NOT_VALID_FOR_MODIFICATION by Actionstep's and Ascora's help pages); DUPLICATE_CREDIT_NOTE_NUMBER (matched as
Xero's literal answer by Xero-Net #257); CREDIT_NOTE_NOT_FOUND (the spec's PUT /CreditNotes example).
Not found in any source, so worded by the sandbox (clearly Xero-like, but not guaranteed identical):
CONTACT_NOT_FOUND, INVOICE_NOT_FOUND, the other CREDIT_NOTE_* messages (the invoice ones with "Credit Note"),
TRACKING_*, and the payment and allocation messages in sandbox/payments.py and sandbox/credit_notes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from invoice_desktop.sandbox.state import Account, Organisation, TaxRate
from invoice_desktop.sandbox.wire import dd_mmm_yyyy

DUPLICATE_NUMBER = "Invoice # must be unique."
TYPE_REQUIRED = "Invoice Type must be specified"
CONTACT_REQUIRED = "A Contact must be specified for this type of transaction"
LINES_REQUIRED = "One or more line items must be specified"
NOT_VALID_FOR_CREATION = "Invoice not of valid status for creation"
ARCHIVED_CONTACT = (
    "The contact with the specified contact details has been archived. "
    "The contact must be un-archived before creating new invoices or credit notes."
)
PLAN_LIMIT = "You have reached the limit of invoices you can approve"
DUPLICATE_CONTACT_NAME = (
    "The contact name {name} is already assigned to another contact. "
    "The contact name must be unique across all active contacts."
)
CONTACT_NAME_EMPTY = "Contact Name cannot be empty."
NOT_VALID_FOR_MODIFICATION = "Invoice not of valid status for modification"
HAS_PAYMENTS = "This document cannot be edited as it has a payment or credit note allocated to it."
DUPLICATE_CREDIT_NOTE_NUMBER = "Credit Note # must be unique."
CREDIT_NOTE_NOT_FOUND = "An existing Credit Note with the specified CreditNoteID could not be found"

# Worded by the sandbox (no real capture found):
CONTACT_NOT_FOUND = "The contact with the specified contact details could not be found."
INVOICE_NOT_FOUND = "The invoice with the specified InvoiceID could not be found."
CREDIT_NOTE_TYPE_REQUIRED = "Credit Note Type must be specified"
CREDIT_NOTE_NOT_VALID_FOR_CREATION = "Credit Note not of valid status for creation"
CREDIT_NOTE_NOT_VALID_FOR_MODIFICATION = "Credit Note not of valid status for modification"
TRACKING_NOT_FOUND = "The tracking category '{category}' with option '{option}' could not be found."
TRACKING_TOO_MANY = "A line item can have at most 2 tracking categories."
# A warning (the element is created, StatusAttributeString WARNING), worded after the spec's PurchaseOrders example
# "Only AUTHORISED and BILLED purchase orders may have SentToContact updated.":
SENT_TO_CONTACT_NOT_AUTHORISED = "Only AUTHORISED invoices may have SentToContact updated."


def currency_not_subscribed(code: str) -> str:
    return f"Organisation is not subscribed to currency {code}"


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


def period_locked(lock: date) -> str:
    return f"The document date cannot be before the period lock date, currently set at {dd_mmm_yyyy(lock)}"


def end_of_year_locked(lock: date) -> str:
    return f"The document date cannot be before the end of year lock date, currently set at {dd_mmm_yyyy(lock)}"


# Which account classes a document type may post its lines to. The sandbox is stricter than real Xero here
# (Xero accepts most non-bank accounts on sales invoices); it follows the product's rule: revenue only.
# A credit note takes the accounts of the invoices it credits.
VALID_CLASSES_BY_TYPE = {
    "ACCREC": frozenset({"REVENUE"}),
    "ACCPAY": frozenset({"EXPENSE", "ASSET", "LIABILITY", "EQUITY"}),
    "ACCRECCREDIT": frozenset({"REVENUE"}),
    "ACCPAYCREDIT": frozenset({"EXPENSE", "ASSET", "LIABILITY", "EQUITY"}),
}


@dataclass
class LineAccountCheck:
    account: Account | None
    tax_rate: TaxRate | None
    errors: list[str]


def check_line_account_and_tax(
    org: Organisation, invoice_type: str, account_code: str | None, account_id: str | None, tax_type: str | None
) -> LineAccountCheck:
    """The account and tax checks of one line; a missing TaxType takes the account's default tax."""
    errors: list[str] = []
    account: Account | None = None
    if account_code:
        account = org.account_by_code(account_code)
        shown = account_code
    elif account_id:
        account = org.account_by_id(account_id)
        shown = account_id
    else:
        shown = ""
    if shown:
        if account is None:
            errors.append(invalid_account(shown))
        elif account.status != "ACTIVE":
            errors.append(archived_account(account.code))
            account = None
        elif account.type == "BANK" or account.account_class not in VALID_CLASSES_BY_TYPE.get(
            invoice_type,
            frozenset({account.account_class}),  # no valid Type: only "Type must be specified"
        ):
            errors.append(invalid_account(account.code))
            account = None
    tax_rate: TaxRate | None = None
    chosen_tax = tax_type or (account.tax_type if account is not None else None)
    if chosen_tax:
        tax_rate = org.tax_rate(chosen_tax)
        if tax_rate is None or tax_rate.status != "ACTIVE":
            errors.append(unknown_tax_type(chosen_tax))
            tax_rate = None
        elif account is not None and not tax_rate.can_apply_to(account.account_class):
            errors.append(tax_not_allowed(tax_rate.tax_type, account.code))
    return LineAccountCheck(account, tax_rate, errors)


def lock_date_errors(org: Organisation, document_date: date) -> list[str]:
    errors: list[str] = []
    if org.period_lock_date is not None and document_date <= org.period_lock_date:
        errors.append(period_locked(org.period_lock_date))
    if org.end_of_year_lock_date is not None and document_date <= org.end_of_year_lock_date:
        errors.append(end_of_year_locked(org.end_of_year_lock_date))
    return errors
