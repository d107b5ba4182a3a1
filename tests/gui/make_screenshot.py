"""Save docs/screenshots/main-window.png: the main window on the demo company file (offscreen, no display needed).

QT_QPA_PLATFORM=offscreen .venv/bin/python tests/gui/make_screenshot.py [OUT.png] [--tab draft|awaiting-payment|...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gui_books import TODAY, demo_books
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from invoice_desktop.cli import AppContext
from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.ui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(REPO / "docs" / "screenshots" / "main-window.png"))
    parser.add_argument("--tab", default=Tab.AWAITING_PAYMENT.value, choices=[t.value for t in Tab if t is not Tab.ALL])
    parser.add_argument("--size", default="1100x640")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        open_database(data_dir / "company.sqlite3", data_dir / "backups")
        try:
            demo_books()
            ctx = AppContext(paths=AppPaths(data_dir), endpoints=XeroEndpoints.real(), client_id=None)
            settings = QSettings(str(data_dir / "window.ini"), QSettings.Format.IniFormat)
            window = MainWindow(ctx, settings=settings, today=lambda: TODAY)
            width, height = (int(n) for n in args.size.split("x"))
            window.resize(width, height)
            window.invoice_manager.show_tab(Tab(args.tab))
            window.show()
            app.processEvents()
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(args.out)
            window.close()
        finally:
            close_database()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
