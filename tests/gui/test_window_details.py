"""Issue 17 point 11, each detail as the bookkeeper sees it on real widgets: the sort arrow beside a right-aligned
title, the Overdue tab's due dates in the warning colour, the Failed list whole at the smallest window, the
organisation picker's names in full, Record payment's placeholder in full, and the keyring warning's next step."""

from __future__ import annotations

import sys

import pytest
from gui_books import TODAY
from markup_probe import shown
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyle, QStyleOptionHeader

from invoice_desktop.config import AppPaths
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.ui.models.columns import RIGHT
from invoice_desktop.ui.models.table_model import FOREGROUND, TOOLTIP
from invoice_desktop.ui.models.xero_failed_model import STATUS_COLUMN
from invoice_desktop.ui.record_payment_dialog import REFERENCE_PLACEHOLDER
from invoice_desktop.ui.status_colours import StatusColour, status_colour
from invoice_desktop.ui.xero_exports_failed import MINIMUM_ROWS
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.ui.xero_settings_widgets import OrganisationPicker
from invoice_desktop.xero import tokens
from invoice_desktop.xero.settings import Organisation


def column_of(model, title: str) -> int:
    return next(c for c, column in enumerate(model.columns) if column.title == title)


def header_pixels(header, section: int, text: str, sort: QStyleOptionHeader.SortIndicator) -> QImage:
    """The section drawn by the header's own style, as QHeaderView draws it, with `text` as its title."""
    option = QStyleOptionHeader()
    option.initFrom(header)
    option.rect = QRect(0, 0, header.sectionSize(section), header.height())
    option.section = section
    option.text = text
    option.textAlignment = RIGHT
    option.sortIndicator = sort
    image = QImage(option.rect.size(), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    header.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, header)
    painter.end()
    return image


def test_the_sort_arrow_sits_beside_a_right_aligned_title_not_on_it(main_window):
    page = main_window.invoice_manager.pages[Tab.AWAITING_PAYMENT]
    header = page.view.horizontalHeader()
    total = column_of(page.model, "Total")
    page.view.sortByColumn(total, Qt.SortOrder.DescendingOrder)
    down = QStyleOptionHeader.SortIndicator.SortDown
    with_title, without = header_pixels(header, total, "Total", down), header_pixels(header, total, "", down)
    title_columns = {
        x
        for x in range(with_title.width())
        for y in range(with_title.height())
        if with_title.pixel(x, y) != without.pixel(x, y)
    }
    option = QStyleOptionHeader()
    option.initFrom(header)
    option.rect = QRect(0, 0, header.sectionSize(total), header.height())
    option.sortIndicator = down
    arrow = header.style().subElementRect(QStyle.SubElement.SE_HeaderArrow, option, header)
    assert title_columns and arrow.isValid()
    assert max(title_columns) < arrow.left()  # the title ends before the arrow begins


def test_the_overdue_tab_shows_its_due_dates_in_the_warning_colour(main_window):
    main_window.invoice_manager.show_tab(Tab.OVERDUE)
    main_window.invoice_manager.show_tab(Tab.AWAITING_PAYMENT)
    overdue = main_window.invoice_manager.pages[Tab.OVERDUE].model
    due = column_of(overdue, "Due")
    assert overdue.rowCount()
    warning = status_colour(StatusColour.WARNING)
    for row in range(overdue.rowCount()):
        cell = overdue.index(row, due)
        assert cell.data(FOREGROUND) == warning
        days = (TODAY - overdue.record_at(row).due_date).days
        assert shown(cell.data(TOOLTIP)) == f"{days} day{'' if days == 1 else 's'} overdue"
    awaiting = main_window.invoice_manager.pages[Tab.AWAITING_PAYMENT].model
    assert awaiting.index(0, column_of(awaiting, "Due")).data(FOREGROUND) is None  # only the Overdue tab


def test_the_failed_list_keeps_every_column_and_rows_at_the_smallest_window(qtbot, window):
    page = window.xero_exports.page
    assert page is not None
    window.invoice_manager.tabs.setCurrentWidget(page)
    page.show_tile(Tile.FAILED)
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint().expandedTo(window.minimumSize()))
    view, model = page.failed.view, page.failed_model
    qtbot.waitUntil(lambda: model.rowCount() >= 5)
    viewport = view.viewport().rect()
    status = view.visualRect(model.index(0, STATUS_COLUMN))
    assert viewport.contains(status.topLeft()) and status.right() <= viewport.right() + 1  # Sync Failed in view
    assert viewport.height() >= MINIMUM_ROWS * view.verticalHeader().defaultSectionSize()


def test_the_organisation_picker_shows_every_name_in_full(qtbot):
    organisations = tuple(
        Organisation(
            f"tenant-{n}", f"Harbour Lane Plumbing and Gas Fitting Services Pty Ltd (branch {n})", "ORGANISATION"
        )
        for n in range(4)
    )
    picker = OrganisationPicker(organisations, "tenant-2")
    qtbot.addWidget(picker)
    picker.show()
    qtbot.waitExposed(picker)
    metrics, viewport = picker.list.fontMetrics(), picker.list.viewport()
    for row in range(picker.list.count()):
        item = picker.list.item(row)
        rect = picker.list.visualItemRect(item)
        assert metrics.horizontalAdvance(item.text()) <= viewport.width(), item.text()
        assert viewport.rect().contains(rect), f"{item.text()} needs scrolling"
    assert picker.list.item(2).text().endswith("(connected now)")


def test_record_payment_shows_its_reference_placeholder_in_full(qtbot, main_window, books):
    info = main_window.invoice_windows.open_invoice(books["INV-0089"])
    dialog = info.open_record_payment()
    qtbot.waitExposed(dialog)
    edit = dialog.reference_edit
    assert edit.placeholderText() == REFERENCE_PLACEHOLDER
    assert edit.fontMetrics().horizontalAdvance(REFERENCE_PLACEHOLDER) < edit.contentsRect().width()
    dialog.reject()


@pytest.mark.parametrize("forced", [True, False])
def test_the_keyring_warning_says_what_to_do(monkeypatch, data_dir, forced: bool):
    """Where the sign-in is, with its permissions, and the next step: unset the variable, or install a keyring."""
    if not forced:
        monkeypatch.delenv(tokens.ENV_KEYRING, raising=False)
        monkeypatch.setattr(tokens, "_keyring_usable", lambda: False)
    store = tokens.TokenStore(AppPaths(data_dir))
    warning = store.warning
    assert warning is not None
    assert str(store.file_path) in warning and "0600" in warning
    assert warning.endswith("start the app again: the sign-in moves into the keyring by itself.")
    if forced:
        assert warning.startswith(f"{tokens.ENV_KEYRING}=file is set") and "unset it" in warning
    elif sys.platform.startswith("linux"):
        assert "install a Secret Service keyring (such as gnome-keyring" in warning


def test_settings_xero_shows_the_keyring_warnings_next_step(qtbot, app_context):
    from invoice_desktop.ui.xero_settings_dialog import XeroSettingsDialog

    dialog = XeroSettingsDialog(app_context)
    qtbot.addWidget(dialog)
    dialog.show()
    warning = dialog.connection.storage_warning
    assert warning.isVisible() and "unset it and start the app again" in warning.text()
