"""A read-only list of clients (Business > Clients). Clients are few next to invoices: loaded whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from invoice_desktop.ledger.catalog import ClientInfo, list_clients
from invoice_desktop.ui.models.roles import ItemRole

ModelIndex = QModelIndex | QPersistentModelIndex

CLIENT_COLUMNS: tuple[tuple[str, Callable[[ClientInfo], str]], ...] = (
    ("Name", lambda c: c.name),
    ("Email", lambda c: c.details.email),
    ("City", lambda c: c.details.city),
    ("Country", lambda c: c.details.country),
    ("Xero contact", lambda c: "Linked" if c.xero_contact_id else ""),
)


class ClientTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clients: list[ClientInfo] = []

    def reload(self) -> None:
        self.beginResetModel()
        self._clients = list_clients()
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._clients)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CLIENT_COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._clients) or index.column() >= len(CLIENT_COLUMNS):
            return None
        client = self._clients[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return CLIENT_COLUMNS[index.column()][1](client)
        if role == ItemRole.ID:
            return client.id
        if role == ItemRole.RECORD:
            return client
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return CLIENT_COLUMNS[section][0] if 0 <= section < len(CLIENT_COLUMNS) else None
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
