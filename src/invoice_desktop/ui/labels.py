"""Read-only values in the panels (Invoice Information's Xero panel, Settings > Xero's Connection section), and the
names the window gives the same thing wherever it shows it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

SYNC_FAILED = "Sync Failed"  # an export Xero refused or could not take: the invoice tabs, Xero Exports, the panel


def value_label(name: str, parent: QWidget) -> QLabel:
    """A wrapped plain-text label the user can select and copy from, named `name` for screen readers."""
    label = QLabel(parent)
    label.setAccessibleName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
