"""New Client / Edit client: name, email, postal address (four lines, city, region, postal code, country).

Save goes through ledger.clients (create_client / update_client), which writes everything or nothing: every
problem is listed under the form, the first field with a problem gets the cursor, and nothing is saved.
A client linked to a Xero contact says so: renaming it here leaves the Xero contact's name alone.
"""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from invoice_desktop.ledger.catalog import ClientDetails, ClientInfo, get_client
from invoice_desktop.ledger.clients import (
    CLIENT_FIELD_LABELS,
    MAX_LENGTHS,
    client_problems,
    create_client,
    describe,
    update_client,
)
from invoice_desktop.ledger.errors import LedgerError, Problem
from invoice_desktop.ui.message_bar import MessageBar, Tone
from invoice_desktop.ui.plain_text import window_title

XERO_LINK_NOTE = (
    "Linked to a Xero contact. Renaming the client here does not rename the contact in Xero: "
    "the link is kept and invoices keep going to that contact."
)


class ClientDialog(QDialog):
    saved = Signal(int)  # the client id, after a save
    notice = Signal(str)  # "Acme Ltd saved." for the list's message line

    def __init__(self, client_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client_id = client_id
        self.client: ClientInfo | None = get_client(client_id) if client_id is not None else None
        self.setSizeGripEnabled(True)
        self.edits: dict[str, QLineEdit] = {}
        self._build()
        self._fill()

    # --- building ---

    def _build(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("&Name:", self._edit("name", "Acme Ltd"))
        form.addRow("&Email:", self._edit("email", "accounts@example.com"))
        form.addRow("&Address:", self._edit("address_line1", "Street address or PO Box"))
        for n in range(2, 5):
            form.addRow("", self._edit(f"address_line{n}", f"Address line {n}"))
        form.addRow("Cit&y:", self._edit("city"))
        form.addRow("&Region:", self._edit("region", "State, county or region"))
        postal = QHBoxLayout()
        postal.addWidget(self._edit("postal_code"), 1)
        country_label = QLabel("C&ountry:", self)
        country_label.setBuddy(self._edit("country"))
        postal.addWidget(country_label)
        postal.addWidget(self.edits["country"], 2)
        postal_label = QLabel("&Postal code:", self)
        postal_label.setBuddy(self.edits["postal_code"])
        form.addRow(postal_label, postal)

        self.xero_note = QLabel(XERO_LINK_NOTE, self)
        self.xero_note.setAccessibleName("Xero contact note")
        self.xero_note.setWordWrap(True)
        self.xero_note.setVisible(bool(self.client and self.client.xero_contact_id))
        self.problems = MessageBar("Problems", self)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save client")
        self.save_button.setToolTip("Save the client (Ctrl+S)")
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.xero_note)
        layout.addWidget(self.problems)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())

    def _edit(self, field: str, placeholder: str = "") -> QLineEdit:
        edit = self.edits.get(field)
        if edit is None:
            edit = QLineEdit(self)
            edit.setAccessibleName(CLIENT_FIELD_LABELS[field])
            edit.setPlaceholderText(placeholder)
            edit.setMaxLength(MAX_LENGTHS[field] + 1)  # one over: a paste that is too long is reported, not cut
            self.edits[field] = edit
        return edit

    def _fill(self) -> None:
        if self.client is None:
            self.setWindowTitle("New client")
            return
        self.setWindowTitle(window_title(f"Edit client — {self.client.name}"))
        self.edits["name"].setText(self.client.name)
        for f in fields(ClientDetails):
            self.edits[f.name].setText(getattr(self.client.details, f.name))

    # --- reading and saving ---

    def name(self) -> str:
        return self.edits["name"].text().strip()

    def details(self) -> ClientDetails:
        return ClientDetails(**{f.name: self.edits[f.name].text().strip() for f in fields(ClientDetails)})

    @Slot()
    def save(self) -> int | None:
        """Create or update the client; its id, or None (with the problems shown) when nothing was saved."""
        name, details = self.name(), self.details()
        problems = client_problems(name, details, self.client_id)
        if not problems:
            try:
                if self.client_id is None:
                    self.client_id = create_client(name, details).id
                else:
                    update_client(self.client_id, name, details)
            except LedgerError as exc:
                problems = list(exc.problems)
        if problems:
            self.show_problems(problems)
            return None
        self.problems.clear_message()
        self.saved.emit(self.client_id)
        old_name = self.client.name if self.client is not None else name
        self.notice.emit(f"{old_name} renamed to {name}." if old_name != name else f"{name} saved.")
        self.accept()
        return self.client_id

    def show_problems(self, problems: list[Problem]) -> None:
        count = len(problems)
        heading = "Not saved — " + ("1 problem:" if count == 1 else f"{count} problems:")
        self.problems.show_message("\n".join([heading, *(f"• {describe(p)}" for p in problems)]), Tone.PROBLEM)
        for field, edit in self.edits.items():
            edit.setAccessibleDescription("; ".join(p.message for p in problems if p.field == field))
        first = next((self.edits[p.field] for p in problems if p.field in self.edits), None)
        if first is not None:
            first.setFocus()
            first.selectAll()
