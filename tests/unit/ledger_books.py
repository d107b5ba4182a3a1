"""What the ledger's unit tests share: the CSV template's required header, a company file with the usual account
and tax rate, and a snapshot of the whole database (equal snapshots: not a row changed)."""

from __future__ import annotations

from decimal import Decimal

from invoice_desktop.ledger import catalog
from invoice_desktop.store.models import database_proxy

HEADER = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType"


def usual_books(db):
    """Account 200 (Sales) and GST on Income at 10% in the company file `db`; returns `db`."""
    catalog.get_or_create_account("200", "Sales")
    catalog.create_tax_rate("GST on Income", Decimal(10))
    return db


def snapshot() -> list[str]:
    return list(database_proxy.obj.connection().iterdump())
