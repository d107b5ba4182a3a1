"""The Xero Exports tab on real widgets, against the in-process sandbox and the demo company file (sandbox_demo),
whose approved invoices Xero refused for five reasons: an archived contact, an archived account (210), an invoice
number Xero already has (INV-0042), a date before the lock date, an expense tax rate on a sale.

Resync runs through the real ExportWorker thread and the real export engine; nothing is mocked."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip

from invoice_desktop.config import XeroEndpoints
from invoice_desktop.ledger.invoices import invoice_ids_by_number
from invoice_desktop.sandbox import seed
from invoice_desktop.store.models import ExportState, XeroExport
from invoice_desktop.store.settings import set_setting
from invoice_desktop.ui.formatting import format_datetime
from invoice_desktop.ui.models.checkable import check_state
from invoice_desktop.ui.models.xero_failed_model import SENDING, STATUS_COLUMN, SYNC_FAILED, FailedTableModel
from invoice_desktop.ui.models.xero_synced_model import OPEN_COLUMN, SyncedTableModel
from invoice_desktop.ui.xero_exports_links import xero_invoice_url
from invoice_desktop.ui.xero_exports_page import XeroExportsPage
from invoice_desktop.ui.xero_exports_progress import CANCEL_TIP, CANCELLING
from invoice_desktop.ui.xero_exports_tiles import Tile
from invoice_desktop.ui.xero_status import XeroConnection
from invoice_desktop.xero import settings as xero_settings
from invoice_desktop.xero.export_actions import list_failed, list_synced
from invoice_desktop.xero.exporter import Exporter

RUN_TIMEOUT = 60_000


@pytest.fixture
def page(window) -> XeroExportsPage:
    page = window.xero_exports.page
    assert page is not None
    window.invoice_manager.tabs.setCurrentWidget(page)
    return page


def tab_titles(window) -> list[str]:
    tabs = window.invoice_manager.tabs
    return [tabs.tabText(i) for i in range(tabs.count())]


def failed_numbers(model: FailedTableModel) -> list[str]:
    return [model.record_at(r).number for r in range(model.rowCount())]


def synced_numbers(model: SyncedTableModel) -> list[str]:
    return [model.record_at(r).number for r in range(model.rowCount())]


def number_of(category: str) -> str:
    return next(row.number for row in list_failed() if row.category == category)


def row_of_number(model: FailedTableModel, number: str) -> int:
    return failed_numbers(model).index(number)


def tick(qtbot, page: XeroExportsPage, number: str) -> None:
    """A click on the row's checkbox, as the user does it."""
    view, model = page.failed.view, page.failed_model
    rect = view.visualRect(model.index(row_of_number(model, number), 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def ticked_numbers(page: XeroExportsPage) -> list[str]:
    model = page.failed_model
    return sorted(r.number for r in (model.record_of(i) for i in model.checks.ids()) if r is not None)


def resync(qtbot, page: XeroExportsPage) -> None:
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(page.failed.resync_bar.button, Qt.MouseButton.LeftButton)


def hover_tooltip(qtbot, page: XeroExportsPage, number: str) -> str:
    """Hover the Sync Failed cell and ask for its tooltip the way Qt does (a ToolTip help event)."""
    view, model = page.failed.view, page.failed_model
    rect = view.visualRect(model.index(row_of_number(model, number), STATUS_COLUMN))
    qtbot.mouseMove(view.viewport(), rect.center())
    event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), view.viewport().mapToGlobal(rect.center()))
    view.viewportEvent(event)
    qtbot.waitUntil(QToolTip.isVisible)
    return QToolTip.text()


# --- the tab and its tiles ----------------------------------------------------------------------------------------


def test_tab_absent_while_the_interface_is_not_set_up(main_window):
    assert main_window.xero_exports.page is None
    assert not any(title.startswith("Xero Exports") for title in tab_titles(main_window))


def xero_column_shown(window) -> dict[str, bool]:
    """Whether each invoice list shows its Xero column."""
    shown = {}
    for tab, page in window.invoice_manager.pages.items():
        column = next(i for i, c in enumerate(page.model.columns) if c.title == "Xero")
        shown[tab.value] = not page.view.isColumnHidden(column)
    return shown


def test_no_xero_column_while_the_interface_is_not_set_up(main_window):
    assert not any(xero_column_shown(main_window).values())


