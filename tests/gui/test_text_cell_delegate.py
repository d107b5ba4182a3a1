"""The lists' text cells painted from laid-out text (ui/text_cell_delegate.py) look exactly as the style paints
them: the same table grabbed with the fast delegate and with QStyledItemDelegate is the same picture, pixel for
pixel, in the light and the dark palette, with a link column, right-aligned amounts, bold coloured statuses, text
elided to a narrow column, a selected row, right to left, and text that looks like markup (shown as it is). The
check column's plain cells likewise."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QGuiApplication, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from invoice_desktop.ui.check_delegate import CheckCellDelegate
from invoice_desktop.ui.checkable_table_view import CheckableTableView
from invoice_desktop.ui.colour_scheme import dark_palette
from invoice_desktop.ui.invoice_table_view import InvoiceTableView
from invoice_desktop.ui.models.columns import RIGHT, Column, check_column, looks
from invoice_desktop.ui.models.table_model import ColumnsModel
from invoice_desktop.ui.text_cell_delegate import TextCellDelegate

LONG_NAME = "Kōwhai Plumbing & Gas Fitters of the Greater Wellington Region Limited"


@dataclass(frozen=True)
class Row:
    id: int
    number: str
    client: str
    total: str
    failed: bool


COLUMNS = (
    check_column("Tick to include this invoice"),
    Column("Invoice #", lambda r: r.number, link=True, sample="INV-00000"),
    Column("Client", lambda r: r.client),
    Column("Total", lambda r: r.total, alignment=RIGHT, sample="000,000.00"),
    Column(
        "Status",
        lambda r: "Sync Failed" if r.failed else "Sending…",
        foreground=lambda r: looks().error if r.failed else looks().muted,
        bold=lambda r: r.failed,
        sample="Sync Failed",
    ),
)


def rows() -> list[Row]:
    return [
        Row(
            n,
            "<b>INV-0003</b>" if n == 3 else f"INV-{n:04d}",
            LONG_NAME if n % 3 == 0 else f"Client {n} & Sons",
            f"{n * 1234.5:,.2f}",
            n % 2 == 0,
        )
        for n in range(1, 16)
    ]


def grab(qtbot, view: InvoiceTableView) -> QImage:
    view.viewport().update()
    qtbot.wait(10)
    return view.viewport().grab().toImage()


def shown_list(qtbot) -> tuple[ColumnsModel[Row], InvoiceTableView]:
    """The rows in a plain list, 700 × 300, shown."""
    model = ColumnsModel(COLUMNS, id_of=lambda r: r.id)
    model.set_records(rows())
    view = InvoiceTableView(model)
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    qtbot.waitExposed(view)
    return model, view


@pytest.fixture(params=["light", "dark"])
def palette(request, qapp):
    before = QPalette(QGuiApplication.palette())
    if request.param == "dark":
        QGuiApplication.setPalette(dark_palette())
    yield request.param
    QGuiApplication.setPalette(before)


@pytest.mark.parametrize("direction", [Qt.LayoutDirection.LeftToRight, Qt.LayoutDirection.RightToLeft],
                         ids=["left-to-right", "right-to-left"])  # fmt: skip
@pytest.mark.parametrize("width", [760, 420], ids=["wide", "narrow"])
def test_the_fast_text_cells_are_the_styles_own_picture(qtbot, palette, width, direction):
    model = ColumnsModel(COLUMNS, id_of=lambda r: r.id)
    model.set_records(rows())
    model.checks.set_checked([2, 5, 6], True)
    view = CheckableTableView(model)
    qtbot.addWidget(view)
    view.setLayoutDirection(direction)
    view.resize(width, 420)
    view.show()
    qtbot.waitExposed(view)
    view.selectRow(4)
    assert isinstance(view.itemDelegate(), TextCellDelegate)
    fast = grab(qtbot, view)

    view.setItemDelegate(QStyledItemDelegate(view))
    assert grab(qtbot, view) == fast


def test_the_text_follows_a_new_font_and_a_new_width_and_stays_plain_text(qtbot):
    _model, view = shown_list(qtbot)  # (the model kept: the view does not own it)
    grab(qtbot, view)  # texts laid out in the first font
    bigger = QFont(view.font())
    bigger.setPointSize(bigger.pointSize() + 4)
    view.setFont(bigger)
    fast = grab(qtbot, view)
    view.resize(460, 300)  # narrower: what fitted is elided now (the texts measured once, for any width)
    narrow = grab(qtbot, view)
    view.setItemDelegate(QStyledItemDelegate(view))
    assert grab(qtbot, view) == narrow
    view.resize(700, 300)
    assert grab(qtbot, view) == fast  # "<b>INV-0003</b>" with its brackets, in the bigger font


def test_the_check_columns_plain_cells_are_the_styles_own_picture(qtbot):
    """The check column's plain cells skip the style's (empty) item drawing. Drawn through it, as a hovered cell is
    (Fusion, the tests' style, draws nothing for hover on an item), they are the same picture."""
    model = ColumnsModel(COLUMNS[:2], id_of=lambda r: r.id)
    model.set_records(rows())
    model.checks.set_checked([1, 4, 9], True)
    view = CheckableTableView(model)
    qtbot.addWidget(view)
    view.resize(300, 400)
    view.show()
    qtbot.waitExposed(view)
    assert view.style().name().lower() == "fusion"
    fast = grab(qtbot, view)

    class ThroughTheStyle(CheckCellDelegate):
        def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
            option.state |= QStyle.StateFlag.State_MouseOver
            super().paint(painter, option, index)

    view.setItemDelegateForColumn(0, ThroughTheStyle(view))
    assert grab(qtbot, view) == fast


def test_texts_laid_out_ahead_of_their_rows_paint_as_the_style_does(qtbot):
    """InvoiceTableView.lay_out_ahead (a page read off the GUI thread, a turn before it is shown): the texts of as
    many rows as the list shows are measured and laid out then, and the rows, once shown, are the same picture."""
    model, view = shown_list(qtbot)
    grab(qtbot, view)
    ahead = [Row(100 + n, f"AH-{n:04d}", f"Ahead Client {n}", f"{n}.00", n % 2 == 0) for n in range(40)]
    view.lay_out_ahead(ahead)
    laid_out = view.text_cells._texts
    assert ("Ahead Client 0", False) in laid_out and laid_out[("Ahead Client 0", False)].static is not None
    assert ("Ahead Client 39", False) not in laid_out  # only as many rows as the list shows at once
    model.set_records(ahead)
    fast = grab(qtbot, view)
    view.setItemDelegate(QStyledItemDelegate(view))
    assert grab(qtbot, view) == fast
