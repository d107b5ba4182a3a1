"""The two tiles across the top of the Xero Exports tab, **Failed (N)** and **Synced (N)**: checkable buttons, one
of them selected; the selected one decides the table below. The selected tile is tinted with the palette's
highlight colour (the style's pressed shade alone was hard to tell apart in a dark palette)."""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
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
        self._tint_the_selected()
        self.group.idToggled.connect(self._on_toggled)

    def _tint_the_selected(self) -> None:
        for button in self.buttons.values():
            if button.isChecked():
                palette = QPalette(self.palette())
                button_colour = palette.color(QPalette.ColorRole.Button)
                accent = palette.color(QPalette.ColorRole.Highlight)
                palette.setColor(QPalette.ColorRole.Button, _mix(button_colour, accent, SELECTED_TINT))
                button.setPalette(palette)
            else:
                button.setPalette(QPalette())  # the tiles' own, as the window's palette is

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._tint_the_selected()

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
        self._tint_the_selected()
        if checked:
            self.selected.emit(tile_id)


SELECTED_TINT = 0.3  # how much of the highlight colour the selected tile takes


def _mix(colour: QColor, other: QColor, share: float) -> QColor:
    def part(a: float, b: float) -> float:
        return a * (1 - share) + b * share

    return QColor.fromRgbF(
        part(colour.redF(), other.redF()), part(colour.greenF(), other.greenF()), part(colour.blueF(), other.blueF())
    )
