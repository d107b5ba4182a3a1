"""The Connection section of Settings > Xero: which organisation, in what state, where the sign-in is kept, and the
Connect / Reconnect / Disconnect and delete settings buttons (plus Cancel while the browser sign-in is awaited)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from invoice_desktop.ui.labels import value_label
from invoice_desktop.ui.plain_text import show_text
from invoice_desktop.ui.status_colours import StatusColour, show_colour
from invoice_desktop.ui.xero_status import CONNECTION_COLOUR, FROM_INTERFACE_STATE
from invoice_desktop.xero.settings import InterfaceState
from invoice_desktop.xero.status import XeroStatus
from invoice_desktop.xero.tokens import STORAGE_WORDS

STATE_WORDS: dict[InterfaceState, str] = {
    InterfaceState.NOT_SET_UP: "Not set up",
    InterfaceState.DISABLED: "Connected — the interface is switched off",
    InterfaceState.CONNECTED: "Connected",
    InterfaceState.DROPPED: "Connection dropped",
}


class ConnectionPanel(QGroupBox):
    connect_requested = Signal()
    disconnect_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Connection", parent)
        self.organisation = value_label("Xero organisation", self)
        font = self.organisation.font()
        font.setBold(True)
        self.organisation.setFont(font)
        self.state = value_label("Connection state", self)
        self.reason = value_label("Why the connection dropped", self)
        self.storage = value_label("Where the Xero sign-in is kept", self)
        self.storage_warning = value_label("Sign-in storage warning", self)
        self.last_change = value_label("Last connection change", self)
        self.waiting = value_label("Sign-in progress", self)  # plain text, or a Markup with the sign-in link
        self.waiting.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.waiting.setOpenExternalLinks(True)

        self.connect_button = QPushButton("Connect to Xero…", self)
        self.connect_button.setAccessibleName("Connect to Xero")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel connecting to Xero")
        self.disconnect_button = QPushButton("Disconnect and delete settings…", self)
        self.disconnect_button.setAccessibleName("Disconnect from Xero and delete settings")
        self.connect_button.clicked.connect(self.connect_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.disconnect_button.clicked.connect(self.disconnect_requested)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Organisation:", self.organisation)
        form.addRow("State:", self.state)
        form.addRow("Sign-in kept in:", self.storage)
        form.addRow("Last change:", self.last_change)
        self.form = form
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.disconnect_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        # Wrapping labels go here, full width: QFormLayout sizes them by their (narrow) size hint.
        layout.addWidget(self.reason)
        layout.addWidget(self.storage_warning)
        layout.addWidget(self.waiting)
        layout.addLayout(buttons)
        self.interface_state = InterfaceState.NOT_SET_UP
        self.set_busy(None)

    def show_status(self, status: XeroStatus) -> None:
        self.interface_state = status.state
        self.organisation.setText(status.organisation or "No organisation connected")
        self.state.setText(STATE_WORDS[status.state])
        self.state.setAccessibleDescription(self.state.text())
        show_colour(self.state, CONNECTION_COLOUR.get(FROM_INTERFACE_STATE[status.state]))
        dropped = status.state is InterfaceState.DROPPED
        self.reason.setText(
            f"{status.dropped_reason or 'Xero no longer accepts the saved sign-in.'} Reconnect to Xero, then resync "
            "the failed invoices."
            if dropped
            else ""
        )
        show_colour(self.reason, StatusColour.ERROR)
        self.reason.setVisible(dropped)
        where = STORAGE_WORDS[status.token_storage]
        missing = status.tenant_id and not status.signed_in
        self.storage.setText(f"{where} (the saved sign-in is missing: reconnect)" if missing else where)
        self.storage_warning.setText(status.token_warning or "")
        show_colour(self.storage_warning, StatusColour.ERROR)
        self.storage_warning.setVisible(bool(status.token_warning))
        self.last_change.setText(status.last_change_text)
        self.form.setRowVisible(self.last_change, bool(status.last_change_text))
        set_up = bool(status.tenant_id)
        self.connect_button.setText("Reconnect to Xero…" if set_up else "Connect to Xero…")
        self.connect_button.setAccessibleName("Reconnect to Xero" if set_up else "Connect to Xero")
        self.disconnect_button.setEnabled(set_up or status.signed_in)

    def set_busy(self, text: str | None, *, cancellable: bool = False) -> None:
        """While a job runs: `text` (plain text, or a Markup) says what is going on; the buttons wait (Cancel only
        when `cancellable`)."""
        busy = text is not None
        show_text(self.waiting, text or "")
        self.waiting.setVisible(busy)
        self.connect_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy and cancellable)
        self.cancel_button.setEnabled(True)
        if busy:
            self.disconnect_button.setEnabled(False)
