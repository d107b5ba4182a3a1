"""The main window: menus, the Invoice Manager's tabs and counts, F5, the Xero status, saved geometry."""

from __future__ import annotations

import inspect
import socket
from datetime import timedelta
from urllib.parse import urlsplit

from gui_books import TODAY, make_invoice
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from invoice_desktop.config import AppPaths
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.sandbox_demo import DEMO_PORT, start_demo
from invoice_desktop.ui.main_window import GEOMETRY_KEY, MainWindow
from invoice_desktop.ui.sandbox_address import NOT_OPENED, OPENED
from invoice_desktop.ui.sandbox_address import TITLE as SANDBOX_TITLE
from invoice_desktop.ui.xero_status import XeroConnection


def tab_titles(window: MainWindow) -> list[str]:
    tabs = window.invoice_manager.tabs
    return [tabs.tabText(i) for i in range(tabs.count())]


def menu_texts(menu: QMenu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def top_menus(window: MainWindow) -> dict[str, QMenu]:
    return {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}


def test_tabs_carry_their_counts(main_window):
    assert tab_titles(main_window) == [
        "Draft (4)", "Awaiting Payment (10)", "Overdue (4)", "Paid (6)", "Credit Notes (0)",
    ]  # fmt: skip
    assert main_window.centralWidget().currentWidget() is main_window.invoice_manager
    draft = main_window.invoice_manager.pages[Tab.DRAFT]
    assert draft.model.rowCount() == 4  # the tab on show is loaded


def test_other_tabs_load_when_shown(main_window):
    manager = main_window.invoice_manager
    overdue = manager.pages[Tab.OVERDUE]
    assert overdue.model.rowCount() == 0  # not read until it is looked at
    manager.show_tab(Tab.OVERDUE)
    numbers = [overdue.model.invoice_at(r).number for r in range(overdue.model.rowCount())]
    assert numbers == ["INV-0088", "INV-0089", "INV-0090", "INV-0092"]


def test_menus(main_window):
    menus = top_menus(main_window)
    assert list(menus) == ["File", "Business", "Help"]
    assert menu_texts(menus["File"]) == ["New Invoice…", "Quit"]
    assert main_window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert menu_texts(menus["Business"]) == ["Invoices", "Clients", "Refresh", "Settings"]
    settings = next(a.menu() for a in menus["Business"].actions() if a.menu())
    assert menu_texts(settings) == ["Xero…"]
    assert main_window.xero_settings_action.isEnabled()
    assert menu_texts(menus["Help"]) == ["About Invoice Desktop"]
    assert QKeySequence("F5") in main_window.refresh_action.shortcuts()


def test_f5_picks_up_a_new_invoice(qtbot, main_window):
    main_window.show()
    main_window.activateWindow()
    qtbot.waitUntil(main_window.isActiveWindow)  # shortcuts reach the active window only
    make_invoice("INV-0105", "Zephyr Studio", "10.00", TODAY, TODAY + timedelta(days=7))
    draft = main_window.invoice_manager.pages[Tab.DRAFT]
    assert draft.model.rowCount() == 4

    qtbot.keyClick(main_window, Qt.Key.Key_F5)

    assert tab_titles(main_window)[0] == "Draft (5)"
    assert draft.model.invoice_at(draft.model.rowCount() - 1).number == "INV-0105"


def test_refresh_keeps_the_current_invoice(qtbot, main_window, books):
    view = main_window.invoice_manager.pages[Tab.DRAFT].view
    assert view.select_invoice(books["INV-0103"])
    make_invoice("INV-0100", "Aardvark Ltd", "10.00", TODAY, TODAY)  # sorts first: every row moves down
    main_window.refresh_action.trigger()
    assert view.current_invoice_id() == books["INV-0103"]
    assert view.currentIndex().row() == 3


def test_clients_list(main_window):
    main_window.clients_action.trigger()
    assert main_window.centralWidget().currentWidget() is main_window.clients_view
    model = main_window.clients_view.model
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names[0] == "Acme Ltd" and "Ōtaki Café" in names and len(names) == 9
    main_window.invoices_action.trigger()
    assert main_window.centralWidget().currentWidget() is main_window.invoice_manager


def test_xero_status_shows_not_set_up(main_window):
    label = main_window.xero_status
    assert label.text() == "Xero: not set up"
    assert label.state is XeroConnection.NOT_SET_UP
    assert label.accessibleName() == "Xero connection status"


def test_controls_have_accessible_names(main_window):
    for page in main_window.invoice_manager.pages.values():
        assert page.search_box.accessibleName() == f"Search {page.label} invoices"
        assert page.view.accessibleName() == f"{page.label} invoices"


def test_geometry_is_saved_and_restored(qtbot, app_context, qsettings, main_window):
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.resize(700, 450)  # inside the offscreen 800x600 screen, which restoreGeometry clamps to
    qtbot.waitUntil(lambda: main_window.width() == 700)
    main_window.close()
    assert qsettings.value(GEOMETRY_KEY) is not None
    again = MainWindow(app_context, settings=qsettings, today=lambda: TODAY)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == (700, 450)


# --- Help > Open Sandbox Xero -------------------------------------------------------------------------------------


def test_open_sandbox_xero_shows_its_address_to_copy_when_no_browser_opens(qtbot, window):
    asked: list[str] = []
    window.open_url = lambda url: asked.append(url.toString()) or False  # no browser on this machine
    window.sandbox_admin_action.trigger()
    dialog = window.sandbox_address
    assert asked == [window.ctx.xero_admin_url]
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == SANDBOX_TITLE
    assert dialog.note.text() == NOT_OPENED
    assert dialog.address.text() == window.ctx.xero_admin_url and dialog.address.isReadOnly()
    assert dialog.address.selectedText() == window.ctx.xero_admin_url  # selected, ready to copy
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == window.ctx.xero_admin_url

    window.open_url = lambda url: True
    window.sandbox_admin_action.trigger()  # the same window again, saying the browser was asked
    assert window.sandbox_address is dialog and dialog.note.text() == OPENED


def test_the_demo_sandbox_keeps_its_port_across_starts_while_it_is_free(db, data_dir):
    # The demo asks for DEMO_PORT; other tests' demos (another xdist worker) may hold it right now, so this test
    # asks for a port it found free, which is the same rule.
    assert inspect.signature(start_demo).parameters["port"].default == DEMO_PORT
    paths = AppPaths(data_dir)
    port = a_free_port()
    first = start_demo(paths, port=port)
    first.stop()
    assert urlsplit(first.admin_url).port == port
    again = start_demo(paths, port=port)
    again.stop()
    assert urlsplit(again.admin_url).port == port  # the same address across starts
    with bound(port):  # held by another program: the demo starts anyway, on another port
        elsewhere = start_demo(paths, port=port)
        elsewhere.stop()
    assert urlsplit(elsewhere.admin_url).port not in (port, None)


def a_free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bound(port: int) -> socket.socket:
    """A listening socket on `port` (a recently closed server's connections may linger: reuse the address)."""
    taken = socket.socket()
    taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    taken.bind(("127.0.0.1", port))
    taken.listen()
    return taken
