"""What Invoice Information asks of the Xero export engine: the Options menu's Xero actions (and Void in Xero).

The window only knows this protocol; the export-engine integration supplies the implementation (over
xero.export_actions / the exporter). Without one, the three actions stay disabled with the tooltip
`NOT_SET_UP_TIP`.

Calls are made on a worker thread (an export talks to Xero and may take seconds), so an implementation must
not touch widgets; it gets an invoice id and returns a plain `XeroActionResult`. Raising an exception is
allowed too: its text is shown as the failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QUrl

NOT_SET_UP_TIP = "Set up the Xero interface first"


@dataclass(frozen=True)
class XeroActionResult:
    ok: bool
    message: str  # for the user: "INV-0089 exported to Xero." / "Still failing: Account mapping is incorrect …"


class XeroActions(Protocol):
    def export_now(self, invoice_id: int) -> XeroActionResult:
        """Options > Export to Xero: export (or re-export) this one invoice now and report how it went."""
        ...

    def mark_in_xero(self, invoice_id: int, xero_number_or_id: str | None) -> XeroActionResult:
        """Options > Mark as already in Xero: never send it; link the Xero invoice number or InvoiceID if given."""
        ...

    def dont_send(self, invoice_id: int) -> XeroActionResult:
        """Options > Don't send to Xero: take it out of the export queue for good."""
        ...

    def xero_page(self, xero_invoice_id: str) -> QUrl:
        """Where Options > Open in Xero goes for the Xero invoice (quick: no call to Xero, any thread)."""
        ...

    def void(self, invoice_id: int) -> XeroActionResult:
        """Options > Void on an invoice that is in Xero: void it in Xero, then here once Xero confirms."""
        ...

    def void_credit_note(self, credit_note_id: int) -> XeroActionResult:
        """Void credit note on one that is in Xero: void it in Xero, then here once Xero confirms."""
        ...
