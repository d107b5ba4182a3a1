"""The Synced list a page at a time, sorted in SQL (the Xero Exports tab's Synced table pages through it, so a
company file with 100,000 synced invoices opens the tile with one short query, not 100,000 rows).

Rows are the same `SyncedRow`s as export_actions.list_synced (which `xero synced` prints whole). The invoice id
breaks ties, so paging through equal keys neither repeats nor skips a row.
"""

from __future__ import annotations

from enum import StrEnum

from invoice_desktop.store.failures import stored_messages
from invoice_desktop.store.models import Client, ExportState, Invoice, XeroExport
from invoice_desktop.store.query_rows import tuple_rows
from invoice_desktop.xero.export_actions import SyncedRow


class SyncedSort(StrEnum):
    NUMBER = "number"
    CLIENT = "client"
    TOTAL = "total"
    SYNCED_AT = "synced_at"


_KEYS = {
    SyncedSort.NUMBER: Invoice.number,
    SyncedSort.CLIENT: Client.name.collate("NOCASE"),
    SyncedSort.TOTAL: Invoice.total,
    SyncedSort.SYNCED_AT: XeroExport.synced_at,
}


def synced_page(
    sort: SyncedSort = SyncedSort.NUMBER, descending: bool = False, offset: int = 0, limit: int | None = None
) -> list[SyncedRow]:
    """Synced invoices in `sort` order, `limit` of them from `offset` (all of them when `limit` is None)."""
    key = _KEYS[SyncedSort(sort)]
    order = [key.desc(), Invoice.id.desc()] if descending else [key.asc(), Invoice.id.asc()]
    query = (
        XeroExport.select(
            Invoice.id,
            Invoice.number,
            Client.name,
            Invoice.total,
            XeroExport.xero_invoice_id,
            XeroExport.synced_at,
            XeroExport.note,
            XeroExport.warnings,
        )
        .join(Invoice, on=(XeroExport.invoice == Invoice.id))
        .join(Client, on=(Invoice.client == Client.id))
        .where(XeroExport.state == ExportState.SYNCED.value)
        .order_by(*order)
        .tuples()
    )
    if limit is not None or offset:
        query = query.limit(limit).offset(offset)
    return [
        SyncedRow(invoice_id, number, client, str(total), xero_id or "", synced_at, note or "", stored_messages(said))
        for invoice_id, number, client, total, xero_id, synced_at, note, said in tuple_rows(query)
    ]
