"""How each thing the sandbox stores looks in Xero's JSON (field names, order and number formats of the real
responses in docs/xero-facts.md §5.2, the spec examples). Only enum values the SDK parses (docs/xero-facts.md §5.4)."""

from __future__ import annotations

from typing import Any

from invoice_desktop.sandbox import wire
from invoice_desktop.sandbox.state import (
    Account,
    Connection,
    Contact,
    CreditAllocation,
    CreditNote,
    CreditNoteAllocation,
    Invoice,
    LineItem,
    Organisation,
    Payment,
    TaxRate,
    TrackingCategory,
)
from invoice_desktop.sandbox.wire import FOUR_PLACES, money, quantity, rate6, round_half_up

ZERO_ID = "00000000-0000-0000-0000-000000000000"


def envelope(correlation_id: str, now: float, provider_name: str, **content: Any) -> dict[str, Any]:
    return {
        "Id": correlation_id,
        "Status": "OK",
        "ProviderName": provider_name,
        "DateTimeUTC": wire.envelope_timestamp(now),
        **content,
    }


def pagination(page: int, page_size: int, item_count: int) -> dict[str, int]:
    page_count = (item_count + page_size - 1) // page_size if item_count else 0
    return {"page": page, "pageSize": page_size, "pageCount": page_count, "itemCount": item_count}


def contact_json(contact: Contact, *, summary: bool = False) -> dict[str, Any]:
    document: dict[str, Any] = {
        "ContactID": contact.contact_id,
        "ContactStatus": contact.status,
        "Name": contact.name,
    }
    if contact.first_name:
        document["FirstName"] = contact.first_name
    if contact.last_name:
        document["LastName"] = contact.last_name
    if contact.email_address:
        document["EmailAddress"] = contact.email_address
    if contact.contact_number:
        document["ContactNumber"] = contact.contact_number
    if contact.account_number:
        document["AccountNumber"] = contact.account_number
    if summary:
        return document
    document.update(
        {
            "BankAccountDetails": "",
            "Addresses": [{"AddressType": "STREET"}, {"AddressType": "POBOX"}],
            "Phones": [{"PhoneType": "DEFAULT"}, {"PhoneType": "DDI"}, {"PhoneType": "FAX"}, {"PhoneType": "MOBILE"}],
            "UpdatedDateUTC": wire.ms_timestamp(contact.updated),
            "ContactGroups": [],
            "IsSupplier": contact.is_supplier,
            "IsCustomer": contact.is_customer,
            "ContactPersons": [],
            "HasAttachments": False,
            "HasValidationErrors": False,
        }
    )
    return document


def line_item_json(line: LineItem, unit_places: int = 2) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if line.item_code:
        document["ItemCode"] = line.item_code
    document["Description"] = line.description
    document["UnitAmount"] = (
        round_half_up(line.unit_amount, FOUR_PLACES) if unit_places == 4 else money(line.unit_amount)
    )
    if line.tax_type:
        document["TaxType"] = line.tax_type
    document["TaxAmount"] = money(line.tax_amount)
    document["LineAmount"] = money(line.line_amount)
    if line.account_code:
        document["AccountCode"] = line.account_code
    if line.account_id:
        document["AccountID"] = line.account_id
    document["Tracking"] = [
        {
            "Name": t.name,
            "Option": t.option,
            "TrackingCategoryID": t.tracking_category_id,
            "TrackingOptionID": t.tracking_option_id,
        }
        for t in line.tracking
    ]
    document["Quantity"] = quantity(line.quantity)
    if line.discount_rate is not None:
        document["DiscountRate"] = money(line.discount_rate)
    if line.discount_amount is not None:
        document["DiscountAmount"] = money(line.discount_amount)
    document["LineItemID"] = line.line_item_id
    document["ValidationErrors"] = []
    return document


def invoice_payment_json(payment: Payment) -> dict[str, Any]:
    return {
        "PaymentID": payment.payment_id,
        "Date": wire.ms_date(payment.date),
        "Amount": money(payment.amount),
        "Reference": payment.reference,
        "CurrencyRate": rate6(payment.currency_rate),
        "HasAccount": False,
        "HasValidationErrors": False,
    }


