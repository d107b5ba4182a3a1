"""GUI fixtures: the demo company file, throwaway QSettings, and the main window on them; the sandbox demo (a
sandbox playing Xero on the sandbox_demo company file) and the main window talking to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from gui_books import TODAY, demo_books
from PySide6.QtCore import QSettings

from invoice_desktop.app_context import AppContext
from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.sandbox_demo import start_demo


@pytest.fixture
def books(db) -> dict[str, int]:
    return demo_books()


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    """Window settings in a temp file, never the user's."""
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def app_context(data_dir: Path) -> AppContext:
    return AppContext(paths=AppPaths(data_dir), endpoints=XeroEndpoints.real(), client_id=None)


@pytest.fixture
def main_window(qtbot, app_context, qsettings, books):
    from invoice_desktop.ui.main_window import MainWindow

    window = MainWindow(app_context, settings=qsettings, today=lambda: TODAY)
    qtbot.addWidget(window)
    return window


@pytest.fixture
def demo(db, data_dir):
    """The sandbox demo: the in-process sandbox and the demo company file (sandbox_demo), stopped afterwards."""
    session = start_demo(AppPaths(data_dir))
    yield session
    session.stop()


@pytest.fixture
def window(qtbot, demo, app_context, qsettings):
    """The main window on the sandbox demo, shown; its export runs are stopped and waited for afterwards."""
    from invoice_desktop.ui.main_window import MainWindow

    ctx = replace(app_context, endpoints=demo.sandbox.endpoints, xero_admin_url=demo.admin_url)
    main = MainWindow(ctx, settings=qsettings)
    qtbot.addWidget(main)
    main.show()
    yield main
    main.auto_export.shutdown()
    main.xero_exports.shutdown()
