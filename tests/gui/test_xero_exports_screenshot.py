"""What the Xero Exports screenshots rely on, on the sandbox demo company file: the Sync Failed tooltip shows the
whole error and is wrapped, the tiles have their counts, and the Failed table fits its view (nothing clipped).

The pictures themselves are taken by tests/gui/take_screenshots.py (with the same helpers).
"""

from __future__ import annotations

from PySide6.QtWidgets import QToolTip
from take_screenshots import exports_window, show_tooltip

from invoice_desktop.ui.xero_exports_tiles import Tile


def test_screenshots_show_the_tiles_and_the_tooltip(qtbot, db, data_dir, qsettings):
    window, demo = exports_window(data_dir, qsettings)
    qtbot.addWidget(window)
    try:
        window.show()
        page = window.xero_exports.page
        assert page is not None
        window.invoice_manager.tabs.setCurrentWidget(page)
        tip, _hovered = show_tooltip(page, "INV-0042")
        assert "Invoice # must be unique." in QToolTip.text()
        assert tip.width() < window.width()  # wrapped, not one endless line
        assert page.tiles.buttons[Tile.FAILED].text() == "Failed (5)"
        assert page.failed.view.horizontalHeader().length() <= page.failed.view.viewport().width()
    finally:
        QToolTip.hideText()
        page = window.xero_exports.page
        if page is not None:
            page.failed.shutdown()
        demo.stop()
