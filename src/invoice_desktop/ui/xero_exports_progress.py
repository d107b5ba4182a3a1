"""The Resync progress row: a progress bar ("3 of 12 invoices") and Cancel, shown only while a Resync runs."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class ResyncProgress(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Resyncing with Xero…", self)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Resync progress")
        self.bar.setFormat("%v of %m invoices")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel Resync")
        self.cancel_button.setToolTip("Stop after the batch being sent now; the rest stay failed, still ticked")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.hide()

    def start(self, total: int) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.label.setText("Resyncing with Xero…")
        self.cancel_button.setEnabled(True)
        self.show()

    @Slot(int, int)
    def set_progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))

    def stop(self) -> None:
        self.hide()

    @Slot()
    def _on_cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling after this batch…")
        self.cancel_requested.emit()
