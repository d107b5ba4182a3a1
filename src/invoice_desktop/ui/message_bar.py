"""A one-line (or few-line) message under a list or in a dialog: what an action did, or why it did not."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QWidget

from invoice_desktop.ui.status_colours import StatusColour, status_colour


class Tone(Enum):
    INFO = "info"
    SUCCESS = "success"
    PROBLEM = "problem"


class MessageBar(QLabel):
    def __init__(self, accessible_name: str = "Message", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tone = Tone.INFO
        self.hide()

    def show_message(self, text: str, tone: Tone = Tone.INFO) -> None:
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
