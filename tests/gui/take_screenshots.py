"""The README's and docs' screenshots, taken on the `invoice-desktop --sandbox` demo company file (sandbox_demo:
the in-process sandbox, a fresh demo company connected to its demo organisation, five invoices Xero refused).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/gui/take_screenshots.py [OUT_DIR] [--variant=dark|200]
    xvfb-run -a .venv/bin/python tests/gui/take_screenshots.py [OUT_DIR]        # or under Xvfb

Saves, in OUT_DIR (default docs/screenshots/):
- main-window.png (the Awaiting Payment tab), tab-draft.png, tab-overdue.png, tab-paid.png: the invoice tabs;
- resync-in-progress.png: the five failed invoices ticked and resynced, the worker held after two of them (one
  invoice per batch, the third batch held before it is sent: progress "2 of 5", its row "Sending…");
- resync-result.png: the message at the end ("1 exported (INV-0012), 4 still failing: …");
- xero-exports-failed.png: the Failed tile with the Sync Failed tooltip of INV-0042 showing;
- xero-exports-synced.png: the Synced tile;
- invoice-information.png: Invoice Information of INV-0042 (its Xero panel: the error and the attempts);
- credit-note-dialog.png: Options > Credit note… on a synced invoice, line 1 lowered, a reason;
- invoice-information-credit-note.png: that invoice's Invoice Information, its credit note listed;
- tab-credit-notes.png: the Credit Notes tab once that credit note is sent and allocated in Xero;
- xero-exports-synced-money.png: the Synced tile once a payment recorded here has gone to Xero, with its Type;
- xero-settings.png: Business > Settings > Xero, connected to the demo organisation;
- xero-exports-failed-dark.png: the Failed tile and its tooltip in the dark palette (INVOICE_DESKTOP_COLOUR_SCHEME=dark,
  as a dark desktop gives it), and main-window-200.png: the Awaiting Payment tab at 200% (QT_SCALE_FACTOR=2), each
  taken by the script run again in a process of its own with that setting (both are read when Qt starts).

Not a test (pytest collects test_*.py only); tests/gui/test_xero_exports_screenshot.py checks what the pictures
rely on (the tooltip, the tiles, nothing clipped) with the helpers here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QSettings
from PySide6.QtGui import QHelpEvent, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from invoice_desktop.app_context import AppContext
from invoice_desktop.config import AppPaths
from invoice_desktop.desk import save_desk
from invoice_desktop.ledger.credit_notes import list_credit_notes
from invoice_desktop.ledger.invoices import get_invoice_detail, invoice_ids_by_number, record_payment
from invoice_desktop.ledger.queries import Tab, list_invoices
from invoice_desktop.sandbox import seed
from invoice_desktop.sandbox_demo import DemoSession, start_demo
from invoice_desktop.store.database import close_database, open_database
from invoice_desktop.store.models import CreditNoteStatus, ExportState, XeroPaymentExport
from invoice_desktop.ui.colour_scheme import ENV_COLOUR_SCHEME, follow_colour_scheme
from invoice_desktop.ui.invoice_information import InvoiceInformation
from invoice_desktop.ui.main_window import MainWindow
from invoice_desktop.ui.models.xero_failed_model import STATUS_COLUMN
from invoice_desktop.ui.xero_exports_page import XeroExportsPage
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.xero.client import XeroClient
from invoice_desktop.xero.exporter import Exporter
from invoice_desktop.xero.settings import load_settings, save_settings

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_DESK_USER = "robin"
SIZE = (1100, 640)
INFORMATION_SIZE = (880, 700)
SETTINGS_SIZE = (1120, 640)
TIMEOUT = 60.0  # seconds to wait for the sandbox and the worker
TAB_FILES = {
    Tab.AWAITING_PAYMENT: "main-window.png",
    Tab.DRAFT: "tab-draft.png",
    Tab.OVERDUE: "tab-overdue.png",
    Tab.PAID: "tab-paid.png",
}
TOOLTIP_INVOICE = seed.DEMO_TAKEN_INVOICE_NUMBER  # INV-0042: Xero has that number already


# --- helpers (also used by test_xero_exports_screenshot.py) --------------------------------------------------------


def exports_window(data_dir: Path, settings: QSettings) -> tuple[MainWindow, DemoSession]:
    """The main window on the sandbox demo company file in data_dir (whose database is open), as --sandbox opens it."""
    demo = start_demo(AppPaths(data_dir))
    ctx = AppContext(
        paths=AppPaths(data_dir), endpoints=demo.sandbox.endpoints, client_id=None, xero_admin_url=demo.admin_url
    )
    window = MainWindow(ctx, settings=settings)
    window.resize(*SIZE)
    return window, demo


def wait_until(condition: Callable[[], object], timeout: float = TIMEOUT, what: str = "") -> None:
    """Run the event loop until `condition()` holds."""
    remaining = int(timeout * 1000)
    while not condition():
        if remaining <= 0:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        QTest.qWait(10)
        remaining -= 10


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


class HeldEngine:
    """An export engine sending one invoice per batch, one batch at a time, whose run waits, before batch number
    `hold_at`, until `release()`: a Resync stops there, deterministically, with its progress bar part-way."""

    def __init__(self, hold_at: int) -> None:
        self.hold_at = hold_at
        self.runs = 0
        self.reached = threading.Event()
        self._go = threading.Event()

    def __call__(self, client: XeroClient) -> Exporter:
        exporter = Exporter(client, batch_size=1, in_flight=1)  # one invoice a step: the run can be held part-way
        run = exporter.run

        def held_run(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
            self.runs += 1
            if self.runs == self.hold_at:
                self.reached.set()
                self._go.wait(TIMEOUT)
            return run(*args, **kwargs)  # type: ignore[arg-type]

        exporter.run = held_run  # type: ignore[method-assign]
        return exporter

    def release(self) -> None:
        self._go.set()


# --- the pictures -----------------------------------------------------------------------------------------------


def save(shot: QPixmap, path: Path, saved: list[Path]) -> None:
    assert shot.save(str(path)), path
    saved.append(path)


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()
    QTest.qWait(50)


def invoice_tabs(window: MainWindow, out_dir: Path, saved: list[Path]) -> None:
    for tab, name in TAB_FILES.items():
        window.invoice_manager.show_tab(tab)
        settle()
        save(window.grab(), out_dir / name, saved)


def xero_exports(window: MainWindow, demo: DemoSession, out_dir: Path, saved: list[Path]) -> None:
    page = window.xero_exports.page
    assert page is not None, "the demo company file is connected: the Xero Exports tab is there"
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.show_tile(Tile.FAILED)
    settle()

    # Resync every failed invoice after fixing one cause in Xero; held after two of the five
    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    engine = HeldEngine(hold_at=3)
    page.failed.exporter_factory = engine
    model = page.failed_model
    model.checks.set_all(True)
    total = len(model.checks)
    finished: list[bool] = []
    page.failed.resync_finished.connect(lambda: finished.append(True))
    try:
        page.failed.resync_bar.button.click()
        wait_until(engine.reached.is_set, what="the third batch")
        wait_until(lambda: page.failed.progress.bar.value() == 2, what="the progress bar at 2")
        wait_until(lambda: any(model.is_sending(i) for i in model.loaded_ids()), what="a row reading Sending…")
        settle()
        assert page.failed.progress.isVisible(), "the progress bar shows during a Resync"
        save(window.grab(), out_dir / "resync-in-progress.png", saved)
    finally:
        engine.release()
    wait_until(lambda: finished, what="the end of the Resync")
    settle()
    summary = page.failed.last_summary
    assert summary is not None and len(summary.outcomes) == total, summary
    assert page.failed.resync_bar.message.isVisible()
    save(window.grab(), out_dir / "resync-result.png", saved)

    tip, hovered = show_tooltip(page, TOOLTIP_INVOICE)
    save(grab_with_tooltip(window, tip, hovered), out_dir / "xero-exports-failed.png", saved)
    QToolTip.hideText()
    settle()

    page.show_tile(Tile.SYNCED)
    settle()
    save(window.grab(), out_dir / "xero-exports-synced.png", saved)


def invoice_information(window: MainWindow, out_dir: Path, saved: list[Path]) -> None:
    invoice_id = invoice_ids_by_number([TOOLTIP_INVOICE])[TOOLTIP_INVOICE]
    dialog = window.invoice_windows.open_invoice(invoice_id)
    assert dialog is not None
    dialog.resize(*INFORMATION_SIZE)
    settle()
    save(dialog.grab(), out_dir / "invoice-information.png", saved)
    dialog.close()


def credit_notes(window: MainWindow, out_dir: Path, saved: list[Path]) -> None:
    """Options > Credit note… on a synced invoice (line 1 lowered, a reason), then the Credit Notes tab once the
    window's export has sent and allocated it."""
    row = next(
        r
        for r in list_invoices(Tab.AWAITING_PAYMENT)
        if r.xero_state == ExportState.SYNCED.value and r.amount_paid == 0 and not r.xero_flag
    )
    info = window.invoice_windows.open_invoice(row.id)
    assert isinstance(info, InvoiceInformation)
    dialog = info.open_credit_note()
    dialog.amounts[0].setText(str((get_invoice_detail(row.id).lines[0].line_amount / 4).quantize(Decimal("0.01"))))
    dialog.reason_edit.setText("Goodwill: late delivery")
    settle()
    save(dialog.grab(), out_dir / "credit-note-dialog.png", saved)
    dialog.ok_button.click()
    settle()
    wait_until(lambda: list_credit_notes()[0].status is CreditNoteStatus.ALLOCATED, what="the credit note allocated")
    wait_until(lambda: not window.auto_export.running, what="the export run to end")
    info.reload()
    info.resize(*INFORMATION_SIZE)
    settle()
    save(info.grab(), out_dir / "invoice-information-credit-note.png", saved)
    info.close()
    window.invoice_manager.refresh()
    window.invoice_manager.show_credit_notes()
    settle()
    save(window.grab(), out_dir / "tab-credit-notes.png", saved)


