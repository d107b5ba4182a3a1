"""Issue 17 point 14: the window follows a dark system scheme with a dark palette on which its own colours (Sync
Failed, overdue dates, links, the message bar) stay readable, and back; the app icon is an SVG drawn at any scale."""

from __future__ import annotations

import pytest
from gui_books import TODAY
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImageReader, QPalette
from PySide6.QtWidgets import QApplication

from invoice_desktop.ledger.queries import Tab
from invoice_desktop.paths import resource_path
from invoice_desktop.ui.colour_scheme import ENV_COLOUR_SCHEME, ColourScheme, chosen_scheme
from invoice_desktop.ui.message_bar import Tone
from invoice_desktop.ui.models.table_model import FOREGROUND
from invoice_desktop.ui.status_colours import StatusColour, is_dark, status_colour

READABLE = 4.5  # WCAG AA contrast for body text


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture
def scheme(qapp: QApplication, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV_COLOUR_SCHEME, raising=False)
    before = QPalette(qapp.palette())
    following = ColourScheme(qapp)
    yield following
    following.apply(Qt.ColorScheme.Light)
    qapp.setPalette(before)


def test_a_dark_scheme_gives_a_dark_palette_on_which_the_windows_colours_read(
    qtbot, app_context, qsettings, books, scheme
) -> None:
    from invoice_desktop.ui.main_window import MainWindow

    app = scheme.app
    assert not is_dark(app.palette())  # the tests' platform: light
    scheme.apply(Qt.ColorScheme.Dark)
    palette = app.palette()
    assert is_dark(palette)
    base, window = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Window)
    for colour in (
        palette.color(QPalette.ColorRole.Text),
        palette.color(QPalette.ColorRole.Link),
        status_colour(StatusColour.ERROR),
        status_colour(StatusColour.WARNING),
        status_colour(StatusColour.OK),
    ):
        assert contrast(colour, base) >= READABLE and contrast(colour, window) >= READABLE, colour.name()

    # The window made now (Qt hands a changed palette to existing widgets once its event loop runs) takes the dark
    # shades: the lists' colours and the message bar's.
    main_window = MainWindow(app_context, settings=qsettings, today=lambda: TODAY)
    qtbot.addWidget(main_window)
    main_window.show()
    main_window.invoice_manager.show_tab(Tab.OVERDUE)
    overdue = main_window.invoice_manager.pages[Tab.OVERDUE].model
    due = next(c for c, column in enumerate(overdue.columns) if column.title == "Due")
    assert overdue.index(0, due).data(FOREGROUND) == QColor(StatusColour.WARNING.value[1])
    main_window.clients_action.trigger()
    bar = main_window.clients_view.message
    bar.show_message("Acme Ltd could not be deleted", Tone.PROBLEM)
    assert is_dark(bar.palette())
    assert bar.palette().color(QPalette.ColorRole.WindowText) == QColor(StatusColour.ERROR.value[1])

    scheme.apply(Qt.ColorScheme.Light)  # the system turned light again: the palette it had
    assert not is_dark(app.palette())
    assert overdue.index(0, due).data(FOREGROUND) == QColor(StatusColour.WARNING.value[0])


def test_the_scheme_can_be_chosen_whatever_the_desktop_says(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_COLOUR_SCHEME, "dark")
    assert chosen_scheme(qapp) == Qt.ColorScheme.Dark
    monkeypatch.setenv(ENV_COLOUR_SCHEME, "light")
    assert chosen_scheme(qapp) == Qt.ColorScheme.Light
    monkeypatch.delenv(ENV_COLOUR_SCHEME)
    assert chosen_scheme(qapp) == qapp.styleHints().colorScheme()


def test_the_app_icon_is_an_svg_drawn_sharp_at_200_percent(qapp) -> None:
    path = resource_path("icons/app.svg")
    assert path.suffix == ".svg" and b"svg" in [bytes(f) for f in QImageReader.supportedImageFormats()]
    icon = QIcon(str(path))
    assert not icon.isNull()
    for scale in (1.0, 2.0):
        pixmap = icon.pixmap(QSize(32, 32), scale)
        assert (pixmap.width(), pixmap.height()) == (int(32 * scale), int(32 * scale))  # drawn at the pixels


def test_the_selected_tile_is_tinted_with_the_highlight_colour_in_either_palette(qtbot, scheme) -> None:
    from invoice_desktop.ui.xero_exports_tiles import ExportTiles, Tile

    for colour_scheme in (Qt.ColorScheme.Light, Qt.ColorScheme.Dark):
        scheme.apply(colour_scheme)
        tiles = ExportTiles()
        qtbot.addWidget(tiles)
        palette = tiles.palette()
        highlight = palette.color(QPalette.ColorRole.Highlight)

        def shade(tile: Tile, tiles: ExportTiles = tiles) -> QColor:
            return tiles.buttons[tile].palette().color(QPalette.ColorRole.Button)

        assert shade(Tile.SYNCED) == palette.color(QPalette.ColorRole.Button)
        selected = shade(Tile.FAILED)
        assert selected != shade(Tile.SYNCED)
        assert _distance(selected, highlight) < _distance(shade(Tile.SYNCED), highlight)  # toward the highlight
        tiles.select(Tile.SYNCED)
        assert shade(Tile.SYNCED) == selected and shade(Tile.FAILED) == palette.color(QPalette.ColorRole.Button)


def _distance(a: QColor, b: QColor) -> float:
    return abs(a.redF() - b.redF()) + abs(a.greenF() - b.greenF()) + abs(a.blueF() - b.blueF())
