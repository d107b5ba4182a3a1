"""Starting the window: the QApplication, the main window, and the --sandbox demo."""

from __future__ import annotations

import argparse
import sys

from invoice_desktop.cli import AppContext


def _application():
    from PySide6.QtWidgets import QApplication

    from invoice_desktop import APP_ID, APP_NAME

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    return app


def run_window(ctx: AppContext) -> int:
    from invoice_desktop.ui.main_window import MainWindow

    app = _application()
    window = MainWindow(ctx)
    window.show()
    return app.exec()


def run_sandbox_demo(args: argparse.Namespace) -> int:
    raise SystemExit("invoice-desktop --sandbox: the sandbox demo is not built yet")
