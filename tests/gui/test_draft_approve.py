"""The Draft tab: ticking rows (mouse, Space, the header's select-all), Approve and its message, ticks kept by
invoice id across sorting and paging."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from gui_books import TODAY, make_invoice, many_invoices
from PySide6.QtCore import QPoint, Qt

from invoice_desktop.ledger.invoices import get_invoice_detail
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.store.models import InvoiceStatus
from invoice_desktop.ui.draft_page import DraftListPage
from invoice_desktop.ui.message_bar import RESULT_MS, Tone
from invoice_desktop.ui.models.checkable import RowChecks, check_state
from invoice_desktop.ui.models.invoice_table_model import CheckableInvoiceTableModel

NUMBER_COLUMN = 1  # after the check column


def draft_page(window) -> DraftListPage:
    page = window.invoice_manager.pages[Tab.DRAFT]
    assert isinstance(page, DraftListPage)
    return page


def numbers(model: CheckableInvoiceTableModel) -> list[str]:
    return [model.invoice_at(r).number for r in range(model.rowCount())]


def ticked_numbers(page: DraftListPage) -> list[str]:
    return sorted(get_invoice_detail(i).number for i in page.model.checks.ids())


def click_check(qtbot, page: DraftListPage, number: str) -> None:
    row = numbers(page.model).index(number)
    rect = page.view.visualRect(page.model.index(row, 0))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_header_box(qtbot, page: DraftListPage) -> None:
    header = page.view.check_header
    x = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def tab_title(window, tab: Tab) -> str:
    tabs = window.invoice_manager.tabs
    return tabs.tabText(tabs.indexOf(window.invoice_manager.pages[tab]))


# --- the model ---------------------------------------------------------------------------------------------


def test_qt_model_tester_passes_with_ticks(qtmodeltester, books):
    model = CheckableInvoiceTableModel(Tab.DRAFT, today=lambda: TODAY)
    model.reload()
    model.checks.set_checked([books["INV-0101"], books["INV-0103"]], True)
    qtmodeltester.check(model, force_py=True)


def test_check_states_arrive_as_ints_or_enums(books):
    model = CheckableInvoiceTableModel(Tab.DRAFT, today=lambda: TODAY)
    model.reload()
    first = model.index(0, 0)
    assert model.setData(first, 2, Qt.ItemDataRole.CheckStateRole)  # what a delegate hands over
    assert check_state(first.data(Qt.ItemDataRole.CheckStateRole)) == Qt.CheckState.Checked
    assert model.setData(first, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert len(model.checks) == 0
    assert model.flags(first) & Qt.ItemFlag.ItemIsUserCheckable
    assert not model.flags(model.index(0, NUMBER_COLUMN)) & Qt.ItemFlag.ItemIsUserCheckable


def test_row_checks_keep_tick_order_and_report_changes(qtbot):
    checks = RowChecks()
    with qtbot.waitSignal(checks.changed) as signal:
        checks.set_checked([5, 3, 5], True)
    assert signal.args == [[5, 3]]
    checks.toggle(9)
    assert checks.ids() == [5, 3, 9]
    checks.retain([3])
    assert checks.ids() == [3]


# --- ticking in the window ---------------------------------------------------------------------------------


def test_ticking_with_the_mouse_enables_approve(qtbot, main_window, books):
    main_window.show()
    page = draft_page(main_window)
    button = page.approve_bar.button
    assert not button.isEnabled()

    click_check(qtbot, page, "INV-0102")

    assert ticked_numbers(page) == ["INV-0102"]
    assert button.isEnabled()
    assert page.approve_bar.ticked_label.text() == "1 invoice ticked"
    click_check(qtbot, page, "INV-0102")
    assert not page.model.checks.ids() and not button.isEnabled()


def test_space_ticks_the_selected_rows(qtbot, main_window, books):
    main_window.show()
    page = draft_page(main_window)
    page.view.setFocus()
    page.view.select_invoice(books["INV-0103"])

    qtbot.keyClick(page.view, Qt.Key.Key_Space)
    assert ticked_numbers(page) == ["INV-0103"]
    qtbot.keyClick(page.view, Qt.Key.Key_Space)
    assert ticked_numbers(page) == []


def test_header_box_ticks_and_unticks_all(qtbot, main_window, books):
    main_window.show()
    page = draft_page(main_window)
    header_state = page.view.check_header.header_state
    assert header_state() == Qt.CheckState.Unchecked

    click_header_box(qtbot, page)
    assert ticked_numbers(page) == ["INV-0101", "INV-0102", "INV-0103", "INV-0104"]
    assert header_state() == Qt.CheckState.Checked
    assert page.model.sort_key.value == "number"  # the click did not sort
    assert page.view.check_header.sortIndicatorSection() == NUMBER_COLUMN  # the arrow is not on the box

    click_check(qtbot, page, "INV-0101")
    assert header_state() == Qt.CheckState.PartiallyChecked
    click_header_box(qtbot, page)
    assert header_state() == Qt.CheckState.Checked
    click_header_box(qtbot, page)
    assert ticked_numbers(page) == [] and header_state() == Qt.CheckState.Unchecked


def test_ctrl_a_ticks_all(qtbot, main_window, books):
    main_window.show()
    page = draft_page(main_window)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(page.model.checks) == 4


def test_ticks_follow_the_invoice_across_sorting_and_search(qtbot, main_window, books):
    page = draft_page(main_window)
    click_check(qtbot, page, "INV-0101")
    click_check(qtbot, page, "INV-0104")

    page.view.sortByColumn(NUMBER_COLUMN, Qt.SortOrder.DescendingOrder)
    assert numbers(page.model)[0] == "INV-0104"
    ticked_rows = [
        page.model.invoice_at(r).number
        for r in range(page.model.rowCount())
        if check_state(page.model.index(r, 0).data(Qt.ItemDataRole.CheckStateRole)) == Qt.CheckState.Checked
    ]
    assert ticked_rows == ["INV-0104", "INV-0101"]

    page.search_box.setText("Beta")
    page.apply_search()
    assert numbers(page.model) == ["INV-0103"]
    assert ticked_numbers(page) == ["INV-0101", "INV-0104"]  # hidden by the search, still ticked


def test_select_all_reads_no_page_and_ticks_survive_paging(qtbot, db):
    from invoice_desktop.ui.invoice_manager import InvoiceManager

    many_invoices(25)
    manager = InvoiceManager(page_size=10, today=lambda: TODAY)
    qtbot.addWidget(manager)
    manager.refresh()
    page = manager.pages[Tab.DRAFT]
    assert page.model.rowCount() == 10
    page.model.checks.set_checked([page.model.invoice_at(2).id], True)
    page.model.fetchMore()
    assert page.model.rowCount() == 20 and len(page.model.checks) == 1
    assert check_state(page.model.index(2, 0).data(Qt.ItemDataRole.CheckStateRole)) == Qt.CheckState.Checked

    page.view.check_header.toggle_all()  # every draft of the list, the page not loaded yet included
    assert page.model.rowCount() == 20 and len(page.model.checks) == 25
    page.model.fetchMore()
    assert page.model.rowCount() == 25
    assert check_state(page.model.index(24, 0).data(Qt.ItemDataRole.CheckStateRole)) == Qt.CheckState.Checked


# --- Approve -----------------------------------------------------------------------------------------------


def test_approve_reports_and_moves_the_invoices(qtbot, main_window, books):
    main_window.show()
    page = draft_page(main_window)
    for number in ("INV-0101", "INV-0102", "INV-0104"):
        click_check(qtbot, page, number)

    with qtbot.waitSignal(main_window.invoice_manager.invoices_changed):
        qtbot.mouseClick(page.approve_bar.button, Qt.MouseButton.LeftButton)

    message = page.approve_bar.message
    assert message.isVisible() and message.tone is Tone.SUCCESS
    assert message.text() == "3 invoices approved (INV-0101, INV-0102, INV-0104)."
    assert numbers(page.model) == ["INV-0103"]
    assert page.model.checks.ids() == [] and not page.approve_bar.button.isEnabled()
    assert tab_title(main_window, Tab.DRAFT) == "Draft (1)"
    assert tab_title(main_window, Tab.AWAITING_PAYMENT) == "Awaiting Payment (13)"
    assert get_invoice_detail(books["INV-0104"]).status is InvoiceStatus.AWAITING_PAYMENT


def test_the_approve_result_does_not_stay_after_later_actions(qtbot, main_window, books):
    main_window.show()
    page = draft_page(main_window)
    click_check(qtbot, page, "INV-0101")
    page.approve_bar.button.click()
    message = page.approve_bar.message
    assert message.text() == "1 invoice approved (INV-0101)." and message.expiry.isActive()
    assert message.expiry.interval() == RESULT_MS

    click_check(qtbot, page, "INV-0102")  # the user goes on to something else...
    message.expiry.timeout.emit()  # ...and the result's lifetime is over (no waiting for the clock)
    assert not message.isVisible() and message.text() == ""

    page.approve_bar.button.click()  # the next action's result replaces it, with a lifetime of its own
    assert message.text() == "1 invoice approved (INV-0102)." and message.expiry.isActive()


def test_approve_says_which_were_refused_and_why(qtbot, main_window, books):
    from invoice_desktop.ledger.invoices import approve_invoices

    page = draft_page(main_window)
    click_check(qtbot, page, "INV-0102")
    click_check(qtbot, page, "INV-0103")
    approve_invoices([books["INV-0102"]])  # by someone else in the meantime

    page.approve_bar.button.click()

    message = page.approve_bar.message
    assert message.tone is Tone.PROBLEM
    assert message.text() == "1 invoice approved (INV-0103). Not approved — INV-0102: already approved."
    assert numbers(page.model) == ["INV-0101", "INV-0104"]
    assert page.model.checks.ids() == []  # the refused one has left the list: its tick went with it


def test_ticks_of_drafts_gone_elsewhere_are_dropped_on_refresh(qtbot, main_window, books):
    from invoice_desktop.ledger.invoices import approve_invoices

    page = draft_page(main_window)
    click_check(qtbot, page, "INV-0101")
    click_check(qtbot, page, "INV-0102")
    approve_invoices([books["INV-0101"]])  # say, by `invoice-desktop approve` in another process
    main_window.refresh_action.trigger()
    assert ticked_numbers(page) == ["INV-0102"]
    assert page.approve_bar.ticked_label.text() == "1 invoice ticked"


def test_new_draft_gets_a_checkbox(qtbot, main_window, books):
    make_invoice("INV-0105", "Zephyr Studio", "10.00", TODAY, TODAY + timedelta(days=7))
    main_window.refresh_action.trigger()
    page = draft_page(main_window)
    click_check(qtbot, page, "INV-0105")
    assert ticked_numbers(page) == ["INV-0105"]
    assert get_invoice_detail(books["INV-0101"]).total == Decimal("528.00")
