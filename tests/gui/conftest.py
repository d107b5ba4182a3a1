"""GUI fixtures: the demo company file, throwaway QSettings, and the main window on them."""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import pytest
from gui_books import TODAY, demo_books
from PySide6.QtCore import QSettings

from invoice_desktop.cli import AppContext
from invoice_desktop.config import AppPaths, XeroEndpoints


def _pin_singletons() -> None:
    """Work around a PySide6 6.12 reference-count bug on Python 3.11.

    `Signal.disconnect()` drops a reference to the True it returns, and turning an empty QVariant into None
    (`index.data(role)` with nothing there) drops one to None. pytest-qt disconnects 21 signals after every
    `qtmodeltester.check` and more after each `waitSignal`, so after a few GUI tests True's count reaches zero
    and the interpreter aborts at exit ("bool_dealloc: deallocating True or False"). On 3.12+ these objects are
    immortal and nothing needs doing; here each gets a large number of references that are never released.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    for singleton in (True, False, None):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 32


_pin_singletons()


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
