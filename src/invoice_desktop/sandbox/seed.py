"""The organisations every sandbox login can connect to, with names and codes tests and the demo rely on.

Demo organisation (Australia, AUD, GST): "Harbour Lane Plumbing Pty Ltd"
- Accounts valid on sales invoices (class REVENUE): 200 Sales, 260 Other Revenue, 270 Interest Income.
- 210 "Plumbing Supplies Sales" is an ARCHIVED revenue account ("has been archived, or has been deleted").
- Not valid on sales invoices: 090 Business Bank Account and 091 Business Savings Account (BANK; payments go
  into either), 092 Old Cheque Account (BANK, ARCHIVED: payments into it are refused), 400 Advertising (EXPENSE),
  310 Cost of Goods Sold (DIRECTCOSTS), 610 Accounts Receivable (CURRENT), 615 Undeposited Funds (CURRENT, payments
  enabled to it), 800 Accounts Payable (CURRLIAB), 820 GST (CURRLIAB), 960 Retained Earnings (EQUITY).
- Tax rates: OUTPUT "GST on Income" 10%, EXEMPTOUTPUT "GST Free Income" 0%, BASEXCLUDED "BAS Excluded" 0%,
  INPUT "GST on Expenses" 10%, EXEMPTEXPENSES "GST Free Expenses" 0%. INPUT and EXEMPTEXPENSES cannot be used
  on revenue accounts ("The TaxType code 'INPUT' cannot be used with account code '200'.").
- Contacts: several active customers; "Bayside Cafe" is ARCHIVED.
- Tracking category "Region" with options North, South, East, West.
- Invoices already in the organisation (from "another system"): INV-0042 AUTHORISED (the taken number),
  HL-1001 VOIDED and HL-1002 DELETED (numbers that stay taken), HL-1003 PAID.
- Currencies: AUD (base) and USD enabled.
- No lock dates, no plan limit (the --sandbox demo sets a period lock date when it fills the company file).

Second organisation (New Zealand, NZD, 15% GST): "Kauri Design Studio Ltd" with 200 Sales, 260 Other Revenue,
090 bank, 400 expense, OUTPUT2 "15% GST on Income", NONE "No GST", INPUT2 "15% GST on Expenses", two contacts;
NZD only.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from invoice_desktop.sandbox.state import (
    Account,
    Contact,
    Invoice,
    LineItem,
    Organisation,
    Payment,
    TaxComponent,
    TaxRate,
    TrackingCategory,
    TrackingOption,
)

_NAMESPACE = uuid.UUID("5b1d7e2c-8f3a-4c61-9d0e-3a7b2c9e1f40")

DEMO_ORG_NAME = "Harbour Lane Plumbing Pty Ltd"
DEMO_TENANT_ID = "6a3f7c1e-2b9d-4e58-8c0a-1d4e5f6a7b80"
SECOND_ORG_NAME = "Kauri Design Studio Ltd"
SECOND_TENANT_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c61"
ORGANISATION_NAMES = (DEMO_ORG_NAME, SECOND_ORG_NAME)

DEMO_SALES_ACCOUNT = "200"
DEMO_OTHER_REVENUE_ACCOUNT = "260"
DEMO_INTEREST_INCOME_ACCOUNT = "270"
DEMO_ARCHIVED_ACCOUNT = "210"
DEMO_BANK_ACCOUNT = "090"
DEMO_SECOND_BANK_ACCOUNT = "091"  # Business Savings Account: payments may go into either bank account
DEMO_ARCHIVED_BANK_ACCOUNT = "092"  # Old Cheque Account, ARCHIVED: payments into it are refused
DEMO_PAYMENTS_ENABLED_ACCOUNT = "615"  # Undeposited Funds: not a bank account, but payments are enabled to it

DEMO_EXTRA_CURRENCIES = ("USD",)  # enabled besides AUD; the second organisation has NZD only
DEMO_TAX_ON_INCOME = "OUTPUT"  # "GST on Income" 10%
DEMO_TAX_FREE_INCOME = "EXEMPTOUTPUT"  # "GST Free Income"

DEMO_ACTIVE_CONTACTS = (
    "Coastal Property Management",
    "Greenway Builders",
    "Marlow Street Dental",
    "Northside Real Estate",
    "Sunrise Childcare Centre",
)
DEMO_ARCHIVED_CONTACT = "Bayside Cafe"
DEMO_CONTACT_EMAILS = {
    "Coastal Property Management": "accounts@coastalpm.com.au",
    "Greenway Builders": "office@greenwaybuilders.com.au",
    "Marlow Street Dental": "reception@marlowdental.com.au",
    "Northside Real Estate": "admin@northsidere.com.au",
    "Sunrise Childcare Centre": "hello@sunrisecc.com.au",
    DEMO_ARCHIVED_CONTACT: "owner@baysidecafe.com.au",
}

DEMO_TRACKING_CATEGORY = "Region"
DEMO_TRACKING_OPTIONS = ("North", "South", "East", "West")

DEMO_TAKEN_INVOICE_NUMBER = "INV-0042"
DEMO_VOIDED_INVOICE_NUMBER = "HL-1001"
DEMO_DELETED_INVOICE_NUMBER = "HL-1002"
DEMO_PAID_INVOICE_NUMBER = "HL-1003"

SECOND_CONTACTS = ("Tui Books", "Pohutukawa Cafe")


def seeded_id(*parts: str) -> str:
    """Stable ids, so the same seed gives the same ids in every run (and in saved state)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def build_organisations(now: float) -> dict[str, Organisation]:
    """Fresh copies of the seeded organisations, keyed by tenant id."""
    demo = _demo_organisation(now)
    second = _second_organisation(now)
    return {demo.tenant_id: demo, second.tenant_id: second}


