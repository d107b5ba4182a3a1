"""Another desk, for the live-view test: in a process of its own (so a connection of its own to the company file),
the real window ticks one draft on its Draft tab and clicks Approve, prints "approved" once the approval is
committed, and closes.

    python desk_approves.py DATA_DIR INVOICE_NUMBER [DATABASE_URL]

With DATABASE_URL the company file is that PostgreSQL database (team mode), else the SQLite file in DATA_DIR.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from invoice_desktop.app_context import AppContext
from invoice_desktop.config import AppPaths, XeroEndpoints
from invoice_desktop.desk import set_current_user
from invoice_desktop.ledger.invoices import invoice_ids_by_number
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.ui.draft_page import DraftListPage
from invoice_desktop.ui.main_window import MainWindow


def main(data_dir: str, number: str, database_url: str | None = None) -> int:
    app = QApplication([])
    paths = AppPaths(Path(data_dir), database_url=database_url)
    open_database(paths.company_location)
    set_current_user("desk-a")
    settings = QSettings(str(Path(data_dir) / "desk-a-window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(AppContext(paths, XeroEndpoints.real(), None), settings=settings)
    window.show()
    page = window.invoice_manager.pages[Tab.DRAFT]
    assert isinstance(page, DraftListPage)
    page.model.checks.set_checked([invoice_ids_by_number([number])[number]], True)
    page.approve_bar.button.click()  # Approve: the approval is committed when the click returns
    print(page.approve_bar.message.text(), flush=True)
    print("approved", flush=True)
    window.close()
    app.processEvents()
    close_database()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