def money_in_synced(window: MainWindow, out_dir: Path, saved: list[Path]) -> None:
    """With "Send payments recorded here to Xero" on, a part payment recorded on a synced invoice goes to Xero; the
    Synced tile then lists invoices, that payment and the credit note, each with its Type."""
    settings = load_settings()
    settings.payments_account, settings.send_payments = seed.DEMO_BANK_ACCOUNT, True
    save_settings(settings, check=False)
    row = next(
        r
        for r in list_invoices(Tab.AWAITING_PAYMENT)
        if r.xero_state == ExportState.SYNCED.value and r.amount_paid == 0 and not r.xero_flag
    )
    record_payment(row.id, date.today(), (row.total / 2).quantize(Decimal("0.01")), reference="Bank transfer")
    window.auto_export.request_run()
    synced = XeroPaymentExport.state == ExportState.SYNCED.value
    wait_until(lambda: XeroPaymentExport.select().where(synced).count() == 1, what="the payment sent to Xero")
    wait_until(lambda: not window.auto_export.running, what="the export run to end")
    page = window.xero_exports.page
    assert isinstance(page, XeroExportsPage)
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.refresh()
    page.show_tile(Tile.SYNCED)
    settle()
    save(window.grab(), out_dir / "xero-exports-synced-money.png", saved)


