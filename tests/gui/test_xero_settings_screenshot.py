"""Settings > Xero as a person sees it: connected to the sandbox's demo organisation with a mapping filled in.

The test checks that nothing is clipped; run as a script it saves docs/screenshots/xero-settings.png:
QT_QPA_PLATFORM=offscreen .venv/bin/python tests/gui/test_xero_settings_screenshot.py [OUT.png]
"""

from __future__ import annotations

import sys
import tempfile
import urllib.request
import webbrowser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gui_books import demo_books
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from invoice_desktop.app_context import AppContext
from invoice_desktop.config import AppPaths
from invoice_desktop.ledger import catalog
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox.server import RunningSandbox, start_sandbox
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.ui.xero_settings_dialog import XeroSettingsDialog
from invoice_desktop.xero.connect import ConnectOptions, connect
from invoice_desktop.xero.settings import Destination
from invoice_desktop.xero.settings_edit import SettingsChange, change_settings
from invoice_desktop.xero.xero_cache import load_cache

REPO = Path(__file__).resolve().parents[2]
SIZE = (980, 640)


def _follow_redirects(url: str, *args: object, **kwargs: object) -> bool:
    with urllib.request.urlopen(url, timeout=10) as reply:
        reply.read()
    return True


def connected_dialog(data_dir: Path, sandbox: RunningSandbox) -> XeroSettingsDialog:
    """The demo company file connected to the demo organisation, a mapping saved, the dialog on it."""
    demo_books()
    catalog.get_or_create_account("210", "Supplies")
    catalog.get_or_create_account("4000", "Consulting")
    ctx = AppContext(paths=AppPaths(data_dir), endpoints=sandbox.endpoints, client_id=None)
    opener, webbrowser.open = webbrowser.open, _follow_redirects
    try:
        connect(ctx.paths, ctx.endpoints, ConnectOptions(tenant=seed.DEMO_TENANT_ID, port=0, timeout=20))
    finally:
        webbrowser.open = opener
    change = SettingsChange(
        enabled=True,
        destination=Destination.AWAITING_PAYMENT,
        income_account="200",
        account_map={"210": "260", "4000": "200"},
        tax_map={"GST on Income": "OUTPUT"},
        tracking=(seed.DEMO_TRACKING_CATEGORY,),
    )
    change_settings(change, load_cache())
    dialog = XeroSettingsDialog(ctx)
    dialog.resize(*SIZE)
    return dialog


def clipped(dialog: XeroSettingsDialog) -> list[str]:
    """Visible one-line labels and buttons narrower than their text needs."""
    found = []
    for widget in [*dialog.findChildren(QLabel), *dialog.findChildren(QAbstractButton)]:
        if not widget.isVisibleTo(dialog) or (isinstance(widget, QLabel) and widget.wordWrap()):
            continue
        if widget.width() < widget.sizeHint().width() or widget.height() < widget.minimumSizeHint().height():
            found.append(f"{type(widget).__name__} {widget.text()!r}: {widget.size()} < {widget.sizeHint()}")
    return found


def test_nothing_is_clipped(qtbot, db, data_dir: Path, tmp_path: Path) -> None:
    with start_sandbox(auto_approve=True) as sandbox:
        dialog = connected_dialog(data_dir, sandbox)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.connection.organisation.text() == seed.DEMO_ORG_NAME
        assert dialog.form.accounts.combo("210").currentText() == "260 — Other Revenue"
        assert clipped(dialog) == []
        assert not dialog.grab().isNull()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots" / "xero-settings.png"
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp, start_sandbox(auto_approve=True) as sandbox:
        data_dir = Path(tmp)
        open_database(data_dir / "company.sqlite3", data_dir / "backups")
        try:
            dialog = connected_dialog(data_dir, sandbox)
            dialog.show()
            app.processEvents()
            for problem in clipped(dialog):
                print(f"clipped: {problem}", file=sys.stderr)
            out.parent.mkdir(parents=True, exist_ok=True)
            dialog.grab().save(str(out))
            dialog.close()
        finally:
            close_database()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
