"""The Clients list (Business > Clients): name, email, city, invoice count, amount awaiting payment, and whether
the client is linked to a Xero contact. Clients are few next to invoices: the list (searched in the ledger) is
loaded whole by `reload`, and `data()` only formats it. `ClientSortModel` sorts it on the clicked column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt

from invoice_desktop.ledger.clients import ClientSummary, search_clients
from invoice_desktop.ui.formatting import format_money
from invoice_desktop.ui.models.record_table_model import RIGHT, RecordColumn, RecordTableModel
from invoice_desktop.ui.models.roles import ItemRole

ModelIndex = QModelIndex | QPersistentModelIndex


def _linked_tooltip(client: ClientSummary) -> str:
    if not client.linked_in_xero:
        return "Not linked yet: the first export links it to the Xero contact of the same name, or creates one"
    return f"Invoices go to the Xero contact {client.client.xero_contact_id}"


CLIENT_COLUMNS: tuple[RecordColumn[ClientSummary], ...] = (
    RecordColumn("Name", lambda c: c.name),
    RecordColumn("Email", lambda c: c.client.details.email),
    RecordColumn("City", lambda c: c.client.details.city),
    RecordColumn("Invoices", lambda c: f"{c.invoice_count:,}", RIGHT),
    RecordColumn("Outstanding", lambda c: format_money(c.outstanding), RIGHT, lambda c: "Awaiting payment"),
    RecordColumn("Linked in Xero", lambda c: "Yes" if c.linked_in_xero else "No", tooltip=_linked_tooltip),
)

# What each column sorts by (text ignoring case, numbers as numbers).
SORT_KEYS: tuple[Callable[[ClientSummary], Any], ...] = (
    lambda c: c.name.casefold(),
    lambda c: c.client.details.email.casefold(),
    lambda c: c.client.details.city.casefold(),
    lambda c: c.invoice_count,
    lambda c: c.outstanding,
    lambda c: c.linked_in_xero,
)


class ClientTableModel(RecordTableModel[ClientSummary]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(CLIENT_COLUMNS, parent)
        self.search = ""

    def reload(self, search: str | None = None) -> None:
        """Re-read the clients matching `search` (the current search when None)."""
        if search is not None:
            self.search = search.strip()
        self.set_records(search_clients(self.search))

    def row_of(self, client_id: int) -> int | None:
        return next((row for row in range(self.rowCount()) if self.record(row).id == client_id), None)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == ItemRole.ID and index.isValid() and index.row() < self.rowCount():
            return self.record(index.row()).id
        return super().data(index, role)


class ClientSortModel(QSortFilterProxyModel):
    """Sorts the clients list by the clicked column's value, not its text (12 invoices after 9)."""

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:
        key = SORT_KEYS[left.column()]
        a, b = left.data(ItemRole.RECORD), right.data(ItemRole.RECORD)
        if a is None or b is None:
            return super().lessThan(left, right)
        return (key(a), a.name.casefold()) < (key(b), b.name.casefold())