ALLOCATION_ARRAYS = {"credit_note": "CreditNotes", "prepayment": "Prepayments", "overpayment": "Overpayments"}
_ALLOCATION_IDS = {"credit_note": "CreditNoteID", "prepayment": "PrepaymentID", "overpayment": "OverpaymentID"}


def allocation_json(allocation: CreditAllocation) -> dict[str, Any]:
    """A credit note / prepayment / overpayment as an invoice lists it: the credit's id (and number), the amount
    applied to this invoice, its date and total. Only fields of the spec's CreditNote / Prepayment / Overpayment
    schemas, which xero-python's models read (no capture of a real invoice with an allocation was at hand)."""
    document: dict[str, Any] = {_ALLOCATION_IDS[allocation.kind]: allocation.credit_id}
    if allocation.kind == "credit_note":
        document["CreditNoteNumber"] = allocation.number
    document["AppliedAmount"] = money(allocation.amount)
    document["Date"] = wire.ms_date(allocation.date)
    if allocation.reference:
        document["Reference"] = allocation.reference
    document["LineItems"] = []
    document["Total"] = money(allocation.total)
    return document


def invoice_json(
    org: Organisation,
    invoice: Invoice,
    *,
    contact: Contact | None = None,
    with_lines: bool = True,
    unit_places: int = 2,
    summary: bool = False,
) -> dict[str, Any]:
    """An invoice as GET/PUT/POST return it. `contact` overrides the lookup (for echoes of failed creates)."""
    contact = contact if contact is not None else org.contact_by_id(invoice.contact_id)
    payments = [
        org.payments[p] for p in invoice.payment_ids if p in org.payments and org.payments[p].status != "DELETED"
    ]
    document: dict[str, Any] = {
        "Type": invoice.type,
        "InvoiceID": invoice.invoice_id,
        "InvoiceNumber": invoice.invoice_number,
        "Reference": invoice.reference,
    }
    if not summary:
        document["Payments"] = [invoice_payment_json(p) for p in payments]
        for kind, name in ALLOCATION_ARRAYS.items():  # CreditNotes, Prepayments, Overpayments, in Xero's order
            document[name] = [allocation_json(a) for a in invoice.allocations if a.kind == kind]
    document.update(
        {
            "AmountDue": money(invoice.amount_due),
            "AmountPaid": money(invoice.amount_paid),
            "AmountCredited": money(invoice.amount_credited),
            "SentToContact": invoice.sent_to_contact,
            "CurrencyRate": rate6(invoice.currency_rate),
            "IsDiscounted": bool(invoice.total_discount),
            "HasAttachments": False,
            "HasErrors": False,
        }
    )
    if contact is not None:
        document["Contact"] = contact_json(contact, summary=summary)
    document["DateString"] = wire.date_string(invoice.date)
    document["Date"] = wire.ms_date(invoice.date)
    if invoice.due_date is not None:
        document["DueDateString"] = wire.date_string(invoice.due_date)
        document["DueDate"] = wire.ms_date(invoice.due_date)
    document["Status"] = invoice.status
    document["LineAmountTypes"] = invoice.line_amount_types
    if with_lines and not summary:
        document["LineItems"] = [line_item_json(line, unit_places) for line in invoice.line_items]
    document["SubTotal"] = money(invoice.sub_total)
    document["TotalTax"] = money(invoice.total_tax)
    document["Total"] = money(invoice.total)
    if invoice.total_discount:
        document["TotalDiscount"] = money(invoice.total_discount)
    document["UpdatedDateUTC"] = wire.ms_timestamp(invoice.updated)
    document["UpdatedDateUTCString"] = wire.iso_utc(invoice.updated)
    document["CurrencyCode"] = invoice.currency_code
    if invoice.fully_paid_on_date is not None:
        document["FullyPaidOnDate"] = wire.ms_date(invoice.fully_paid_on_date)
    if invoice.url:
        document["Url"] = invoice.url
    return document


def credit_note_allocation_json(org: Organisation, allocation: CreditNoteAllocation) -> dict[str, Any]:
    """One of a credit note's Allocations. The spec's Allocation requires Amount, Invoice and Date (xero-python
    refuses to build one without them)."""
    invoice = org.invoices.get(allocation.invoice_id.lower())
    return {
        "AllocationID": allocation.allocation_id,
        "Amount": money(allocation.amount),
        "Date": wire.ms_date(allocation.date),
        "Invoice": {"InvoiceID": allocation.invoice_id, "InvoiceNumber": invoice.invoice_number if invoice else ""},
    }


