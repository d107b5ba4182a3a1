"""The Clients list (Business > Clients): name, email, city, invoice count, amount awaiting payment, and whether
the client is linked to a Xero contact. Clients are few next to invoices: the list (searched in the ledger) is
loaded whole by `reload`, and `data()` only formats it. `ClientSortModel` sorts it on the clicked column by the
column's `sort_key`."""

from __future__ import annotations

from operator import attrgetter

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from invoice_desktop.ledger.clients import ClientSummary, search_clients
from invoice_desktop.ui.formatting import format_money
from invoice_desktop.ui.models.columns import RIGHT, Column
from invoice_desktop.ui.models.roles import ItemRole
from invoice_desktop.ui.models.table_model import ColumnsModel

ModelIndex = QModelIndex | QPersistentModelIndex


def _linked_tooltip(client: ClientSummary) -> str:
    if not client.linked_in_xero:
        return "Not linked yet: the first export links it to the Xero contact of the same name, or creates one"
    return f"Invoices go to the Xero contact {client.client.xero_contact_id}"


# Each column sorts by its value (text ignoring case, numbers as numbers).
CLIENT_COLUMNS: tuple[Column[ClientSummary], ...] = (
    Column("Name", lambda c: c.name, sort_key=lambda c: c.name.casefold()),
    Column("Email", lambda c: c.client.details.email, sort_key=lambda c: c.client.details.email.casefold()),
    Column("City", lambda c: c.client.details.city, sort_key=lambda c: c.client.details.city.casefold()),
    Column("Invoices", lambda c: f"{c.invoice_count:,}", RIGHT, sort_key=lambda c: c.invoice_count),
    Column(
        "Outstanding",
        lambda c: format_money(c.outstanding),
        RIGHT,
        lambda c: "Awaiting payment",
        sort_key=lambda c: c.outstanding,
    ),
    Column(
        "Linked in Xero",
        lambda c: "Yes" if c.linked_in_xero else "No",
        tooltip=_linked_tooltip,
        sort_key=lambda c: c.linked_in_xero,
    ),
)


class ClientTableModel(ColumnsModel[ClientSummary]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(CLIENT_COLUMNS, parent, id_of=attrgetter("id"))
        self.search = ""

    def reload(self, search: str | None = None) -> None:
        """Re-read the clients matching `search` (the current search when None)."""
        if search is not None:
            self.search = search.strip()
        self.set_records(search_clients(self.search))


class ClientSortModel(QSortFilterProxyModel):
    """Sorts the clients list by the clicked column's value, not its text (12 invoices after 9)."""

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:
        source = self.sourceModel()
        key = source.columns[left.column()].sort_key if isinstance(source, ClientTableModel) else None
        a, b = left.data(ItemRole.RECORD), right.data(ItemRole.RECORD)
        if key is None or a is None or b is None:
            return super().lessThan(left, right)
        return (key(a), a.name.casefold()) < (key(b), b.name.casefold())
