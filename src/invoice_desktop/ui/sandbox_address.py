"""Help > Open Sandbox Xero: the built-in Xero's admin page, opened in the browser, and its address in a small
window (selectable, with Copy), so it can be reached when no browser opens."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from invoice_desktop.ui.plain_text import plain_label

TITLE = "Sandbox Xero"
OPENED = "Sandbox Xero's admin page is opening in your browser. If no browser opens, copy its address into one:"
NOT_OPENED = "No browser could be opened. Copy Sandbox Xero's address into a browser:"


class SandboxAddressDialog(QDialog):
    """The admin page's address, as read-only text to select or Copy."""

    def __init__(self, url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.note = plain_label(OPENED, self)
        self.note.setWordWrap(True)
        self.address = QLineEdit(url, self)
        self.address.setReadOnly(True)
        self.address.setAccessibleName("Sandbox Xero address")
        self.address.setMinimumWidth(self.fontMetrics().horizontalAdvance(url) + 24)
        self.copy_button = QPushButton("&Copy", self)
        self.copy_button.setToolTip("Copy the address to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.address, 1)
        row.addWidget(self.copy_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def show_address(self, opened: bool) -> None:
        """Show (or raise) the window, saying whether the browser was asked to open the page."""
        self.note.setText(OPENED if opened else NOT_OPENED)
        self.copy_button.setText("&Copy")
        self.show()
        self.raise_()
        self.activateWindow()
        self.address.selectAll()
        self.address.setFocus()

    @Slot()
    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.address.text())
        self.copy_button.setText("Copied")
