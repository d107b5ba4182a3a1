"""The Xero Exports tab (docs/product.md §2): the tiles **Failed (N)** and **Synced (N)** across the top, and the table
of the selected tile below (xero_exports_failed, xero_exports_synced).

Counts come from one grouped query (xero.status.export_counts); each table from one query of its own, read when
it is shown. During a Resync the counts follow the exported invoices live (a few at a time).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from invoice_desktop.app_context import AppContext
from invoice_desktop.jobs.export_gate import ExportGate
from invoice_desktop.store.models import ExportState
from invoice_desktop.ui.event_steps import next_step, read_off_thread
from invoice_desktop.ui.models.xero_failed_model import FailedTableModel
from invoice_desktop.ui.models.xero_synced_model import SyncedTableModel
from invoice_desktop.ui.xero_exports_failed import FailedPanel
from invoice_desktop.ui.xero_exports_synced import SyncedPanel
from invoice_desktop.ui.xero_exports_tiles import ExportTiles, Tile
from invoice_desktop.xero.status import export_counts

PAGE_LABEL = "Xero Exports"


def page_title(failed: int) -> str:
    return f"{PAGE_LABEL} ({failed:,})"


class XeroExportsPage(QWidget):
    invoice_activated = Signal(int)
    counts_changed = Signal(int, int)  # failed, synced

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, gate: ExportGate | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(PAGE_LABEL)
        self.failed_count = 0
        self.synced_count = 0
        self.tiles = ExportTiles(self)
        self.failed = FailedPanel(ctx, parent=self, gate=gate)
        self.synced = SyncedPanel(ctx, parent=self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.failed)
        self.stack.addWidget(self.synced)
        self._stale: set[Tile] = set(Tile)

        for panel in (self.failed, self.synced):
            panel.invoice_activated.connect(self.invoice_activated)
        self.tiles.selected.connect(self._on_tile_selected)
        self.failed.invoices_exported.connect(self._on_invoices_exported)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tiles)
        layout.addWidget(self.stack, 1)

    @property
    def failed_model(self) -> FailedTableModel:
        return self.failed.model

    @property
    def synced_model(self) -> SyncedTableModel:
        return self.synced.model

    def show_tile(self, tile: Tile) -> None:
        self.tiles.select(tile)

    @Slot()
    def refresh(self) -> None:
        """Re-read the counts and the table on show (the other when its tile is next chosen)."""
        self.update_counts()
        self._stale = set(Tile)
        self._show(self.tiles.current())

    def refresh_in_steps(self, then: Callable[[], None]) -> None:
        """As `refresh`, the counts now and the table once the event loop has turned (after a big Resync, the two
        in one go held the window up longer than a frame; the counts are read off the GUI thread), then `then`."""
        read_off_thread(self, lambda: export_counts(payments=True), self._show_counts, idle=True)
        self._stale = set(Tile)

        def table() -> None:
            self._show(self.tiles.current(), later=True)
            then()

        next_step(self, table)

    def update_counts(self) -> None:
        self._show_counts(export_counts(payments=True))

    def _show_counts(self, counts: dict[str, int]) -> None:
        self._set_counts(counts[ExportState.FAILED.value], counts[ExportState.SYNCED.value])

    def _set_counts(self, failed: int, synced: int) -> None:
        self.failed_count, self.synced_count = failed, synced
        self.tiles.set_counts(failed, synced)
        self.counts_changed.emit(failed, synced)

    @Slot(int)
    def _on_tile_selected(self, tile: int) -> None:
        self._show(Tile(tile))

    def _show(self, tile: Tile, later: bool = False) -> None:
        """The tile's table; read again if stale (with `later`, off the GUI thread)."""
        panel = self.failed if tile is Tile.FAILED else self.synced
        self.stack.setCurrentWidget(panel)
        if tile in self._stale:
            self._stale.discard(tile)
            panel.reload(later)

    @Slot(list)
    def _on_invoices_exported(self, keys: list[int]) -> None:
        """Rows (invoices and payments, by row key) that reached Xero in a Resync."""
        self._stale.add(Tile.SYNCED)
        self._set_counts(max(self.failed_count - len(keys), 0), self.synced_count + len(keys))
