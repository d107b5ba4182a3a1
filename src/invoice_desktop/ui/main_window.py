"""The main window (placeholder until the Invoice Manager lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from invoice_desktop import APP_NAME
from invoice_desktop.cli import AppContext


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle(APP_NAME)
        self.setCentralWidget(QLabel("Invoice Desktop"))