def test_tab_and_xero_column_go_while_the_interface_is_disabled_and_come_back_when_enabled(window):
    assert window.xero_exports.shown and all(xero_column_shown(window).values())

    set_setting(xero_settings.KEY_ENABLED, False)  # Settings > Xero: "Enabled" unticked and saved
    window.update_xero_status()  # what closing Settings > Xero does
    assert not any(title.startswith("Xero Exports") for title in tab_titles(window))
    assert not any(xero_column_shown(window).values())

    set_setting(xero_settings.KEY_ENABLED, True)
    window.update_xero_status()
    assert tab_titles(window)[-1] == f"Xero Exports ({len(list_failed())})"
    assert all(xero_column_shown(window).values())


def test_tab_goes_when_the_interface_is_no_longer_set_up(window):
    assert tab_titles(window)[-1] == f"Xero Exports ({len(list_failed())})"
    xero_settings.delete_all()  # what Settings > Xero's "Disconnect and delete settings" leaves
    window.update_xero_status()  # what closing Settings > Xero does
    assert not any(title.startswith("Xero Exports") for title in tab_titles(window))
    assert window.xero_exports.page is None
    assert not any(xero_column_shown(window).values())


def test_tiles_count_failed_and_synced(page):
    failed, synced = list_failed(), list_synced()
    assert len(failed) == 5 and synced
    assert page.tiles.buttons[Tile.FAILED].text() == f"Failed ({len(failed)})"
    assert page.tiles.buttons[Tile.SYNCED].text() == f"Synced ({len(synced)})"
    assert page.tiles.current() is Tile.FAILED and page.stack.currentWidget() is page.failed
    assert failed_numbers(page.failed_model) == sorted(r.number for r in failed)

    page.tiles.buttons[Tile.SYNCED].click()
    assert page.stack.currentWidget() is page.synced
    assert synced_numbers(page.synced_model) == sorted(r.number for r in synced)


def test_failed_rows_read_sync_failed_in_red(page):
    model = page.failed_model
    index = model.index(0, STATUS_COLUMN)
    assert index.data() == SYNC_FAILED
    assert index.data(Qt.ItemDataRole.ForegroundRole).name() in ("#c62828", "#ff6e6e")
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["", "Invoice #", "Client", "Total", "Type", "Last attempt", "Status"]


def test_hovering_sync_failed_shows_the_whole_error(qtbot, page):
    text = hover_tooltip(qtbot, page, "INV-0042")
    assert "Invoice number already exists in Xero" in text  # the plain title
    assert "Invoice # must be unique." in text  # Xero's own words
    assert "What to do:" in text and "mark it as already in Xero" in text  # the hint
    assert "1 attempt, the last" in text  # attempts and when
    assert "No automatic retry: fix the cause, then Resync." in text


# --- ticking ------------------------------------------------------------------------------------------------------


def test_select_all_space_and_ctrl_a(qtbot, page):
    panel, model = page.failed, page.failed_model
    button = panel.resync_bar.button
    assert not button.isEnabled()

    panel.view.check_header.toggle_all()  # the header's box
    assert len(model.checks) == model.rowCount() == 5 and button.isEnabled()
    assert check_state(model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.CheckStateRole)) is (
        Qt.CheckState.Checked
    )
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # again: untick all
    assert len(model.checks) == 0 and not button.isEnabled()

    panel.view.selectRow(row_of_number(model, "INV-0042"))
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    assert ticked_numbers(page) == ["INV-0042"] and button.isEnabled()
    assert panel.resync_bar.ticked_label.text() == "1 invoice ticked"


def test_enter_opens_the_invoice(qtbot, window, page):
    model = page.failed_model
    row = row_of_number(model, "INV-0042")
    page.failed.view.setFocus()
    page.failed.view.setCurrentIndex(model.index(row, 1))
    with qtbot.waitSignal(window.invoice_manager.invoice_activated) as opened:
        qtbot.keyClick(page.failed.view, Qt.Key.Key_Return)
    assert opened.args == [invoice_ids_by_number(["INV-0042"])["INV-0042"]]


# --- Resync -------------------------------------------------------------------------------------------------------


