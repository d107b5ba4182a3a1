"""Select-all on long lists (ui/models/checkable.py): the header's box reads no other page of a paged list (the
Draft tab, the Failed table); the ticked set is "every row except these", and the ids are worked out when the action
runs (in SQL for the Draft tab's Approve, on the worker's thread for the Resync). Counted in rows, never timed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from gui_books import TODAY, make_invoice, many_invoices, set_up_catalog
from PySide6.QtCore import QObject, QPoint, Qt, Signal

import invoice_desktop.ui.draft_page as draft_page_module
import invoice_desktop.ui.models.invoice_table_model as invoice_table_model
import invoice_desktop.ui.xero_exports_failed as xero_exports_failed
from invoice_desktop.ledger.invoices import ApproveResult
from invoice_desktop.ledger.queries import Tab
from invoice_desktop.store.failures import FailureCategory
from invoice_desktop.store.models import Client, ExportState, Invoice, InvoiceStatus, database_proxy
from invoice_desktop.ui.message_bar import Tone
from invoice_desktop.ui.models.checkable import RowChecks, check_state
from invoice_desktop.ui.models.paging import DEFAULT_PAGE_SIZE
from invoice_desktop.ui.models.xero_failed_model import FailedList, FailedTableModel
from invoice_desktop.xero.export_actions import FailedRow
from invoice_desktop.xero.export_results import ExportOutcome

DRAFTS = 20_000
FAILED = 50_000
CHECKED, PARTLY, UNCHECKED = Qt.CheckState.Checked, Qt.CheckState.PartiallyChecked, Qt.CheckState.Unchecked


def bulk_drafts(count: int) -> list[int]:
    """`count` drafts numbered D-000001..., inserted in bulk (the list needs no lines)."""
    set_up_catalog()
    client = Client.create(name="Bulk Client").id
    now = datetime.now(UTC)
    zero = Decimal("0.00")
    rows = [
        (f"D-{n:06d}", client, TODAY, TODAY + timedelta(days=30), InvoiceStatus.DRAFT.value, zero, zero, zero, zero)
        for n in range(1, count + 1)
    ]
    fields = [Invoice.number, Invoice.client, Invoice.date, Invoice.due_date, Invoice.status, Invoice.subtotal,
              Invoice.total_tax, Invoice.total, Invoice.amount_paid]  # fmt: skip
    with database_proxy.atomic():
        for start in range(0, count, 3000):
            Invoice.insert_many([(*r, now, now) for r in rows[start : start + 3000]],
                                fields=[*fields, Invoice.created_at, Invoice.updated_at]).execute()  # fmt: skip
    return [i for (i,) in Invoice.select(Invoice.id).order_by(Invoice.number).tuples()]


@pytest.fixture
def rows_read(monkeypatch) -> list[int]:
    """The size of every page the invoice lists read from SQL (InvoiceRows made), on the GUI thread."""
    read: list[int] = []
    real = invoice_table_model.list_invoices

    def counting(*args, **kwargs):
        rows = real(*args, **kwargs)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(invoice_table_model, "list_invoices", counting)
    return read


def click_header_box(qtbot, view) -> None:
    header = view.check_header
    x = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def header_state(model) -> Qt.CheckState:
    return check_state(model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.CheckStateRole))


def tick_of(model, row: int) -> Qt.CheckState:
    return check_state(model.index(row, 0).data(Qt.ItemDataRole.CheckStateRole))


# --- the Draft tab: a paged list ---------------------------------------------------------------------------------


def test_select_all_of_20000_drafts_reads_one_page_and_approve_gets_every_id(qtbot, db, rows_read, monkeypatch):
    from invoice_desktop.ui.invoice_manager import InvoiceManager

    ids = bulk_drafts(DRAFTS)
    manager = InvoiceManager(today=lambda: TODAY)
    qtbot.addWidget(manager)
    manager.resize(900, 500)
    manager.show()
    manager.refresh()
    page = manager.pages[Tab.DRAFT]
    model = page.model
    qtbot.waitExposed(page.view)
    assert sum(rows_read) == model.rowCount() == DEFAULT_PAGE_SIZE

    click_header_box(qtbot, page.view)
    assert sum(rows_read) == model.rowCount() == DEFAULT_PAGE_SIZE  # no other page read, no row made
    assert len(model.checks) == DRAFTS and header_state(model) is CHECKED
    assert page.approve_bar.ticked_label.text() == "20,000 invoices ticked" and page.approve_bar.button.isEnabled()

    model.fetchMore()  # scrolling on: the next page's rows come ticked
    assert model.rowCount() == 2 * DEFAULT_PAGE_SIZE and tick_of(model, DEFAULT_PAGE_SIZE + 5) is CHECKED
    click_row_box(qtbot, page.view, 3)  # one unticked by hand
    assert tick_of(model, 3) is UNCHECKED and header_state(model) is PARTLY and len(model.checks) == DRAFTS - 1

    handed: list[list[int]] = []

    def approve(invoice_ids):
        handed.append(list(invoice_ids))
        return ApproveResult(approved=(), rejected=()), "Nothing was approved.", Tone.PROBLEM

    monkeypatch.setattr(draft_page_module, "approve", approve)
    read_before = sum(rows_read)
    page.approve_bar.button.click()
    assert handed == [[i for i in ids if i != ids[3]]]  # every other draft, in the list's order, listed in SQL
    assert sum(rows_read) - read_before == 2 * DEFAULT_PAGE_SIZE  # only the refresh after it: what was loaded


def click_row_box(qtbot, view, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_select_all_stands_for_the_search_it_was_ticked_in(qtbot, db):
    from invoice_desktop.ui.models.invoice_table_model import CheckableInvoiceTableModel

    ids = many_invoices(30)  # BULK-00001..30
    model = CheckableInvoiceTableModel(Tab.DRAFT, page_size=5, today=lambda: TODAY)
    model.reload()
    model.checks.set_checked([ids[0]], True)
    model.set_search("BULK-0002")  # BULK-00020..29
    model.checks.set_all(True)
    assert len(model.checks) == 11  # the ten of the search and BULK-00001, ticked before it
    model.set_search("")  # the select-all stays those ten, it does not grow to the whole list
    assert sorted(model.checks.ids()) == sorted([ids[0], *ids[19:29]])
    assert header_state(model) is PARTLY


def test_a_select_all_unticked_row_by_row_is_no_select_all(qtbot, db):
    from invoice_desktop.ui.models.invoice_table_model import CheckableInvoiceTableModel

    ids = many_invoices(3)
    model = CheckableInvoiceTableModel(Tab.DRAFT, today=lambda: TODAY)
    model.reload()
    model.checks.set_all(True)
    model.checks.set_checked(ids, False)
    assert not model.checks.every and len(model.checks) == 0 and header_state(model) is UNCHECKED
    make_invoice("LATER-1", "Later Client", "5.00", TODAY, TODAY)  # a draft made later is not ticked
    model.reload()
    assert len(model.checks) == 0 and tick_of(model, 3) is UNCHECKED


def test_row_checks_keep_ids_ticked_one_by_one_without_a_list():
    checks = RowChecks()
    checks.set_checked([4, 2], True)
    checks.set_all(True)  # no list: nothing to tick
    assert checks.ids() == [4, 2] and not checks.every


# --- the Failed table: a paged list ---------------------------------------------------------------------------


def failed_rows(count: int) -> list[FailedRow]:
    at, archived = datetime(2024, 5, 15, 9, 30, tzinfo=UTC), FailureCategory.ARCHIVED_CONTACT
    return [FailedRow(n, f"F-{n:06d}", "Client", "1.00", archived, (), "", 1, at, None) for n in range(1, count + 1)]


class ListedFailed:
    """A FailedList over rows in memory, in one order, that records what it is asked and on which thread."""

    def __init__(self, rows: list[FailedRow]) -> None:
        self.rows = rows
        self.read: list[int] = []  # the size of every page read
        self.listed_on: list[int] = []  # the thread of every listing of the keys
        self.asked: list[int] = []  # how many keys each membership query was asked about
        self.gone: set[int] = set()  # exported: no longer in the list

    def source(self) -> FailedList:
        return FailedList(page=self.page, count=lambda: len(self.rows), keys=self.keys, among=self.among)

    def page(self, _order: str, _descending: bool, offset: int, limit: int) -> list[FailedRow]:
        listed = [r for r in self.rows if r.invoice_id not in self.gone] if self.gone else self.rows
        page = listed[offset : offset + limit]
        self.read.append(len(page))
        return page

    def keys(self, _order: str, _descending: bool) -> list[int]:
        self.listed_on.append(threading.get_ident())
        return [row.invoice_id for row in self.rows]

    def among(self, keys) -> set[int]:
        self.asked.append(len(keys))
        return {k for k in keys if 1 <= k <= len(self.rows) and k not in self.gone}


class RecordingWorker(QObject):
    """Stands in for ExportWorker: keeps what the Resync hands it."""

    batch_started = Signal(list)
    outcomes_done = Signal(list)
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()
    made: list[RecordingWorker] = []

    def __init__(self, paths, endpoints, invoice_ids, client_id=None, exporter=None, parent=None, *, in_child=False):
        super().__init__(parent)
        self.invoice_ids = invoice_ids
        RecordingWorker.made.append(self)

    def start(self) -> None: ...

    def cancel(self) -> None: ...

    def wait(self) -> bool:
        return True


def test_select_all_of_50000_failed_reads_one_page_and_resync_lists_them_on_its_thread(qtbot, app_context, monkeypatch):
    failed = ListedFailed(failed_rows(FAILED))
    model = FailedTableModel(failed.source())
    model.reload()

    from invoice_desktop.ui.xero_exports_failed import FailedPanel

    monkeypatch.setattr(xero_exports_failed, "ExportWorker", RecordingWorker)
    RecordingWorker.made = []
    panel = FailedPanel(app_context, model)
    qtbot.addWidget(panel)
    panel.resize(800, 400)
    panel.show()
    qtbot.waitExposed(panel.view)
    assert sum(failed.read) == model.rowCount() == DEFAULT_PAGE_SIZE

    panel.view.check_header.toggle_all()
    assert len(model.checks) == FAILED and header_state(model) is CHECKED
    click_row_box(qtbot, panel.view, 0)  # F-000001 unticked by hand
    assert len(model.checks) == FAILED - 1
    panel.resync_bar.button.click()
    assert panel.progress.bar.maximum() == FAILED - 1
    assert sum(failed.read) == DEFAULT_PAGE_SIZE and not failed.listed_on  # no other page, no listing here

    (worker,) = RecordingWorker.made
    assert callable(worker.invoice_ids)  # the ids are listed where the Resync runs
    listed: list[list[int]] = []
    thread = threading.Thread(target=lambda: listed.append(worker.invoice_ids()))
    thread.start()
    thread.join()
    assert listed == [list(range(2, FAILED + 1))]  # in the table's order, the unticked one left out
    assert failed.listed_on == [thread.ident]  # the listing happened there, not on the GUI thread

    # The worker's reports: a batch begun (rows loaded and not), then 1,000 exported and 100 refused, most of them
    # never loaded. The GUI thread handles each report's keys, never the list's.
    exported_counts: list[int] = []
    panel.invoices_exported.connect(lambda keys: exported_counts.append(len(keys)))
    worker.batch_started.emit(list(range(2, 1101)))
    qtbot.waitUntil(lambda: model.is_sending(2))
    assert not model.is_sending(DEFAULT_PAGE_SIZE + 1)  # not loaded: nothing kept for it
    failed.gone.update(range(2, 1002))
    archived = FailureCategory.ARCHIVED_CONTACT
    outcomes = [ExportOutcome(n, f"F-{n:06d}", ExportState.SYNCED) for n in range(2, 1002)]
    outcomes += [ExportOutcome(n, f"F-{n:06d}", ExportState.FAILED, category=archived) for n in range(1002, 1101)]
    worker.outcomes_done.emit(outcomes)
    qtbot.waitUntil(lambda: exported_counts == [1000])
    # F-000001 (unticked) is left of the first page, the others are in Xero (the view may have fetched a page more)
    assert model.row_of(1) == 0 and all(model.row_of(k) is None for k in range(2, 1002))
    assert model.rowCount() <= 1 + DEFAULT_PAGE_SIZE
    assert len(model.checks) == FAILED - 1 - 1000 and panel.resync_bar.ticked_label.text() == "48,999 invoices ticked"
    worker.finished.emit()
    assert not model.is_sending(2) and not panel.busy
    assert sum(failed.read) <= 2 * DEFAULT_PAGE_SIZE and failed.listed_on == [thread.ident]  # no listing here
    assert max(failed.asked, default=0) <= 1100  # membership asked about a report's keys at most
