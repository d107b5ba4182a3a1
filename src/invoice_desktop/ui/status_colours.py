"""The few colours the window sets itself: status colours (Sync Failed in red, the Xero connection, overdue dates).

Everything else follows the system palette. Each status colour has a shade for light and one for dark
palettes, so it stays readable on both.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget


class StatusColour(Enum):
    # (on a light background, on a dark background)
    ERROR = ("#c62828", "#ff6e6e")
    OK = ("#2e7d32", "#66bb6a")
    WARNING = ("#a84f00", "#ffb74d")  # past due (the Overdue tab's due dates)


def status_colour(kind: StatusColour, palette: QPalette | None = None) -> QColor:
    light, dark = kind.value
    return QColor(dark if is_dark(palette) else light)


def muted_colour(palette: QPalette | None = None) -> QColor:
    """Grey text that follows the palette (for "not set up", "not attempted")."""
    return (palette or QGuiApplication.palette()).color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)


def show_colour(widget: QWidget, kind: StatusColour | None) -> None:
    """Colour a widget's text with a status colour, or grey (`muted_colour`) for None."""
    palette = widget.palette()
    colour = status_colour(kind, palette) if kind else muted_colour(palette)
    palette.setColor(QPalette.ColorRole.WindowText, colour)
    widget.setPalette(palette)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightness() < 128
