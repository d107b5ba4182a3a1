"""A one-line (or few-line) message under a list or in a dialog: what an action did, or why it did not.

A result bar (`lifetime_ms`: the bar under a list, Invoice Information's) clears each message after that long, so
"INV-0101 approved" does not stay on after later actions; a message that stays true until something happens (an
action in progress, a retry still to come) is shown with `lasting=True`. A problems bar of a form (no lifetime)
keeps its message until the form changes it."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QWidget

from invoice_desktop.ui.status_colours import StatusColour, status_colour


class Tone(Enum):
    INFO = "info"
    SUCCESS = "success"
    PROBLEM = "problem"


RESULT_MS = 20_000  # how long a result bar shows a message


class MessageBar(QLabel):
    def __init__(
        self, accessible_name: str = "Message", parent: QWidget | None = None, *, lifetime_ms: int | None = None
    ) -> None:
        super().__init__(parent)
        self.expiry = QTimer(self)  # clears a result when its lifetime is over
        self.expiry.setSingleShot(True)
        if lifetime_ms is not None:
            self.expiry.setInterval(lifetime_ms)
        self.expiry.timeout.connect(self.clear_message)
        self.lifetime_ms = lifetime_ms
        self.setAccessibleName(accessible_name)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tone = Tone.INFO
        self.hide()

    def show_message(self, text: str, tone: Tone = Tone.INFO, *, lasting: bool = False) -> None:
        """Show `text` (in place of the last message); on a result bar it goes after its lifetime, unless
        `lasting`."""
        self.expiry.stop()
        if text and self.lifetime_ms is not None and not lasting:
            self.expiry.start()
        self.tone = tone
        self.setText(text)
        self.setAccessibleDescription(text)
        parent = self.parentWidget()
        palette = parent.palette() if parent is not None else self.palette()
        if tone is Tone.PROBLEM:
            palette.setColor(QPalette.ColorRole.WindowText, status_colour(StatusColour.ERROR, palette))
        elif tone is Tone.SUCCESS:
            palette.setColor(QPalette.ColorRole.WindowText, status_colour(StatusColour.OK, palette))
        self.setPalette(palette)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        self.show_message("")
