"""The Xero connection in the status bar: grey (not set up / disabled), green (connected), red (dropped).

What it shows is a `ConnectionGlance`: the stored connection (organisation, state, why it dropped, last sync) read
from the company file alone, never the keyring (where the sign-in is kept is for Settings > Xero to say), so it
costs the GUI thread no keyring call after every run. After a run the window passes the run's typed trouble on
(`dropped_by`): a run that found the connection dropped turns it red with its own words, whatever was read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from invoice_desktop.ui.formatting import format_stamp
from invoice_desktop.ui.plain_text import tooltip
from invoice_desktop.ui.status_colours import StatusColour, show_colour
from invoice_desktop.xero.settings import InterfaceState, interface_state, load_connection


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


@dataclass(frozen=True)
class ConnectionGlance:
    """What the status bar shows of the Xero connection."""

    state: InterfaceState
    organisation: str = ""
    dropped_reason: str = ""
    last_sync_at: str = ""  # ISO, UTC

    @classmethod
    def load(cls) -> ConnectionGlance:
        """The stored connection (company file settings only: no keyring, no Xero)."""
        record = load_connection()
        return cls(interface_state(record), record.tenant_name, record.dropped_reason, record.last_sync_at)

    def dropped_by(self, reason: str) -> ConnectionGlance:
        """The same, as a run that found the connection dropped reported it."""
        return replace(self, state=InterfaceState.DROPPED, dropped_reason=reason)


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

    def show_status(self, status: ConnectionGlance) -> None:
        """The connection: organisation, state, why it dropped, last sync."""
        last_sync = f"last sync {format_stamp(status.last_sync_at)}" if status.last_sync_at else ""
        self.show_state(FROM_INTERFACE_STATE[status.state], status.organisation, last_sync)
        self.setToolTip(tooltip(status.dropped_reason) if status.state is InterfaceState.DROPPED else "")
