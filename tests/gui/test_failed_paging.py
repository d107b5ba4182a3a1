"""The Failed table read a page at a time (ui/models/xero_failed_model.py over xero.failed_pages), on the demo
company file and its sandbox: scrolling on gives the rest of the list in order, each sort both ways pages through
the whole list, and a select-all of more rows than are loaded, one unticked, Resyncs every other one through the
real ExportWorker thread, its ids listed there (the engine on that thread, and as the window runs it, in a process
of its own: jobs.engine_process)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from gui_books import make_invoice, set_export
from PySide6.QtCore import QPoint, Qt

from invoice_desktop.ledger.invoices import approve_invoices
from invoice_desktop.store.models import ExportState, XeroExport
from invoice_desktop.ui.models.checkable import check_state
from invoice_desktop.ui.models.xero_failed_model import FailedList, FailedTableModel
from invoice_desktop.ui.xero_exports_failed import FailedPanel
from invoice_desktop.xero.export_actions import key_of, list_failed
from invoice_desktop.xero.failed_pages import FailedSort, failed_keys

PAGE = 3
RUN_TIMEOUT = 60_000


@pytest.fixture
def more_failed(demo) -> list[int]:
    """Seven more failed invoices beside the demo's five, whose cause has passed (Xero was unreachable): a Resync
    exports them."""
    today = date.today()  # after the demo's lock date
    ids = [make_invoice(f"PG-{n:04d}", "Paging Client", f"{10 + n}.00", today, today + timedelta(days=30))
           for n in range(1, 8)]  # fmt: skip
    approve_invoices(ids)
    for n, invoice_id in enumerate(ids):
        set_export(invoice_id, ExportState.FAILED.value, "xero_unavailable", "Xero could not be reached")
        XeroExport.update(attempts=1, last_attempt_at=datetime(2026, 3, 2, 9, n, tzinfo=UTC)).where(
            XeroExport.invoice == invoice_id
        ).execute()
    return ids


def scrolled_to_the_end(model: FailedTableModel) -> list[int]:
    while model.canFetchMore():
        model.fetchMore()
    return [key_of(model.record_at(r)) for r in range(model.rowCount())]


def test_a_page_at_a_time_and_the_rest_as_the_view_scrolls(qtbot, more_failed):
    model = FailedTableModel(page_size=PAGE)
    model.reload()
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE
    keys = scrolled_to_the_end(model)
    assert len(keys) == len(set(keys)) == 12  # no repeat
    assert keys == [key_of(r) for r in list_failed(payments=True)]  # no skip, by number
    assert model.tick_count() == 12


@pytest.mark.parametrize("descending", [False, True])
def test_each_sort_pages_through_the_whole_list_both_ways(qtbot, more_failed, descending):
    model = FailedTableModel(page_size=PAGE)
    model.reload()
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    sortable = [(i, c.order) for i, c in enumerate(model.columns) if c.order is not None]
    assert {by for _, by in sortable} == {s.value for s in FailedSort}
    for column, by in sortable:
        model.sort(column, order)
        assert model.sort_column == column and model.descending is descending
        assert model.rowCount() == PAGE  # the first page of the new order
        keys = scrolled_to_the_end(model)
        assert len(set(keys)) == 12 and keys == failed_keys(FailedSort(by), descending), by


@pytest.mark.parametrize("in_child", [False, True], ids=["engine-on-a-thread", "engine-in-a-process"])
def test_select_all_of_more_than_is_loaded_resyncs_every_one_but_the_unticked(
    qtbot, demo, app_context, more_failed, in_child
):
    listed_on: list[int] = []

    def keys(order: str, descending: bool) -> list[int]:
        listed_on.append(threading.get_ident())
        return failed_keys(FailedSort(order), descending)

    model = FailedTableModel(FailedList(keys=keys), page_size=PAGE)
    ctx = replace(app_context, endpoints=demo.sandbox.endpoints, xero_admin_url=demo.admin_url)
    ctx.engine_in_child = in_child  # the window's own Resync (run_window): the engine in a process of its own
    panel = FailedPanel(ctx, model)
    qtbot.addWidget(panel)
    panel.resize(900, 240)  # a few rows in view: the view fetches no more than fills it
    panel.show()
    panel.reload()
    qtbot.waitExposed(panel.view)
    loaded = model.rowCount()
    assert loaded < 12

    header = panel.view.check_header
    x = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))
    kept = more_failed[2]  # PG-0003, unticked by hand once its row is loaded
    while model.row_of(kept) is None:
        model.fetchMore()
    rect = panel.view.visualRect(model.index(model.row_of(kept), 0))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(model.checks) == 11 and panel.resync_bar.ticked_label.text() == "11 invoices ticked"
    assert check_state(model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.CheckStateRole)) is (
        Qt.CheckState.PartiallyChecked
    )

    with qtbot.waitSignal(panel.resync_finished, timeout=RUN_TIMEOUT):
        qtbot.mouseClick(panel.resync_bar.button, Qt.MouseButton.LeftButton)
        assert panel.progress.bar.maximum() == 11

    assert listed_on and threading.main_thread().ident not in listed_on  # listed on the worker's thread
    summary = panel.last_summary
    assert summary is not None and len(summary.outcomes) == 11
    states = {row.invoice_id: row.state for row in XeroExport.select().where(XeroExport.invoice.in_(more_failed))}
    assert states == {i: (ExportState.FAILED.value if i == kept else ExportState.SYNCED.value) for i in more_failed}
    still = {key_of(r) for r in list_failed(payments=True)}
    assert kept in still and len(still) == 6  # the unticked one, and the demo's five that Xero still refuses
    assert scrolled_to_the_end(model) == [key_of(r) for r in list_failed(payments=True)]
    assert not model.is_sending(kept)


def test_a_reload_read_off_the_gui_thread_is_shown_when_it_comes_unless_overtaken(qtbot, more_failed):
    """reload_read's read runs on any thread; a sort (or another reload) asked for meanwhile wins: the late page
    is not shown over it. The ids ticked one by one that have left the list are unticked when it shows."""
    model = FailedTableModel(page_size=PAGE)
    model.reload()
    first_keys = [key_of(model.record_at(r)) for r in range(model.rowCount())]
    read, show = model.reload_read()
    client = next(i for i, c in enumerate(model.columns) if c.order == FailedSort.CLIENT.value)
    model.sort(client, Qt.SortOrder.DescendingOrder)
    sorted_keys = [key_of(model.record_at(r)) for r in range(model.rowCount())]
    assert sorted_keys != first_keys
    results: list[object] = []
    reader = threading.Thread(target=lambda: results.append(read()))
    reader.start()
    reader.join()
    assert show(results[0]) is False
    assert [key_of(model.record_at(r)) for r in range(model.rowCount())] == sorted_keys

    gone, kept = more_failed[0], more_failed[1]
    model.checks.set_checked([gone, kept], True)
    read, show = model.reload_read()
    set_export(gone, ExportState.SYNCED.value)  # exported elsewhere while the page was being read
    assert show(read()) is True
    assert model.checks.ids() == [kept]


def test_the_panel_reads_its_list_later_off_the_gui_thread_the_current_row_kept(qtbot, demo, app_context, more_failed):
    read_on: list[int] = []

    def page(order: str, descending: bool, offset: int, limit: int) -> list:
        read_on.append(threading.get_ident())
        return FailedList().page(order, descending, offset, limit)

    model = FailedTableModel(FailedList(page=page), page_size=PAGE)
    panel = FailedPanel(app_context, model)
    qtbot.addWidget(panel)
    panel.show()
    panel.reload()
    current = key_of(model.record_at(1))
    panel.view.select_invoice(current)
    gone = key_of(model.record_at(2))  # a loaded row, exported elsewhere while the list is read again
    set_export(gone, ExportState.SYNCED.value)
    read_on.clear()
    with qtbot.waitSignal(model.modelReset):  # the page read, then shown
        panel.reload(later=True)
    assert model.row_of(gone) is None
    assert read_on[0] != threading.main_thread().ident  # the list read again there (then the view may fetch more)
    assert panel.view.current_invoice_id() == current
