"""The Xero Exports tab as a person sees it, on the sandbox demo company file: the Failed tile with the Sync Failed
tooltip showing, and the Synced tile.

The test checks the tooltip and the tiles are on screen; run as a script it saves
docs/screenshots/xero-exports-failed.png and docs/screenshots/xero-exports-synced.png:
QT_QPA_PLATFORM=offscreen .venv/bin/python tests/gui/test_xero_exports_screenshot.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QPoint, QSettings, QTimer
from PySide6.QtGui import QHelpEvent, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from invoice_desktop.cli import AppContext
from invoice_desktop.config import AppPaths
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox_demo import DemoSession, start_demo
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.ui.main_window import MainWindow
from invoice_desktop.ui.models.xero_failed_model import STATUS_COLUMN
from invoice_desktop.ui.xero_exports_page import XeroExportsPage
from invoice_desktop.ui.xero_exports_tiles import Tile

REPO = Path(__file__).resolve().parents[2]
SIZE = (1100, 600)


def exports_window(data_dir: Path, settings: QSettings) -> tuple[MainWindow, DemoSession]:
    demo = start_demo(AppPaths(data_dir))
    ctx = AppContext(paths=AppPaths(data_dir), endpoints=demo.sandbox.endpoints, client_id=None)
    window = MainWindow(ctx, settings=settings)
    window.resize(*SIZE)
    return window, demo


def show_tooltip(page: XeroExportsPage, number: str) -> tuple[QWidget, QPoint]:
    """Hover the status cell of that invoice: the tooltip appears (Qt's own ToolTip help event). Returns the tooltip
    and the hovered point in the window's coordinates."""
    view, model = page.failed.view, page.failed_model
    row = next(r for r in range(model.rowCount()) if model.record_at(r).number == number)
    rect = view.visualRect(model.index(row, STATUS_COLUMN))
    point = QPoint(rect.left() + rect.width() // 3, rect.center().y())
    QTest.mouseMove(view.viewport(), point)
    view.viewportEvent(QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point)))
    for _ in range(50):
        QApplication.processEvents()
        tips = [w for w in QApplication.topLevelWidgets() if w.inherits("QTipLabel") and w.isVisible()]
        if tips:
            return tips[0], view.viewport().mapTo(page.window(), point)
    raise AssertionError("no tooltip")


def grab_with_tooltip(window: QWidget, tip: QWidget, hovered: QPoint) -> QPixmap:
    """The window, and the tooltip (a window of its own, not in the window's grab) painted where Qt puts it: below
    and right of the pointer, kept inside the window. (The offscreen screen is smaller than the window, so the
    tooltip's own position is not where a real screen would show it.)"""
    shot = window.grab()
    at = QPoint(hovered.x() + 2, hovered.y() + 16)
    at.setX(max(0, min(at.x(), window.width() - tip.width() - 4)))
    painter = QPainter(shot)
    painter.drawPixmap(at, tip.grab())
    painter.end()
    return shot


def resync_two(page: XeroExportsPage, demo: DemoSession) -> None:
    """Fix one cause in Xero, tick that invoice and INV-0042, Resync, wait for the result."""
    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    model = page.failed_model
    ids = [model.record_at(r).invoice_id for r in range(model.rowCount())]
    ticked = [
        i
        for i in ids
        if model.record_of(i).client == seed.DEMO_ARCHIVED_CONTACT or model.record_of(i).number == "INV-0042"
    ]
    model.checks.set_checked(ticked, True)
    loop = QEventLoop()
    page.failed.resync_finished.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    page.failed.resync_bar.button.click()
    loop.exec()


def take(out_dir: Path, data_dir: Path, settings: QSettings) -> list[Path]:
    window, demo = exports_window(data_dir, settings)
    try:
        window.show()
        page = window.xero_exports.page
        assert page is not None
        window.invoice_manager.tabs.setCurrentWidget(page)
        QApplication.processEvents()
        resync_two(page, demo)
        QApplication.processEvents()
        tip, hovered = show_tooltip(page, "INV-0042")
        failed = grab_with_tooltip(window, tip, hovered)
        QToolTip.hideText()
        page.tiles.select(Tile.SYNCED)
        QApplication.processEvents()
        synced = window.grab()
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = [out_dir / "xero-exports-failed.png", out_dir / "xero-exports-synced.png"]
        for shot, path in zip((failed, synced), paths, strict=True):
            assert shot.save(str(path)), path
        return paths
    finally:
        page = window.xero_exports.page
        if page is not None:
            page.failed.shutdown()
        window.close()
        demo.stop()


def test_screenshots_show_the_tiles_and_the_tooltip(qtbot, tmp_path, db, data_dir, qsettings):
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
        demo.stop()


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else REPO / "docs" / "screenshots"
    app = QApplication.instance() or QApplication(argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "company"
        data_dir.mkdir()
        open_database(data_dir / "company.sqlite3", data_dir / "backups")
        try:
            settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
            for path in take(out_dir, data_dir, settings):
                print(path)
        finally:
            close_database()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
