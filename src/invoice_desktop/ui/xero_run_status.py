"""What the status bar shows of the window's automatic Xero runs (ui.auto_export), export and payment import alike:
the progress label while a run goes ("Exporting to Xero… 12 of 50", then "Checking Xero for payments…"), and the
words and timing the notes after a run share."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QWidget

NOTE_MS = 15_000  # how long the note stays in the status bar
EXPORTING = "Exporting to Xero…"
CHECKING = "Checking Xero for payments…"
RECONNECT = "The Xero connection has been dropped: reconnect in Business > Settings > Xero"


class AutoExportLabel(QLabel):
    """The status bar's "Exporting to Xero… 12 of 50", shown only while an automatic run goes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Automatic export progress")
        self.hide()

    def start(self, text: str = EXPORTING) -> None:
        self.setText(text)
        self.show()

    @Slot()
    def checking(self) -> None:
        self.setText(CHECKING)

    @Slot(int, int)
    def set_progress(self, done: int, total: int) -> None:
        self.setText(f"{EXPORTING} {done:,} of {total:,}" if total else EXPORTING)

    def stop(self) -> None:
        self.hide()
