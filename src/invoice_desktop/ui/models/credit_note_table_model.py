"""The Credit Notes list: number, invoice, client, date, total, status and where the credit note stands in Xero.
Credit notes are few next to invoices: the list is loaded whole by `reload` and sorted in memory."""

from __future__ import annotations

from operator import attrgetter

from PySide6.QtCore import QObject

from invoice_desktop.ledger.credit_notes import CreditNoteRow, list_credit_notes
from invoice_desktop.store.models import AllocationState, ExportState
from invoice_desktop.ui.formatting import format_date, format_money
from invoice_desktop.ui.models.columns import RIGHT, Column
from invoice_desktop.ui.models.table_model import ColumnsModel

_XERO_WORDS = {
    ExportState.NOT_SENT: "Not sent",
    ExportState.QUEUED: "Queued",
    ExportState.SENDING: "Sending",
    ExportState.FAILED: "Sync Failed",
    ExportState.SKIPPED: "Not sent",
}
_ALLOCATION_WORDS = {
    AllocationState.PENDING: "In Xero, to be allocated",
    AllocationState.SENDING: "In Xero, being allocated",
    AllocationState.UNCONFIRMED: "In Xero, allocation unconfirmed",
    AllocationState.FAILED: "In Xero, allocation failed",
    AllocationState.DONE: "Allocated in Xero",
    AllocationState.NOT_NEEDED: "In Xero",
}


def xero_text(row: CreditNoteRow) -> str:
    """Where the credit note stands in Xero, in the window's words ("" when it does not go to Xero)."""
    if row.xero_state is None:
        return ""
    if row.xero_state is ExportState.SYNCED and row.allocation is not None:
        return _ALLOCATION_WORDS[row.allocation]
    return _XERO_WORDS.get(row.xero_state, row.xero_state.value)


def _xero_tooltip(row: CreditNoteRow) -> str:
    if row.xero_state is None:
        return "Credited here only: its invoice does not go to Xero"
    if row.xero_state is ExportState.FAILED:
        return "Xero Exports > Failed says why; fix the cause and Resync"
    return f"Sent to Xero and allocated to {row.invoice_number} there once both are in Xero"


CREDIT_NOTE_COLUMNS: tuple[Column[CreditNoteRow], ...] = (
    Column("Credit Note #", attrgetter("number"), sort_key=attrgetter("number"), sample="CN-000000"),
    Column(
        "Invoice #",
        attrgetter("invoice_number"),
        tooltip=lambda r: f"Open {r.invoice_number}",
        sort_key=attrgetter("invoice_number"),
        sample="INV-000000",
        link=True,
    ),
    Column("Client", attrgetter("client"), sort_key=lambda r: r.client.casefold()),
    Column("Date", lambda r: format_date(r.date), sort_key=attrgetter("date"), sample="00 Mmm 0000"),
    Column("Reason", attrgetter("reason"), sort_key=lambda r: r.reason.casefold()),
    Column("Total", lambda r: format_money(r.total), RIGHT, sort_key=attrgetter("total"), sample="000,000.00"),
    Column("Status", attrgetter("status_text"), sort_key=attrgetter("status_text")),
    Column("Xero", xero_text, tooltip=_xero_tooltip, sort_key=xero_text),
)


class CreditNoteTableModel(ColumnsModel[CreditNoteRow]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(CREDIT_NOTE_COLUMNS, parent, id_of=attrgetter("id"))

    def reload(self) -> None:
        self.set_records(list_credit_notes())
