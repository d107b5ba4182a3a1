"""Settings' "This desk" row: the user name this desk's work is recorded under (invoice_desktop.desk), beside the
dialog's Save and Close (it takes no height from the Xero settings above it).

The name is the desk's own (kept in its data dir, not in the company file), so it can be changed whether or not
Xero is connected, with its own button: it is not one of the Xero settings the dialog's Save writes."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from invoice_desktop.config import AppPaths
from invoice_desktop.desk import MAX_NAME_LENGTH, DeskNameError, load_desk, save_desk


class DeskSettingsBox(QWidget):
    saved = Signal(str)  # the message to show: the name kept, or why not
    refused = Signal(str)

    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Your user name at this desk")
        self.name_edit.setMaxLength(MAX_NAME_LENGTH)
        self.name_edit.setToolTip(
            "Approvals, resyncs, renumbers, voids and Xero connection changes made here are recorded under this "
            "name (Invoice Information's history shows it). It is kept on this computer, not in the company file."
        )
        self.save_button = QPushButton("Use this name", self)
        self.save_button.setAccessibleName("Save this desk's user name")
        self.save_button.clicked.connect(self.save)
        self.name_edit.returnPressed.connect(self.save)
        label = QLabel("This desk's user name:", self)
        label.setBuddy(self.name_edit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.name_edit, 1)
        layout.addWidget(self.save_button)
        self.name_edit.setMinimumWidth(self.name_edit.fontMetrics().horizontalAdvance("M" * 14))
        self.name_edit.setText(load_desk(paths).user_name)

    @Slot()
    def save(self) -> None:
        try:
            kept = save_desk(self.paths, self.name_edit.text())
        except DeskNameError as exc:
            self.refused.emit(f"The name was not changed: {exc}")
            return
        self.name_edit.setText(kept.user_name)
        self.saved.emit(f"This desk's work is recorded as {kept.user_name} from now on.")
