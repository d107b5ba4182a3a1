"""The row under a list of tickable invoices: an action button enabled while something is ticked
(Approve on the Draft tab, Resync on the Failed table), how many are ticked, and the last result (for RESULT_MS,
or until the next action replaces it).

The button hands out `checks.ticked()` (ui/models/checkable.py): the count, and the function that lists the ids,
to be called where the action runs (a select-all of a long list is worked out there, not here)."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from invoice_desktop.ui.message_bar import RESULT_MS, MessageBar
from invoice_desktop.ui.models.checkable import RowChecks, Ticked


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


class TickActionBar(QWidget):
    triggered = Signal(Ticked)  # the ticked rows (ids in the order they were ticked)

    def __init__(self, checks: RowChecks, action_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks = checks
        self.button = QPushButton(action_text, self)
        self.button.setAccessibleName(action_text.replace("&", ""))
        self.ticked_label = QLabel(self)
        self.ticked_label.setAccessibleName("Ticked invoices")
        self.message = MessageBar(f"{action_text.replace('&', '')} result", self, lifetime_ms=RESULT_MS)

        row = self._row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addWidget(self.ticked_label)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.message)

        self.button.clicked.connect(self._on_clicked)
        checks.changed.connect(self._update)
        self._update()

    def add_to_row(self, widget: QWidget) -> None:
        """Put `widget` at the right of the button's row, taking most of the room left (the Resync's progress: in
        the row rather than a row of its own, showing it does not shrink the list above, which would repaint it
        whole)."""
        self._row.addWidget(widget, 3)

    @Slot()
    def _update(self) -> None:
        count = len(self.checks)
        self.button.setEnabled(count > 0)
        self.ticked_label.setText(f"{plural(count, 'invoice')} ticked" if count else "Tick invoices to select them")

    @Slot()
    def _on_clicked(self) -> None:
        ticked = self.checks.ticked()
        if ticked.count:
            self.triggered.emit(ticked)