def _account(tenant: str, code: str, name: str, type_: str, tax: str, now: float, **extra: object) -> Account:
    return Account(seeded_id(tenant, "account", code), code, name, type_, tax, updated=now, **extra)  # type: ignore[arg-type]


def _by_code(org: Organisation, code: str) -> Account:
    found = org.account_by_code(code)
    assert found is not None, code
    return found


def _tax(name: str, tax_type: str, report: str, rate: str, *, revenue: bool, expenses: bool) -> TaxRate:
    value = Decimal(rate)
    return TaxRate(
        name=name,
        tax_type=tax_type,
        report_tax_type=report,
        rate=value,
        components=[TaxComponent("GST", value)],
        can_apply_to_assets=expenses,
        can_apply_to_equity=expenses,
        can_apply_to_expenses=expenses,
        can_apply_to_liabilities=expenses,
        can_apply_to_revenue=revenue,
    )


def _demo_organisation(now: float) -> Organisation:
    t = DEMO_TENANT_ID
    org = Organisation(
        tenant_id=t,
        name=DEMO_ORG_NAME,
        legal_name=DEMO_ORG_NAME,
        short_code="!HLp4Q",
        version="AU",
        country_code="AU",
        base_currency="AUD",
        timezone="AUSEASTERNSTANDARDTIME",
        tax_number="51824753556",
        financial_year_end_day=30,
        financial_year_end_month=6,
        invoice_prefix="INV-",
        next_invoice_number=1,
        currencies=list(DEMO_EXTRA_CURRENCIES),
        created=now,
    )
    org.accounts = [
        _account(t, "090", "Business Bank Account", "BANK", "BASEXCLUDED", now, bank_account_number="062000123456789",
                 bank_account_type="BANK", enable_payments_to_account=True),
        _account(t, "091", "Business Savings Account", "BANK", "BASEXCLUDED", now,
                 bank_account_number="062000987654321", bank_account_type="BANK"),
        _account(t, "092", "Old Cheque Account", "BANK", "BASEXCLUDED", now, status="ARCHIVED",
                 bank_account_number="062000111222333", bank_account_type="BANK"),
        _account(t, "200", "Sales", "REVENUE", "OUTPUT", now, description="Income from plumbing work"),
        _account(t, "210", "Plumbing Supplies Sales", "REVENUE", "OUTPUT", now, status="ARCHIVED",
                 description="No longer used: supplies are invoiced as Sales"),
        _account(t, "260", "Other Revenue", "REVENUE", "OUTPUT", now),
        _account(t, "270", "Interest Income", "OTHERINCOME", "EXEMPTOUTPUT", now),
        _account(t, "310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", now),
        _account(t, "400", "Advertising", "EXPENSE", "INPUT", now),
        _account(t, "445", "Light, Power, Heating", "OVERHEADS", "INPUT", now),
        _account(t, "610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", now, system_account="DEBTORS"),
        _account(t, "615", "Undeposited Funds", "CURRENT", "BASEXCLUDED", now, enable_payments_to_account=True),
        _account(t, "800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", now, system_account="CREDITORS"),
        _account(t, "820", "GST", "CURRLIAB", "BASEXCLUDED", now, system_account="GST"),
        _account(t, "960", "Retained Earnings", "EQUITY", "BASEXCLUDED", now, system_account="RETAINEDEARNINGS"),
    ]  # fmt: skip
    org.tax_rates = [
        _tax("GST on Income", "OUTPUT", "OUTPUT", "10", revenue=True, expenses=False),
        _tax("GST Free Income", "EXEMPTOUTPUT", "EXEMPTOUTPUT", "0", revenue=True, expenses=False),
        _tax("BAS Excluded", "BASEXCLUDED", "BASEXCLUDED", "0", revenue=True, expenses=True),
        _tax("GST on Expenses", "INPUT", "INPUT", "10", revenue=False, expenses=True),
        _tax("GST Free Expenses", "EXEMPTEXPENSES", "EXEMPTEXPENSES", "0", revenue=False, expenses=True),
    ]
    org.contacts = [
        Contact(seeded_id(t, "contact", name), name, email_address=DEMO_CONTACT_EMAILS[name], is_customer=True,
                updated=now)
        for name in DEMO_ACTIVE_CONTACTS
    ]  # fmt: skip
    org.contacts.append(
        Contact(seeded_id(t, "contact", DEMO_ARCHIVED_CONTACT), DEMO_ARCHIVED_CONTACT, status="ARCHIVED",
                email_address=DEMO_CONTACT_EMAILS[DEMO_ARCHIVED_CONTACT], is_customer=True, updated=now)
    )  # fmt: skip
    org.tracking_categories = [
        TrackingCategory(
            seeded_id(t, "tracking", DEMO_TRACKING_CATEGORY),
            DEMO_TRACKING_CATEGORY,
            [TrackingOption(seeded_id(t, "tracking", DEMO_TRACKING_CATEGORY, o), o) for o in DEMO_TRACKING_OPTIONS],
        )
    ]
    customer = org.contacts[0].contact_id
    sales, bank = _by_code(org, DEMO_SALES_ACCOUNT), _by_code(org, DEMO_BANK_ACCOUNT)
    for number, status, day in (
        (DEMO_TAKEN_INVOICE_NUMBER, "AUTHORISED", date(2026, 3, 2)),
        (DEMO_VOIDED_INVOICE_NUMBER, "VOIDED", date(2026, 1, 12)),
        (DEMO_DELETED_INVOICE_NUMBER, "DELETED", date(2026, 1, 19)),
        (DEMO_PAID_INVOICE_NUMBER, "PAID", date(2026, 2, 3)),
    ):
        invoice_id = seeded_id(t, "invoice", number)
        line = LineItem(seeded_id(t, "line", number), "Blocked drain cleared, Kitchen", Decimal("1.0000"),
                        Decimal("330.00"), "200", sales.account_id, "OUTPUT", Decimal("33.00"),
                        Decimal("330.00"))  # fmt: skip
        invoice = Invoice(
            invoice_id=invoice_id, type="ACCREC", invoice_number=number, contact_id=customer, date=day,
            due_date=date.fromordinal(day.toordinal() + 14), status=status, reference="Imported from ServiceM8",
            currency_code="AUD", line_items=[line], sub_total=Decimal("330.00"), total_tax=Decimal("33.00"),
            total=Decimal("363.00"), created=now, updated=now,
            approved_at=now if status in ("AUTHORISED", "PAID", "VOIDED") else None,
        )  # fmt: skip
        if status == "PAID":
            payment = Payment(seeded_id(t, "payment", number), invoice_id, bank.account_id,
                              date.fromordinal(day.toordinal() + 9), Decimal("363.00"), "EFT", updated=now)  # fmt: skip
            org.add_payment(payment)
            invoice.payment_ids.append(payment.payment_id)
            invoice.amount_paid = payment.amount
            invoice.fully_paid_on_date = payment.date
        org.add_invoice(invoice)
    return org


