"""The main window: menus (File, Business, Help), the Invoice Manager in the middle, the Xero status below.

Quitting closes the open windows first (one with unsaved changes asks), then asks every running job to stop (the
automatic export, a Resync, the jobs of Settings > Xero and Invoice Information) and waits for them, QUIT_WAIT_MS in
all: a job still in a Xero call then is named in the log and left to end on its own, and the window closes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QSettings, QUrl, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QMessageBox, QStackedWidget

from invoice_desktop import APP_NAME, __version__
from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.export_gate import ExportGate
from invoice_desktop.jobs.failure import JobFailure
from invoice_desktop.jobs.worker import running_jobs, stop_jobs
from invoice_desktop.ui.auto_export import AutoExporter
from invoice_desktop.ui.clients_view import ClientsView
from invoice_desktop.ui.engine_xero_actions import EngineXeroActions
from invoice_desktop.ui.invoice_manager import InvoiceManager
from invoice_desktop.ui.invoice_windows import InvoiceWindows
from invoice_desktop.ui.live_view import LiveView
from invoice_desktop.ui.models.invoice_table_model import DEFAULT_PAGE_SIZE
from invoice_desktop.ui.sandbox_address import SandboxAddressDialog
from invoice_desktop.ui.xero_exports_tab import XeroExportsTab, is_set_up
from invoice_desktop.ui.xero_settings_dialog import XeroSettingsDialog
from invoice_desktop.ui.xero_status import ConnectionGlance, XeroStatusLabel

GEOMETRY_KEY = "main_window/geometry"
DEFAULT_SIZE = (1100, 680)
QUIT_WAIT_MS = 10_000  # on quit, for the jobs still running, in all; a Xero call in flight may take longer


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: AppContext,
        settings: QSettings | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.settings = settings if settings is not None else QSettings()
        self.setWindowTitle(APP_NAME)

        self.invoice_manager = InvoiceManager(page_size=page_size, today=today)
        self.invoice_windows = InvoiceWindows(self, today=today)  # Invoice Information and the editor
        self.invoice_manager.invoice_activated.connect(self.invoice_windows.open_invoice)
        self.invoice_windows.invoices_changed.connect(self.invoice_manager.refresh)
        self.invoice_windows.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.clients_view = ClientsView(self.invoice_windows)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.invoice_manager)
        self.pages.addWidget(self.clients_view)
        self.setCentralWidget(self.pages)

        self.xero_status = XeroStatusLabel(self)
        self.statusBar().addPermanentWidget(self.xero_status)
        self.xero_settings_dialog: XeroSettingsDialog | None = None
        self.sandbox_address: SandboxAddressDialog | None = None  # Help > Open Sandbox Xero's address
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl  # tests look instead of opening a browser
        self.export_gate = ExportGate(self)  # one export run at a time: a Resync or the automatic export
        self.xero_exports = XeroExportsTab(ctx, self.invoice_manager, self.show_run_trouble, self.export_gate)
        self.auto_export = AutoExporter(ctx, self.export_gate, self.statusBar(), self)
        # What the other desks change shows here without F5 (its own runs' writes are not news: see ui.live_view)
        self.live_view = LiveView(self, busy=lambda: self.export_gate.busy)
        self.live_view.changed.connect(self.follow_other_desks)
        self.auto_export.refresh_needed.connect(self.live_view.seen)  # first: the re-read below includes it all
        self.auto_export.refresh_needed.connect(self.invoice_manager.refresh)
        self.auto_export.xero_changed.connect(self.show_run_trouble)  # also reloads open Invoice Information
        self.invoice_manager.invoices_changed.connect(self.auto_export.request_run)  # the Draft tab's Approve
        self.invoice_windows.invoices_changed.connect(self.auto_export.request_run)  # the editor's Save & Approve
        self.update_xero_status()

        self._build_menus()
        self._restore_geometry()
        self.invoice_manager.refresh()
        self.auto_export.start()
        self.live_view.start()

    # --- menus ---

    def _build_menus(self) -> None:
        bar = self.menuBar()

        file_menu = bar.addMenu("&File")
        new_invoice = self.invoice_windows.new_invoice
        self.new_invoice_action = self._action("&New Invoice…", new_invoice, QKeySequence("Ctrl+N"))
        file_menu.addAction(self.new_invoice_action)
        file_menu.addSeparator()
        self.quit_action = self._action("&Quit", self.close, QKeySequence("Ctrl+Q"))
        file_menu.addAction(self.quit_action)

        business = bar.addMenu("&Business")
        self.invoices_action = self._action("&Invoices", self.show_invoices)
        self.clients_action = self._action("&Clients", self.show_clients)
        showing = QActionGroup(self)
        for action in (self.invoices_action, self.clients_action):
            action.setCheckable(True)
            showing.addAction(action)
            business.addAction(action)
        self.invoices_action.setChecked(True)
        business.addSeparator()
        self.refresh_action = self._action(
            "&Refresh", self.refresh, QKeySequence("F5"), *QKeySequence.keyBindings(QKeySequence.StandardKey.Refresh)
        )
        business.addAction(self.refresh_action)
        business.addSeparator()
        settings_menu = business.addMenu("&Settings")
        self.xero_settings_action = self._action("&Xero…", self.show_xero_settings)
        self.xero_settings_action.setStatusTip("Set up the Xero interface")
        settings_menu.addAction(self.xero_settings_action)

        help_menu = bar.addMenu("&Help")
        if self.ctx.xero_admin_url:
            self.sandbox_admin_action = self._action("Open &Sandbox Xero", self.open_sandbox_admin)
            self.sandbox_admin_action.setStatusTip("The built-in Xero's admin page: fix causes, switch faults")
            help_menu.addAction(self.sandbox_admin_action)
        self.about_action = self._action(f"&About {APP_NAME}", self.show_about)
        help_menu.addAction(self.about_action)

    def _action(self, text: str, slot: Callable[[], object], *shortcuts: QKeySequence) -> QAction:
        action = QAction(text, self)
        unique: list[QKeySequence] = []
        for shortcut in shortcuts:
            if shortcut not in unique:
                unique.append(shortcut)
        action.setShortcuts(unique)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work while menus are closed and whatever has focus
        return action

    # --- what is shown ---

    @Slot()
    def show_invoices(self) -> None:
        self.invoices_action.setChecked(True)
        if self.pages.currentWidget() is not self.invoice_manager:
            self.pages.setCurrentWidget(self.invoice_manager)
            self.invoice_manager.refresh()

    @Slot()
    def show_clients(self) -> None:
        self.clients_action.setChecked(True)
        self.pages.setCurrentWidget(self.clients_view)
        self.clients_view.refresh()

    @Slot()
    def refresh(self) -> None:
        """F5: re-read the counts and the list on show, then ask Xero in the background for what changed there."""
        if self.pages.currentWidget() is self.clients_view:
            self.clients_view.refresh()
        else:
            self.invoice_manager.refresh()
        self.auto_export.request_import()

    @Slot()
    def follow_other_desks(self) -> None:
        """Another desk changed the company file: the lists and counts on show, the open Invoice Information
        windows and the Xero status are read again (nothing asked of Xero; an editor keeps what is typed)."""
        if self.pages.currentWidget() is self.clients_view:
            self.clients_view.refresh()
        else:
            self.invoice_manager.refresh_in_steps()
        self.update_xero_status()  # also reloads the open Invoice Information windows

    @Slot()
    def show_xero_settings(self) -> None:
        """Business > Settings > Xero: one dialog at a time; the status bar follows it."""
        if self.xero_settings_dialog is None:
            dialog = XeroSettingsDialog(self.ctx, self)
            dialog.connection_changed.connect(self.update_xero_status)
            dialog.connection_changed.connect(self.auto_export.reconnected)  # resend what waited for it
            dialog.finished.connect(self._on_xero_settings_closed)
            self.xero_settings_dialog = dialog
        self.xero_settings_dialog.open()
        self.xero_settings_dialog.raise_()

    @Slot()
    def _on_xero_settings_closed(self) -> None:
        dialog, self.xero_settings_dialog = self.xero_settings_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        self.update_xero_status()

    @Slot()
    def update_xero_status(self) -> None:
        """The stored connection, in the status bar (and what follows it: the Xero Exports tab, the Xero actions)."""
        self._show_connection(ConnectionGlance.load())

    @Slot(object)
    def show_run_trouble(self, trouble: JobFailure | None) -> None:
        """After a Resync or an automatic run: the stored connection, red when the run's own trouble says the
        connection dropped (decided from the typed value the run sent, not from what is stored)."""
        glance = ConnectionGlance.load()
        if trouble is not None and trouble.connection_dropped:
            glance = glance.dropped_by(trouble.message)
        self._show_connection(glance)

    def _show_connection(self, glance: ConnectionGlance) -> None:
        self.xero_status.show_status(glance)
        self.xero_exports.follow(glance.state)  # the Xero Exports tab only while the interface is set up
        self.invoice_windows.set_xero_actions(EngineXeroActions(self.ctx) if is_set_up(glance.state) else None)

    @Slot()
    def open_sandbox_admin(self) -> SandboxAddressDialog | None:
        """Help > Open Sandbox Xero: the admin page in the browser, and its address in a small window (no browser
        may open: the address is there to copy)."""
        url = self.ctx.xero_admin_url
        if not url:
            return None
        opened = self.open_url(QUrl(url))
        if self.sandbox_address is None:  # one, shown again (not modal: the window stays usable)
            self.sandbox_address = SandboxAddressDialog(url, self)
        self.sandbox_address.show_address(opened)
        return self.sandbox_address

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<p><b>{APP_NAME}</b> {__version__}</p><p>Sales invoices kept in step with Xero.</p>"
            f"<p>Company file: {html.escape(str(self.ctx.paths.data_dir))}</p>",
        )

    # --- geometry ---

    def _restore_geometry(self) -> None:
        geometry = self.settings.value(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)

    def _close_open_windows(self) -> bool:
        """Close the invoice windows and Settings > Xero first: one with unsaved changes asks, and stays open (and
        so does the app) until the question is answered."""
        return all(dialog.close() for dialog in self.findChildren(QDialog) if dialog.isVisible())

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._close_open_windows():
            event.ignore()  # an editor (or Settings > Xero) has unsaved changes and asked first
            return
        # the automatic export and a Resync stop between batches; Settings > Xero's and Invoice Information's jobs
        # are cancelled: all are waited for together, a bounded time
        self.live_view.stop()
        stop_jobs([*self.auto_export.stop(), *self.xero_exports.stop(), *running_jobs()], QUIT_WAIT_MS)
        self.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