def test_resync_moves_the_fixed_invoice_and_keeps_the_other_ticked_with_its_new_error(qtbot, demo, page):
    archived, duplicate = number_of("archived_contact"), "INV-0042"
    synced_before = len(list_synced())
    attempts_before = XeroExport.get(XeroExport.invoice == invoice_ids_by_number([duplicate])[duplicate]).attempts
    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)  # the cause fixed in Xero
    tick(qtbot, page, archived)
    tick(qtbot, page, duplicate)
    assert ticked_numbers(page) == sorted([archived, duplicate])

    ticks = []
    heartbeat = QTimer(page)
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(lambda: ticks.append(1))
    heartbeat.start()
    resync(qtbot, page)
    heartbeat.stop()
    assert ticks, "the window's event loop ran while the worker exported"

    message = page.failed.resync_bar.message
    assert message.isVisible()
    assert message.text() == (
        f"1 exported ({archived}), 1 still failing: {duplicate} — invoice number already exists in Xero"
    )
    assert failed_numbers(page.failed_model) == sorted(r.number for r in list_failed())
    assert archived not in failed_numbers(page.failed_model)
    assert ticked_numbers(page) == [duplicate]  # still failing: still ticked
    assert page.failed.resync_bar.button.isEnabled()
    assert page.tiles.buttons[Tile.FAILED].text() == "Failed (4)"
    assert page.tiles.buttons[Tile.SYNCED].text() == f"Synced ({synced_before + 1})"
    assert tab_titles(page.window())[-1] == "Xero Exports (4)"
    record = page.failed_model.record_of(invoice_ids_by_number([duplicate])[duplicate])
    assert record is not None and record.attempts == attempts_before + 1
    assert f"{attempts_before + 1} attempts, the last" in hover_tooltip(qtbot, page, duplicate)

    page.tiles.buttons[Tile.SYNCED].click()
    assert archived in synced_numbers(page.synced_model)


