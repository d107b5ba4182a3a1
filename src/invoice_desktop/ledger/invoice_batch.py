"""Reading many invoices at once: the same `InvoiceDetail`s as `get_invoice_detail`, in a handful of queries.

The export engine maps up to 50 invoices per request; reading them one by one costs five queries each. Here a
chunk of ids costs five (ledger.invoices.read_invoice_details, which `get_invoice_detail` reads one invoice with
too). `get_invoice_details(ids)` returns a detail for each id that exists, keyed by id; a missing id is simply left
out (`get_invoice_detail` raises for it).
"""

from __future__ import annotations

from collections.abc import Iterable

from invoice_desktop.ledger.invoices import InvoiceDetail, read_invoice_details

CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


def get_invoice_details(invoice_ids: Iterable[int]) -> dict[int, InvoiceDetail]:
    """The details of these invoices by id (ids with no invoice are left out); a dict in the order given."""
    wanted = list(dict.fromkeys(invoice_ids))
    found: dict[int, InvoiceDetail] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update(read_invoice_details(wanted[start : start + CHUNK]))
    return {i: found[i] for i in wanted if i in found}