def credit_note_json(
    org: Organisation,
    credit_note: CreditNote,
    *,
    contact: Contact | None = None,
    with_lines: bool = True,
    unit_places: int = 2,
    summary: bool = False,
) -> dict[str, Any]:
    """A credit note as GET/PUT/POST /CreditNotes return it: the fields and order of the spec's examples (their
    `ID`, the CreditNoteID again, included), RemainingCredit and the Allocations to invoices."""
    contact = contact if contact is not None else org.contact_by_id(credit_note.contact_id)
    document: dict[str, Any] = {
        "CreditNoteID": credit_note.credit_note_id,
        "CreditNoteNumber": credit_note.credit_note_number,
        "Payments": [],
        "ID": credit_note.credit_note_id,
        "CurrencyRate": rate6(credit_note.currency_rate),
        "Type": credit_note.type,
        "Reference": credit_note.reference,
        "RemainingCredit": money(credit_note.remaining_credit),
        "Allocations": [credit_note_allocation_json(org, a) for a in credit_note.allocations],
        "HasAttachments": False,
        "HasErrors": False,
    }
    if contact is not None:
        document["Contact"] = contact_json(contact, summary=summary)
    document["DateString"] = wire.date_string(credit_note.date)
    document["Date"] = wire.ms_date(credit_note.date)
    if credit_note.due_date is not None:
        document["DueDateString"] = wire.date_string(credit_note.due_date)
        document["DueDate"] = wire.ms_date(credit_note.due_date)
    document["Status"] = credit_note.status
    document["LineAmountTypes"] = credit_note.line_amount_types
    if with_lines and not summary:
        document["LineItems"] = [line_item_json(line, unit_places) for line in credit_note.line_items]
    document["SubTotal"] = money(credit_note.sub_total)
    document["TotalTax"] = money(credit_note.total_tax)
    document["Total"] = money(credit_note.total)
    document["UpdatedDateUTC"] = wire.ms_timestamp(credit_note.updated)
    document["UpdatedDateUTCString"] = wire.iso_utc(credit_note.updated)
    document["CurrencyCode"] = credit_note.currency_code
    if credit_note.fully_paid_on_date is not None:
        document["FullyPaidOnDate"] = wire.ms_date(credit_note.fully_paid_on_date)
    return document


def account_json(account: Account, currency: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "AccountID": account.account_id,
        "Code": account.code,
        "Name": account.name,
        "Status": account.status,
        "Type": account.type,
        "TaxType": account.tax_type,
        "Description": account.description,
        "Class": account.account_class,
    }
    if account.system_account:
        document["SystemAccount"] = account.system_account
    document.update(
        {
            "EnablePaymentsToAccount": account.enable_payments_to_account,
            "ShowInExpenseClaims": account.account_class == "EXPENSE",
            "BankAccountType": account.bank_account_type,
        }
    )
    if account.type == "BANK":
        document["BankAccountNumber"] = account.bank_account_number
        document["CurrencyCode"] = currency
    document.update(
        {
            "ReportingCode": account.reporting_code or _reporting_code(account),
            "ReportingCodeName": account.name,
            "HasAttachments": False,
            "UpdatedDateUTC": wire.ms_timestamp(account.updated),
            "AddToWatchlist": False,
        }
    )
    return document


def _reporting_code(account: Account) -> str:
    return {"ASSET": "ASS", "LIABILITY": "LIA", "EQUITY": "EQU", "EXPENSE": "EXP", "REVENUE": "REV"}[
        account.account_class
    ]


def tax_rate_json(tax: TaxRate) -> dict[str, Any]:
    rate = round_half_up(tax.rate, FOUR_PLACES)
    return {
        "Name": tax.name,
        "TaxType": tax.tax_type,
        "ReportTaxType": tax.report_tax_type,
        "CanApplyToAssets": tax.can_apply_to_assets,
        "CanApplyToEquity": tax.can_apply_to_equity,
        "CanApplyToExpenses": tax.can_apply_to_expenses,
        "CanApplyToLiabilities": tax.can_apply_to_liabilities,
        "CanApplyToRevenue": tax.can_apply_to_revenue,
        "DisplayTaxRate": rate,
        "EffectiveRate": rate,
        "Status": tax.status,
        "TaxComponents": [
            {
                "Name": c.name,
                "Rate": round_half_up(c.rate, FOUR_PLACES),
                "IsCompound": c.is_compound,
                "IsNonRecoverable": c.is_non_recoverable,
            }
            for c in tax.components
        ],
    }


