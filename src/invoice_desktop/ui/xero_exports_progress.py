"""The Resync progress row: a progress bar ("3 of 12 invoices") and Cancel, shown only while a Resync runs.

The worker reports progress after every batch. The bar shows it at most every UPDATE_MS (the first report at
once, the latest one at the end of each interval), and never paints there and then: QProgressBar.setValue calls
repaint() whenever its "%v" text changes, and a synchronous repaint paints every dirty part of the window (the
Failed table too) before returning, so each report was a stall. Here setValue runs with updates disabled, and
enabling them again schedules an ordinary update(), painted with the rest of the window by the event loop.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

UPDATE_MS = 100  # at most ten progress updates a second


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
        self._pending: tuple[int, int] | None = None  # the latest report not shown yet
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(UPDATE_MS)
        self._throttle.timeout.connect(self._show_pending)
        self.hide()

    def start(self, total: int) -> None:
        self._pending = None
        self._throttle.stop()
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.label.setText("Resyncing with Xero…")
        self.cancel_button.setEnabled(True)
        self.show()

    @Slot(int, int)
    def set_progress(self, done: int, total: int) -> None:
        self._pending = (done, total)
        if not self._throttle.isActive():
            self._show_pending()

    @Slot()
    def _show_pending(self) -> None:
        if self._pending is None:
            return
        (done, total), self._pending = self._pending, None
        self._throttle.start()  # the next report waits for the end of this interval
        top = max(total, 1)
        self.bar.setUpdatesEnabled(False)  # setValue's repaint() does nothing now...
        try:
            self.bar.setMaximum(top)
            self.bar.setValue(min(done, top))
        finally:
            self.bar.setUpdatesEnabled(True)  # ...and this calls update(): painted later, with the rest

    def stop(self) -> None:
        self._throttle.stop()
        self._pending = None
        self.hide()

    @Slot()
    def _on_cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Cancelling after this batch…")
        self.cancel_requested.emit()
