"""The Resync progress row: a progress bar ("3 of 12 invoices") and Cancel, shown only while a Resync runs.

While a request is in flight (from the worker's `batch_started` to the next progress report) the label says so and
how long it has taken: "Sending 3 invoices to Xero… (12 s)", ticking every second, so a slow Xero does not look
like a stuck bar. Cancel stops after the request in flight (a request sent is never abandoned half-way), and says so.

The worker reports progress after every batch. The bar shows it at most every UPDATE_MS (the first report at
once, the latest one at the end of each interval), and never paints there and then: QProgressBar.setValue calls
repaint() whenever its "%v" text changes, and a synchronous repaint paints every dirty part of the window (the
Failed table too) before returning, so each report was a stall. Here setValue runs with updates disabled, and
enabling them again schedules an ordinary update(), painted with the rest of the window by the event loop.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from invoice_desktop.ui.tick_action_bar import plural

UPDATE_MS = 100  # at most ten progress updates a second
RESYNCING = "Resyncing with Xero…"
CANCEL_TIP = "Stop after the request in flight (Xero's answer to it is kept); the rest stay failed, still ticked"
CANCELLING = "Cancelling: stopping after the request in flight…"


class ResyncProgress(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(RESYNCING, self)
        self.label.setAccessibleName("Resync status")
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Resync progress")
        self.bar.setFormat("%v of %m invoices")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel Resync")
        self.cancel_button.setToolTip(CANCEL_TIP)
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
        self._in_flight = 0  # invoices in the request being sent (0: none)
        self._elapsed = QElapsedTimer()
        self.clock = QTimer(self)  # ticks the elapsed seconds while a request is in flight
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._show_sending)
        self.hide()

    def start(self, total: int) -> None:
        self._pending = None
        self._throttle.stop()
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self._in_flight = 0
        self.clock.stop()
        self.label.setText(RESYNCING)
        self.cancel_button.setEnabled(True)
        self.show()

    @Slot(list)
    def sending(self, invoice_ids: list[int]) -> None:
        """A request with these invoices leaves now: say so, and count its seconds until it is answered."""
        if not self._in_flight:  # the seconds count from the first request of those in flight together
            self._elapsed.start()
            self.clock.start()
        self._in_flight += len(invoice_ids)
        self._show_sending()

    @Slot()
    def _show_sending(self) -> None:
        if self._in_flight and self.cancel_button.isEnabled():  # a Cancel's words stay until the run ends
            seconds = self._elapsed.elapsed() // 1000 if self._elapsed.isValid() else 0
            self.label.setText(f"Sending {plural(self._in_flight, 'invoice')} to Xero… ({seconds} s)")

    def _answered(self) -> None:
        """The request in flight was answered (its batch is recorded)."""
        self._in_flight = 0
        self.clock.stop()
        if self.cancel_button.isEnabled():
            self.label.setText(RESYNCING)

    @Slot(int, int)
    def set_progress(self, done: int, total: int) -> None:
        self._answered()
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
        self._answered()
        self._throttle.stop()
        self._pending = None
        self.hide()

    @Slot()
    def _on_cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText(CANCELLING)
        self.cancel_requested.emit()