class Gate:
    """Holds the worker thread at one point of the engine's run until the test lets it go."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go = threading.Event()

    def hold(self) -> None:
        self.reached.set()
        assert self.go.wait(30)


def test_cancel_stops_between_batches_and_leaves_the_rest_failed_and_ticked(qtbot, demo, page):
    """Batches of one: the first is held before it is sent (its row reads Sending…) and again after, when the user
    presses Cancel. The two not reached stay failed, as they were, and ticked."""
    before, after = Gate(), Gate()

    def engine(client):
        exporter = Exporter(client, batch_size=1, in_flight=1)
        run = exporter.run

        def held_run(*args, **kwargs):
            first = not before.reached.is_set()
            if first:
                before.hold()
            summary = run(*args, **kwargs)
            if first:
                after.hold()
            return summary

        exporter.run = held_run  # type: ignore[method-assign]
        return exporter

    page.failed.exporter_factory = engine
    demo.sandbox.control.restore_contact(seed.DEMO_ARCHIVED_CONTACT)
    first, *rest = sorted([number_of("archived_contact"), number_of("lock_date"), "INV-0042"])
    for number in (first, *rest):
        tick(qtbot, page, number)
    states = {n: XeroExport.get(XeroExport.invoice == invoice_ids_by_number([n])[n]) for n in rest}

    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(page.failed.resync_bar.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(before.reached.is_set)
        model = page.failed_model
        qtbot.waitUntil(lambda: model.index(row_of_number(model, first), STATUS_COLUMN).data() == SENDING)
        assert page.failed.progress.isVisible() and not page.failed.resync_bar.button.isEnabled()
        before.go.set()
        qtbot.waitUntil(after.reached.is_set)
        qtbot.mouseClick(page.failed.progress.cancel_button, Qt.MouseButton.LeftButton)
        after.go.set()

    summary = page.failed.last_summary
    assert summary is not None and summary.cancelled and len(summary.outcomes) == 1
    assert page.failed.resync_bar.message.text().endswith("(cancelled)")
    assert not page.failed.progress.isVisible()
    assert summary.outcomes[0].number == first
    assert set(rest) <= set(ticked_numbers(page)) and set(rest) <= set(failed_numbers(page.failed_model))
    for was in states.values():
        now = XeroExport.get(XeroExport.invoice == was.invoice_id)
        assert (now.state, now.attempts, now.messages) == (ExportState.FAILED.value, was.attempts, was.messages)


def test_a_slow_request_says_it_is_sending_and_cancel_says_it_stops_after_it(qtbot, demo, page):
    progress = page.failed.progress
    assert progress.cancel_button.toolTip() == CANCEL_TIP and "request in flight" in CANCEL_TIP
    demo.sandbox.faults.set_latency(2.0, path="/Invoices")  # Xero takes its time over the invoices
    tick(qtbot, page, "INV-0042")
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(page.failed.resync_bar.button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: progress.label.text().startswith("Sending 1 invoice to Xero… ("))
        assert progress.bar.text() == "0 of 1 invoices" and progress.clock.isActive()
        progress.clock.timeout.emit()  # a second later (no waiting for the clock): still saying so
        assert progress.label.text().startswith("Sending 1 invoice to Xero… (") and progress.label.text().endswith(
            " s)"
        )
        qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        assert progress.label.text() == CANCELLING
    demo.sandbox.faults.set_latency(0)
    assert not progress.clock.isActive()


def test_dead_connection_says_reconnect_and_turns_the_status_red(qtbot, demo, window, page):
    demo.sandbox.control.revoke_app()
    tick(qtbot, page, "INV-0042")
    resync(qtbot, page)
    box = page.failed.error_box
    assert box is not None and box.isVisible()
    assert "Reconnect in Business > Settings > Xero" in box.text()
    assert window.xero_status.state is XeroConnection.DROPPED
    assert "INV-0042" in failed_numbers(page.failed_model) and ticked_numbers(page) == ["INV-0042"]


def test_xero_offline_during_resync_says_so_under_the_list_and_resyncs_again_by_itself(qtbot, demo, page):
    demo.sandbox.faults.offline(None)  # every call: 503 "The Organisation is Offline"
    tick(qtbot, page, "INV-0042")
    resync(qtbot, page)

    assert page.failed.error_box is None  # transient: no modal box
    text = page.failed.resync_bar.message.text()
    assert "Xero could not be reached" in text and "Organisation is Offline" in text
    assert page.failed.retry_timer.isActive() and page.failed.retry_at is not None
    assert f"Resync tries again by itself at {format_datetime(page.failed.retry_at)}" in text
    assert ticked_numbers(page) == ["INV-0042"]

    demo.sandbox.faults.clear()
    with qtbot.waitSignal(page.failed.resync_finished, timeout=RUN_TIMEOUT):
        page.failed.retry_timer.timeout.emit()  # its time has come (no waiting for the clock)
    assert not page.failed.retry_timer.isActive()
    assert "Xero could not be reached" not in page.failed.resync_bar.message.text()
    assert "Invoice number already exists" in hover_tooltip(qtbot, page, "INV-0042")


def test_an_error_in_the_worker_is_shown_not_swallowed(qtbot, page):
    def broken(client):
        raise RuntimeError("boom")

    page.failed.exporter_factory = broken
    tick(qtbot, page, "INV-0042")
    resync(qtbot, page)
    box = page.failed.error_box
    assert box is not None and box.isVisible()
    assert "Something went wrong (RuntimeError)" in box.informativeText()
    assert "INV-0042" in failed_numbers(page.failed_model)
    with qtbot.waitSignal(box.destroyed):  # closed, it is freed (not kept until the window goes)
        box.close()
    assert page.failed.error_box is None


# --- Synced -------------------------------------------------------------------------------------------------------


def test_open_in_xero(qtbot, demo, page):
    opened = []
    page.synced.open_url = lambda url: opened.append(url) or True
    page.tiles.buttons[Tile.SYNCED].click()
    view, model = page.synced.view, page.synced_model
    record = model.record_at(0)
    rect = view.visualRect(model.index(0, OPEN_COLUMN))
    assert model.index(0, OPEN_COLUMN).data() == "Open in Xero"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    (url,) = opened
    assert url.toString().startswith(f"{demo.sandbox.base_url}/sandbox/admin?")
    assert record.xero_invoice_id in url.toString()

    real = xero_invoice_url(XeroEndpoints.real(), "tenant", record.xero_invoice_id)
    assert real.toString() == f"https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={record.xero_invoice_id}"


# --- the models ---------------------------------------------------------------------------------------------------


def test_models_pass_qtmodeltester(qtmodeltester, demo):
    failed = FailedTableModel()
    failed.reload()
    failed.checks.set_checked(failed.loaded_ids()[:2], True)
    failed.set_sending(failed.loaded_ids()[:1], True)
    qtmodeltester.check(failed)
    failed.sort(2, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(failed)

    synced = SyncedTableModel()
    synced.reload()
    assert synced.rowCount()
    qtmodeltester.check(synced)
    synced.sort(3, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(synced)


def test_no_database_reads_in_data(demo, monkeypatch):
    """data() reads the rows loaded: with every query failing, every cell still answers."""
    model = FailedTableModel()
    model.reload()
    from invoice_desktop.store.models import database_proxy

    monkeypatch.setattr(database_proxy.obj, "execute_sql", lambda *a, **k: pytest.fail("a query in data()"))
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole):
                model.index(row, column).data(role)
