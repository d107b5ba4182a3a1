"""The window follows the system's light or dark colour scheme (Qt 6.5+: QStyleHints.colorScheme()).

Where the platform gives Qt a dark palette with the dark scheme (KDE, GNOME through the desktop portal, macOS),
nothing is done here. Where it reports the dark scheme but leaves the style's light palette (Fusion under some
desktops and on Windows), the window takes dark_palette(), in Fusion's own dark shades; back to the style's light
palette when the scheme turns light again. `INVOICE_DESKTOP_COLOUR_SCHEME=dark|light` chooses one whatever the
desktop says (a desktop that reports no scheme; the README's screenshots).

The window's own colours read the palette (status_colours: a light and a dark shade of each), so they stay
readable on both.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from invoice_desktop.ui.status_colours import is_dark

ENV_COLOUR_SCHEME = "INVOICE_DESKTOP_COLOUR_SCHEME"

# (role, active and inactive colour, disabled colour)
_DARK_ROLES: tuple[tuple[QPalette.ColorRole, str, str], ...] = (
    (QPalette.ColorRole.Window, "#2b2b2b", "#2b2b2b"),
    (QPalette.ColorRole.WindowText, "#e6e6e6", "#7f7f7f"),
    (QPalette.ColorRole.Base, "#1e1e1e", "#262626"),
    (QPalette.ColorRole.AlternateBase, "#262626", "#262626"),
    (QPalette.ColorRole.ToolTipBase, "#3a3a3a", "#3a3a3a"),
    (QPalette.ColorRole.ToolTipText, "#f0f0f0", "#9a9a9a"),
    (QPalette.ColorRole.PlaceholderText, "#9a9a9a", "#6a6a6a"),
    (QPalette.ColorRole.Text, "#e6e6e6", "#7f7f7f"),
    (QPalette.ColorRole.Button, "#353535", "#303030"),
    (QPalette.ColorRole.ButtonText, "#e6e6e6", "#7f7f7f"),
    (QPalette.ColorRole.BrightText, "#ffffff", "#ffffff"),
    (QPalette.ColorRole.Light, "#505050", "#505050"),
    (QPalette.ColorRole.Midlight, "#424242", "#424242"),
    (QPalette.ColorRole.Mid, "#303030", "#303030"),
    (QPalette.ColorRole.Dark, "#1a1a1a", "#1a1a1a"),
    (QPalette.ColorRole.Shadow, "#0a0a0a", "#0a0a0a"),
    (QPalette.ColorRole.Highlight, "#2f65ca", "#3a3a3a"),
    (QPalette.ColorRole.HighlightedText, "#ffffff", "#9a9a9a"),
    (QPalette.ColorRole.Link, "#7cb4ff", "#6a8cbf"),
    (QPalette.ColorRole.LinkVisited, "#c59cff", "#8f78b8"),
)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, normal, disabled in _DARK_ROLES:
        palette.setColor(QPalette.ColorGroup.Active, role, QColor(normal))
        palette.setColor(QPalette.ColorGroup.Inactive, role, QColor(normal))
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def chosen_scheme(app: QGuiApplication) -> Qt.ColorScheme:
    """INVOICE_DESKTOP_COLOUR_SCHEME when set, else the system's."""
    forced = os.environ.get(ENV_COLOUR_SCHEME, "").strip().lower()
    if forced == "dark":
        return Qt.ColorScheme.Dark
    if forced == "light":
        return Qt.ColorScheme.Light
    return app.styleHints().colorScheme()


class ColourScheme:
    """Keeps the application's palette on the scheme chosen (chosen_scheme), now and whenever the system's
    changes."""

    def __init__(self, app: QGuiApplication) -> None:
        self.app = app
        self.light: QPalette | None = None  # the palette before DARK was set here (taken back for a light scheme)
        self.apply(chosen_scheme(app))
        app.styleHints().colorSchemeChanged.connect(self._on_system_changed)

    def apply(self, scheme: Qt.ColorScheme) -> None:
        if scheme == Qt.ColorScheme.Dark and not is_dark(self.app.palette()):
            self.light = QPalette(self.app.palette())
            self.app.setPalette(dark_palette())
        elif scheme != Qt.ColorScheme.Dark and self.light is not None:
            self.app.setPalette(self.light)
            self.light = None

    def _on_system_changed(self, scheme: Qt.ColorScheme) -> None:
        if not os.environ.get(ENV_COLOUR_SCHEME, "").strip():
            self.apply(scheme)


_FOLLOWING: list[ColourScheme] = []  # the application's, alive as long as it is


def follow_colour_scheme(app: QGuiApplication) -> ColourScheme:
    """Start following the scheme (once per application)."""
    if not _FOLLOWING or _FOLLOWING[0].app is not app:
        _FOLLOWING[:] = [ColourScheme(app)]
    return _FOLLOWING[0]
