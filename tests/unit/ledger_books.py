"""What the ledger's unit tests share: the CSV template's required header and a snapshot of the whole database
(equal snapshots: not a row changed). The company file with the usual account and tax rate is the `books` fixture
(conftest.py)."""

from __future__ import annotations

from invoice_desktop.store.models import database_proxy

HEADER = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType"


def snapshot() -> list[str]:
    """The whole database as SQL: equal snapshots mean not a row changed."""
    return list(database_proxy.obj.connection().iterdump())
