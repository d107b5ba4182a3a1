"""Puts the Xero Exports tab in the Invoice Manager while the Xero interface is set up and enabled (or its
connection dropped), and takes it away when it is not set up (after Settings > Xero disconnects, say) or disabled;
the invoice lists' Xero column follows the same rule (`shows_xero`). Keeps the tab title's failed count current.

The main window calls `follow(state)` whenever it shows the Xero status (start-up, Settings > Xero closed, a
Resync that changed the connection), hands `on_xero_changed` its status-bar update (called after a Resync with the
JobFailure that says the connection dropped, or None) and `gate` the export gate it shares with the automatic
export, and calls `stop()` when it closes (and waits for the jobs it hands back).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Slot

from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.export_gate import ExportGate
from invoice_desktop.jobs.failure import JobFailure
from invoice_desktop.jobs.worker import Job
from invoice_desktop.ui.invoice_manager import InvoiceManager
from invoice_desktop.ui.xero_exports_page import PAGE_LABEL, XeroExportsPage, page_title
from invoice_desktop.xero.settings import InterfaceState


def is_set_up(state: InterfaceState) -> bool:
    """Set up: connected, even while disabled or dropped (Invoice Information's Xero actions stay usable)."""
    return state is not InterfaceState.NOT_SET_UP


def shows_xero(state: InterfaceState) -> bool:
    """The Xero Exports tab and the Xero column show: the interface is set up and enabled, or its connection dropped
    (the failures are to be seen and fixed); not while it is not set up or is disabled."""
    return state in (InterfaceState.CONNECTED, InterfaceState.DROPPED)


class XeroExportsTab(QObject):
    def __init__(
        self,
        ctx: AppContext,
        manager: InvoiceManager,
        on_xero_changed: Callable[[JobFailure | None], None] | None = None,
        gate: ExportGate | None = None,
    ) -> None:
        super().__init__(manager)
        self.ctx = ctx
        self.manager = manager
        self.page: XeroExportsPage | None = None
        self.gate = gate if gate is not None else ExportGate(self)
        self._on_xero_changed = on_xero_changed
        manager.refreshed.connect(self._on_manager_refreshed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @property
    def shown(self) -> bool:
        return self.page is not None and self.manager.tabs.indexOf(self.page) >= 0

    def follow(self, state: InterfaceState) -> None:
        shown = shows_xero(state)
        self.manager.show_xero_column(shown)
        if shown and not self.shown:
            self._add()
        elif not shown and self.shown:
            self._remove()

    def _add(self) -> None:
        page = XeroExportsPage(self.ctx, self.manager.tabs, self.gate)
        page.invoice_activated.connect(self.manager.invoice_activated)
        page.counts_changed.connect(self._on_counts_changed)
        page.failed.xero_changed.connect(self._xero_changed)
        # this tab now; the counts in the other tabs' titles (and their Xero column when next shown) a moment later
        page.failed.resync_finished.connect(self.manager.refresh_in_steps)
        self.page = page
        self.manager.add_page(page, PAGE_LABEL, page.refresh, page.refresh_in_steps)
        page.update_counts()

    def _remove(self) -> None:
        page, self.page = self.page, None
        if page is None:
            return
        page.failed.shutdown()
        self.manager.remove_page(page)
        page.deleteLater()

    @Slot()
    def _on_manager_refreshed(self) -> None:
        if self.page is not None and self.manager.current_page() is not self.page:
            self.page.update_counts()  # the page on show read them already

    @Slot(int, int)
    def _on_counts_changed(self, failed: int, _synced: int) -> None:
        if self.page is None:
            return
        index = self.manager.tabs.indexOf(self.page)
        if index >= 0:
            self.manager.tabs.setTabText(index, page_title(failed))
            self.manager.tabs.tabBar().setAccessibleTabName(index, f"{PAGE_LABEL}, {failed} failed")

    @Slot(object)
    def _xero_changed(self, dropped: JobFailure | None) -> None:
        if self._on_xero_changed is not None:
            self._on_xero_changed(dropped)

    def stop(self) -> list[Job]:
        """Ask a running Resync to stop between batches; its worker is handed back for the caller to wait for."""
        return self.page.failed.stop() if self.page is not None else []

    @Slot()
    def shutdown(self) -> None:
        """Stop a running Resync between batches and wait a while for its thread (the app quits)."""
        if self.page is not None:
            self.page.failed.shutdown()
