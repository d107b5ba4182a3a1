"""What the ledger's unit tests share: the CSV template's required header and a snapshot of the whole database
(equal snapshots: not a row changed). The company file with the usual account and tax rate is the `books` fixture
(conftest.py)."""

from __future__ import annotations

from invoice_desktop.store.models import ALL_MODELS

HEADER = "*ContactName,*InvoiceNumber,*InvoiceDate,*DueDate,*Description,*Quantity,*UnitAmount,*AccountCode,*TaxType"


def snapshot() -> list[str]:
    """Every row of every table, on either engine: equal snapshots mean not a row changed."""
    return [
        f"{model._meta.table_name}: {row}"
        for model in ALL_MODELS
        for row in model.select().order_by(*model._meta.get_primary_keys()).tuples()
    ]
