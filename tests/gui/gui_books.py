"""Company-file contents for the GUI tests and the README screenshot, made through the ledger services."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from invoice_desktop.ledger import catalog
from invoice_desktop.ledger.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoices,
    create_invoice,
    record_payment,
)
from invoice_desktop.store.models import XeroExport, database_proxy

TODAY = date(2024, 5, 15)


def set_up_catalog() -> None:
    catalog.get_or_create_account("200", "Sales")
    if catalog.find_tax_rate("GST on Income") is None:
        catalog.create_tax_rate("GST on Income", Decimal(10))


def make_invoice(number: str, client: str, unit: str, issued: date, due: date, reference: str = "") -> int:
    """A draft with one line of `unit` + 10% GST."""
    line = LineDraft("Bookkeeping services", Decimal(1), Decimal(unit), "200", "GST on Income")
    draft = InvoiceDraft(client, issued, due, reference=reference, lines=[line], number=number)
    return create_invoice(draft)


def set_export(invoice_id: int, state: str, category: str | None = None, *messages: str) -> None:
    """Put an approved invoice's Xero export in a state, as the exporter would leave it."""
    XeroExport.update(state=state, category=category, messages=json.dumps(list(messages))).where(
        XeroExport.invoice == invoice_id
    ).execute()


def many_invoices(count: int, client: str = "Bulk Client") -> list[int]:
    """`count` drafts numbered BULK-00001..., in one transaction."""
    set_up_catalog()
    with database_proxy.atomic():
        return [
            make_invoice(f"BULK-{n:05d}", client, f"{n}.00", TODAY, TODAY + timedelta(days=30))
            for n in range(1, count + 1)
        ]


# (number, client, amount ex GST, days before TODAY issued, days after issue due, what happens, reference)
DEMO: tuple[tuple[str, str, str, int, int, str, str], ...] = (
    ("INV-0101", "Harbourside Dental", "480.00", 3, 20, "draft", "PO-5521"),
    ("INV-0102", "Kōwhai Landscaping Ltd", "1250.00", 2, 20, "draft", ""),
    ("INV-0103", "Beta Traders", "72.50", 1, 14, "draft", ""),
    ("INV-0104", "Northwind Catering Co.", "3399.99", 0, 30, "draft", "Catering May"),
    ("INV-0088", "Acme Ltd", "2200.00", 40, 20, "synced", ""),
    ("INV-0089", "Harbourside Dental", "480.00", 35, 20, "failed:account_mapping", ""),
    ("INV-0090", "Ōtaki Café", "156.20", 30, 14, "failed:archived_contact", ""),
    ("INV-0091", "Riverbend Motors", "8640.00", 25, 30, "synced+part", "Fleet service"),
    ("INV-0092", "Beta Traders", "95.00", 20, 14, "queued", ""),
    ("INV-0093", "Summit Physio", "640.00", 12, 30, "failed:duplicate_number", ""),
    ("INV-0094", "Acme Ltd", "1100.00", 10, 30, "synced", ""),
    ("INV-0095", "Greenfield Accountants", "425.00", 8, 30, "not_sent", ""),
    ("INV-0096", "Riverbend Motors", "12000.00", 6, 30, "failed:connection", ""),
    ("INV-0097", "Summit Physio", "330.00", 4, 30, "synced", ""),
    ("INV-0080", "Acme Ltd", "990.00", 60, 20, "paid", ""),
    ("INV-0081", "Greenfield Accountants", "1575.00", 55, 20, "paid", ""),
    ("INV-0082", "Northwind Catering Co.", "312.40", 50, 14, "paid", ""),
    ("INV-0083", "Harbourside Dental", "480.00", 45, 20, "paid", ""),
    ("INV-0084", "Kōwhai Landscaping Ltd", "2890.00", 42, 14, "paid", ""),
    ("INV-0085", "Beta Traders", "60.00", 41, 14, "paid", ""),
)

FAILURES: dict[str, str] = {
    "account_mapping": "Account code '200' is not a valid code for this document.",
    "archived_contact": "The contact has been archived and cannot be used.",
    "duplicate_number": "Invoice # must be unique.",
    "connection": "invalid_grant",
}


def demo_books(today: date = TODAY) -> dict[str, int]:
    """Twenty invoices across every tab and Xero state; returns their ids by number."""
    set_up_catalog()
    ids: dict[str, int] = {}
    with database_proxy.atomic():
        for number, client, unit, ago, terms, _fate, reference in DEMO:
            issued = today - timedelta(days=ago)
            ids[number] = make_invoice(number, client, unit, issued, issued + timedelta(days=terms), reference)
        approve_invoices(ids[number] for number, *_, fate, _reference in DEMO if fate != "draft")
        for number, _client, unit, *_, fate, _reference in DEMO:
            invoice_id = ids[number]
            state, _colon, category = fate.partition(":")
            if state == "failed":
                set_export(invoice_id, "failed", category, FAILURES[category])
            elif state in ("synced", "synced+part", "paid"):
                set_export(invoice_id, "synced")
            elif state == "queued":
                set_export(invoice_id, "queued")
            # the payments of invoices in Xero come from Xero (the payment import)
            if state == "synced+part":
                record_payment(invoice_id, today, Decimal("2000.00"), source="xero", xero_payment_id=f"pay-{number}")
            if state == "paid":
                record_payment(invoice_id, today, _total(unit), source="xero", xero_payment_id=f"pay-{number}")
    return ids


def _total(unit: str) -> Decimal:
    return (Decimal(unit) * Decimal("1.1")).quantize(Decimal("0.01"))


def failed_export_history(invoice_id: int, category: str = "account_mapping", attempts: int = 3) -> None:
    """Give a failed export what the exporter leaves behind: the hint, attempt count, times and the history."""
    from datetime import UTC, datetime

    from invoice_desktop.store.failures import FailureCategory
    from invoice_desktop.store.models import XeroAttempt

    last = datetime(2024, 5, 15, 9, 30, tzinfo=UTC)
    message = FAILURES[category]
    with database_proxy.atomic():
        for n in range(attempts):
            outcome = "failed" if n == attempts - 1 else "retry"
            XeroAttempt.create(
                invoice=invoice_id,
                at=last - timedelta(hours=attempts - 1 - n),
                outcome=outcome,
                category=category,
                messages=json.dumps([message]),
            )
        XeroExport.update(
            state="failed",
            category=category,
            messages=json.dumps([message]),
            hint=FailureCategory(category).default_hint,
            attempts=attempts,
            last_attempt_at=last,
            next_retry_at=last + timedelta(hours=1),
        ).where(XeroExport.invoice == invoice_id).execute()
