"""The small form dialogs of Invoice Information (Renumber…, Record payment): a title, a form, a line for what the
ledger refused, and OK (named for what it does) / Cancel.

OK calls `submit()`, which does the change and accepts, or shows why not (`show_problem`, `show_refusal`): the
dialog stays open, the field at fault gets the focus, and nothing was written.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from invoice_desktop.ledger.errors import LedgerError
from invoice_desktop.ui.message_bar import MessageBar, Tone
from invoice_desktop.ui.plain_text import window_title


def ok_cancel_buttons(parent: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    """OK (with `ok_text`) and Cancel; Cancel rejects the dialog, OK is for the caller to connect."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent)
    ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok_button is not None  # asked for above
    ok_button.setText(ok_text)
    buttons.rejected.connect(parent.reject)
    return buttons, ok_button


class FormDialog(QDialog):
    def __init__(self, title: str, ok_text: str, problems_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(window_title(title))
        self.form = QFormLayout()
        self.problems = MessageBar(problems_name, self)
        self.buttons, self.ok_button = ok_cancel_buttons(self, ok_text)
        self.buttons.accepted.connect(self.submit)
        self.main_layout = QVBoxLayout(self)
        self.main_layout.addLayout(self.form)
        self.main_layout.addWidget(self.problems)
        self.main_layout.addWidget(self.buttons)

    @Slot()
    def submit(self) -> None:  # pragma: no cover - every dialog overrides it
        raise NotImplementedError

    def show_problem(self, text: str, field: QWidget) -> None:
        """Why OK did nothing; `field` gets the focus (a line edit's text selected, ready to be typed over)."""
        self.problems.show_message(text, Tone.PROBLEM)
        field.setFocus()
        if isinstance(field, QLineEdit):
            field.selectAll()

    def show_refusal(self, exc: LedgerError, field: QWidget) -> None:
        """What the ledger refused, a line per problem."""
        self.show_problem("\n".join(p.describe() for p in exc.problems), field)
