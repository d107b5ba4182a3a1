"""GUI fixtures: the demo company file, throwaway QSettings, and the main window on them."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_books import TODAY, demo_books
from PySide6.QtCore import QSettings

from invoice_desktop.cli import AppContext
from invoice_desktop.config import AppPaths, XeroEndpoints


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
