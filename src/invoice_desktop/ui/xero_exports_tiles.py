"""The two tiles across the top of the Xero Exports tab, **Failed (N)** and **Synced (N)**: checkable buttons, one
of them selected; the selected one decides the table below."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QSizePolicy, QToolButton, QWidget


class Tile(IntEnum):
    FAILED = 0
    SYNCED = 1


TILE_LABELS = {Tile.FAILED: "Failed", Tile.SYNCED: "Synced"}
TILE_HELP = {
    Tile.FAILED: "Invoices Xero refused or could not take: hover Sync Failed for the reason, tick and Resync",
    Tile.SYNCED: "Invoices that are in Xero",
}


def tile_title(tile: Tile, count: int) -> str:
    return f"{TILE_LABELS[tile]} ({count:,})"


class ExportTiles(QWidget):
    selected = Signal(int)  # a Tile

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[Tile, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for tile in Tile:
            button = QToolButton(self)
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setMinimumHeight(button.fontMetrics().height() * 3)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.25)
            font.setBold(True)
            button.setFont(font)
            button.setToolTip(TILE_HELP[tile])
            self.group.addButton(button, int(tile))
            self.buttons[tile] = button
            layout.addWidget(button)
        self.set_counts(0, 0)
        self.buttons[Tile.FAILED].setChecked(True)
        self.group.idToggled.connect(self._on_toggled)

    def current(self) -> Tile:
        return Tile(self.group.checkedId())

    def select(self, tile: Tile) -> None:
        self.buttons[tile].setChecked(True)

    def set_counts(self, failed: int, synced: int) -> None:
        for tile, count in ((Tile.FAILED, failed), (Tile.SYNCED, synced)):
            button = self.buttons[tile]
            button.setText(tile_title(tile, count))
            button.setAccessibleName(f"{TILE_LABELS[tile]} tile, {count} invoices")

    @Slot(int, bool)
    def _on_toggled(self, tile_id: int, checked: bool) -> None:
        if checked:
            self.selected.emit(tile_id)