def tracking_category_json(category: TrackingCategory, include_archived: bool = False) -> dict[str, Any]:
    return {
        "Name": category.name,
        "Status": category.status,
        "TrackingCategoryID": category.tracking_category_id,
        "Options": [
            {"TrackingOptionID": o.tracking_option_id, "Name": o.name, "Status": o.status}
            for o in category.options
            if include_archived or o.status == "ACTIVE"
        ],
    }


def organisation_json(org: Organisation) -> dict[str, Any]:
    document: dict[str, Any] = {
        "OrganisationID": org.tenant_id,
        "Name": org.name,
        "LegalName": org.legal_name,
        "PaysTax": True,
        "Version": org.version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": org.base_currency,
        "CountryCode": org.country_code,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "TaxNumber": org.tax_number,
        "FinancialYearEndDay": org.financial_year_end_day,
        "FinancialYearEndMonth": org.financial_year_end_month,
        "SalesTaxBasis": org.sales_tax_basis,
        "SalesTaxPeriod": org.sales_tax_period,
        "DefaultSalesTax": org.default_sales_tax,
        "DefaultPurchasesTax": "Tax Inclusive",
    }
    if org.period_lock_date is not None:
        document["PeriodLockDate"] = wire.ms_date(org.period_lock_date)
    if org.end_of_year_lock_date is not None:
        document["EndOfYearLockDate"] = wire.ms_date(org.end_of_year_lock_date)
    document.update(
        {
            "CreatedDateUTC": wire.ms_timestamp(org.created),
            "OrganisationEntityType": "COMPANY",
            "Timezone": org.timezone,
            "ShortCode": org.short_code,
            "Class": org.edition_class,
            "Edition": "BUSINESS",
            "LineOfBusiness": "Plumbing" if org.version == "AU" else "Graphic design",
            "Addresses": [],
            "Phones": [],
            "ExternalLinks": [],
            "PaymentTerms": {},
        }
    )
    return document


def payment_json(org: Organisation, payment: Payment) -> dict[str, Any]:
    invoice = org.invoices.get(payment.invoice_id.lower())
    account = org.account_by_id(payment.account_id)
    document: dict[str, Any] = {
        "PaymentID": payment.payment_id,
        "Date": wire.ms_date(payment.date),
        "BankAmount": money(payment.amount / payment.currency_rate),  # in the (base-currency) bank account's currency
        "Amount": money(payment.amount),
        "Reference": payment.reference,
        "CurrencyRate": rate6(payment.currency_rate),
        "PaymentType": payment.payment_type,
        "Status": payment.status,
        "UpdatedDateUTC": wire.ms_timestamp(payment.updated),
        "UpdatedDateUTCString": wire.iso_utc(payment.updated),
        "HasAccount": account is not None,
        "IsReconciled": False,
    }
    if account is not None:
        document["Account"] = {"AccountID": account.account_id, "Code": account.code}
    if invoice is not None:
        contact = org.contact_by_id(invoice.contact_id)
        document["Invoice"] = {
            "Type": invoice.type,
            "InvoiceID": invoice.invoice_id,
            "InvoiceNumber": invoice.invoice_number,
            "Contact": {"ContactID": invoice.contact_id, "Name": contact.name if contact else ""},
            "CurrencyCode": invoice.currency_code,
        }
    document["HasValidationErrors"] = False
    return document


def connection_json(connection: Connection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "authEventId": connection.auth_event_id,
        "tenantId": connection.tenant_id,
        "tenantType": connection.tenant_type,
        "tenantName": connection.tenant_name,
        "createdDateUtc": _dotnet_utc(connection.created),
        "updatedDateUtc": _dotnet_utc(connection.updated),
    }


def _dotnet_utc(seconds: float) -> str:
    """ISO without a zone and with 7 fractional digits, as /connections writes dates."""
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"
