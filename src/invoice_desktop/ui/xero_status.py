"""The Xero connection in the status bar: grey (not set up / disabled), green (connected), red (dropped)."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from invoice_desktop.ui.plain_text import tooltip
from invoice_desktop.ui.status_colours import StatusColour, show_colour
from invoice_desktop.xero.settings import InterfaceState
from invoice_desktop.xero.status import XeroStatus


class XeroConnection(Enum):
    NOT_SET_UP = "not set up"
    DISABLED = "disabled"
    CONNECTED = "connected"
    DROPPED = "connection dropped"


FROM_INTERFACE_STATE: dict[InterfaceState, XeroConnection] = {
    InterfaceState.NOT_SET_UP: XeroConnection.NOT_SET_UP,
    InterfaceState.DISABLED: XeroConnection.DISABLED,
    InterfaceState.CONNECTED: XeroConnection.CONNECTED,
    InterfaceState.DROPPED: XeroConnection.DROPPED,
}


# grey for the others (not set up, disabled)
CONNECTION_COLOUR: dict[XeroConnection, StatusColour] = {
    XeroConnection.CONNECTED: StatusColour.OK,
    XeroConnection.DROPPED: StatusColour.ERROR,
}


class XeroStatusLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Xero connection status")
        self.setTextFormat(Qt.TextFormat.PlainText)  # the organisation's name comes from Xero
        self.state = XeroConnection.NOT_SET_UP
        self.show_state(XeroConnection.NOT_SET_UP)

    def show_state(self, state: XeroConnection, organisation: str = "", last_sync: str = "") -> None:
        """E.g. show_state(CONNECTED, "Demo Company (NZ)", "last sync 10:42")."""
        self.state = state
        words = organisation if state is XeroConnection.CONNECTED and organisation else state.value
        if organisation and state in (XeroConnection.DISABLED, XeroConnection.DROPPED):
            words = f"{organisation} · {state.value}"
        text = f"Xero: {words}" + (f" · {last_sync}" if last_sync else "")
        self.setText(text)
        self.setAccessibleDescription(text)
        show_colour(self, CONNECTION_COLOUR.get(state))

    def show_status(self, status: XeroStatus) -> None:
        """The stored connection (xero.status.load_status): organisation, state, why it dropped, last sync."""
        last_sync = f"last sync {status.last_sync_at[:16].replace('T', ' ')} UTC" if status.last_sync_at else ""
        self.show_state(FROM_INTERFACE_STATE[status.state], status.organisation, last_sync)
        self.setToolTip(tooltip(status.dropped_reason) if status.state is InterfaceState.DROPPED else "")