def xero_settings(window: MainWindow, out_dir: Path, saved: list[Path]) -> None:
    window.show_xero_settings()
    dialog = window.xero_settings_dialog
    assert dialog is not None
    dialog.resize(*SETTINGS_SIZE)
    wait_until(lambda: dialog.job is None, what="Settings > Xero to finish reading Xero")
    settle()
    save(dialog.grab(), out_dir / "xero-settings.png", saved)
    dialog.close()


def failed_dark(window: MainWindow, _demo: DemoSession, out_dir: Path, saved: list[Path]) -> None:
    page = window.xero_exports.page
    assert page is not None
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.show_tile(Tile.FAILED)
    page.failed_model.checks.set_all(True)
    settle()
    tip, hovered = show_tooltip(page, TOOLTIP_INVOICE)
    save(grab_with_tooltip(window, tip, hovered), out_dir / "xero-exports-failed-dark.png", saved)
    QToolTip.hideText()


def main_window_200(window: MainWindow, _demo: DemoSession, out_dir: Path, saved: list[Path]) -> None:
    window.invoice_manager.show_tab(Tab.AWAITING_PAYMENT)
    settle()
    shot = window.grab()
    assert shot.devicePixelRatio() == 2, "QT_SCALE_FACTOR=2: the window is drawn at twice its pixels"
    save(shot, out_dir / "main-window-200.png", saved)


def all_of_them(window: MainWindow, demo: DemoSession, out_dir: Path, saved: list[Path]) -> None:
    invoice_tabs(window, out_dir, saved)
    xero_exports(window, demo, out_dir, saved)
    invoice_information(window, out_dir, saved)
    credit_notes(window, out_dir, saved)
    money_in_synced(window, out_dir, saved)
    xero_settings(window, out_dir, saved)


Pictures = Callable[[MainWindow, DemoSession, Path, list[Path]], None]
# A variant: what Qt is told when it starts (so a process of its own), and the pictures taken with it.
VARIANTS: dict[str, tuple[dict[str, str], Pictures]] = {
    "dark": ({ENV_COLOUR_SCHEME: "dark"}, failed_dark),
    "200": ({"QT_SCALE_FACTOR": "2"}, main_window_200),
}


def take(out_dir: Path, data_dir: Path, settings: QSettings, pictures: Pictures = all_of_them) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    window, demo = exports_window(data_dir, settings)
    try:
        window.show()
        settle()
        pictures(window, demo, out_dir, saved)
        return saved
    finally:
        page = window.xero_exports.page
        if page is not None:
            page.failed.shutdown()
        window.close()
        demo.stop()


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--variant=")]
    variant = next((a.removeprefix("--variant=") for a in argv[1:] if a.startswith("--variant=")), "")
    out_dir = Path(args[0]) if args else REPO / "docs" / "screenshots"
    app = QApplication.instance() or QApplication(argv[:1])
    assert isinstance(app, QApplication)
    follow_colour_scheme(app)  # as the window's start does (ui.app)
    pictures = VARIANTS[variant][1] if variant else all_of_them
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "company"
        data_dir.mkdir()
        save_desk(AppPaths(data_dir), SCREENSHOT_DESK_USER)  # not whoever runs the script
        open_database(data_dir / "company.sqlite3", data_dir / "backups")
        try:
            settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
            for path in take(out_dir, data_dir, settings, pictures):
                print(path)
        finally:
            close_database()
    del app
    if not variant:
        for name, (environment, _pictures) in VARIANTS.items():
            command = [sys.executable, __file__, str(out_dir), f"--variant={name}"]
            subprocess.run(command, env={**os.environ, **environment}, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