def _second_organisation(now: float) -> Organisation:
    t = SECOND_TENANT_ID
    org = Organisation(
        tenant_id=t,
        name=SECOND_ORG_NAME,
        legal_name=SECOND_ORG_NAME,
        short_code="!KdS7w",
        version="NZ",
        country_code="NZ",
        base_currency="NZD",
        timezone="NEWZEALANDSTANDARDTIME",
        tax_number="123-456-789",
        financial_year_end_day=31,
        financial_year_end_month=3,
        sales_tax_basis="INVOICE",
        sales_tax_period="TWOMONTHS",
        created=now,
    )
    org.accounts = [
        _account(t, "090", "Business Bank Account", "BANK", "NONE", now, bank_account_number="0212340123456000",
                 bank_account_type="BANK", enable_payments_to_account=True),
        _account(t, "200", "Sales", "REVENUE", "OUTPUT2", now),
        _account(t, "260", "Other Revenue", "REVENUE", "OUTPUT2", now),
        _account(t, "400", "Advertising", "EXPENSE", "INPUT2", now),
        _account(t, "610", "Accounts Receivable", "CURRENT", "NONE", now, system_account="DEBTORS"),
    ]  # fmt: skip
    org.tax_rates = [
        _tax("15% GST on Income", "OUTPUT2", "OUTPUT", "15", revenue=True, expenses=False),
        _tax("No GST", "NONE", "NONE", "0", revenue=True, expenses=True),
        _tax("15% GST on Expenses", "INPUT2", "INPUT", "15", revenue=False, expenses=True),
    ]
    org.contacts = [
        Contact(seeded_id(t, "contact", name), name, is_customer=True, updated=now) for name in SECOND_CONTACTS
    ]
    return org
